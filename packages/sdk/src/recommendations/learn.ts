/**
 * Learning from engagement: each event with a signal updates the models
 * incrementally (popularity per country, co-occurrence, the user's taste and
 * genre affinity). Counters are additions, so the caller makes each event
 * apply once (the consumers' ledger does).
 */
import { LRUCache } from 'lru-cache';
import type { Catalog } from '../catalog/index.js';
import type { EngagementEvent } from '../events/index.js';
import { type ModelSettings, type ModelStore, planUpdate, signalWeight } from './models.js';

/** Options of {@link createLearner}. */
export interface LearnerOptions extends ModelSettings {
  models: ModelStore;
  /** Where genres come from (remembered for five minutes per title). */
  catalog: Pick<Catalog, 'findTitle'>;
  /** Told after the models changed for a user (the home page rebuilds). */
  changed?: (userId: string) => Promise<void>;
}

/** The recommendation models' writer. */
export interface Learner {
  /** Takes one event in; resolves true when it changed the models. */
  learn(event: EngagementEvent): Promise<boolean>;
}

/**
 * Creates the learner.
 *
 * @example
 * ```ts
 * const learner = createLearner({ models: createDynamoModelStore(clients, names), catalog });
 * await learner.learn(event);
 * ```
 */
export function createLearner(options: LearnerOptions): Learner {
  const { models, catalog } = options;
  const genres = new LRUCache<string, string[]>({ max: 10_000, ttl: 300_000 });
  const genresOf = async (titleId: string): Promise<string[]> => {
    const hit = genres.get(titleId);
    if (hit) return hit;
    const value = (await catalog.findTitle(titleId))?.genres ?? [];
    genres.set(titleId, value);
    return value;
  };
  return {
    async learn(event) {
      if (signalWeight(event) === 0) return false;
      const update = planUpdate(event, await genresOf(event.titleId), options);
      if (!update) return false;
      await models.apply(update);
      await options.changed?.(event.userId);
      return true;
    },
  };
}
