/**
 * `createPlatform(config)`: every capability of a stage as a member, and the
 * use cases the shells call (the API's routes, the workers, the CLI). A
 * shell translates its input into one call here and the result back; the
 * rules live behind these members, once.
 */

import type { ViewerLake } from '../analytics/lake.js';
import { type AwsClients, createAwsClients } from '../aws/index.js';
import { type Cache, createMemoryCache } from '../cache/index.js';
import {
  type Catalog,
  createCatalog,
  createTitleViews,
  TITLE_STATUS,
  type TitleViews,
  withCatalogCache,
} from '../catalog/index.js';
import {
  holdsControlTable,
  LOCAL_STAGE,
  type ResolveConfigOptions,
  resolveConfig,
  type StreamctlConfig,
} from '../config/index.js';
import {
  type CheckpointStore,
  type Consumer,
  type ConsumerName,
  createCheckpointStore,
  createDeadLetterTable,
  createDynamoIdempotencyStore,
  createWorkerSet,
  type IdempotencyStore,
  type Parker,
  type WorkerSetOptions,
} from '../consumers/index.js';
import { ConfigError, isStreamctlError } from '../errors/index.js';
import {
  createEventPublisher,
  createEventsAcceptor,
  type EngagementEvent,
  type EventPublisher,
  type EventsAcceptor,
  type PublisherOptions,
  type PublishResult,
} from '../events/index.js';
import { checkHealth, type HealthReport, type HttpPart } from '../health/index.js';
import { createIngest, type Ingest } from '../ingest/index.js';
import { readLocalPlatformState } from '../local/index.js';
import {
  createArtworkSigner,
  createPlaybackGrants,
  type PlaybackGrantOptions,
  type PlaybackGrants,
} from '../playback/index.js';
import { createPrivacy, type Privacy, type PrivacyRegion } from '../privacy/index.js';
import {
  type ContentKeys,
  createContentKeys,
  createKeyDelivery,
  type KeyDelivery,
  type KeyWrapper,
  keyWrapperFor,
} from '../protection/index.js';
import { createPublisher, type Publisher } from '../publish/index.js';
import { type QoeMetric, qoeMetrics } from '../qoe/index.js';
import {
  createDynamoModelStore,
  createHomeService,
  createLearner,
  type Home,
  type Learner,
  type ModelStore,
} from '../recommendations/index.js';
import {
  controlTableStore,
  createRegionalEventsPut,
  type FailoverInput,
  type FailoverResult,
  localRegionView,
  type RegionsHealthOptions,
  type RoutingRecord,
  readRouting,
  regionConfig,
  regionsHealth,
  runFailover,
} from '../regions/index.js';
import { createSearch, type Search, searchEngineFor } from '../search/index.js';
import { createDynamoPlayback, createSessions, type Sessions, withRedisSessions } from '../sessions/index.js';
import {
  createUsers,
  createViewerLists,
  createWatchState,
  type TokenVerifier,
  type Users,
  type Viewer,
  type ViewerLists,
  type WatchState,
} from '../users/index.js';

/** What a stage's platform is made with besides its configuration. */
export interface PlatformOptions {
  /** The shared cache (Redis on AWS). Default: an in-process LRU. The caller closes a cache it passes. */
  cache?: Cache;
  /** How viewers' bearer tokens are verified (Cognito's JWKS on AWS, the data dir's dev key locally). */
  verifyToken?: TokenVerifier;
  /** How playback grants are signed; without it grants throw `CONFIG_INVALID`. */
  playback?: PlaybackGrantOptions;
  /** Time budget of each home-page source, in ms. Default 300. */
  homeBudgetMs?: number;
  /** The clock, in epoch ms (tests move it). Default `Date.now`. */
  now?: () => number;
  /** The analytics lakes this process can rewrite (the local lake), for privacy export and erasure. */
  lakes?: ViewerLake[];
  /** How content keys are wrapped at rest. Default: the stage's KMS key, or the local data dir's key. */
  keyWrapper?: KeyWrapper;
}

/** The platform of one stage: its configuration, clients, capabilities and use cases. */
export interface Platform {
  readonly config: StreamctlConfig;
  readonly clients: AwsClients;
  readonly cache: Cache;

