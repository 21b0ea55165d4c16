/**
 * The embedded platform: the emulators on loopback, the platform's resources
 * created from the same definitions the CDK app deploys, the edge, and a
 * registry that the API and workers join as parts. Other processes find it
 * through the data dir's state file (`@streamctl/sdk/local`).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createAwsClients } from '@streamctl/sdk';
import { type ResourceNames, resolveConfig, type StreamctlConfig } from '@streamctl/sdk/config';
import { ErrorCode, StreamctlError } from '@streamctl/sdk/errors';
import { createLocalKeySetVerifier } from '@streamctl/sdk/keys';
import {
  acquireDataDirLock,
  clearState,
  dataDirLayout,
  type EngineProfile,
  type LocalPlatformState,
  PART_ORDER,
  type PartEngines,
  type PartName,
  writeState,
} from '@streamctl/sdk/local';
import { type EnsuredResource, ensureResources } from '@streamctl/sdk/resources';
import { startDynamoDBLocal, startKinesisMock } from './aws-engines.js';
import { ensureDevSigningKey } from './dev-keys.js';
import { ensureEdgeOriginSecret, type MediaOrigin, startEdge } from './edge.js';
import {
  type ObjectEvent,
  type RunningEmulator,
  type RunningObjectStore,
  startDynalite,
  startKinesalite,
  startS3rver,
} from './emulators.js';

/** A part that joins the platform: started by its own package, stopped with the platform. */
export interface LocalPart {
  name: PartName;
  url: string;
  stop(): Promise<void>;
  /** The edge only: where `/v1/*` goes. */
  setApiOrigins?: (origins: (() => Promise<string[]>) | undefined) => void;
  /** The edge only: web players that may load media with credentials. */
  allowPlayerOrigins?: (origins: string[]) => void;
  /** The edge only: the media origin group (Regions' CDN buckets, primary first). */
  setMediaOrigins?: (origins: (() => Promise<MediaOrigin[]>) | undefined) => void;
}

/** Options of {@link startLocalPlatform}. */
export interface StartLocalPlatformOptions {
  /** Where tables, streams, objects and keys are kept. */
  dataDir: string;
  /** Wipe the data dir before starting. */
  reset?: boolean;
  /** Region the local stage reports. Default `us-east-1`. */
  region?: string;
  /** Loopback address to bind. Default `127.0.0.1`. */
  host?: string;
  /** Fixed ports; unset parts get a free port from the OS. */
  ports?: Partial<Record<'dynamodb' | 'kinesis' | 's3' | 'edge', number>>;
  /** Resource names to create (the config file may override them). Default: the `local` stage's names. */
  resources?: ResourceNames;
  /**
   * Origins of web players (e.g. `http://127.0.0.1:5173`) whose pages may load media from the
   * edge with the signed cookies; a player started later joins with {@link LocalPlatform.allowPlayerOrigins}.
   * Default: none.
   */
  playerOrigins?: string[];
  /**
   * Which emulators run the AWS parts: `embedded` (dynalite, kinesalite, s3rver, Node only) or
   * `aws-local` (AWS's DynamoDB Local on Java, kinesis-mock, s3rver). Default `embedded`.
   */
  engines?: EngineProfile;
  /** Where the aws-local engines are cached. Default: the user's cache dir (see `engineCacheDir`). */
  engineCacheDir?: string;
  /** Environment over `process.env` the aws-local engines see (`JAVA_HOME`, `PATH`). */
  env?: Record<string, string | undefined>;
  /**
   * aws-local only: DynamoDB Local and kinesis-mock keep their data in memory, not in the data dir
   * (a test run that discards it anyway; DynamoDB Local's on-disk store is several times slower).
   */
  ephemeral?: boolean;
}

/** The engine of each emulated part, per profile. */
export const PROFILE_ENGINES: Readonly<Record<EngineProfile, Readonly<Required<PartEngines>>>> = Object.freeze({
  embedded: Object.freeze({ dynamodb: 'dynalite', kinesis: 'kinesalite', s3: 's3rver' }),
  'aws-local': Object.freeze({ dynamodb: 'dynamodb-local', kinesis: 'kinesis-mock', s3: 's3rver' }),
});

