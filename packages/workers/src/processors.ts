/**
 * The workers' processors: each maps an event to SDK calls or table writes.
 */
import {
  type AwsClients,
  createCatalog,
  createDynamoModelStore,
  type ModelSettings,
  type ModelStore,
  planUpdate,
  type ResourceNames,
  signalWeight,
  type Users,
} from '@streamctl/sdk';
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

/** Settings of the recommendation worker. */
export interface SignalsOptions extends ModelSettings {
  /** Where the models live; default the stage's DynamoDB model store. */
  store?: ModelStore;
  /** Genres of a title; default the catalog, remembered for five minutes. */
  genresOf?: (titleId: string) => Promise<string[]>;
}

/**
 * recommendations: each event with a signal updates the models
 * incrementally (popularity per country, co-occurrence, the user's taste and
 * genre affinity; see `@streamctl/sdk` recommendations). Counters are
 * additions, so they rely on the ledger for exactly-once.
 *
 * @example
 * ```ts
 * const process = createSignalsProcessor(platform.clients, platform.config.resources);
 * ```
 */
export function createSignalsProcessor(
  clients: AwsClients,
  names: ResourceNames,
  options: SignalsOptions = {},
): EventProcessor {
  const store = options.store ?? createDynamoModelStore(clients, names);
  const catalog = createCatalog(clients, names);
  const genres = new Map<string, { at: number; genres: string[] }>();
  const genresOf =
    options.genresOf ??
    (async (titleId: string) => {
      const hit = genres.get(titleId);
      if (hit && Date.now() - hit.at < 300_000) return hit.genres;
      const title = await catalog.findTitle(titleId);
      const value = title?.genres ?? [];
      if (genres.size > 10_000) genres.clear();
      genres.set(titleId, { at: Date.now(), genres: value });
      return value;
    });
  return async (event) => {
    if (signalWeight(event) === 0) return;
    const update = planUpdate(event, await genresOf(event.titleId), options);
    if (update) await store.apply(update);
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
