/**
 * `createPlatform(config)`: the one entry point every capability hangs off.
 *
 * @module
 */
import { type AwsClients, createAwsClients } from '../aws/index.js';
import { LOCAL_STAGE, type ResolveConfigOptions, resolveConfig, type StreamctlConfig } from '../config/index.js';
import { isStreamctlError } from '../errors/index.js';
import { checkHealth, type HealthReport, type HttpPart } from '../health/index.js';
import { readLocalPlatformState } from '../local/state.js';

/** The platform of one stage: its configuration, clients and capabilities. */
export interface Platform {
  readonly config: StreamctlConfig;
  readonly clients: AwsClients;
  /** Health of every part of the stage. */
  health(options?: { timeoutMs?: number }): Promise<HealthReport>;
  /** Closes every client's sockets. */
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
  // The running platform's Region and resource names win: they are what it created.
  return { config: { ...config, region: state.region, resources: state.resources, endpoints }, httpParts };
}

/**
 * Creates the platform of a resolved stage. On the `local` stage it finds
 * the running `streamctl dev` through the data dir.
 *
 * @example
 * ```ts
 * import { createPlatform, resolveConfig } from '@streamctl/sdk';
 *
 * const platform = createPlatform(await resolveConfig({ flags: { stage: 'local' } }));
 * const report = await platform.health();
 * console.log(report.healthy);
 * platform.close();
 * ```
 */
export function createPlatform(config: StreamctlConfig): Platform {
  const { config: effective, httpParts } = withLocalEndpoints(config);
  const clients = createAwsClients(effective);
  return {
    config: effective,
    clients,
    health: (options = {}) => checkHealth(effective, clients, { httpParts, ...options }),
    close: () => clients.destroy(),
  };
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
    return await platform.health(options);
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
