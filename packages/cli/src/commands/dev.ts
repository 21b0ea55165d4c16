import type { LocalPlatform } from '@streamctl/sdk/local';
import { defineCommand } from '../context.js';
import { UsageError } from '../errors.js';

interface DevOptions {
  dataDir?: string;
  reset?: boolean;
  host: string;
  apiPort: number;
  player?: string;
}

/** `streamctl dev`: the embedded local platform (SPEC §4). */
export const dev = defineCommand<DevOptions>({
  name: 'dev',
  description: 'start the embedded local platform (DynamoDB, Kinesis, S3 emulators) until Ctrl-C',
  options: [
    { flags: '--data-dir <dir>', description: 'where data is kept (env STREAMCTL_DATA_DIR; default .streamctl/local)' },
    { flags: '--reset', description: 'wipe the data dir before starting' },
    { flags: '--host <address>', description: 'loopback address to bind', default: '127.0.0.1' },
    {
      flags: '--api-port <port>',
      description: 'port of the local API (default: a free port)',
      parse: (value) => {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new UsageError(`invalid --api-port "${value}"`, 'use a port number from 0 to 65535');
        }
        return port;
      },
    },
    {
      flags: '--player <dir>',
      description: 'serve a built web app (e.g. examples/web-player/dist) at <api>/player/',
    },
  ],
  examples: [
    'streamctl dev',
    'streamctl dev --json --data-dir /tmp/streamctl',
    'streamctl dev --reset',
    'streamctl dev --player examples/web-player/dist',
  ],
  async handler(ctx, _args, options) {
    if (ctx.globals.stage && ctx.globals.stage !== 'local') {
      throw new UsageError(`streamctl dev runs the local stage only, not "${ctx.globals.stage}"`, 'drop --stage');
    }
    if (ctx.globals.endpointUrl) {
      throw new UsageError('streamctl dev starts its own emulators and takes no --endpoint-url', 'drop --endpoint-url');
    }
    const config = await ctx.config({ stage: 'local', dataDir: options.dataDir });
    const { startLocalPlatform } = await import('@streamctl/sdk/local');
    const started = performance.now();
    const platform = await ctx.ui.spin('Starting the local platform', () =>
      startLocalPlatform({
        dataDir: config.dataDir,
        reset: options.reset === true,
        region: config.region,
        host: options.host,
        resources: config.resources,
      }),
    );
    try {
      // Request logs go to stderr, and only with --verbose: stdout belongs to --json.
      const log = ctx.globals.verbose
        ? (entry: Record<string, unknown>) => ctx.io.stderr.write(`${JSON.stringify(entry)}\n`)
        : undefined;
      let player: string | undefined;
      if (options.player) {
        const { existsSync } = await import('node:fs');
        const { resolve } = await import('node:path');
        player = resolve(options.player);
        if (!existsSync(`${player}/index.html`)) {
          throw new UsageError(
            `--player ${options.player} has no index.html`,
            'build it first: npx -y pnpm@10.34.8 --filter web-player build',
          );
        }
      }
      await startApi(platform, options.host, options.apiPort, ctx.io.env.REDIS_URL, log, player);
      await startWorkers(platform);
    } catch (err) {
      await platform.stop();
      throw err;
    }
    // Register the shutdown listener before announcing readiness, so a
    // signal sent right after the ready line is never missed.
    const shutdown = ctx.io.waitForShutdown();
    if (ctx.globals.json) {
      ctx.json(platform.readyLine());
    } else {
      const rows = Object.entries(platform.parts).map(([name, url]) => `  ${name.padEnd(9)} ${url}`);
      const created = platform.resources.filter((r) => r.action === 'created').map((r) => r.name);
      ctx.print(
        [
          `Local platform ready in ${Math.round(performance.now() - started)} ms (data dir ${platform.dataDir})`,
          ...rows,
          ...(created.length ? [`  created   ${created.join(', ')}`] : []),
          '',
          'Use it from another terminal with `streamctl status --stage local`. Ctrl-C stops it.',
        ].join('\n'),
      );
    }
    const signal = await shutdown;
    if (!ctx.globals.json) ctx.ui.note(`${signal}: stopping the local platform…`);
    await platform.stop();
    if (!ctx.globals.json) ctx.ui.note('Stopped.');
  },
});

