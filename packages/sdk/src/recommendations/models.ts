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
 * Decay without rewriting: a weight `w` at time `t` is stored as
 * `w · 2^((t − epoch) / halfLife)`, so counters only ever ADD; reading at
 * time `now` multiplies by `2^(−(now − epoch) / halfLife)`. Ratios (rankings)
 * need no rescaling at all.
 */
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

/** The fixed origin of decayed scores. */
export const DECAY_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Model settings. */
export interface ModelSettings {
  /** Half-life of popularity and taste, in hours. Default 168 (a week). */
  halfLifeHours?: number;
  /** Most recent positive titles of a user paired with a new one. Default 20. */
  maxPairs?: number;
}

/** `2^((t − epoch) / halfLife)`: the scale of a weight observed at time `ms`. */
export function decayScale(ms: number, halfLifeHours = 168): number {
  return 2 ** ((ms - DECAY_EPOCH_MS) / (halfLifeHours * 3_600_000));
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

/** Storage of the models. Implementations: memory (benchmarks, tests) and DynamoDB. */
export interface ModelStore {
  /** Applies one event's updates. */
  apply(update: ModelUpdate): Promise<void>;
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
}

/** The changes one event makes, computed by {@link planUpdate}. */
export interface ModelUpdate {
  userId: string;
  titleId: string;
  country: string;
  genres: string[];
  /** Scaled weight (decay applied). */
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
  return {
    userId: event.userId,
    titleId: event.titleId,
    country: event.country ?? 'ZZ',
    genres,
    weight,
    scaled: weight * decayScale(Date.parse(event.ts), settings.halfLifeHours),
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
export function createMemoryModelStore(): ModelStore & { applySync(update: ModelUpdate): void } {
  const popularity = new Map<string, Map<string, number>>();
  const itemUsers = new Map<string, number>();
  const pairs = new Map<string, Map<string, number>>();
  interface MemoryUser {
    titles: Map<string, number>;
    genres: Map<string, number>;
    positives: string[];
    positiveSet: Set<string>;
    completed: Set<string>;
    disliked: Set<string>;
    version: number;
  }
  const users = new Map<string, MemoryUser>();
  const add = (map: Map<string, number>, key: string, by: number) => map.set(key, (map.get(key) ?? 0) + by);
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

  function applySync(u: ModelUpdate): void {
    for (const cc of [u.country, 'ALL']) add(bucket(popularity, cc), u.titleId, u.scaled);
    const user = userOf(u.userId);
    user.version += 1;
    add(user.titles, u.titleId, u.scaled);
    for (const g of u.genres) add(user.genres, g, u.scaled / Math.max(1, u.genres.length));
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
    async apply(update) {
      applySync(update);
    },
    async popular(country, limit) {
      const scores = popularity.get(country) ?? new Map<string, number>();
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
      return {
        titles: new Map(user?.titles),
        genres: new Map(user?.genres),
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
  };
}
