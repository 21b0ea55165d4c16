/**
 * A stage's Regions: each Region's configuration, clients and API URL.
 *
 * @module
 */
import { type AwsClients, createAwsClients } from '../aws/index.js';
import {
  controlRegionOrder,
  LOCAL_STAGE,
  type ResourceNames,
  resourceNames,
  type StreamctlConfig,
} from '../config/index.js';
import { ErrorCode, StreamctlError, wrapAwsError } from '../errors/index.js';
import { readLocalPlatformState } from '../local/index.js';
import { readLocalRegions } from './local.js';
import type { ControlTable } from './routing.js';

/**
 * The configuration of one Region of a stage: same stage, that Region's
 * resources. Locally the tables are shared (a global table with zero lag)
 * and each Region of `streamctl dev --regions` has a stream of its own.
 */
export function regionConfig(config: StreamctlConfig, region: string): StreamctlConfig {
  if (config.stage === LOCAL_STAGE || config.endpoints) {
    const local = config.stage === LOCAL_STAGE ? readLocalRegions(config.dataDir)?.regions[region] : undefined;
    return {
      ...config,
      region,
      ...(local?.kinesis ? { endpoints: { ...config.endpoints, kinesis: local.kinesis } } : {}),
      ...(local ? { resources: withRegionBuckets(config.resources, local) } : {}),
    };
  }
  return { ...config, region, resources: resourceNames(config.stage, region) };
}

/** A Region's resources over shared tables and stream: its own pair of buckets, where known. */
function withRegionBuckets(
  resources: ResourceNames,
  buckets: { cdnBucket?: string; rawBucket?: string },
): ResourceNames {
  return {
    ...resources,
    ...(buckets.cdnBucket ? { cdnBucket: buckets.cdnBucket } : {}),
    ...(buckets.rawBucket ? { rawBucket: buckets.rawBucket } : {}),
  };
}

/**
 * The buckets of one Region of a local multi-Region platform: the home Region keeps the platform's
 * (the config file may name them); every other Region has the stage's pair for that Region, as the
 * CDK app deploys a raw and a CDN bucket per Region.
 *
 * @example
 * ```ts
 * localRegionBuckets(config.resources, 'local', 'us-east-1', 'eu-west-1').cdnBucket; // "streamctl-local-cdn-eu-west-1"
 * ```
 */
export function localRegionBuckets(
  home: ResourceNames,
  stage: string,
  homeRegion: string,
  region: string,
): Pick<ResourceNames, 'cdnBucket' | 'rawBucket'> {
  if (region === homeRegion) return { cdnBucket: home.cdnBucket, rawBucket: home.rawBucket };
  const names = resourceNames(stage, region);
  return { cdnBucket: names.cdnBucket, rawBucket: names.rawBucket };
}

/**
 * How a local stage sees the running platform: with `streamctl dev --regions a,b` serving on the
 * data dir, the stage's Regions are the platform's (home first), whatever `STREAMCTL_REGIONS`
 * says; the Region is the configured one when it was given (flag, environment, config file) and
 * the platform runs it, with that Region's stream and buckets, so `STREAMCTL_REGION=eu-west-1
 * streamctl ingest …` writes to eu-west-1's. Otherwise the platform's home Region and resources.
 *
 * @example
 * ```ts
 * const view = localRegionView(config, readLocalPlatformState(config.dataDir));
 * view.regions; // ["us-east-1", "eu-west-1"]
 * ```
 */
export function localRegionView(
  config: StreamctlConfig,
  home: { region: string; resources: ResourceNames },
): { region: string; regions: string[]; resources: ResourceNames; kinesis?: string } {
  const local = readLocalRegions(config.dataDir);
  if (!local) return { region: home.region, regions: config.regions, resources: home.resources };
  const regions = Object.keys(local.regions);
  const asked = config.sources?.region !== 'default' && regions.includes(config.region) ? config.region : undefined;
  const region = asked ?? home.region;
  const serving = local.regions[region];
  return {
    region,
    regions,
    resources: serving ? withRegionBuckets(home.resources, serving) : home.resources,
    ...(asked && serving?.kinesis ? { kinesis: serving.kinesis } : {}),
  };
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

/** A failure of the Region, not of the request: another control Region may answer. */
function isRegionFailure(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  // The replicas' own answers to the request: every control Region would give them.
  if (name === 'ConditionalCheckFailedException' || name === 'ReplicatedWriteConflictException') return false;
  if (name === 'TimeoutError' || name === 'AbortError') return true;
  if ((err as { $fault?: string }).$fault === 'server') return true;
  const code = wrapAwsError(err, 'dynamodb').code;
  return code === ErrorCode.EndpointUnreachable || code === ErrorCode.ResourceNotFound || code === ErrorCode.Throttled;
}

/** Options of {@link controlTableStore}. */
export interface ControlTableOptions {
  /** Makes a control Region's clients. Default: that Region's clients of the stage ({@link regionConfig}). */
  clientsFor?: (region: string) => AwsClients;
}

/**
 * The control table as this Region reaches it, for the routing record's reads and writes
 * (`readRouting`, `ensureRouting`, `setPrimary`): each call goes to the first Region of
 * `controlRegionOrder`, and on a Region failure (unreachable, no replica there, throttled, a
 * server error) to the next; a refused request (a failed condition, a simultaneous write from
 * another Region, access denied) is answered at once, never sent elsewhere. After a failure the
 * Region that last answered is asked first. With every control Region failing, the error names each.
 *
 * @example
 * ```ts
 * const control = controlTableStore(config); // in eu-west-1: asks us-east-1, then us-east-2
 * try {
 *   const record = await readRouting(control, config.resources);
 * } finally {
 *   control.destroy();
 * }
 * ```
 */
export function controlTableStore(config: StreamctlConfig, options: ControlTableOptions = {}): ControlTable {
  const regions = controlRegionOrder(config);
  const clientsFor =
    options.clientsFor ??
    ((region: string) =>
      region === config.region ? createAwsClients(config) : createAwsClients(regionConfig(config, region)));
  const made = new Map<string, AwsClients>();
  const clientsOf = (region: string): AwsClients => {
    let clients = made.get(region);
    if (!clients) {
      clients = clientsFor(region);
      made.set(region, clients);
    }
    return clients;
  };
  let first = 0;
  return {
    regions,
    async run(call) {
      const failures: Array<{ region: string; err: unknown }> = [];
      for (let i = 0; i < regions.length; i++) {
        const at = (first + i) % regions.length;
        const region = regions[at] as string;
        try {
          const value = await call(clientsOf(region), region);
          first = at;
          return value;
        } catch (err) {
          if (regions.length === 1) throw err;
          if (!isRegionFailure(err)) {
            // The Region answered, refusing the request: it is up, and another would refuse it too.
            first = at;
            throw err;
          }
          failures.push({ region, err });
        }
      }
      throw new StreamctlError(
        ErrorCode.EndpointUnreachable,
        `No control Region answered for the routing record (${failures
          .map((f) => `${f.region}: ${wrapAwsError(f.err, 'dynamodb').message}`)
          .join('; ')})`,
        {
          cause: failures.at(-1)?.err,
          hint: "a write or strongly consistent read needs a majority of the control table's Regions: check they are reachable, and that STREAMCTL_CONTROL_REGIONS (or controlRegions in streamctl.config.json) names the Regions holding its replicas",
          details: { regions: failures.map((f) => f.region) },
        },
      );
    },
    destroy() {
      for (const clients of made.values()) clients.destroy();
      made.clear();
    },
  };
}
