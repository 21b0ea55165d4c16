/**
 * What `streamctl dev` (and `failover drill`) run on top of the embedded
 * platform's emulators: per Region an HTTP API, the Kinesis workers and a
 * stream. The home Region uses the platform's own Kinesis; each further
 * Region gets a Kinesis of its own on the same engine (kinesalite, or
 * kinesis-mock with `--engines aws-local`: the stream of that Region) over the
 * one shared DynamoDB, which behaves as a global table with zero lag. The
 * local edge sends `/v1/*` to the primary Region's API per the routing record.
 * Each Region has its own pair of buckets on the shared S3; the CDN buckets
 * replicate to each other (a replication loop in this process, as S3
 * replication on AWS) and the edge serves media from them as an origin group,
 * the primary Region's bucket first. With several Regions,
 * `<data dir>/regions.json` says where each serves, and
 * `<data dir>/media-replication.json` how far each Region's media is behind.
 */
import type { LocalPlatform } from '@streamctl/local';
import type { MediaReplicationRegion, Platform, RateLimits, SessionSettings, StreamctlConfig } from '@streamctl/sdk';

/** One Region's running parts. */
export interface RegionServing {
  api: string;
  kinesis: string;
  /** The Region's CDN bucket (on the shared S3), replicated to the other Regions'. */
  cdnBucket: string;
}

/** Handles to break a Region on purpose (the drill). */
export interface RegionControl extends RegionServing {
  /** Stops the Region's API (its port refuses connections from then on). */
  stopApi(): Promise<void>;
  /** Stops the Region's stream and workers. */
  stopStream(): Promise<void>;
  /**
   * Takes the Region's CDN bucket out as an outage would: the edge's media origin group sees it
   * answer 503 and serves from the next Region; replication to and from it waits.
   */
  stopMedia(): void;
  /** Brings the Region's CDN bucket back: the edge may serve from it again, and replication catches up. */
  startMedia(): void;
}

/** The media replication's per-object log in the data dir: one line per object copied to a Region. */
export const MEDIA_REPLICATION_LOG = 'logs/media-replication.ndjson';

/** A local request log grows to this before it is rotated (one previous file kept). */
const REQUEST_LOG_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The local API's request log in the data dir (`logs/requests.ndjson`): returns an appender of
 * lines, in order, rotating the file to `.1` past 32 MiB. A failed write is said once on stderr,
 * never thrown into a request.
 */
export async function requestLogFile(dataDir: string): Promise<(line: string) => void> {
  const { appendFile, mkdir, rename, stat } = await import('node:fs/promises');
  const { dirname, join } = await import('node:path');
  const { LOCAL_REQUEST_LOG } = await import('@streamctl/sdk');
  const file = join(dataDir, LOCAL_REQUEST_LOG);
  await mkdir(dirname(file), { recursive: true });
  let size = await stat(file)
    .then((s) => s.size)
    .catch(() => 0);
  let chain: Promise<void> = Promise.resolve();
  let warned = false;
  return (line) => {
    chain = chain
      .then(async () => {
        if (size > REQUEST_LOG_MAX_BYTES) {
          await rename(file, `${file}.1`);
          size = 0;
        }
        await appendFile(file, line);
        size += Buffer.byteLength(line);
      })
      .catch((err) => {
        if (!warned) process.stderr.write(`warning: request log ${file}: ${(err as Error).message}\n`);
        warned = true;
      });
  };
}

/** Options of {@link startServing}. */
export interface ServingOptions {
  host: string;
  apiPort?: number;
  redisUrl?: string;
  log?: (entry: Record<string, unknown>) => void;
  player?: string;
  /** Regions of the stage, home first. Default: the platform's Region only. */
  regions?: string[];
  /** The API's rate limits (the stage's config). Default: the SDK's defaults. */
  rateLimits?: RateLimits;
  /** Plans, devices and session timings (the stage's config). Default: the SDK's defaults. */
  sessions?: SessionSettings;
}

/**
 * Starts the API and workers of every Region and routes the edge.
 * Everything stops with the platform.
 */
export async function startServing(
  platform: LocalPlatform,
  options: ServingOptions,
): Promise<Record<string, RegionServing>> {
  const controls = await startRegions(platform, options);
  return Object.fromEntries(
    Object.entries(controls).map(([r, c]) => [r, { api: c.api, kinesis: c.kinesis, cdnBucket: c.cdnBucket }]),
  );
}

