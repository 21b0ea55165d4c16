/**
 * Ranking: candidates from the stored models re-ranked at request time by
 * the user's current profile (the real-time part), with exclusions,
 * diversity and a deterministic order. Pure functions over plain data, so
 * the offline evaluation and the home page rank the same way.
 */
import type { TitleSummary } from '../catalog/index.js';
import { byScore, compareIds, type Scored, type UserProfile } from './models.js';

/** An item of a recommendation rail, with why it is there. */
export interface RankedItem {
  titleId: string;
  name: string;
  genres: string[];
  score: number;
  reason: string;
}

/** A recommendation rail. */
export interface RankedRail {
  id: string;
  title: string;
  items: RankedItem[];
}

/** What ranking needs, all read before it starts. */
export interface RankInput {
  country: string;
  /** The candidates playable in the viewer's country. */
  available: TitleSummary[];
  /** The country's newest titles, newest publication first (the New rail). Default `available`. */
  newest?: TitleSummary[];
  profile: UserProfile;
  /** Popularity in the viewer's country (or everywhere), best first. */
  popular: Scored[];
  /** Neighbours of the user's seed titles. */
  neighbours: Map<string, Scored[]>;
  /** Items per rail. Default 20. */
  size?: number;
}

/** Weights of a blended "Top Picks" score. */
export interface BlendWeights {
  similarity: number;
  genre: number;
  popularity: number;
}

/** The blend in use (tuned with bench/recs: NDCG@10 plateaus around these). */
export const BLEND: Readonly<BlendWeights> = { similarity: 1, genre: 0.4, popularity: 0.7 };

/** Titles never recommended to this user: completed and disliked. */
export function excluded(profile: UserProfile): Set<string> {
  return new Set([...profile.completed, ...profile.disliked]);
}

/**
 * The titles personal rails may be built around ("Because You Watched",
 * the similarity of Top Picks), newest first: the user's positives that the
 * user has not disliked and still likes on balance (taste score above 0).
 * `positives` alone is not enough: a title joins it on its first positive
 * signal (a play counts) and stays there after a dislike or a run of skips.
 * Completed titles do seed: watching to the end is the strongest positive,
 * and "Because You Watched" is about exactly those.
 *
 * @example
 * ```ts
 * const seeds = seedTitles(await store.profile('alice')).slice(0, 5);
 * ```
 */
export function seedTitles(profile: UserProfile): string[] {
  return profile.positives.filter((id) => !profile.disliked.has(id) && (profile.titles.get(id) ?? 0) > 0);
}

/** Titles the user already engaged with positively (not recommended again in personal rails). */
function seen(profile: UserProfile): Set<string> {
  return new Set([...excluded(profile), ...[...profile.titles].filter(([, s]) => s > 0).map(([id]) => id)]);
}

const indexes = new WeakMap<readonly TitleSummary[], ReadonlyMap<string, TitleSummary>>();

/**
 * Titles by id, built once per catalogue list: a home page asks for the
 * same (memoized) list on every request, and indexing it is most of a
 * page's work otherwise.
 */
export function indexTitles(titles: readonly TitleSummary[]): ReadonlyMap<string, TitleSummary> {
  let index = indexes.get(titles);
  if (!index) {
    index = new Map(titles.map((t) => [t.titleId, t]));
    indexes.set(titles, index);
  }
  return index;
}

/**
 * Spreads genres: a rail takes at most `cap` titles whose first genre is
 * the same before it takes the rest, in rank order (so it stays full).
 */
export function diversify<T extends { genres: string[] }>(items: T[], size: number, cap = Math.ceil(size / 3)): T[] {
  const counts = new Map<string, number>();
  const picked: T[] = [];
  const deferred: T[] = [];
  for (const item of items) {
    const genre = item.genres[0] ?? '';
    const n = counts.get(genre) ?? 0;
    if (n < cap) {
      counts.set(genre, n + 1);
      picked.push(item);
    } else deferred.push(item);
    if (picked.length >= size) break;
  }
  return [...picked, ...deferred].slice(0, size);
}

