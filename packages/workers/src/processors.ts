/**
 * The workers' processors: each maps an event to SDK calls or table writes.
 */
import {
  type AwsClients,
  createCatalog,
  createDynamoModelStore,
  type EngagementEvent,
  type ModelSettings,
  type ModelStore,
  planUpdate,
  type ResourceNames,
  signalWeight,
  type Users,
} from '@streamctl/sdk';
import type { EventProcessor } from './runner.js';

/** Settings of the watch-state worker. */
export interface WatchStateOptions {
  /**
   * The recommendation models whose per-user version keys the cached home page: after a write
   * that changed something, the user's version is moved, so Continue Watching and My List show the
   * change on the next request rather than after the cache's TTL. Without it nothing is moved.
   */
  models?: Pick<ModelStore, 'touch'>;
}

/**
 * watch-state: resume positions, completion and history through the SDK's
 * user state (last writer wins by event time), and the watchlist; a change
 * moves the user's model version (see {@link WatchStateOptions.models}).
 *
 * @example
 * ```ts
 * const process = createWatchStateProcessor(createUsers(clients, names), {
 *   models: createDynamoModelStore(clients, names),
 * });
 * ```
 */
export function createWatchStateProcessor(users: Users, options: WatchStateOptions = {}): EventProcessor {
  const { models } = options;
  const write = async (event: EngagementEvent): Promise<boolean> => {
    switch (event.type) {
      case 'play':
      case 'pause':
      case 'seek':
      case 'progress':
      case 'complete': {
        if (event.durationSec === undefined) return false;
        const positionSec = event.type === 'complete' ? event.durationSec : event.positionSec;
        if (positionSec === undefined) return false;
        return users.recordProgress({
          userId: event.userId,
          titleId: event.titleId,
          positionSec,
          durationSec: event.durationSec,
          at: event.ts,
        });
      }
      case 'watchlist_add':
        return users.addToWatchlist(event.userId, event.titleId, event.ts);
      case 'watchlist_remove':
        return users.removeFromWatchlist(event.userId, event.titleId, event.ts);
      default:
        return false;
    }
  };
  return async (event) => {
    // A stale or duplicate event changes nothing, so it moves nothing.
    if (!(await write(event)) || !models) return;
    // After the write, so a page rebuilt for the new version reads it. Best effort: a retry of this
    // event could not bump it either (its write would now change nothing), and a missed bump only
    // leaves the cached page as stale as the cache's TTL, as it was before the bump existed.
    await models.touch(event.userId).catch(() => undefined);
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
