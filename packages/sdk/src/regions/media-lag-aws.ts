/**
 * Media replication lag on AWS: S3 Replication metrics in CloudWatch, read per source Region.
 *
 * @module
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { createAwsClients } from '../aws/index.js';
import { resourceNames, type StreamctlConfig } from '../config/index.js';
import type { MediaLag, MediaLagSource } from './health.js';
import { regionConfig } from './stage.js';

/** How far back the metrics are read, in ms: S3 emits them every minute while replication has work. */
export const MEDIA_LAG_WINDOW_MS = 15 * 60_000;
/** The period of each data point, in seconds (replication metrics have one-minute granularity). */
export const MEDIA_LAG_PERIOD_S = 60;

/**
 * The id of the replication rule a Region's CDN bucket copies its titles to another Region's bucket
 * with (the CDK app's media replication stack names its rules so); S3's metrics carry it as `RuleId`.
 *
 * @example
 * ```ts
 * mediaReplicationRuleId('eu-west-1'); // "titles-to-eu-west-1"
 * ```
 */
export function mediaReplicationRuleId(to: string): string {
  return `titles-to-${to}`;
}

/** The four S3 Replication metrics read, with the statistic that answers the question asked of each. */
const METRICS = [
  { key: 'latency', name: 'ReplicationLatency', stat: 'Maximum' },
  { key: 'ops', name: 'OperationsPendingReplication', stat: 'Maximum' },
  { key: 'bytes', name: 'BytesPendingReplication', stat: 'Maximum' },
  { key: 'failed', name: 'OperationFailedReplication', stat: 'Sum' },
] as const;
type MetricKey = (typeof METRICS)[number]['key'];

/** A query id CloudWatch accepts (a lower-case letter, then letters, digits and `_`): metric and destination index. */
function queryId(key: MetricKey, destination: number): string {
  return `${key}_${destination}`;
}

/**
 * The GetMetricData request for one source Region: its CDN bucket's rule to every other Region, four
 * metrics each, over the window. Exported for tests.
 */
export function mediaLagRequest(
  config: StreamctlConfig,
  source: string,
  now: number = Date.now(),
): GetMetricDataCommandInput {
  const bucket = (region: string) => resourceNames(config.stage, region).cdnBucket;
  const destinations = config.regions.filter((r) => r !== source);
  return {
    StartTime: new Date(now - MEDIA_LAG_WINDOW_MS),
    EndTime: new Date(now),
    ScanBy: 'TimestampDescending',
    MetricDataQueries: destinations.flatMap((to, i) =>
      METRICS.map((m) => ({
        Id: queryId(m.key, i),
        Label: `${m.name} ${source} -> ${to}`,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/S3',
            MetricName: m.name,
            Dimensions: [
              { Name: 'SourceBucket', Value: bucket(source) },
              { Name: 'DestinationBucket', Value: bucket(to) },
              { Name: 'RuleId', Value: mediaReplicationRuleId(to) },
            ],
          },
          Period: MEDIA_LAG_PERIOD_S,
          Stat: m.stat,
        },
      })),
    ),
  };
}

/** One source's rule into a destination, as read: null where the metric had no data point in the window. */
function sourceLag(results: MetricDataResult[], index: number, now: number): MediaLagSource {
  const series = (key: MetricKey) => results.find((r) => r.Id === queryId(key, index));
  const values = (key: MetricKey) => series(key)?.Values ?? [];
  // Newest first (ScanBy TimestampDescending).
  const latest = (key: MetricKey) => values(key)[0] ?? null;
  const latency = latest('latency');
  const failed = values('failed');
  const newest = METRICS.map((m) => series(m.key)?.Timestamps?.[0]?.getTime()).filter(
    (t): t is number => t !== undefined,
  );
  return {
    lastLagMs: latency === null ? null : Math.round(latency * 1000),
    maxLagMs: values('latency').length ? Math.round(Math.max(...values('latency')) * 1000) : null,
    pending: latest('ops'),
    pendingBytes: latest('bytes'),
    failedAttempts: failed.length ? failed.reduce((a, b) => a + b, 0) : null,
    dataAgeMs: newest.length ? Math.max(0, now - Math.max(...newest)) : null,
  };
}

