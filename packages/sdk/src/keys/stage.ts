/**
 * A stage's keys as the CLI uses them: the backend the stage calls for
 * (the data dir on the local stage, Secrets Manager and CloudFront
 * otherwise) and the stage's longest grant, so callers pass only a config.
 */
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientSettings } from '../aws/index.js';
import { LOCAL_STAGE, SECRET_CACHE_SECONDS, type StreamctlConfig } from '../config/index.js';
import { longestGrantSeconds } from '../playback/index.js';
import { awsKeyBackend } from './aws.js';
import { localKeyBackend } from './local.js';
import {
  type KeyBackend,
  type KeyListing,
  listKeys,
  type RotateOptions,
  type RotationResult,
  retireKeys,
  rotateKeys,
} from './rotate.js';

/** A stage's signing keys. */
export interface StageKeys {
  readonly backend: KeyBackend;
  /** Seconds the old key stays trusted after a switch: the longest grant plus the signer cache. */
  readonly holdSeconds: number;
  list(): Promise<KeyListing>;
  rotate(options?: Omit<RotateOptions, 'longestGrantSeconds'>): Promise<RotationResult>;
  retire(options?: Pick<RotateOptions, 'now'>): Promise<{ retired: string[] }>;
  close(): void;
}

/**
 * The signing keys of the configured stage.
 *
 * @example
 * ```ts
 * const keys = createStageKeys(await resolveConfig({ flags: { stage: 'prod' } }));
 * try {
 *   const { activated, retiring } = await keys.rotate();
 * } finally {
 *   keys.close();
 * }
 * ```
 */
export function createStageKeys(config: StreamctlConfig, options: { backend?: KeyBackend } = {}): StageKeys {
  const clients: { destroy(): void }[] = [];
  const lazy = <T extends { destroy(): void }>(make: () => T): (() => T) => {
    let client: T | undefined;
    return () => {
      if (!client) {
        client = make();
        clients.push(client);
      }
      return client;
    };
  };
  const primary = config.regions[0] ?? config.region;
  let secretsManager: SecretsManagerClient | undefined;
  const backend =
    options.backend ??
    (config.stage === LOCAL_STAGE
      ? localKeyBackend(config.dataDir)
      : awsKeyBackend({
          stage: config.stage,
          regions: config.regions.length > 0 ? config.regions : [config.region],
          // CloudFront's control plane is global (its endpoint is us-east-1's).
          cloudFront: lazy(
            () => new CloudFrontClient({ ...clientSettings(config, 'cloudfront'), region: 'us-east-1' }),
          ),
          // The same settings (credentials, retries, one endpoint override) in the primary Region.
          secretsManager: async () => {
            if (!secretsManager) {
              // Loaded here, not at the top: importing the SDK does not load this client.
              const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
              secretsManager = new SecretsManagerClient({ ...clientSettings(config, 'cloudfront'), region: primary });
              clients.push(secretsManager);
            }
            return secretsManager;
          },
          signerCacheSeconds: SECRET_CACHE_SECONDS,
        }));
  const longest = longestGrantSeconds(config.sessions.grantSeconds);
  return {
    backend,
    holdSeconds: longest + backend.signerCacheSeconds,
    list: () => listKeys(backend),
    rotate: (rotateOptions = {}) => rotateKeys(backend, { ...rotateOptions, longestGrantSeconds: longest }),
    retire: async (retireOptions = {}) => ({ retired: (await retireKeys(backend, retireOptions)).retired }),
    close() {
      for (const client of clients.splice(0)) client.destroy();
    },
  };
}