/** Like {@link startServing}, with the handles a drill needs. */
export async function startRegions(
  platform: LocalPlatform,
  options: ServingOptions,
): Promise<Record<string, RegionControl>> {
  const sdk = await import('@streamctl/sdk');
  const regions = options.regions?.length ? options.regions : [platform.region];
  const home =
    regions[0] === platform.region ? regions : [platform.region, ...regions.filter((r) => r !== platform.region)];
  const controls: Record<string, RegionControl> = {};
  const mediaDown = new Set<string>();
  for (const [i, region] of home.entries()) {
    const buckets = sdk.localRegionBuckets(platform.config.resources, platform.config.stage, platform.region, region);
    let config: StreamctlConfig = {
      ...platform.config,
      region,
      regions: home,
      resources: { ...platform.config.resources, ...buckets },
      ...(options.sessions ? { sessions: options.sessions } : {}),
    };
    let kinesisStop: (() => Promise<void>) | undefined;
    if (i > 0) {
      // A Region of its own: its own stream endpoint, the shared tables and buckets.
      const { join } = await import('node:path');
      // On the platform's own engine: an aws-local run stays on kinesis-mock in every Region.
      const folder = platform.engineProfile === 'aws-local' ? `kinesis-mock-${region}` : `kinesis-${region}`;
      const emulator = await platform.startKinesis(join(platform.dataDir, folder), options.host, region);
      config = { ...config, endpoints: { ...platform.config.endpoints, kinesis: emulator.url } };
      const clients = sdk.createAwsClients(config);
      await sdk.ensureStreams(clients.kinesis(), config.resources);
      // The Region's own raw and CDN buckets, on the shared S3.
      await sdk.ensureBuckets(clients.s3(), config.resources);
      clients.destroy();
      kinesisStop = () => emulator.stop();
    }
    // One platform per Region, shared by its API and its workers: a worker's write tells the
    // Region's home pages at once.
    const serving = await createRegionPlatform(platform, config, options);
    const api = await startApi(platform, serving, {
      ...options,
      ...(i > 0 ? { apiPort: undefined, player: undefined } : {}),
      register: i === 0,
    });
    const workers = await startWorkers(platform, serving);
    let streamStopped = false;
    const stopStream = async () => {
      if (streamStopped) return;
      streamStopped = true;
      await workers();
      await kinesisStop?.();
    };
    if (i > 0) platform.onStop(stopStream);
    else platform.onStop(workers);
    controls[region] = {
      api: api.url,
      kinesis: config.endpoints?.kinesis ?? '',
      cdnBucket: buckets.cdnBucket,
      stopApi: api.stop,
      stopStream,
      stopMedia: () => {
        mediaDown.add(region);
      },
      startMedia: () => {
        mediaDown.delete(region);
      },
    };
  }
  if (home.length === 1) {
    // The edge is the one origin of the page, the API and the media, as the distribution is on AWS.
    const only = controls[platform.region]?.api;
    if (only) platform.routeApi(async () => [only]);
  }
  if (home.length > 1) {
    // Where each Region serves, for `failover` and `failover status` in other processes.
    const clear = sdk.writeLocalRegions(platform.dataDir, {
      ...(platform.parts.edge ? { edge: platform.parts.edge } : {}),
      regions: Object.fromEntries(
        Object.entries(controls).map(([r, c]) => {
          const { rawBucket } = sdk.localRegionBuckets(
            platform.config.resources,
            platform.config.stage,
            platform.region,
            r,
          );
          return [r, { api: c.api, kinesis: c.kinesis, cdnBucket: c.cdnBucket, rawBucket }];
        }),
      ),
    });
    platform.onStop(async () => clear());
    const clients = sdk.createAwsClients(platform.config);
    await sdk.ensureRouting(clients, platform.config.resources, home, 'streamctl dev');
    // The edge reads the routing record at most every half second, as an origin group would see it.
    let cached: { at: number; order: string[] } | undefined;
    const order = async () => {
      if (!cached || Date.now() - cached.at > 500) {
        const record = await sdk.readRouting(clients, platform.config.resources).catch(() => undefined);
        cached = { at: Date.now(), order: sdk.apiOrder(record, home) };
      }
      return cached.order;
    };
    platform.routeApi(async () => (await order()).map((r) => controls[r]?.api ?? '').filter(Boolean));
    // Media as the distribution's origin group: the primary Region's CDN bucket first.
    platform.routeMedia(async () =>
      (await order()).flatMap((r) => {
        const c = controls[r];
        return c ? [{ region: r, bucket: c.cdnBucket, ...(mediaDown.has(r) ? { down: true } : {}) }] : [];
      }),
    );
    await startReplication(platform, controls, home, (region) => mediaDown.has(region));
    platform.onStop(async () => clients.destroy());
  }
  return controls;
}