/** A candidate's blended score and what it came from, before any string is made. */
interface Candidate extends Scored {
  genres: string[];
  /** The seed title that contributed most similarity, and the summed similarity, when any did. */
  seed?: string;
  similarity?: number;
  /** The viewer's best-liked genre of the title, when the viewer likes any. */
  genre?: string;
}

/**
 * Scores the whole available catalogue, best first. Strings are made later
 * and only for what is shown ({@link explain}): a home page ranks hundreds of
 * titles and shows a few dozen.
 */
function rankCandidates(input: Omit<RankInput, 'size'> & { blend?: BlendWeights }): Candidate[] {
  const { profile } = input;
  const blend = input.blend ?? BLEND;
  const skip = seen(profile);
  const maxTaste = Math.max(1e-9, ...[...profile.titles.values()].filter((s) => s > 0));
  const affinity = [...profile.genres].filter(([, s]) => s > 0);
  const maxAffinity = Math.max(1e-9, ...affinity.map(([, s]) => s));
  const genreScore = new Map(affinity.map(([g, s]) => [g, s / maxAffinity]));
  const maxPop = Math.max(1e-9, ...input.popular.map((p) => p.score));
  const pop = new Map(input.popular.map((p) => [p.titleId, p.score / maxPop]));
  const similarity = new Map<string, { score: number; seed: string; best: number }>();
  // Only seeds count, whatever neighbour lists the caller read: nothing is "similar to" a disliked title.
  const seeds = new Set(seedTitles(profile));
  for (const [seed, list] of input.neighbours) {
    if (!seeds.has(seed)) continue;
    const weight = Math.max(0, profile.titles.get(seed) ?? 0) / maxTaste;
    for (const n of list) {
      const contribution = n.score * weight;
      const current = similarity.get(n.titleId) ?? { score: 0, seed, best: 0 };
      current.score += contribution;
      if (contribution > current.best) {
        current.best = contribution;
        current.seed = seed;
      }
      similarity.set(n.titleId, current);
    }
  }
  const scored: Candidate[] = [];
  for (const title of input.available) {
    if (skip.has(title.titleId)) continue;
    const sim = similarity.get(title.titleId);
    let genreSum = 0;
    let best: string | undefined;
    let bestScore = 0;
    for (const g of title.genres) {
      const gs = genreScore.get(g) ?? 0;
      genreSum += gs;
      if (gs > bestScore) {
        bestScore = gs;
        best = g;
      }
    }
    const genre = title.genres.length ? genreSum / title.genres.length : 0;
    const simScore = sim?.score ?? 0;
    const score = blend.similarity * simScore + blend.genre * genre + blend.popularity * (pop.get(title.titleId) ?? 0);
    if (score <= 0) continue;
    const candidate: Candidate = { titleId: title.titleId, score, genres: title.genres };
    if (simScore > 0 && sim) {
      candidate.seed = sim.seed;
      candidate.similarity = simScore;
    }
    if (best) candidate.genre = best;
    scored.push(candidate);
  }
  return scored.sort(byScore);
}

/** Why a candidate is recommended, in words. */
function explain(candidate: Candidate, names: ReadonlyMap<string, { name: string }>): string {
  if (candidate.seed) {
    return `similar to ${names.get(candidate.seed)?.name ?? candidate.seed} (${(candidate.similarity ?? 0).toFixed(2)})`;
  }
  return candidate.genre ? `you like ${candidate.genre}` : 'popular';
}

/**
 * The blended personal score of every candidate: similarity to the user's
 * recent positive titles (weighted by their taste), genre affinity, and a
 * little popularity; over the whole available catalogue, minus what the
 * user has seen, completed or disliked. Best first, ties by title id.
 *
 * @example
 * ```ts
 * const ranked = scoreCandidates({ country: 'GB', available, profile, popular, neighbours });
 * ranked[0]; // { titleId: 't7', score: 1.42, reason: 'similar to Title 3' }
 * ```
 */
