import { defineCommand } from '../context.js';
import { UsageError } from '../errors.js';

interface DevOptions {
  reset?: boolean;
  engines?: string;
  host: string;
  apiPort: number;
  player?: string;
  regions?: string;
}

/** True for addresses only this machine can reach. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** `streamctl dev`: the embedded local platform (SPEC §4). */
export const dev = defineCommand<DevOptions>({
  name: 'dev',
  description: 'start the embedded local platform (DynamoDB, Kinesis, S3 emulators) until Ctrl-C',
  options: [
    { flags: '--reset', description: 'wipe the data dir before starting' },
    {
      flags: '--engines <profile>',
      description:
        'emulators of the AWS parts: embedded (dynalite, kinesalite, s3rver; Node only) or aws-local (DynamoDB Local on Java, kinesis-mock, s3rver) (default: embedded, or $STREAMCTL_ENGINES, or the config file)',
    },
    {
      flags: '--host <address>',
      description: 'address to bind; anything but loopback asks first (--yes to confirm)',
      default: '127.0.0.1',
    },
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
      flags: '--regions <list>',
      description: 'run one API, worker set and stream per Region over one shared store (e.g. us-east-1,eu-west-1)',
    },
    {
      flags: '--player <dir>',
      description: 'serve a built web app (e.g. examples/web-player/dist) at <edge>/player/ (and <api>/player/)',
    },
  ],
  examples: [
    'streamctl dev',
    'streamctl dev --json --data-dir /tmp/streamctl',
    'streamctl dev --reset',
    'streamctl dev --engines aws-local',
    'streamctl dev --player examples/web-player/dist',
    'streamctl dev --regions us-east-1,eu-west-1',
  ],
  async handler(ctx, _args, options) {
    if (ctx.globals.stage && ctx.globals.stage !== 'local') {
      throw new UsageError(`streamctl dev runs the local stage only, not "${ctx.globals.stage}"`, 'drop --stage');
    }
    if (ctx.globals.endpointUrl) {
      throw new UsageError('streamctl dev starts its own emulators and takes no --endpoint-url', 'drop --endpoint-url');
    }
    if (!isLoopback(options.host)) {
      // Other machines would reach the tables, the raw masters and the key that mints tokens for any user.
      ctx.io.stderr.write(
        `warning: --host ${options.host} serves the dev platform beyond this machine: its data, masters and dev tokens have no protection\n`,
      );
      if (!(await ctx.ui.confirm({ message: `Serve the dev platform on ${options.host}?`, default: false }))) {
        throw new UsageError(`not serving on ${options.host}`, 'bind a loopback address (127.0.0.1), or pass --yes');
      }
    }
    const config = await ctx.config({
      stage: 'local',
      ...(options.regions ? { regions: options.regions } : {}),
      ...(options.engines ? { engines: options.engines } : {}),
    });
    let regionsUp: Record<string, { api: string; kinesis: string; cdnBucket: string }> = {};
    const { engineCacheDir, startLocalPlatform } = await import('@streamctl/local');
    const started = performance.now();
    const platform = await ctx.ui.spin('Starting the local platform', () =>
      startLocalPlatform({
        dataDir: config.dataDir,
        reset: options.reset === true,
        region: config.region,
        host: options.host,
        resources: config.resources,
        engines: config.engines,
        engineCacheDir: engineCacheDir(ctx.io.env),
        env: ctx.io.env,
      }),
    );
    try {
      // Request logs go to the data dir (`report qoe` reads the API's p99 there) and, with --verbose,
      // to stderr: stdout belongs to --json.
      const { requestLogFile } = await import('../local-serving.js');
      const toFile = await requestLogFile(platform.dataDir);
      const log = (entry: Record<string, unknown>) => {
        const line = `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`;
        toFile(line);
        if (ctx.globals.verbose) ctx.io.stderr.write(line);
      };
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
      const { startServing } = await import('../local-serving.js');
      regionsUp = await startServing(platform, {
        host: options.host,
        ...(options.apiPort !== undefined ? { apiPort: options.apiPort } : {}),
        ...(ctx.io.env.REDIS_URL ? { redisUrl: ctx.io.env.REDIS_URL } : {}),
        log,
        ...(player ? { player } : {}),
        regions: config.regions,
        // The stage's limits (config file, STREAMCTL_RATE_LIMIT_*): a load test on loopback raises them.
        rateLimits: config.rateLimits,
        // Plans and session timings likewise (config file `sessions`, STREAMCTL_SESSIONS_*).
        sessions: config.sessions,
      });
    } catch (err) {
      await platform.stop();
      throw err;
    }
    // Register the shutdown listener before announcing readiness, so a
    // signal sent right after the ready line is never missed.
    const shutdown = ctx.io.waitForShutdown();
    const multiRegion = Object.keys(regionsUp).length > 1;
    // Through the edge the page, the API and the media share one origin (grants set HttpOnly cookies).
    const playerUrl = options.player && platform.parts.edge ? `${platform.parts.edge}/player/` : undefined;
    if (ctx.globals.json) {
      ctx.json({
        ...platform.readyLine(),
        ...(playerUrl ? { player: playerUrl } : {}),
        ...(multiRegion ? { regions: regionsUp } : {}),
      });
    } else {
      const engines: Record<string, string | undefined> = platform.engines;
      const rows = Object.entries(platform.parts).map(
        ([name, url]) => `  ${name.padEnd(9)} ${url}${engines[name] ? `  (${engines[name]})` : ''}`,
      );
      if (multiRegion) {
        for (const [region, parts] of Object.entries(regionsUp))
          rows.push(`  ${region.padEnd(9)} api ${parts.api}, kinesis ${parts.kinesis}, cdn bucket ${parts.cdnBucket}`);
      }
      if (playerUrl) rows.push(`  player    ${playerUrl}  (page, API and media on the edge's one origin)`);
      const created = platform.resources.filter((r) => r.action === 'created').map((r) => r.name);
      ctx.print(
        [
          `Local platform ready in ${Math.round(performance.now() - started)} ms (engines ${platform.engineProfile}, data dir ${platform.dataDir})`,
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