/**
 * Serves the HTTP API against the platform's emulators and registers it as
 * the `api` part: tokens from `streamctl token` (the data dir's dev key),
 * playback signed for the local edge with the data dir's key pair.
 */
async function startApi(
  platform: LocalPlatform,
  host: string,
  port: number | undefined,
  redisUrl: string | undefined,
  log: ((entry: Record<string, unknown>) => void) | undefined,
  player?: string,
): Promise<void> {
  const { createMemoryCache, createPlatform, createPlaybackSigner, createRedisCache } = await import('@streamctl/sdk');
  const { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER, ensureDevSigningKey, ensureEdgeKeyPair, mintDevToken } = await import(
    '@streamctl/sdk/local'
  );
  const { createHttpApp, createJwtVerifier, createPlatformServices, serveNode } = await import('@streamctl/server');
  const devKey = await ensureDevSigningKey(platform.dataDir);
  const edgeKey = ensureEdgeKeyPair(platform.dataDir);
  const edge = platform.parts.edge;
  if (!edge) throw new Error('the local edge is not running');
  const apiPlatform = createPlatform(platform.config);
  // Redis when REDIS_URL is set (SPEC §4), else an in-process LRU.
  const cache = redisUrl ? await createRedisCache(redisUrl) : createMemoryCache();
  const services = createPlatformServices(apiPlatform, {
    cache,
    verifyToken: createJwtVerifier({
      jwks: { keys: [devKey.publicJwk] },
      issuer: DEV_TOKEN_ISSUER,
      audience: DEV_TOKEN_AUDIENCE,
    }),
    playback: {
      signer: createPlaybackSigner({ keyPairId: edgeKey.keyPairId, privateKey: edgeKey.privateKeyPem }),
      cdnBaseUrl: edge,
    },
  });
  const app = createHttpApp(services, {
    ...(log ? { log } : {}),
    // A browser app on the local stage signs in as a dev user through the API.
    devTokens: async (userId, country) => {
      const minted = await mintDevToken(platform.dataDir, { userId, country });
      return { token: minted.token, expiresAt: minted.expiresAt };
    },
  });
  const server = await serveNode(app, {
    host,
    ...(port !== undefined ? { port } : {}),
    ...(player ? { static: { root: player, prefix: '/player' } } : {}),
  });
  platform.addPart({
    name: 'api',
    url: server.url,
    stop: async () => {
      await server.stop();
      await cache.close();
      apiPlatform.close();
    },
  });
}

/**
 * Runs the Kinesis workers (watch-state, signals, qoe) as local pollers over
 * the platform's stream, with the ledger and dead letters in the platform
 * table and QoE metrics as EMF lines in `<data dir>/metrics/qoe.emf.ndjson`.
 */
async function startWorkers(platform: LocalPlatform): Promise<void> {
  const { appendFile, mkdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { createAwsClients, createUsers } = await import('@streamctl/sdk');
  const workers = await import('@streamctl/workers');
  const clients = createAwsClients(platform.config);
  const names = platform.config.resources;
  const metricsDir = join(platform.dataDir, 'metrics');
  await mkdir(metricsDir, { recursive: true });
  const common = {
    idempotency: workers.createDynamoIdempotencyStore(clients, names),
    park: workers.createDeadLetterTable(clients, names),
  };
  const consumers = [
    { name: 'watch-state', process: workers.createWatchStateProcessor(createUsers(clients, names)), ...common },
    { name: 'signals', process: workers.createSignalsProcessor(clients, names), ...common },
    {
      name: 'qoe',
      process: workers.createQoeProcessor((metric) =>
        appendFile(join(metricsDir, 'qoe.emf.ndjson'), `${workers.toEmf(metric)}\n`),
      ),
      ...common,
    },
  ];
  const pollers = await Promise.all(consumers.map((c) => workers.startPoller(clients, names, c, { idleMs: 100 })));
  platform.onStop(async () => {
    await Promise.all(pollers.map((p) => p.stop()));
    clients.destroy();
  });
}
