import { createAwsClients } from '../aws/index.js';
import { LOCAL_STAGE, type StreamctlConfig } from '../config/index.js';
import { checkHealth, type HealthReport } from '../health/index.js';
import { readMediaReplication } from './local.js';
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

/** How far one Region's CDN bucket is behind the others', as `failover status` shows it. */
export interface MediaLag {
  /** Objects the Region's bucket still lacks or holds an older version of. */
  pending: number;
  /** Age of the oldest of those, in ms; null when none is pending. */
  oldestPendingMs: number | null;
  /** Objects copied into the Region since the platform started. */
  replicated: number;
  /** The last copy's lag and the longest seen, in ms. */
  lastLagMs: number | null;
  maxLagMs: number | null;
  /** Copies that failed and are retried. */
  failedAttempts: number;
  lastError?: string;
  /** How old the replicator's last report is, in ms (it reports every second while it runs). */
  reportAgeMs: number;
}

/**
 * Media replication lag per Region, where it is measured: on the local stage, from the running
 * multi-Region platform's replicator (`media-replication.json`); undefined when none runs, and on
 * AWS, where S3 replication reports its lag in CloudWatch instead.
 *
 * @example
 * ```ts
 * mediaLag(config)?.['eu-west-1']?.pending; // 0
 * ```
 */
export function mediaLag(config: StreamctlConfig, now: number = Date.now()): Record<string, MediaLag> | undefined {
  if (config.stage !== LOCAL_STAGE) return undefined;
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
