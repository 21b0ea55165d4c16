/**
 * Quality of experience: which engagement events become which metrics
 * (rebuffers, rebuffer time, bitrate switches, plays) per title and Region,
 * and their CloudWatch Embedded Metric Format.
 */
import type { EngagementEvent } from '../events/index.js';

/** One QoE measurement. */
export interface QoeMetric {
  name: 'Rebuffers' | 'RebufferSeconds' | 'BitrateSwitches' | 'Plays';
  unit: 'Count' | 'Seconds';
  value: number;
  dimensions: { titleId: string; region: string };
}

/**
 * The metrics one event stands for (none for most events).
 *
 * @example
 * ```ts
 * for (const metric of qoeMetrics(event)) sink(metric);
 * ```
 */
export function qoeMetrics(event: EngagementEvent): QoeMetric[] {
  const dimensions = { titleId: event.titleId, region: event.region ?? 'unknown' };
  switch (event.type) {
    case 'rebuffer':
      return [
        { name: 'Rebuffers', unit: 'Count', value: 1, dimensions },
        ...(event.durationSec !== undefined
          ? [{ name: 'RebufferSeconds', unit: 'Seconds', value: event.durationSec, dimensions } as const]
          : []),
      ];
    case 'quality_switch':
      return [{ name: 'BitrateSwitches', unit: 'Count', value: 1, dimensions }];
    case 'play':
      return [{ name: 'Plays', unit: 'Count', value: 1, dimensions }];
    default:
      return [];
  }
}

/**
 * Formats a QoE metric as one CloudWatch Embedded Metric Format line.
 *
 * @example
 * ```ts
 * await appendFile('qoe.emf.ndjson', `${toEmf(metric)}\n`);
 * ```
 */
export function toEmf(metric: QoeMetric, namespace = 'streamctl', now: number = Date.now()): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [['titleId', 'region']],
          Metrics: [{ Name: metric.name, Unit: metric.unit }],
        },
      ],
    },
    ...metric.dimensions,
    [metric.name]: metric.value,
  });
}
