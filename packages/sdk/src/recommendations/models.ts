/**
 * Recommendation models, maintained incrementally from engagement events
 * (no recomputation per event):
 *
 * - **popularity** per country (and `ALL`) with exponential time decay;
 * - **item-to-item co-occurrence** over users' positive titles, read as
 *   cosine similarity `c(a,b) / sqrt(n(a) · n(b))`, top-K neighbours per title;
 * - **per-user profile**: decayed score per title and per genre, the titles
 *   completed and disliked, and a version that changes with every update.
 *
 * Decay without rewriting, and without growing numbers: time is cut into
 * eras of {@link ERA_HALF_LIVES} half-lives. A weight `w` observed at time
 * `t` in era `k` is stored as `w · 2^((t − start(k)) / halfLife)` on that
 * era's counter, so counters only ever ADD and no stored number exceeds
 * `2^16` times the weights added in one era, whatever the date. Reading at
 * `now` sums the eras' counters, each times `2^((start(k) − now) / halfLife)`:
 * the decayed weight as of now. A write keeps its era and the one before;
 * older eras (at least 16 half-lives old, a weight under 2^−16 of new) are
 * dropped.
 */
import { ValidationError } from '../errors/index.js';
import type { EngagementEvent } from '../events/index.js';

/** Signal weights: completion and long watches strong, likes and list adds positive, skips, abandons and dislikes negative. */
export const SIGNAL_WEIGHTS = {
  complete: 3,
  longWatch: 2,
  like: 2,
  watchlist_add: 1,
  play: 0.5,
  watchlist_remove: -0.5,
  shortAbandon: -0.5,
  skip: -1,
  dislike: -3,
} as const;

/** The signal an event carries, or 0 for events that say nothing about taste. */
export function signalWeight(event: Pick<EngagementEvent, 'type' | 'positionSec' | 'durationSec'>): number {
  const ratio =
    event.positionSec !== undefined && event.durationSec
      ? Math.min(1, event.positionSec / event.durationSec)
      : undefined;
  switch (event.type) {
    case 'complete':
      return SIGNAL_WEIGHTS.complete;
    case 'like':
      return SIGNAL_WEIGHTS.like;
    case 'watchlist_add':
      return SIGNAL_WEIGHTS.watchlist_add;
    case 'watchlist_remove':
      return SIGNAL_WEIGHTS.watchlist_remove;
    case 'play':
      return SIGNAL_WEIGHTS.play;
    case 'skip':
      return SIGNAL_WEIGHTS.skip;
    case 'dislike':
      return SIGNAL_WEIGHTS.dislike;
    case 'progress':
      return ratio !== undefined && ratio >= 0.5 ? SIGNAL_WEIGHTS.longWatch : 0;
    case 'pause':
      return ratio !== undefined && ratio < 0.1 ? SIGNAL_WEIGHTS.shortAbandon : 0;
    default:
      return 0;
  }
}

/** The origin of the eras of decayed scores. */
export const DECAY_EPOCH_MS = Date.UTC(2026, 0, 1);

/** The default half-life of popularity and taste: a week. */
export const HALF_LIFE_HOURS = 168;

/** The length of an era, in half-lives: weights within one era scale by at most 2^16. */
export const ERA_HALF_LIVES = 16;

/** Model settings. */
export interface ModelSettings {
  /** Half-life of popularity and taste, in hours. Default 168 (a week). Readers must use the same. */
  halfLifeHours?: number;
  /** Most recent positive titles of a user paired with a new one. Default 20. */
  maxPairs?: number;
}

const hourMs = 3_600_000;

/** The start (epoch ms) of an era. */
export function eraStart(era: number, halfLifeHours = HALF_LIFE_HOURS): number {
  return DECAY_EPOCH_MS + era * ERA_HALF_LIVES * halfLifeHours * hourMs;
}

/** A weight as stored: its era, and the weight scaled from the era's start to its time. */
export interface EraWeight {
  era: number;
  scaled: number;
}

/**
 * A weight observed at time `ms`, as stored.
 *
 * @example
 * ```ts
 * decayed(3, Date.parse('2040-05-01T00:00:00Z')); // { era: 45, scaled: 3 · 2^(…) ≤ 3 · 2^16 }
 * ```
 */
