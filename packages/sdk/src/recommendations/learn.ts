/**
 * Learning from engagement: each event with a signal updates the models
 * incrementally (popularity per country, co-occurrence, the user's taste and
 * genre affinity). Counters are additions, so the caller makes each event
 * apply once (the consumers' ledger does).
 */
import { LRUCache } from 'lru-cache';
import type { Catalog } from '../catalog/index.js';
import type { EngagementEvent } from '../events/index.js';
import {
  decayed,
  type ModelSettings,
  type ModelStore,
  type PopularityEntry,
  planUpdate,
  signalWeight,
  streamPosition,
} from './models.js';

/** Options of {@link createLearner}. */
export interface LearnerOptions extends ModelSettings {
  models: ModelStore;
  /** Where genres come from (remembered for five minutes per title). */
  catalog: Pick<Catalog, 'findTitle'>;
  /** Told after the models changed for a user (the home page rebuilds). */
  changed?: (userId: string) => Promise<void>;
  /**
   * Whether the viewer allows personalization (their consent, else their country's and the
   * stage's default). Without it every viewer is personalized. A viewer who does not gets no
   * taste model; their plays still count, anonymously, in popularity.
   */
  personalized?: (userId: string, country: string) => Promise<boolean>;
  /**
   * Whether the viewer is personalized now, read fresh: asked after each taste write, and a
   * viewer who is not has what was learnt forgotten again (`models.forget`). `personalized` may
   * answer from a memo (about a second old, in another process than the API that took the
   * choice), and the choice may land between that check and the write: without this, a late
   * event would teach back a taste the viewer just had forgotten.
   */
  confirm?: (userId: string, country: string) => Promise<boolean>;
}

/** The recommendation models' writer. */
export interface Learner {
  /** Takes one event in; resolves true when it changed the models. */
  learn(event: EngagementEvent): Promise<boolean>;
  /**
   * A batch of one writer (a stream shard's consumer): each event's own models (the viewer's
   * taste, a title's viewers, co-occurrence) change at once, and popularity, which a premiere
   * makes hot, is summed per title and written at {@link LearnBatch.flush}: one write per
   * counter per batch.
   */
  batch(writer: string): LearnBatch;
}

/** A learner's batch: see {@link Learner.batch}. */
export interface LearnBatch {
  /** Takes in the event of the record at `sequenceNumber` in the writer's shard. */
  learn(event: EngagementEvent, sequenceNumber: string): Promise<boolean>;
  /**
   * An event learnt before whose record came again: its popularity is offered again (the flush
   * of its first batch may not have happened; counters take each position once).
   */
  replay(event: EngagementEvent, sequenceNumber: string): void;
  /** Writes the batch's popularity; throws when that failed (the batch must come again). */
  flush(): Promise<void>;
}

/**
 * Creates the learner.
 *
 * @example
 * ```ts
 * const learner = createLearner({ models: createDynamoModelStore(clients, names, { region: 'us-east-1' }), catalog });
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
  const popularityOf = (event: EngagementEvent, sequenceNumber: string): PopularityEntry | undefined => {
    const weight = signalWeight(event);
    const at = Date.parse(event.ts);
    if (weight === 0 || !Number.isFinite(at)) return undefined;
    return {
      position: streamPosition(sequenceNumber),
      country: event.country ?? 'ZZ',
      titleId: event.titleId,
      ...decayed(weight, at, options.halfLifeHours),
    };
  };
  const allowed = (event: EngagementEvent) =>
    options.personalized ? options.personalized(event.userId, event.country ?? 'ZZ') : Promise.resolve(true);
  const confirm = async (event: EngagementEvent) => {
    if (options.confirm && !(await options.confirm(event.userId, event.country ?? 'ZZ'))) {
      await models.forget(event.userId);
    }
  };
  return {
    async learn(event) {
      if (signalWeight(event) === 0) return false;
      if (!(await allowed(event))) return false;
      const update = planUpdate(event, await genresOf(event.titleId), options);
      if (!update) return false;
      await models.apply(update);
      await confirm(event);
      await options.changed?.(event.userId);
      return true;
    },
    batch(writer) {
      let entries: PopularityEntry[] = [];
      return {
        async learn(event, sequenceNumber) {
          if (signalWeight(event) === 0) return false;
          if (!(await allowed(event))) {
            const entry = popularityOf(event, sequenceNumber);
            if (entry) entries.push(entry);
            return false;
          }
          const update = planUpdate(event, await genresOf(event.titleId), options);
          if (!update) return false;
          await models.apply(update, { popularity: false });
          await confirm(event);
          const entry = popularityOf(event, sequenceNumber);
          if (entry) entries.push(entry);
          await options.changed?.(event.userId);
          return true;
        },
        replay(event, sequenceNumber) {
          const entry = popularityOf(event, sequenceNumber);
          if (entry) entries.push(entry);
        },
        async flush() {
          const taken = entries;
          // Kept or not, a failed flush's records come again (replayed): nothing is carried over.
          entries = [];
          if (taken.length) await models.addPopularity(writer, taken);
        },
      };
    },
  };
}