/**
 * The `--json` ready line of `streamctl dev` (SPEC §4): one key per running part,
 * and `engines`, the emulator behind each AWS part.
 */
export type ReadyLine = { event: 'ready' } & Partial<Record<PartName, string>> & { engines: PartEngines };

/**
 * A running embedded platform. Stop it with {@link LocalPlatform.stop}.
 */
export class LocalPlatform {
  readonly dataDir: string;
  readonly region: string;
  /** The engine profile it runs. */
  readonly engineProfile: EngineProfile;
  /** Configuration of the `local` stage pointing at this platform's emulators. */
  readonly config: StreamctlConfig;
  /** What resource creation did at start. */
  readonly resources: EnsuredResource[];
  readonly #parts = new Map<PartName, LocalPart>();
  readonly #services: Array<() => Promise<void>> = [];
  readonly #startedAt = new Date().toISOString();
  readonly #release: () => void;
  readonly #engineCacheDir: string | undefined;
  readonly #objectEvents: RunningObjectStore['onObjectEvent'] | undefined;
  #stopping: Promise<void> | undefined;

  /** @internal use {@link startLocalPlatform}. */
  constructor(init: {
    dataDir: string;
    region: string;
    engines?: EngineProfile;
    engineCacheDir?: string | undefined;
    config: StreamctlConfig;
    resources: EnsuredResource[];
    parts: LocalPart[];
    release: () => void;
    objectEvents?: RunningObjectStore['onObjectEvent'];
  }) {
    this.dataDir = init.dataDir;
    this.region = init.region;
    this.engineProfile = init.engines ?? 'embedded';
    this.config = init.config;
    this.resources = init.resources;
    this.#release = init.release;
    this.#engineCacheDir = init.engineCacheDir;
    this.#objectEvents = init.objectEvents;
    for (const part of init.parts) this.#parts.set(part.name, part);
    this.#writeState();
  }

  /** URL of each running part, in ready-line order. */
  get parts(): Partial<Record<PartName, string>> {
    const out: Partial<Record<PartName, string>> = {};
    for (const name of PART_ORDER) {
      const part = this.#parts.get(name);
      if (part) out[name] = part.url;
    }
    return out;
  }

