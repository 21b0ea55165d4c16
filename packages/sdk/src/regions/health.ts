import { createAwsClients } from '../aws/index.js';
import { LOCAL_STAGE, type StreamctlConfig } from '../config/index.js';
import { checkHealth, type HealthReport } from '../health/index.js';
import { readMediaReplication } from './local.js';
import { type AwsMediaLagOptions, awsMediaLag } from './media-lag-aws.js';
import { regionApiUrl, regionConfig } from './stage.js';

/** Options of {@link regionsHealth}. */
export interface RegionsHealthOptions {
  timeoutMs?: number;
  /** Each Region's API base URL, checked through `/health` (locally found on its own). */
  apiUrls?: Record<string, string>;
}

/** The health of every Region of a stage: tables, stream, buckets, and its API's `/health` where known. */
export async function regionsHealth(
  config: StreamctlConfig,
  options: RegionsHealthOptions = {},
): Promise<Record<string, HealthReport>> {
  const entries = await Promise.all(
    config.regions.map(async (region) => {
      const rc = regionConfig(config, region);
      const api = regionApiUrl(config, region, options.apiUrls);
      const clients = createAwsClients(rc);
      try {
        const report = await checkHealth(rc, clients, {
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          httpParts: api ? [{ name: 'api', url: api }] : [],
        });
        return [region, report] as const;
      } finally {
        clients.destroy();
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * How far one Region's CDN bucket is behind the others', as `failover status` shows it. Locally the
 * replicator measures every field; on AWS (`measuredBy: 'cloudwatch'`) S3's replication metrics
 * give the lag, pending operations and bytes, and failures of media coming into the Region, and a
 * field S3 does not measure, or that had no data point, is null.
 */
export interface MediaLag {
  /** Objects the Region's bucket still lacks or holds an older version of; null when not measured. */
  pending: number | null;
  /** Age of the oldest of those, in ms; null when none is pending (or, on AWS, not measured). */
  oldestPendingMs: number | null;
  /** Objects copied into the Region since the platform started; null on AWS (S3 reports no count). */
  replicated: number | null;
  /** The last copy's lag and the longest seen, in ms (on AWS: S3's ReplicationLatency, newest and max in the window). */
  lastLagMs: number | null;
  maxLagMs: number | null;
  /** Copies that failed and are retried; null when not measured. */
  failedAttempts: number | null;
  lastError?: string;
  /**
   * How old the replicator's last report is, in ms (it reports every second while it runs); on AWS, how
   * old the newest data point is, null when there is none.
   */
  reportAgeMs: number | null;
  /** Who measured: absent for the local replicator, `cloudwatch` for S3's replication metrics. */
  measuredBy?: 'cloudwatch';
  /** Bytes still to copy into the Region (AWS only). */
  pendingBytes?: number | null;
  /** On AWS: no metric had a data point in the window (replication idle or not yet run), which is not zero lag. */
  noData?: boolean;
  /** On AWS: each source Region's rule into this Region. */
  sources?: Record<string, MediaLagSource>;
  /** On AWS: the source Regions whose CloudWatch could not be read, and why. */
  error?: string;
}

/** One source Region's replication rule into a Region, from CloudWatch; null where no data point was found. */
export interface MediaLagSource {
  lastLagMs: number | null;
  maxLagMs: number | null;
  pending: number | null;
  pendingBytes: number | null;
  failedAttempts: number | null;
  /** Age of the newest data point, in ms. */
  dataAgeMs: number | null;
}

/** Options of {@link mediaLag}. */
export interface MediaLagOptions {
  now?: number;
  /** On AWS, a Region's CloudWatch client (tests); by default the stage's clients for that Region. */
  cloudwatch?: AwsMediaLagOptions['cloudwatch'];
}

/**
 * Media replication lag per Region: on the local stage, from the running multi-Region platform's
 * replicator (`media-replication.json`), undefined when none runs; on AWS, from S3's replication
 * metrics in CloudWatch ({@link awsMediaLag}: the lag of media coming into each Region), undefined
 * for a single-Region stage (nothing replicates). A CloudWatch failure is the Region's `error`, never
 * a rejection.
 *
 * @example
 * ```ts
 * (await mediaLag(config))?.['eu-west-1']?.pending; // 0
 * ```
 */
export async function mediaLag(
  config: StreamctlConfig,
  options: MediaLagOptions = {},
): Promise<Record<string, MediaLag> | undefined> {
  if (config.stage !== LOCAL_STAGE) {
    if (config.regions.length < 2) return undefined;
    return awsMediaLag(config, options);
  }
  return localMediaLag(config, options.now ?? Date.now());
}

/** The local replicator's report, aged to now. */
function localMediaLag(config: StreamctlConfig, now: number): Record<string, MediaLag> | undefined {
  const state = readMediaReplication(config.dataDir);
  if (!state) return undefined;
  const reportAgeMs = Math.max(0, now - Date.parse(state.updatedAt));
  return Object.fromEntries(
    Object.entries(state.regions).map(([region, r]) => [
      region,
      {
        pending: r.pending,
        // Ages run on from the report: a stuck replicator's pending copies keep ageing.
        oldestPendingMs: r.oldestPendingSince === null ? null : Math.max(0, now - Date.parse(r.oldestPendingSince)),
        replicated: r.replicated,
        lastLagMs: r.lastLagMs,
        maxLagMs: r.maxLagMs,
        failedAttempts: r.failedAttempts,
        ...(r.lastError ? { lastError: r.lastError } : {}),
        reportAgeMs,
      },
    ]),
  );
}