export function decayed(weight: number, ms: number, halfLifeHours = HALF_LIFE_HOURS): EraWeight {
  const halfLife = halfLifeHours * hourMs;
  const era = Math.floor((ms - DECAY_EPOCH_MS) / (ERA_HALF_LIVES * halfLife));
  return { era, scaled: weight * 2 ** ((ms - eraStart(era, halfLifeHours)) / halfLife) };
}

/**
 * The value at `now` of counters kept per era (`[era, scaled sum]` pairs):
 * what their weights are worth today.
 */
export function valueAt(
  eras: Iterable<readonly [number, number]>,
  now: number,
  halfLifeHours = HALF_LIFE_HOURS,
): number {
  const halfLife = halfLifeHours * hourMs;
  let value = 0;
  for (const [era, scaled] of eras) value += scaled * 2 ** ((eraStart(era, halfLifeHours) - now) / halfLife);
  return value;
}

/**
 * A decayed counter in memory: the sums of its newest era and the one
 * before, as a store keeps them.
 */
export class EraCounter {
  private era = Number.NEGATIVE_INFINITY;
  private current = 0;
  private previous = 0;

  /** Adds a stored weight; a weight from before the previous era is too small to keep. */
  add({ era, scaled }: EraWeight): void {
    if (era > this.era) {
      this.previous = era === this.era + 1 ? this.current : 0;
      this.current = 0;
      this.era = era;
    }
    if (era === this.era) this.current += scaled;
    else if (era === this.era - 1) this.previous += scaled;
  }

  /** The counter's `[era, scaled sum]` pairs. */
  eras(): Array<[number, number]> {
    return Number.isFinite(this.era)
      ? [
          [this.era, this.current],
          [this.era - 1, this.previous],
        ]
      : [];
  }

  /** The counter's value at `now`. */
  valueAt(now: number, halfLifeHours = HALF_LIFE_HOURS): number {
    return valueAt(this.eras(), now, halfLifeHours);
  }
}

/** A title with a score. */
export interface Scored {
  titleId: string;
  score: number;
}

/** What the models know about a user. */
export interface UserProfile {
  /** Decayed taste per title (scaled; compare, do not read as absolute). */
  titles: Map<string, number>;
  /** Decayed affinity per genre (scaled). */
  genres: Map<string, number>;
  /**
   * Titles with a positive signal, newest positive signal first. A title stays here after a
   * later dislike or skips: seed personal rails from `seedTitles` (rank.ts), never from this alone.
   */
  positives: string[];
  completed: Set<string>;
  disliked: Set<string>;
  /** Changes with every model update of this user: part of the home cache key. */
  version: number;
}

/** The profile of a user the models know nothing about. */
export function emptyProfile(): UserProfile {
  return { titles: new Map(), genres: new Map(), positives: [], completed: new Set(), disliked: new Set(), version: 0 };
}

/** Options of the model stores. */
export interface ModelStoreOptions {
  /** The clock scores are read at, in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** The half-life the weights were written with ({@link ModelSettings}). Default 168 hours. */
  halfLifeHours?: number;
  /**
   * Sub-keys of each counter that many viewers write at once (popularity, a title's viewers, its
   * co-occurrence): writes spread over them, reads merge them. Readers must use at least the
   * number ever written with, so it may grow but never shrink. Default {@link DEFAULT_MODEL_COUNTER_SHARDS}.
   */
  counterShards?: number;
}

/** Counter sub-keys when none are configured: a premiere's writes spread eight ways. */
export const DEFAULT_MODEL_COUNTER_SHARDS = 8;

/**
 * One record's popularity, kept by a batch until its flush ({@link ModelStore.addPopularity}):
 * the record's place in its writer's order ({@link streamPosition}), and the weight.
 */
export interface PopularityEntry {
  position: string;
  country: string;
  titleId: string;
  era: number;
  scaled: number;
}

/**
 * A record's place in its shard as a string that sorts as the sequence number does (Kinesis
 * sequence numbers are decimal strings of up to 128 digits).
 */
export function streamPosition(sequenceNumber: string): string {
  return sequenceNumber.padStart(128, '0');
}