  /** The engine of each emulated part that is running. */
  get engines(): PartEngines {
    const all = PROFILE_ENGINES[this.engineProfile];
    const out: PartEngines = {};
    for (const name of ['dynamodb', 'kinesis', 's3'] as const) if (this.#parts.has(name)) out[name] = all[name];
    return out;
  }

  /** The ready line: one key per running part, none for parts not running, and the engine of each emulated part. */
  readyLine(): ReadyLine {
    return { event: 'ready', ...this.parts, engines: this.engines };
  }

  /**
   * Starts another Kinesis on this platform's engine (a further Region of a
   * multi-Region `streamctl dev`), its streams under `path`. The caller stops it.
   */
  startKinesis(path: string, host: string, region: string): Promise<RunningEmulator> {
    return this.engineProfile === 'aws-local'
      ? startKinesisMock({ path, host, region, cacheDir: this.#engineCacheDir })
      : startKinesalite(path, host);
  }

  /**
   * Adds a part (API, edge, workers) that was started against this platform;
   * it is listed in the state file and stopped with the platform.
   */
  addPart(part: LocalPart): void {
    if (this.#stopping) throw new StreamctlError(ErrorCode.Internal, 'The local platform is stopping');
    if (this.#parts.has(part.name)) {
      throw new StreamctlError(ErrorCode.Internal, `Part ${part.name} is already running`);
    }
    this.#parts.set(part.name, part);
    this.#writeState();
  }

  /**
   * Sends the edge's `/v1/*` traffic to API origins, primary first (a
   * multi-Region `streamctl dev`, following the routing record).
   */
  routeApi(origins: () => Promise<string[]>): void {
    this.#parts.get('edge')?.setApiOrigins?.(origins);
  }

  /**
   * Serves the edge's media from an origin group of Regions' CDN buckets, primary first (a
   * multi-Region `streamctl dev`, following the routing record). Unset: the platform's CDN bucket.
   */
  routeMedia(origins: () => Promise<MediaOrigin[]>): void {
    this.#parts.get('edge')?.setMediaOrigins?.(origins);
  }

  /**
   * Calls the listener for every object written to or removed from the local S3 (its event
   * notifications), in this process. Returns the removal of the listener.
   */
  onObjectEvent(listener: (event: ObjectEvent) => void): () => void {
    if (!this.#objectEvents) throw new StreamctlError(ErrorCode.Internal, 'The local S3 is not running');
    return this.#objectEvents(listener);
  }

  /**
   * Lets web players on these origins load media from the edge with credentials
   * (`streamctl dev --player` serves its player from the API's origin).
   */
  allowPlayerOrigins(origins: string[]): void {
    this.#parts.get('edge')?.allowPlayerOrigins?.(origins);
  }

  /**
   * Registers something without a URL (the workers) to stop with the
   * platform, before every part: it may still be using them.
   */
  onStop(stop: () => Promise<void>): void {
    this.#services.push(stop);
  }

  /** Stops every part (the joined ones first), then releases the data dir. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearState(this.dataDir);
      const order = [...PART_ORDER];
      const errors: unknown[] = [];
      for (const stop of this.#services.splice(0)) {
        try {
          await stop();
        } catch (err) {
          errors.push(err);
        }
      }
      for (const name of order) {
        const part = this.#parts.get(name);
        if (!part) continue;
        try {
          await part.stop();
        } catch (err) {
          errors.push(err);
        }
      }
      this.#parts.clear();
      this.#release();
      if (errors.length) {
        throw new StreamctlError(
          ErrorCode.Internal,
          `Some parts did not stop cleanly: ${errors.map(String).join('; ')}`,
          {
            cause: errors[0],
          },
        );
      }
    })();
    return this.#stopping;
  }

  #writeState(): void {
    const state: LocalPlatformState = {
      version: 1,
      pid: process.pid,
      startedAt: this.#startedAt,
      region: this.region,
      resources: this.config.resources,
      parts: this.parts,
      engineProfile: this.engineProfile,
      engines: this.engines,
    };
    writeState(this.dataDir, state);
  }
}

/** Removes everything the platform keeps in a data dir (the lock stays with its owner). */
function wipeDataDir(dataDir: string): void {
  const layout = dataDirLayout(dataDir);
  const stores = [layout.dynamodb, layout.dynamodbLocal, layout.kinesis, layout.kinesisMock, layout.s3];
  for (const path of [...stores, layout.keys, layout.stateFile]) {
    rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Starts the embedded platform: takes the data dir, starts the emulators on
 * loopback, creates the platform's tables, stream and buckets, and writes
 * the state file other commands read.
 *
 * @example
 * ```ts
 * const local = await startLocalPlatform({ dataDir: '.streamctl/local' });
 * console.log(JSON.stringify(local.readyLine()));
 * await local.stop();
 * ```
 */
export async function startLocalPlatform(options: StartLocalPlatformOptions): Promise<LocalPlatform> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const profile = options.engines ?? 'embedded';
  const awsLocal = profile === 'aws-local';
  const engine = { path: '', host, cacheDir: options.engineCacheDir, env: options.env, ephemeral: options.ephemeral };
  const layout = dataDirLayout(options.dataDir);
  const release = acquireDataDirLock(options.dataDir);
  const started: RunningEmulator[] = [];
  try {
    if (options.reset) wipeDataDir(options.dataDir);
    const stores = awsLocal
      ? [layout.dynamodbLocal, layout.kinesisMock, layout.s3]
      : [layout.dynamodb, layout.kinesis, layout.s3];
    for (const dir of stores) mkdirSync(dir, { recursive: true, mode: 0o700 });

    let store: RunningObjectStore | undefined;
    const startPart = async (name: 'dynamodb' | 'kinesis' | 's3', start: () => Promise<RunningEmulator>) => {
      try {
        const emulator = await start();
        started.push(emulator);
        return { name, url: emulator.url, stop: emulator.stop } satisfies LocalPart;
      } catch (cause) {
        // A missing Java or engine says so itself, in one line with its fix.
        if (cause instanceof StreamctlError) throw cause;
        const port = options.ports?.[name];
        throw new StreamctlError(
          ErrorCode.LocalStartFailed,
          `Could not start the local ${name} (${PROFILE_ENGINES[profile][name]}): ${(cause as Error).message}`,
          {
            cause,
            hint: port
              ? `free port ${port} or choose another`
              : 'run `streamctl dev --reset` if the data dir is damaged',
          },
        );
      }
    };
    // Each engine keeps its own folder (see dataDirLayout): their formats cannot read each other.
    const parts = await Promise.all([
      startPart('dynamodb', () =>
        awsLocal
          ? startDynamoDBLocal({ ...engine, path: layout.dynamodbLocal, port: options.ports?.dynamodb })
          : startDynalite(layout.dynamodb, host, options.ports?.dynamodb),
      ),
      startPart('kinesis', () =>
        awsLocal
          ? startKinesisMock({ ...engine, path: layout.kinesisMock, port: options.ports?.kinesis, region })
          : startKinesalite(layout.kinesis, host, options.ports?.kinesis),
      ),
      startPart('s3', async () => {
        store = await startS3rver(layout.s3, host, options.ports?.s3);
        return store;
      }),
    ]);

    const base = await localStageConfig(options.dataDir, region, {
      dynamodb: parts[0].url,
      kinesis: parts[1].url,
      s3: parts[2].url,
    });
    const config = options.resources ? { ...base, resources: options.resources } : base;
    const clients = createAwsClients(config);
    let resources: EnsuredResource[];
    try {
      resources = await ensureResources(clients, config.resources);
    } finally {
      clients.destroy();
    }
    await ensureDevSigningKey(options.dataDir);
    const edge = await startLocalEdge(options.dataDir, config, host, options.ports?.edge, options.playerOrigins ?? []);
    started.push({ url: edge.url, port: 0, stop: edge.stop });
    return new LocalPlatform({
      dataDir: options.dataDir,
      region,
      engines: profile,
      engineCacheDir: options.engineCacheDir,
      config,
      resources,
      parts: [...parts, edge],
      release,
      ...(store ? { objectEvents: (listener) => (store as RunningObjectStore).onObjectEvent(listener) } : {}),
    });
  } catch (err) {
    await Promise.allSettled(started.map((e) => e.stop()));
    release();
    throw err;
  }
}

/** Starts the edge over the CDN bucket, trusting the data dir's signing key set. */
async function startLocalEdge(
  dataDir: string,
  config: StreamctlConfig,
  host: string,
  port: number | undefined,
  playerOrigins: string[],
): Promise<LocalPart> {
  const clients = createAwsClients(config);
  try {
    const edge = await startEdge({
      s3: clients.s3(),
      bucket: config.resources.cdnBucket,
      // Every key of the data dir's set, read again when `streamctl keys rotate` changes it: a key
      // group whose changes need no deployment.
      verifier: createLocalKeySetVerifier(dataDir),
      host,
      ...(port !== undefined ? { port } : {}),
      playerOrigins,
      originSecret: ensureEdgeOriginSecret(dataDir),
    });
    return {
      name: 'edge',
      url: edge.url,
      setApiOrigins: (origins) => edge.setApiOrigins(origins),
      allowPlayerOrigins: (origins) => edge.allowPlayerOrigins(origins),
      setMediaOrigins: (origins) => edge.setMediaOrigins(origins),
      stop: async () => {
        await edge.stop();
        clients.destroy();
      },
    };
  } catch (cause) {
    clients.destroy();
    throw new StreamctlError(
      ErrorCode.LocalStartFailed,
      `Could not start the local edge: ${(cause as Error).message}`,
      {
        cause,
        hint: port ? `free port ${port} or choose another` : 'run `streamctl dev --reset` if the data dir is damaged',
      },
    );
  }
}

/**
 * The `local` stage's configuration pointed at given emulator endpoints,
 * for code that runs its own emulators next to (or instead of) the platform's.
 *
 * @example
 * ```ts
 * const config = await localStageConfig('.streamctl/local', 'us-east-1', { dynamodb: 'http://127.0.0.1:4567' });
 * ```
 */
export async function localStageConfig(
  dataDir: string,
  region: string,
  endpoints: NonNullable<StreamctlConfig['endpoints']>,
): Promise<StreamctlConfig> {
  const base = await resolveConfig({
    flags: { stage: 'local', region, dataDir },
    env: {},
    configFile: false,
  });
  return { ...base, endpoints };
}