/** The sum of the non-null values, null when every one is null (no data anywhere is not zero). */
function sum(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}

function max(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.max(...known) : null;
}

/** Options of {@link awsMediaLag}. */
export interface AwsMediaLagOptions {
  now?: number;
  /** A Region's CloudWatch client (default: the stage's clients for that Region); destroyed by the caller. */
  cloudwatch?: (region: string) => CloudWatchClient;
}

/**
 * Media replication lag per Region on AWS, as the lag of media arriving INTO each Region (what a
 * failover to that Region cares about): for Region R, the rules `titles-to-R` of every other Region's
 * CDN bucket. S3 emits replication metrics in the source bucket's Region, so each source Region's
 * CloudWatch is asked once (GetMetricData, the last {@link MEDIA_LAG_WINDOW_MS}) for its rules to
 * every other Region. Metrics with no data point read as null (S3 emits none while replication is
 * idle or before it first runs), never as zero; a source whose CloudWatch fails is named in the
 * destinations' `error`, and the others' data still counts.
 *
 * @example
 * ```ts
 * (await awsMediaLag(config))['eu-west-1']?.lastLagMs; // 2000
 * ```
 */
export async function awsMediaLag(
  config: StreamctlConfig,
  options: AwsMediaLagOptions = {},
): Promise<Record<string, MediaLag>> {
  const now = options.now ?? Date.now();
  const bySource = await Promise.all(
    config.regions.map(async (source) => {
      const owned = options.cloudwatch ? undefined : createAwsClients(regionConfig(config, source));
      const client = options.cloudwatch?.(source) ?? (owned?.cloudwatch() as CloudWatchClient);
      try {
        const results: MetricDataResult[] = [];
        let input = mediaLagRequest(config, source, now);
        for (;;) {
          const page = await client.send(new GetMetricDataCommand(input));
          results.push(...(page.MetricDataResults ?? []));
          if (!page.NextToken) break;
          input = { ...input, NextToken: page.NextToken };
        }
        // A series cut across pages: join its points back in order (newest first).
        const merged = new Map<string, MetricDataResult>();
        for (const r of results) {
          const seen = merged.get(r.Id ?? '');
          if (!seen)
            merged.set(r.Id ?? '', { ...r, Values: [...(r.Values ?? [])], Timestamps: [...(r.Timestamps ?? [])] });
          else {
            seen.Values?.push(...(r.Values ?? []));
            seen.Timestamps?.push(...(r.Timestamps ?? []));
          }
        }
        return { source, results: [...merged.values()], error: undefined };
      } catch (err) {
        const name = (err as Error).name;
        const message = (err as Error).message;
        return {
          source,
          results: [],
          error: `${source}'s CloudWatch: ${name && name !== 'Error' ? `${name}: ` : ''}${message}`,
        };
      } finally {
        owned?.destroy();
      }
    }),
  );
  return Object.fromEntries(
    config.regions.map((to) => {
      const sources: Record<string, MediaLagSource> = {};
      const errors: string[] = [];
      for (const s of bySource) {
        if (s.source === to) continue;
        if (s.error) {
          errors.push(s.error);
          continue;
        }
        const index = config.regions.filter((r) => r !== s.source).indexOf(to);
        sources[s.source] = sourceLag(s.results, index, now);
      }
      const all = Object.values(sources);
      const lag: MediaLag = {
        measuredBy: 'cloudwatch',
        pending: sum(all.map((s) => s.pending)),
        // S3 reports how far behind a rule is, not the age of its oldest pending object.
        oldestPendingMs: null,
        // S3 reports no count of objects copied.
        replicated: null,
        lastLagMs: max(all.map((s) => s.lastLagMs)),
        maxLagMs: max(all.map((s) => s.maxLagMs)),
        failedAttempts: sum(all.map((s) => s.failedAttempts)),
        reportAgeMs: all.some((s) => s.dataAgeMs !== null) ? Math.min(...all.flatMap((s) => s.dataAgeMs ?? [])) : null,
        pendingBytes: sum(all.map((s) => s.pendingBytes)),
        noData: all.every((s) => s.dataAgeMs === null),
        sources,
        ...(errors.length ? { error: errors.join('; ') } : {}),
      };
      return [to, lag] as const;
    }),
  );
}
