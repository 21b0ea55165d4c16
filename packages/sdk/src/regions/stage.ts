/**
 * A stage's Regions: each Region's configuration, clients and API URL.
 *
 * @module
 */
import { type AwsClients, createAwsClients } from '../aws/index.js';
import { LOCAL_STAGE, resourceNames, type StreamctlConfig } from '../config/index.js';
import { readLocalPlatformState } from '../local/index.js';
import { readLocalRegions } from './local.js';

/**
 * The configuration of one Region of a stage: same stage, that Region's
 * resources. Locally the tables are shared (a global table with zero lag)
 * and each Region of `streamctl dev --regions` has a stream of its own.
 */
export function regionConfig(config: StreamctlConfig, region: string): StreamctlConfig {
  if (config.stage === LOCAL_STAGE || config.endpoints) {
    const kinesis =
      config.stage === LOCAL_STAGE ? readLocalRegions(config.dataDir)?.regions[region]?.kinesis : undefined;
    return { ...config, region, ...(kinesis ? { endpoints: { ...config.endpoints, kinesis } } : {}) };
  }
  return { ...config, region, resources: resourceNames(config.stage, region) };
}

/**
 * The URL of a Region's HTTP API, where known: given by the caller, on AWS
 * `https://api-<region>.<domain>` when the stage has a domain, or locally
 * the running platform's (each Region's with `--regions`).
 */
export function regionApiUrl(
  config: StreamctlConfig,
  region: string,
  apiUrls: Record<string, string> = {},
): string | undefined {
  if (apiUrls[region]) return apiUrls[region];
  // On AWS each Region's API has the custom domain the CDK app gives it.
  if (config.stage !== LOCAL_STAGE) return config.domain ? `https://api-${region}.${config.domain}` : undefined;
  const local = readLocalRegions(config.dataDir);
  if (local) return local.regions[region]?.api;
  try {
    const state = readLocalPlatformState(config.dataDir);
    return state.region === region ? state.parts.api : undefined;
  } catch {
    return undefined;
  }
}

/** Clients for every Region of a stage, for a {@link createRegionRouter}. */
export function regionClients(
  config: StreamctlConfig,
): Array<{ region: string; client: { clients: AwsClients; config: StreamctlConfig } }> {
  return config.regions.map((region) => {
    const rc = regionConfig(config, region);
    return { region, client: { clients: createAwsClients(rc), config: rc } };
  });
}
