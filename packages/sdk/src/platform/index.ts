/**
 * `createPlatform(config)`: the one entry point every capability hangs off.
 *
 * @module
 */
import { type AwsClients, createAwsClients } from '../aws/index.js';
import { LOCAL_STAGE, type ResolveConfigOptions, resolveConfig, type StreamctlConfig } from '../config/index.js';
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
  return { config: { ...config, region: state.region, endpoints }, httpParts };
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