/**
 * Replicates every Region's CDN bucket to the others while the platform runs: each object's copy
 * is logged with its lag in `logs/media-replication.ndjson`, and the state per Region (pending,
 * oldest pending, lag) is kept in `media-replication.json` for `failover status`.
 */
async function startReplication(
  platform: LocalPlatform,
  controls: Record<string, RegionControl>,
  regions: string[],
  isDown: (region: string) => boolean,
): Promise<void> {
  const { appendFile, mkdir } = await import('node:fs/promises');
  const { dirname, join } = await import('node:path');
  const sdk = await import('@streamctl/sdk');
  const { startMediaReplication } = await import('@streamctl/local');
  const log = join(platform.dataDir, MEDIA_REPLICATION_LOG);
  await mkdir(dirname(log), { recursive: true });
  let chain: Promise<void> = Promise.resolve();
  let warned = false;
  const clients = sdk.createAwsClients(platform.config);
  let clear: (() => void) | undefined;
  const publish = (status: Record<string, MediaReplicationRegion>) => {
    clear = sdk.writeMediaReplication(platform.dataDir, { updatedAt: new Date().toISOString(), regions: status });
  };
  const replicator = await startMediaReplication({
    s3: clients.s3(),
    buckets: regions.map((region) => ({ region, bucket: controls[region]?.cdnBucket as string })),
    events: (listener) => platform.onObjectEvent(listener),
    isDown,
    onReplicated: (record) => {
      chain = chain
        .then(() => appendFile(log, `${JSON.stringify(record)}\n`))
        .catch((err: unknown) => {
          if (!warned) process.stderr.write(`warning: replication log ${log}: ${(err as Error).message}\n`);
          warned = true;
        });
    },
    onStatus: publish,
  });
  publish(replicator.status());
  // Even with nothing changing, the file says the replicator is alive and what it waits for.
  const beat = setInterval(() => publish(replicator.status()), 1_000);
  beat.unref();
  platform.onStop(async () => {
    clearInterval(beat);
    await replicator.stop();
    await chain;
    clear?.();
    clients.destroy();
  });
}

/**
 * The platform of one Region: tokens from `streamctl token` (the data dir's
 * dev key), playback signed for the local edge with the data dir's key pair,
 * and a cache (Redis when REDIS_URL is set, SPEC §4, else an in-process LRU).
 * Its API and its workers each release it when they stop; it closes after both.
 */
async function createRegionPlatform(
  platform: LocalPlatform,
  config: StreamctlConfig,
  options: ServingOptions,
): Promise<RegionPlatform> {
  const { createJwtVerifier, createMemoryCache, createPlatform, createRedisCache } = await import('@streamctl/sdk');
  const { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER, ensureDevSigningKey, localViewerLakes } = await import(
    '@streamctl/local'
  );
  const { createLocalKeySetSigner } = await import('@streamctl/sdk/keys');
  const devKey = await ensureDevSigningKey(platform.dataDir);
  const edge = platform.parts.edge;
  if (!edge) throw new Error('the local edge is not running');
  const cache = options.redisUrl ? await createRedisCache(options.redisUrl) : createMemoryCache();
  const regionPlatform = createPlatform(config, {
    cache,
    verifyToken: createJwtVerifier({
      jwks: { keys: [devKey.publicJwk] },
      issuer: DEV_TOKEN_ISSUER,
      audience: DEV_TOKEN_AUDIENCE,
    }),
    playback: {
      // The data dir's active key, as the file says now: `streamctl keys rotate` switches it in place.
      signer: createLocalKeySetSigner(platform.dataDir),
      cdnBaseUrl: edge,
    },
    // Privacy export and erasure reach the local lake's files (on AWS the lake is Athena's).
    lakes: localViewerLakes({ ...config, dataDir: platform.dataDir }),
  });
  let users = 2;
  return {
    platform: regionPlatform,
    release: async () => {
      users -= 1;
      if (users !== 0) return;
      regionPlatform.close();
      await cache.close();
    },
  };
}