/** A stable hash of a string (32-bit FNV-1a): which counter sub-key a writer or viewer uses. */
export function counterShard(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/** Storage of the models. Implementations: memory (benchmarks, tests) and DynamoDB. */
export interface ModelStore {
  /**
   * Applies one event's updates; with `popularity: false` all but popularity, which the caller
   * then adds with a batch of others ({@link addPopularity}).
   */
  apply(update: ModelUpdate, options?: { popularity?: boolean }): Promise<void>;
  /**
   * Adds one writer's batch of popularity: summed per title and country first (one write per
   * counter, not one per event), and each entry once per counter however often the batch is
   * added again (a counter remembers the last position it took from each writer). A writer is
   * one ordered source: a stream shard's consumer.
   */
  addPopularity(writer: string, entries: PopularityEntry[]): Promise<void>;
  /** The most popular titles in a country (`ALL` for everywhere), best first. */
  popular(country: string, limit: number): Promise<Scored[]>;
  /** Titles most similar to one title (cosine over co-occurrence), best first. */
  neighbours(titleId: string, limit: number): Promise<Scored[]>;
  /** A user's profile; empty for a new user. */
  profile(userId: string): Promise<UserProfile>;
  /** The profile's version only (cheap; keys the cached home page). */
  version(userId: string): Promise<number>;
  /**
   * Moves the user's version without any model change: for writers of other state the home page
   * shows (the watch-state worker's resume positions and watchlist), so a cached page goes stale.
   */
  touch(userId: string): Promise<void>;
  /**
   * Forgets the viewer's taste (titles, genres, positives, completed and disliked) and moves the
   * version, which stays (a cached page of an older version must not match again): for a viewer
   * who turned personalization off. Resolves to the rows removed.
   */
  forget(userId: string): Promise<number>;
}

/** The changes one event makes, computed by {@link planUpdate}. */
export interface ModelUpdate {
  userId: string;
  titleId: string;
  country: string;
  genres: string[];
  /** The weight's era, and the weight scaled within it ({@link decayed}). */
  era: number;
  scaled: number;
  weight: number;
  completed: boolean;
  disliked: boolean;
  at: string;
  maxPairs: number;
}

/**
 * The model changes an event makes, or undefined for an event that carries no signal.
 *
 * @example
 * ```ts
 * const update = planUpdate(event, ['drama']);
 * if (update) await store.apply(update);
 * ```
 */
export function planUpdate(
  event: EngagementEvent,
  genres: string[],
  settings: ModelSettings = {},
): ModelUpdate | undefined {
  const weight = signalWeight(event);
  if (weight === 0) return undefined;
  const at = Date.parse(event.ts);
  if (!Number.isFinite(at)) throw new ValidationError(`Event ${event.id} has no valid time: ${event.ts}`);
  return {
    userId: event.userId,
    titleId: event.titleId,
    country: event.country ?? 'ZZ',
    genres,
    weight,
    ...decayed(weight, at, settings.halfLifeHours),
    completed: event.type === 'complete',
    disliked: event.type === 'dislike',
    at: event.ts,
    maxPairs: settings.maxPairs ?? 20,
  };
}

const cosine = (pair: number, a: number, b: number) => (a > 0 && b > 0 ? pair / Math.sqrt(a * b) : 0);
/** Code-unit order of two ids: deterministic everywhere (no locale), and the order DynamoDB keeps keys in. */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Best score first, ties by title id: the one order of every ranked list. */
export const byScore = (a: Scored, b: Scored): number => b.score - a.score || compareIds(a.titleId, b.titleId);

/**
 * Models in memory: the offline evaluation builds them from a whole data
 * set, and tests use them; the same {@link ModelUpdate}s feed the DynamoDB store.
 *
 * @example
 * ```ts
 * const store = createMemoryModelStore();
 * for (const e of events) { const u = planUpdate(e, genresOf(e.titleId)); if (u) await store.apply(u); }
 * ```
 */
export function createMemoryModelStore(
  options: ModelStoreOptions = {},
): ModelStore & { applySync(update: ModelUpdate, options?: { popularity?: boolean }): void } {
  const now = options.now ?? Date.now;
  const halfLife = options.halfLifeHours ?? HALF_LIFE_HOURS;
  const popularity = new Map<string, Map<string, EraCounter>>();
  /** The last position each writer's batches added to each popularity counter. */
  const taken = new Map<string, string>();
  const itemUsers = new Map<string, number>();
  const pairs = new Map<string, Map<string, number>>();
  interface MemoryUser {
    titles: Map<string, EraCounter>;
    genres: Map<string, EraCounter>;
    positives: string[];
    positiveSet: Set<string>;
    completed: Set<string>;
    disliked: Set<string>;
    version: number;
  }
  const users = new Map<string, MemoryUser>();
  const add = (map: Map<string, number>, key: string, by: number) => map.set(key, (map.get(key) ?? 0) + by);
  const addDecayed = (map: Map<string, EraCounter>, key: string, weight: EraWeight) => {
    let counter = map.get(key);
    if (!counter) {
      counter = new EraCounter();
      map.set(key, counter);
    }
    counter.add(weight);
  };
  const values = (map: Map<string, EraCounter> | undefined, at: number) =>
    new Map([...(map ?? [])].map(([key, counter]) => [key, counter.valueAt(at, halfLife)]));
  const bucket = <V>(map: Map<string, Map<string, V>>, key: string) => {
    let inner = map.get(key);
    if (!inner) {
      inner = new Map();
      map.set(key, inner);
    }
    return inner;
  };

  const userOf = (userId: string): MemoryUser => {
    let user = users.get(userId);
    if (!user) {
      user = {
        titles: new Map(),
        genres: new Map(),
        positives: [],
        positiveSet: new Set(),
        completed: new Set(),
        disliked: new Set(),
        version: 0,
      };
      users.set(userId, user);
    }
    return user;
  };

  function applySync(u: ModelUpdate, options: { popularity?: boolean } = {}): void {
    if (options.popularity !== false) {
      for (const cc of [u.country, 'ALL']) addDecayed(bucket(popularity, cc), u.titleId, u);
    }
    const user = userOf(u.userId);
    user.version += 1;
    addDecayed(user.titles, u.titleId, u);
    const share = { era: u.era, scaled: u.scaled / Math.max(1, u.genres.length) };
    for (const g of u.genres) addDecayed(user.genres, g, share);
    if (u.completed) user.completed.add(u.titleId);
    if (u.disliked) user.disliked.add(u.titleId);
    if (u.weight > 0 && !user.positiveSet.has(u.titleId)) {
      // First positive signal of this user for this title: it joins the co-occurrence counts.
      add(itemUsers, u.titleId, 1);
      for (const other of user.positives.slice(0, u.maxPairs)) {
        add(bucket(pairs, u.titleId), other, 1);
        add(bucket(pairs, other), u.titleId, 1);
      }
      user.positiveSet.add(u.titleId);
      user.positives.unshift(u.titleId);
      if (user.positives.length > 200) user.positiveSet.delete(user.positives.pop() as string);
    } else if (u.weight > 0 && user.positives[0] !== u.titleId) {
      // Newest interaction first, as the DynamoDB store orders them.
      user.positives.splice(user.positives.indexOf(u.titleId), 1);
      user.positives.unshift(u.titleId);
    }
  }

  return {
    applySync,
    async apply(update, options) {
      applySync(update, options);
    },
    async addPopularity(writer, entries) {
      for (const e of entries) {
        for (const cc of [e.country, 'ALL']) {
          const mark = `${cc}\u0000${e.titleId}\u0000${writer}`;
          if ((taken.get(mark) ?? '') >= e.position) continue;
          addDecayed(bucket(popularity, cc), e.titleId, e);
          taken.set(mark, e.position);
        }
      }
    },
    async popular(country, limit) {
      const scores = values(popularity.get(country), now());
      return [...scores]
        .map(([titleId, score]) => ({ titleId, score }))
        .sort(byScore)
        .slice(0, limit);
    },
    async neighbours(titleId, limit) {
      const n = itemUsers.get(titleId) ?? 0;
      return [...(pairs.get(titleId) ?? new Map<string, number>())]
        .map(([other, c]) => ({ titleId: other, score: cosine(c, n, itemUsers.get(other) ?? 0) }))
        .sort(byScore)
        .slice(0, limit);
    },
    async profile(userId) {
      const user = users.get(userId);
      const at = now();
      return {
        titles: values(user?.titles, at),
        genres: values(user?.genres, at),
        positives: [...(user?.positives ?? [])],
        completed: new Set(user?.completed),
        disliked: new Set(user?.disliked),
        version: user?.version ?? 0,
      };
    },
    async version(userId) {
      return users.get(userId)?.version ?? 0;
    },
    async touch(userId) {
      userOf(userId).version += 1;
    },
    async forget(userId) {
      const user = users.get(userId);
      if (!user) return 0;
      const rows = user.titles.size + user.genres.size;
      for (const held of [user.titles, user.genres, user.positiveSet, user.completed, user.disliked]) held.clear();
      user.positives.length = 0;
      user.version += 1;
      return rows;
    },
  };
}