  /** The catalog, as operators see it (uncached). */
  readonly catalog: Catalog;
  /** The viewer-facing catalog: published titles only. */
  readonly titles: TitleViews;
  readonly ingest: Ingest;
  readonly publish: Publisher;
  /** Region-local user state (watchlist, progress, history). */
  readonly users: Users;
  /** The viewer's own lists, as the API serves them. */
  readonly lists: ViewerLists;
  /** Playback grants: entitlement, a session within the plan's limit, then signed URL and cookies. */
  readonly playback: PlaybackGrants;
  /** Plans, devices and playback sessions of accounts. */
  readonly sessions: Sessions;
  /** Content protection: the content key store, and key delivery to viewers who are playing. */
  readonly protection: { readonly keys: ContentKeys; readonly delivery: KeyDelivery };
  /** Engagement events: a viewer's batch, validated events into the stream, a batching publisher. */
  readonly events: EventsAcceptor & {
    put(events: EngagementEvent[]): Promise<PublishResult>;
    publisher(options?: PublisherOptions): EventPublisher;
  };
  /** Watch state written from events. */
  readonly watchState: WatchState;
  /**
   * The home page; it depends on who and where the viewer is, not on their plan. `changed` tells
   * every process that serves pages (the viewer's model version moves) that the viewer's state changed.
   */
  readonly home: {
    build(viewer: Pick<Viewer, 'userId' | 'country'>): Promise<Home>;
    changed(userId: string): Promise<void>;
  };
  /** The recommendation models and the learner that feeds them. */
  readonly recommendations: Learner & { readonly models: ModelStore };
  /** Catalog search, and keeping its index in line with the catalog. */
  readonly search: Search;
  /** Consent to personalization, and the export and verified erasure of a viewer. */
  readonly privacy: Privacy;
  /** Quality-of-experience metrics from events. */
  readonly qoe: { measure(event: EngagementEvent): QoeMetric[] };
  /** The stream's consumers: their ledger, dead letters, checkpoints, and the worker set. */
  readonly consumers: {
    readonly ledger: IdempotencyStore;
    readonly park: Parker;
    readonly checkpoints: CheckpointStore;
    workerSet(options: WorkerSetOptions): Record<ConsumerName, Consumer>;
  };
  /** Regions: the routing record, every Region's health, failover. */
  readonly regions: {
    routing(): Promise<RoutingRecord | undefined>;
    health(options?: RegionsHealthOptions): ReturnType<typeof regionsHealth>;
    failover(input: FailoverInput): Promise<FailoverResult>;
  };
  /** The viewer a bearer token stands for; `UNAUTHORIZED` when it is not valid. */
  authenticate(token: string): Promise<Viewer>;
  /**
   * Health of every part of the stage; the cache is included (reported, not critical) unless
   * `includeCache: false`. With `maxAgeMs`, a report at most that old is answered instead of
   * checking again (an anonymous `/health` must not fan out to the AWS APIs on every call).
   */
  health(options?: { timeoutMs?: number; includeCache?: boolean; maxAgeMs?: number }): Promise<HealthReport>;
  /** Closes every client's sockets (not a cache passed in). */
  close(): void;
}

/**
 * For the `local` stage with no endpoint override, points the configuration
 * at the running embedded platform found through its data dir.
 * Throws `LOCAL_NOT_RUNNING` when none runs.
 */
export function withLocalEndpoints(config: StreamctlConfig): { config: StreamctlConfig; httpParts: HttpPart[] } {
  if (config.stage !== LOCAL_STAGE || config.endpointUrl || config.endpoints) return { config, httpParts: [] };
  const state = readLocalPlatformState(config.dataDir);
  const { dynamodb, kinesis, s3 } = state.parts;
  const endpoints = {
    ...(dynamodb ? { dynamodb } : {}),
    ...(kinesis ? { kinesis } : {}),
    ...(s3 ? { s3 } : {}),
  };
  const httpParts = (['api', 'edge'] as const).flatMap((name) => {
    const url = state.parts[name];
    return url ? [{ name, url }] : [];
  });
  // The running platform's Regions and resource names win: they are what it created.
  const view = localRegionView(config, state);
  return {
    config: {
      ...config,
      region: view.region,
      regions: view.regions,
      resources: view.resources,
      endpoints: { ...endpoints, ...(view.kinesis ? { kinesis: view.kinesis } : {}) },
    },
    httpParts,
  };
}

/**
 * Creates the platform of a resolved stage. On the `local` stage it finds
 * the running `streamctl dev` through the data dir. Members are made on
 * first use, so a command that needs one capability pays for that one.
 *
 * @example
 * ```ts
 * import { createPlatform, resolveConfig } from '@streamctl/sdk';
 *
 * const platform = createPlatform(await resolveConfig({ flags: { stage: 'local' } }));
 * const report = await platform.health();
 * const grant = await platform.playback.grant({ userId: 'alice', country: 'GB', plan: 'basic' }, 't1', { deviceId: 'tv-1' });
 * platform.close();
 * ```
 */
