/**
 * Quality of experience: which engagement events become which metrics
 * (startups and their time to first frame, stalls and their time, playing
 * time, bitrate switches, errors, plays) per title, Region and device, and
 * their CloudWatch Embedded Metric Format. Every metric also goes out under
 * the Region alone: the SLO alarms read that one (startup p95, rebuffer ratio
 * as RebufferSeconds / WatchSeconds, error rate as PlaybackErrors / Startups).
 */
import type { EngagementEvent } from '../events/index.js';

/** The QoE metrics' names and units. */
export const QOE_METRICS = {
  Startups: 'Count',
  StartupTime: 'Milliseconds',
  Rebuffers: 'Count',
  RebufferSeconds: 'Seconds',
  WatchSeconds: 'Seconds',
  BitrateSwitches: 'Count',
  PlaybackErrors: 'Count',
  Plays: 'Count',
} as const;
/** The CloudWatch namespace of the QoE metrics. */
export const QOE_NAMESPACE = 'streamctl';
/**
 * The service name the QoE worker publishes under: Powertools Metrics adds it as a `service`
 * dimension to every set, so the alarms read `{service, region}`.
 */
export const QOE_SERVICE = 'qoe';
/** The dimension sets each QoE metric is published under: the detail, and the Region alone for alarms. */
export const QOE_DIMENSION_SETS = [['titleId', 'region', 'device'], ['region']] as const;

/** One QoE measurement. */
export interface QoeMetric {
  name: keyof typeof QOE_METRICS;
  unit: (typeof QOE_METRICS)[keyof typeof QOE_METRICS];
  value: number;
  dimensions: { titleId: string; region: string; device: string };
}

const metric = (name: QoeMetric['name'], value: number, dimensions: QoeMetric['dimensions']): QoeMetric => ({
  name,
  unit: QOE_METRICS[name],
  value,
  dimensions,
});

/**
 * The metrics one event stands for (none for most events). A version 1 `rebuffer` counts as a
 * rebuffer without a time: its `durationSec` was the title's length, not the stall's.
 *
 * @example
 * ```ts
 * for (const metric of qoeMetrics(event)) sink(metric);
 * ```
 */
export function qoeMetrics(event: EngagementEvent): QoeMetric[] {
  const dimensions = { titleId: event.titleId, region: event.region ?? 'unknown', device: event.device ?? 'unknown' };
  const out: QoeMetric[] = [];
  switch (event.type) {
    case 'startup':
      out.push(metric('Startups', 1, dimensions));
      if (event.startupMs !== undefined) out.push(metric('StartupTime', event.startupMs, dimensions));
      break;
    case 'rebuffer':
      out.push(metric('Rebuffers', 1, dimensions));
      if (event.v === 2 && event.stallMs !== undefined)
        out.push(metric('RebufferSeconds', event.stallMs / 1000, dimensions));
      break;
    case 'quality_switch':
      out.push(metric('BitrateSwitches', 1, dimensions));
      break;
    case 'error':
      out.push(metric('PlaybackErrors', 1, dimensions));
      break;
    case 'play':
      out.push(metric('Plays', 1, dimensions));
      break;
  }
  if (event.watchMs) out.push(metric('WatchSeconds', event.watchMs / 1000, dimensions));
  return out;
}

/**
 * Formats a QoE metric as one CloudWatch Embedded Metric Format line, under both dimension sets.
 *
 * @example
 * ```ts
 * await appendFile('qoe.emf.ndjson', `${toEmf(metric)}\n`);
 * ```
 */
export function toEmf(metric: QoeMetric, namespace = QOE_NAMESPACE, now: number = Date.now()): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: QOE_DIMENSION_SETS.map((set) => [...set]),
          Metrics: [{ Name: metric.name, Unit: metric.unit }],
        },
      ],
    },
    ...metric.dimensions,
    [metric.name]: metric.value,
  });
}