/** A Region's platform, and its release by each of its two users (API, workers). */
interface RegionPlatform {
  platform: Platform;
  release(): Promise<void>;
}

/** Serves the HTTP API of one Region. The home Region's API is the platform's `api` part. */
async function startApi(
  platform: LocalPlatform,
  region: RegionPlatform,
  options: ServingOptions & { register: boolean },
): Promise<{ url: string; stop: () => Promise<void> }> {
  const regionPlatform = region.platform;
  const { ensureEdgeOriginSecret, mintDevToken } = await import('@streamctl/local');
  const { createHttpApp, serveNode } = await import('@streamctl/server');
  const app = createHttpApp(regionPlatform, {
    // What the local edge proves itself with, as CloudFront does on AWS: through the edge, grants
    // hand their cookies over in HttpOnly Set-Cookie headers.
    originSecret: ensureEdgeOriginSecret(platform.dataDir),
    ...(options.log ? { log: options.log } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    // With REDIS_URL the buckets are in Redis, shared by every Region's API; else in this process.
    rateLimitStore: regionPlatform.cache,
    region: regionPlatform.config.region,
    // The web player (`--player`) signs in as a dev user through the API; without it, no one mints here.
    ...(options.player
      ? {
          devTokens: async (userId: string, country: string, plan: string) => {
            const minted = await mintDevToken(platform.dataDir, { userId, country, plan });
            return { token: minted.token, expiresAt: minted.expiresAt };
          },
        }
      : {}),
  });
  const server = await serveNode(app, {
    host: options.host,
    ...(options.apiPort !== undefined ? { port: options.apiPort } : {}),
    ...(options.player ? { static: { root: options.player, prefix: '/player' } } : {}),
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
    await region.release();
  };
  if (options.register) platform.addPart({ name: 'api', url: server.url, stop });
  else platform.onStop(stop);
  // The player's pages come from the API's origin; the edge lets that origin read media with cookies.
  if (options.player) platform.allowPlayerOrigins([server.url]);
  return { url: server.url, stop };
}

/**
 * Runs the Region's worker set as local pollers over its stream, with the
 * ledger and dead letters in the platform table, QoE metrics as EMF lines
 * in `<data dir>/metrics/qoe.emf.ndjson`, the search index in
 * `<data dir>/search/<region>.json`, and the lake worker writing Parquet into
 * `<data dir>/lake/<lake bucket>/events/`. Returns their stop.
 */
async function startWorkers(platform: LocalPlatform, region: RegionPlatform): Promise<() => Promise<void>> {
  const regionPlatform = region.platform;
  const { appendFile, mkdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { toEmf } = await import('@streamctl/sdk');
  const { startPoller } = await import('@streamctl/workers');
  const { clients, config } = regionPlatform;
  const metricsDir = join(platform.dataDir, 'metrics');
  await mkdir(metricsDir, { recursive: true });
  // Consumer names carry the Region: each Region's stream has its own shards and checkpoints.
  const consumers = regionPlatform.consumers.workerSet({
    qoeSink: (metric) => appendFile(join(metricsDir, 'qoe.emf.ndjson'), `${toEmf(metric)}\n`),
    nameSuffix: config.region === platform.region ? '' : `@${config.region}`,
  });
  // The search index is derived from the catalog: a data dir without one (new, or its file lost) gets it rebuilt.
  await regionPlatform.search.ensure();
  // The lake worker: what Firehose does on AWS, into `<data dir>/lake/<lake bucket>` as Parquet.
  const { createDuckDbParquetWriter } = await import('@streamctl/local');
  const { createLakeConsumer, localLakeRoot } = await import('@streamctl/sdk');
  const writer = await createDuckDbParquetWriter();
  const lake = createLakeConsumer({
    name: `lake${config.region === platform.region ? '' : `@${config.region}`}`,
    root: localLakeRoot(platform.dataDir, config.resources),
    writer,
    park: regionPlatform.consumers.park,
    erased: (userId) => regionPlatform.privacy.isErased(userId),
    maxEvents: config.analytics.lakeMaxEvents,
    maxAgeMs: config.analytics.lakeFlushSeconds * 1000,
  });
  const pollers = await Promise.all(
    [...Object.values(consumers), lake].map((c) => startPoller(clients, config.resources, c, { idleMs: 100 })),
  );
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(pollers.map((p) => p.stop()));
    writer.close();
    await region.release();
  };
}