export function scoreCandidates(
  input: Omit<RankInput, 'size'> & { blend?: BlendWeights },
): Array<Scored & { reason: string }> {
  const names = indexTitles(input.available);
  return rankCandidates(input).map((c) => ({ titleId: c.titleId, score: c.score, reason: explain(c, names) }));
}

/**
 * The recommendation rails of one viewer: Top Picks, Because You Watched
 * (for up to two recent titles), Top 10 in the country, genre rails by
 * affinity, and New Releases. Completed and disliked titles never appear;
 * only titles available in the country appear; order is deterministic.
 *
 * @example
 * ```ts
 * const rails = rankRails({ country: 'GB', available, profile, popular, neighbours });
 * ```
 */
export function rankRails(input: RankInput): RankedRail[] {
  const size = input.size ?? 20;
  const { profile } = input;
  const byId = indexTitles(input.available);
  const never = excluded(profile);
  const personal = seen(profile);
  const item = (titleId: string, score: number, reason: string): RankedItem | undefined => {
    const t = byId.get(titleId);
    return t ? { titleId, name: t.name, genres: t.genres, score, reason } : undefined;
  };
  const rails: RankedRail[] = [];
  const cc = input.country.toUpperCase();

  if (profile.positives.length) {
    const items = diversify(rankCandidates(input), size).flatMap(
      (c) => item(c.titleId, c.score, explain(c, byId)) ?? [],
    );
    if (items.length) rails.push({ id: 'top-picks', title: 'Top Picks for You', items });
  }

  for (const seed of seedTitles(profile)
    .filter((s) => input.neighbours.has(s))
    .slice(0, 2)) {
    const seedName = byId.get(seed)?.name ?? seed;
    const items = (input.neighbours.get(seed) ?? [])
      .filter((n) => !personal.has(n.titleId) && n.titleId !== seed)
      .flatMap((n) => item(n.titleId, n.score, `watched together with ${seedName} (${n.score.toFixed(2)})`) ?? []);
    if (items.length) {
      rails.push({ id: `because-${seed}`, title: `Because You Watched ${seedName}`, items: diversify(items, size) });
    }
  }

  const top = input.popular
    .filter((p) => !never.has(p.titleId))
    .flatMap((p) => item(p.titleId, p.score, '') ?? [])
    .slice(0, 10)
    .map((t, i) => ({ ...t, reason: `#${i + 1} in ${cc} this week` }));
  if (top.length) rails.push({ id: `top10-${cc.toLowerCase()}`, title: `Top 10 in ${cc}`, items: top });

  const popRank = new Map(input.popular.map((p, i) => [p.titleId, i]));
  const genres = [...profile.genres]
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0]))
    .slice(0, 2);
  for (const [genre] of genres) {
    const items = input.available
      .filter((t) => t.genres.includes(genre) && !personal.has(t.titleId))
      .sort(
        (a, b) =>
          (popRank.get(a.titleId) ?? Number.MAX_SAFE_INTEGER) - (popRank.get(b.titleId) ?? Number.MAX_SAFE_INTEGER) ||
          compareIds(a.titleId, b.titleId),
      )
      .slice(0, size)
      .flatMap((t) => item(t.titleId, 0, `you like ${genre}`) ?? []);
    if (items.length)
      rails.push({ id: `genre-${genre}`, title: `More ${genre[0]?.toUpperCase()}${genre.slice(1)}`, items });
  }

  const fresh = (input.newest ?? input.available)
    .filter((t) => !never.has(t.titleId))
    .slice(0, size * 2)
    .flatMap((t) => item(t.titleId, 0, `new in ${cc}`) ?? []);
  if (fresh.length) rails.push({ id: 'new', title: `New in ${cc}`, items: diversify(fresh, size) });
  return rails;
}