export function createPlatform(config: StreamctlConfig, options: PlatformOptions = {}): Platform {
  const { config: effective, httpParts } = withLocalEndpoints(config);
  const clients = createAwsClients(effective);
  const names = effective.resources;
  const cache = options.cache ?? createMemoryCache();
  const ownsCache = !options.cache;
  const once = <T>(make: () => T): (() => T) => {
    let value: T | undefined;
    let made = false;
    return () => {
      if (!made) {
        value = make();
        made = true;
      }
      return value as T;
    };
  };
  const catalog = once(() => createCatalog(clients, names));
  // Viewer-facing reads go through the cache: hot titles and availability lists.
  const viewerCatalog = once(() => withCatalogCache(catalog(), cache));
  const users = once(() => createUsers(clients, names));
  const models = once(() =>
    createDynamoModelStore(clients, names, {
      // Rows this Region writes carry its name; reads merge every Region's (the user-state global table).
      region: effective.region,
      regions: effective.regions,
      counterShards: effective.models.counterShards,
      ...(options.now ? { now: options.now } : {}),
    }),
  );
  // Posters as signed URLs through the edge, when the stage signs playback.
  const artwork = options.playback
    ? createArtworkSigner({
        signer: options.playback.signer,
        cdnBaseUrl: options.playback.cdnBaseUrl,
        ttlSeconds: options.playback.ttlSeconds ?? effective.sessions.grantSeconds,
        ...(options.playback.bucketSeconds !== undefined ? { bucketSeconds: options.playback.bucketSeconds } : {}),
        ...(options.now ? { now: options.now } : {}),
      })
    : undefined;
  const home = once(() =>
    createHomeService({
      catalog: viewerCatalog(),
      users: users(),
      models: models(),
      cache,
      personalized: (viewer): Promise<boolean> => privacy().personalized(viewer.userId, viewer.country),
      ...(options.homeBudgetMs !== undefined ? { budgetMs: options.homeBudgetMs } : {}),
      ...(artwork ? { artwork } : {}),
    }),
  );
  // A viewer's state changed: this process's cached page goes at once, and the viewer's model
  // version moves so every other process's cached page (other API instances) is rebuilt too.
  const dropLocal = (userId: string): Promise<void> => home().changed(userId);
  const changed = async (userId: string) => {
    await models().touch(userId);
    await dropLocal(userId);
  };
  const ledger = once(() => createDynamoIdempotencyStore(clients, names));
  const park = once(() => createDeadLetterTable(clients, names));
  // With several Regions, a batch goes to the next Region's stream when this Region's is down.
  let regionalPutMade = false;
  const regionalPut = once(() => {
    regionalPutMade = true;
    return createRegionalEventsPut(effective, clients);
  });
  const put = (events: EngagementEvent[]) => regionalPut().put(events);

  const now = options.now ?? Date.now;
  const lastHealth = new Map<string, { at: number; report: Promise<HealthReport> }>();
  const checkAll = async ({ includeCache = true, ...o }: { timeoutMs?: number; includeCache?: boolean }) => {
    const started = performance.now();
    const [report, cacheHealth] = await Promise.all([
      checkHealth(effective, clients, { httpParts, ...o }),
      cache.health(),
    ]);
    if (!includeCache) return report;
    // The cache is reported but not critical: the API degrades without it.
    return {
      ...report,
      parts: [
        ...report.parts,
        {
          name: 'cache',
          ok: cacheHealth.ok,
          endpoint: undefined,
          latencyMs: Math.round(performance.now() - started),
          resources: [{ name: cache.kind, ok: cacheHealth.ok, status: cacheHealth.detail }],
          ...(cacheHealth.ok ? {} : { error: { code: 'CACHE_UNAVAILABLE', message: cacheHealth.detail } }),
        },
      ],
    };
  };

  const platform: Platform = {
    config: effective,
    clients,
    cache,
    get catalog() {
      return catalog();
    },
    get titles() {
      return titleViews();
    },
    get ingest() {
      return ingest();
    },
    get publish() {
      return publisher();
    },
    get users() {
      return users();
    },
    get lists() {
      return lists();
    },
    get playback() {
      return grants();
    },
    get sessions() {
      return sessions();
    },
    protection: {
      get keys() {
        return contentKeys();
      },
      get delivery() {
        return keyDelivery();
      },
    },
    events: {
      accept: (viewer, batch) => acceptor().accept(viewer, batch),
      put,
      // Batches fail over between Regions as `put` does; a caller's own `put` wins.
      publisher: (o) => createEventPublisher(clients, names, { put, ...o }),
    },
    get watchState() {
      return watchState();
    },
    home: {
      build: (viewer) => home().build(viewer),
      changed,
    },
    get recommendations() {
      return recommendations();
    },
    get search() {
      return search();
    },
    get privacy() {
      return privacy();
    },
    qoe: { measure: qoeMetrics },
    consumers: {
      get ledger() {
        return ledger();
      },
      get park() {
        return park();
      },
      get checkpoints() {
        return checkpoints();
      },
      workerSet: (o) =>
        createWorkerSet(
          platform,
          { idempotency: ledger(), park: park(), erased: (userId) => privacy().isErased(userId) },
          o,
        ),
    },
    regions: {
      routing: async () => {
        // A Region without a replica of the control table reads the record in a control Region.
        if (holdsControlTable(effective, effective.region)) return readRouting(clients, names);
        const control = controlTableStore(effective);
        try {
          return await readRouting(control, names);
        } finally {
          control.destroy();
        }
      },
      health: (o) => regionsHealth(effective, o),
      failover: (input) => runFailover(effective, input),
    },
    async authenticate(token) {
      if (!options.verifyToken) {
        throw new ConfigError('Token verification is not configured for this platform', {
          hint: 'create the platform with verifyToken (createJwtVerifier)',
        });
      }
      return options.verifyToken(token);
    },
    health: ({ maxAgeMs, ...o } = {}) => {
      if (!maxAgeMs) return checkAll(o);
      const key = o.includeCache === false ? 'stage' : 'all';
      const hit = lastHealth.get(key);
      if (hit && now() - hit.at <= maxAgeMs) return hit.report;
      const report = checkAll(o);
      lastHealth.set(key, { at: now(), report });
      // A check that failed to run is not remembered.
      report.catch(() => lastHealth.delete(key));
      return report;
    },
    close: () => {
      clients.destroy();
      for (const other of otherRegions) other.clients.destroy();
      if (regionalPutMade) regionalPut().close();
      // A failed last write of the embedded index removes its file: the next start rebuilds it.
      if (searchMade)
        search()
          .engine.close()
          .catch(() => undefined);
      if (ownsCache) void cache.close();
    },
  };
  const titleViews = once(() => createTitleViews({ catalog: viewerCatalog(), ...(artwork ? { artwork } : {}) }));
  const ingest = once(() =>
    createIngest({
      config: effective,
      clients,
      catalog: catalog(),
      ...(options.keyWrapper ? { keys: contentKeys() } : {}),
    }),
  );
  // The viewer-facing catalog: publishing drops its cached copy of the title, so grants see the change at once,
  // and moves the catalog's stamp, so home pages built before are rebuilt.
  const publisher = once(() =>
    createPublisher({
      config: effective,
      clients,
      catalog: viewerCatalog(),
      availabilityChanged: () => home().catalogChanged(),
    }),
  );
  const lists = once(() => createViewerLists({ users: users(), catalog: viewerCatalog(), changed }));
  // With a shared Redis the stream limit is decided there (one script per start); DynamoDB keeps
  // the devices and serves every call Redis cannot.
  const sessions = once(() => {
    const deps = { clients, names, settings: effective.sessions, ...(options.now ? { now: options.now } : {}) };
    if (cache.kind !== 'redis') return createSessions(deps);
    const { sessions: dynamo, registry } = createDynamoPlayback(deps);
    return withRedisSessions({ cache, fallback: dynamo, registry, ...deps });
  });
  const grants = once(() =>
    createPlaybackGrants(
      { catalog: viewerCatalog(), sessions: sessions(), ...(options.now ? { now: options.now } : {}) },
      options.playback ? { licenses: effective.protection, ...options.playback } : undefined,
    ),
  );
  const contentKeys = once(() =>
    createContentKeys(clients, names, options.keyWrapper ?? keyWrapperFor(effective, clients)),
  );
  const keyDelivery = once(() =>
    createKeyDelivery({
      catalog: viewerCatalog(),
      sessions: sessions(),
      keys: contentKeys(),
      ...(options.now ? { now: options.now } : {}),
    }),
  );
  const acceptor = once(() =>
    createEventsAcceptor({
      put,
      titleVisible: async (titleId) => (await viewerCatalog().findTitle(titleId))?.status === TITLE_STATUS.PUBLISHED,
      // A body naming its own Region would make up QoE metric dimensions without bound.
      region: effective.region,
      ...(options.now ? { now: options.now } : {}),
    }),
  );
  // A watch-state change moves the viewer's model version (other processes' pages see it) and
  // drops this cache's page (this process's next request rebuilds at once).
  const watchState = once(() =>
    createWatchState({
      users: users(),
      changed,
    }),
  );
  const recommendations = once(() => {
    // The learner's own model writes move the version; it drops this process's page only.
    const learner = createLearner({
      models: models(),
      catalog: catalog(),
      changed: dropLocal,
      personalized: (userId, country) => privacy().personalized(userId, country),
      confirm: (userId, country) => privacy().personalizedNow(userId, country),
    });
    return { learn: learner.learn, batch: learner.batch, models: models() };
  });
  const checkpoints = once(() => createCheckpointStore(clients, names));
  // The stage's other Regions, for what privacy reads and erases in each (made on first use).
  const otherRegions: PrivacyRegion[] = [];
  const privacy = once((): Privacy => {
    for (const region of effective.regions.filter((r) => r !== effective.region)) {
      const rc = regionConfig(effective, region);
      otherRegions.push({ region, clients: createAwsClients(rc), names: rc.resources });
    }
    const regions: PrivacyRegion[] = [{ region: effective.region, clients, names }, ...otherRegions];
    const modelStores = regions.map((r, i) =>
      i === 0
        ? models()
        : createDynamoModelStore(r.clients, r.names, {
            region: r.region,
            regions: effective.regions,
            counterShards: effective.models.counterShards,
          }),
    );
    return createPrivacy({
      stage: effective.stage,
      settings: effective.privacy,
      regions,
      cache,
      forgetTaste: async (userId) =>
        (await Promise.all(modelStores.map((m) => m.forget(userId)))).reduce((a, b) => a + b, 0),
      changed,
      dropLocal,
      sessions: (userId) => sessions().list(userId),
      ...(options.lakes ? { lakes: options.lakes } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  });
  let searchMade = false;
  const search = once(() => {
    searchMade = true;
    return createSearch({
      engine: searchEngineFor(effective),
      catalog: catalog(),
      models: models(),
      ...(options.now ? { now: options.now } : {}),
    });
  });
  return platform;
}

/**
 * Resolves the configuration (flags > env > file > defaults) and creates the platform.
 *
 * @example
 * ```ts
 * const platform = await loadPlatform({ flags: { stage: 'prod', region: 'eu-west-1' } });
 * ```
 */
export async function loadPlatform(options: ResolveConfigOptions = {}): Promise<Platform> {
  return createPlatform(await resolveConfig(options));
}

/**
 * The health of a stage, also when it cannot be reached at all: a local
 * stage with no running platform, or missing credentials, come back as a
 * report whose parts carry the reason instead of as a thrown error.
 *
 * @example
 * ```ts
 * const report = await checkStage(await resolveConfig());
 * process.exitCode = report.healthy ? 0 : 1;
 * ```
 */
export async function checkStage(config: StreamctlConfig, options: { timeoutMs?: number } = {}): Promise<HealthReport> {
  let platform: Platform;
  try {
    platform = createPlatform(config);
  } catch (err) {
    const error = isStreamctlError(err)
      ? { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) }
      : { code: 'INTERNAL', message: String(err) };
    return {
      stage: config.stage,
      region: config.region,
      healthy: false,
      checkedAt: new Date().toISOString(),
      parts: (['dynamodb', 'kinesis', 's3'] as const).map((name) => ({
        name,
        ok: false,
        endpoint: config.endpoints?.[name] ?? config.endpointUrl,
        latencyMs: 0,
        resources: [],
        error,
      })),
    };
  }
  try {
    return await platform.health({ ...options, includeCache: false });
  } finally {
    platform.close();
  }
}

/** A note about the runtime that an operator should act on. */
export interface RuntimeNotice {
  code: string;
  message: string;
}

/**
 * Notices about the runtime, reported once by `streamctl status` instead of
 * as a warning on every command (the AWS SDK's own Node version warning is
 * silenced by the CLI and surfaces here).
 *
 * @example
 * ```ts
 * for (const n of runtimeNotices()) console.warn(n.message);
 * ```
 */
export function runtimeNotices(nodeVersion: string = process.versions.node): RuntimeNotice[] {
  const major = Number.parseInt(nodeVersion.split('.')[0] ?? '0', 10);
  if (major < 22) {
    return [
      {
        code: 'NODE_VERSION',
        message: `Node.js ${nodeVersion}: AWS SDK for JavaScript v3 releases after early January 2027 require Node.js 22 or newer; upgrade Node.js to keep receiving SDK fixes`,
      },
    ];
  }
  return [];
}
