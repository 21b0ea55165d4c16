/**
 * The workers' processors: each maps an event to SDK calls or table writes.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsClients, type EngagementEvent, type ResourceNames, type Users, wrapAwsError } from '@streamctl/sdk';
import type { EventProcessor } from './runner.js';

/**
 * watch-state: resume positions, completion and history through the SDK's
 * user state (last writer wins by event time), and the watchlist.
 *
 * @example
 * ```ts
 * const process = createWatchStateProcessor(createUsers(clients, names));
 * ```
 */
export function createWatchStateProcessor(users: Users): EventProcessor {
  return async (event) => {
    switch (event.type) {
      case 'play':
      case 'pause':
      case 'seek':
      case 'progress':
      case 'complete': {
        if (event.durationSec === undefined) return;
        const positionSec = event.type === 'complete' ? event.durationSec : event.positionSec;
        if (positionSec === undefined) return;
        await users.recordProgress({
          userId: event.userId,
          titleId: event.titleId,
          positionSec,
          durationSec: event.durationSec,
          at: event.ts,
        });
        return;
      }
      case 'watchlist_add':
        await users.addToWatchlist(event.userId, event.titleId, event.ts);
        return;
      case 'watchlist_remove':
        await users.removeFromWatchlist(event.userId, event.titleId, event.ts);
        return;
      default:
        return;
    }
  };
}

/** Signal weights of event types: completion and likes strong, skips and dislikes negative. */
export const SIGNAL_WEIGHTS: Partial<Record<EngagementEvent['type'], number>> = {
  play: 1,
  complete: 3,
  like: 2,
  watchlist_add: 1,
  skip: -1,
  dislike: -3,
};

/**
 * recommendation signals: per-title popularity per country and day
 * (platform table, `PK = POPULARITY#<cc>#<yyyy-mm-dd>`, `SK = TITLE#<id>`) and
 * per-user interaction scores (user-state table, `SK = SIGNAL#<title>`).
 * Counters are additions, so they rely on the ledger for exactly-once.
 *
 * @example
 * ```ts
 * const process = createSignalsProcessor(platform.clients, platform.config.resources);
 * ```
 */
export function createSignalsProcessor(clients: AwsClients, names: ResourceNames): EventProcessor {
  return async (event) => {
    const weight = SIGNAL_WEIGHTS[event.type];
    if (weight === undefined) return;
    const day = event.ts.slice(0, 10);
    const country = event.country ?? 'ZZ';
    try {
      await clients.documents().send(
        new UpdateCommand({
          TableName: names.platformTable,
          Key: { PK: `POPULARITY#${country}#${day}`, SK: `TITLE#${event.titleId}` },
          UpdateExpression: 'ADD #t :one, score :w SET titleId = :id',
          ExpressionAttributeNames: { '#t': event.type },
          ExpressionAttributeValues: { ':one': 1, ':w': weight, ':id': event.titleId },
        }),
      );
      await clients.documents().send(
        new UpdateCommand({
          TableName: names.userStateTable,
          Key: { PK: `USER#${event.userId}`, SK: `SIGNAL#${event.titleId}` },
          UpdateExpression: 'ADD score :w SET titleId = :id, lastTs = :ts',
          ExpressionAttributeValues: { ':w': weight, ':id': event.titleId, ':ts': event.ts },
        }),
      );
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:UpdateItem', `signals of ${event.titleId}`);
    }
  };
}

/** One QoE measurement, as an EMF metric. */
export interface QoeMetric {
  name: 'Rebuffers' | 'RebufferSeconds' | 'BitrateSwitches' | 'Plays';
  unit: 'Count' | 'Seconds';
  value: number;
  dimensions: { titleId: string; region: string };
}

/**
 * qoe: rebuffers, rebuffer time, bitrate switches and plays per title and
 * Region, handed to a sink (Powertools Metrics on Lambda, an EMF file locally).
 *
 * @example
 * ```ts
 * const process = createQoeProcessor((m) => metrics.addMetric(m.name, m.unit, m.value));
 * ```
 */
export function createQoeProcessor(sink: (metric: QoeMetric) => void | Promise<void>): EventProcessor {
  return async (event) => {
    const dimensions = { titleId: event.titleId, region: event.region ?? 'unknown' };
    if (event.type === 'rebuffer') {
      await sink({ name: 'Rebuffers', unit: 'Count', value: 1, dimensions });
      if (event.durationSec !== undefined)
        await sink({ name: 'RebufferSeconds', unit: 'Seconds', value: event.durationSec, dimensions });
    } else if (event.type === 'quality_switch') {
      await sink({ name: 'BitrateSwitches', unit: 'Count', value: 1, dimensions });
    } else if (event.type === 'play') {
      await sink({ name: 'Plays', unit: 'Count', value: 1, dimensions });
    }
  };
}

/** Formats a QoE metric as one CloudWatch Embedded Metric Format line. */
export function toEmf(metric: QoeMetric, namespace = 'streamctl'): string {
  return JSON.stringify({
    _aws: {
      Timestamp: Date.now(),
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
