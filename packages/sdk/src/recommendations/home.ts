/**
 * The home page: rails built from the viewer's own state, the catalog and
 * the recommendation models (popularity, co-occurrence, genre affinity).
 * Each source has a time budget; a source that is slow or failing leaves
 * its rail out (or falls back to the last known popularity) and marks the
 * page `degraded` instead of failing it, and the catalog's newest titles
 * keep the page from ever being empty.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import type { Cache } from '../cache/index.js';
import { availableAt, type Catalog, type TitleSummary } from '../catalog/index.js';
import type { Artwork } from '../contract/index.js';
import type { ArtworkSigner } from '../playback/artwork.js';
import type { Users } from '../users/index.js';
import { emptyProfile, type ModelStore, type Scored, type UserProfile } from './models.js';
import { indexTitles, rankRails, seedTitles } from './rank.js';

/** One item of a rail. */
export interface RailItem {
  titleId: string;
  name: string;
  genres: string[];
  /** Resume position, on Continue Watching. */
  positionSec?: number;
  ratio?: number;
  /** Why the title is on the rail. */
  reason?: string;
  /** The title's length, for progress bars. */
  durationSec?: number;
  /** Signed artwork through the edge. */
  artwork?: Artwork;
}

/** A rail of the home page. */
export interface Rail {
  id: string;
  title: string;
  items: RailItem[];
}

/** The home page (`GET /v1/home`). */
export interface Home {
  rails: Rail[];
  /** True when a source failed or ran out of time and its rail was left out. */
  degraded: boolean;
}

/** Options of {@link buildHome}. */
export interface HomeOptions {
  userId: string;
  country: string;
  /** Per-source time budget in ms. Default 300. */
  budgetMs?: number;
  /** Items per rail. Default 20. */
  railSize?: number;
  /** Titles to fall back on when the catalog cannot be read (last known good). */
  fallbackTitles?: (country: string) => TitleSummary[] | undefined;
  /** Popularity to fall back on when the models cannot be read (last known good). */
  fallbackPopular?: (country: string) => Scored[] | undefined;
  /**
   * False for a viewer who turned personalization off: no taste (Top Picks, Because You
   * Watched, genre rails), only non-personal sources (Continue Watching, My List, Top 10, New).
   * Default true.
   */
  personalized?: boolean;
  /** Signs a title's artwork for its cards. Default: cards have no artwork. */
  artwork?: ArtworkSigner;
}

class BudgetExceeded extends Error {}

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BudgetExceeded(`over ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sources of the home page. `models` adds the personal and popularity rails. */
export interface HomeSources {
  catalog: Pick<Catalog, 'listAvailable' | 'availableAmong'>;
  users: Pick<Users, 'continueWatching' | 'listWatchlist'>;
  models?: ModelStore;
}

const EMPTY_PROFILE: UserProfile = emptyProfile();

/** How many of the country's and everywhere's most popular titles are candidates. */
const POPULAR_CANDIDATES = 200;
/** How many neighbours of each seed title are candidates. */
const NEIGHBOUR_CANDIDATES = 50;
/** How many of the newest titles in the country make the New rail's pool. */
const NEWEST = 40;

/**
 * Builds the home page for a viewer: Continue Watching, Top Picks, Because
 * You Watched, My List, Top 10 in the country, genre rails and New; each
 * source within its time budget. A failing source leaves its rails out (or
 * falls back to the last known popularity) and marks the page `degraded`;
 * the page is never empty while the country has published titles.
 *
 * Candidates come from the models over the whole catalogue (the country's
 * and everywhere's popularity, the neighbours of the viewer's seed titles),
 * the viewer's own rails and the newest titles; the catalog then says which
 * of them the viewer may play ({@link Catalog.availableAmong}).
 *
 * @example
 * ```ts
 * const home = await buildHome({ catalog, users, models }, { userId: 'alice', country: 'GB' });
 * ```
 */
export async function buildHome(sources: HomeSources, options: HomeOptions): Promise<Home> {
  const budget = options.budgetMs ?? 300;
  const size = options.railSize ?? 20;
  const country = options.country.toUpperCase();
  const { models } = sources;
  // The viewer's own rails read more than they show: titles left out (unavailable, completed,
  // disliked) are topped up from the rest.
  const ownLimit = Math.min(size * 2, 100);
  const [newest, progress, watchlist, profileResult, popularHere, popularAll] = await Promise.allSettled([
    within(budget, sources.catalog.listAvailable(country, { limit: Math.max(NEWEST, size * 2) })),
    within(budget, sources.users.continueWatching(options.userId, { limit: ownLimit })),
    within(budget, sources.users.listWatchlist(options.userId, { limit: ownLimit })),
    models && options.personalized !== false
      ? within(budget, models.profile(options.userId))
      : Promise.resolve(EMPTY_PROFILE),
    models ? within(budget, models.popular(country, POPULAR_CANDIDATES)) : Promise.resolve([]),
    models ? within(budget, models.popular('ALL', POPULAR_CANDIDATES)) : Promise.resolve([]),
  ]);
  let degraded = false;

  const profile = profileResult.status === 'fulfilled' ? profileResult.value : EMPTY_PROFILE;
  let popular: Scored[] = [];
  if (popularHere.status === 'fulfilled' && popularAll.status === 'fulfilled') {
    // The country's own chart first, topped up from everywhere while it is young.
    const seen = new Set(popularHere.value.map((p) => p.titleId));
    popular = [...popularHere.value, ...popularAll.value.filter((p) => !seen.has(p.titleId))];
  } else {
    degraded = true;
    popular = options.fallbackPopular?.(country) ?? [];
  }
  if (profileResult.status === 'rejected') degraded = true;
  const neighbours = new Map<string, Scored[]>();
  const seeds = seedTitles(profile).slice(0, 5);
  if (models && seeds.length) {
    const lists = await Promise.allSettled(
      seeds.map((seed) => within(budget, models.neighbours(seed, NEIGHBOUR_CANDIDATES))),
    );
    lists.forEach((list, i) => {
      if (list.status === 'fulfilled') neighbours.set(seeds[i] as string, list.value);
      else degraded = true;
    });
  }

  // Which candidates the viewer may play: the newest are known to be; the rest are asked for.
  const newestTitles = newest.status === 'fulfilled' ? newest.value : undefined;
  const known = new Set((newestTitles ?? []).map((t) => t.titleId));
  const wanted = new Set<string>();
  const want = (titleId: string) => {
    if (!known.has(titleId)) wanted.add(titleId);
  };
  if (progress.status === 'fulfilled') for (const p of progress.value) want(p.titleId);
  if (watchlist.status === 'fulfilled') for (const w of watchlist.value.items) want(w.titleId);
  for (const list of neighbours.values()) for (const n of list) want(n.titleId);
  for (const p of popular) want(p.titleId);
  let catalog: TitleSummary[];
  try {
    if (!newestTitles) throw new Error('the newest titles could not be read');
    const more = wanted.size ? await within(budget, sources.catalog.availableAmong(country, [...wanted])) : [];
    catalog = [...newestTitles, ...more];
  } catch {
    degraded = true;
    catalog = options.fallbackTitles?.(country) ?? newestTitles ?? [];
  }
  const byId = indexTitles(catalog);
  const card = (t: TitleSummary): RailItem => {
    const artwork = options.artwork?.(t);
    return {
      titleId: t.titleId,
      name: t.name,
      genres: t.genres,
      ...(t.durationSec !== undefined ? { durationSec: t.durationSec } : {}),
      ...(artwork ? { artwork } : {}),
    };
  };
  const item = (titleId: string): RailItem | undefined => {
    const t = byId.get(titleId);
    // Only titles the viewer may play in their country appear.
    return t ? card(t) : undefined;
  };

  const rails: Rail[] = [];
  if (progress.status === 'fulfilled') {
    const items = progress.value
      // Finished (by resume position or by a completion event the models took in) or disliked: not resumed.
      .filter((p) => !p.completed && !profile.completed.has(p.titleId) && !profile.disliked.has(p.titleId))
      .flatMap((p) => {
        const base = item(p.titleId);
        return base
          ? [
              {
                ...base,
                positionSec: p.positionSec,
                ratio: p.ratio,
                // The length the player reported with the position: what the progress bar is drawn against.
                ...(p.durationSec ? { durationSec: p.durationSec } : {}),
                reason: 'continue where you left off',
              },
            ]
          : [];
      })
      .slice(0, size);
    if (items.length) rails.push({ id: 'continue-watching', title: 'Continue Watching', items });
  } else degraded = true;
  let myList: Rail | undefined;
  if (watchlist.status === 'fulfilled') {
    const items = watchlist.value.items
      // Disliked titles go. Completed ones stay: the list is the viewer's own, kept by their adds and
      // removes (a finished title may be there to watch again), and the rail must not disagree with
      // the list the viewer manages; recommendations, not the viewer's choices, leave completed out.
      .filter((w) => !profile.disliked.has(w.titleId))
      .flatMap((w) => {
        const base = item(w.titleId);
        return base ? [{ ...base, reason: 'on your list' }] : [];
      })
      .slice(0, size);
    if (items.length) myList = { id: 'my-list', title: 'My List', items };
  } else degraded = true;

  const ranked = rankRails({
    country,
    available: catalog,
    newest: newestTitles ?? catalog,
    profile,
    popular,
    neighbours,
    size,
  });
  const toRail = (r: (typeof ranked)[number]): Rail => ({
    id: r.id,
    title: r.title,
    items: r.items.map((t) => ({ ...card(byId.get(t.titleId) ?? t), reason: t.reason })),
  });
  const personal = ranked.filter((r) => r.id === 'top-picks' || r.id.startsWith('because-'));
  rails.push(...personal.map(toRail));
  if (myList) rails.push(myList);
  rails.push(...ranked.filter((r) => !personal.includes(r)).map(toRail));
  return { rails, degraded };
}

/** The cache keys of a viewer's home page and of the profile version it was built from. */
export const homeCacheKeys = (userId: string) => ({ page: `home:${userId}`, version: `homever:${userId}` });

/**
 * The cache key of the catalog's availability stamp: moved by every publish and unpublish, kept
 * with each built page, so a page built before a title left a country is not served again.
 */
export const CATALOG_STAMP_KEY = 'catalog:stamp';

/** The home page with caching, per-user invalidation and a last-known-good catalog. */
export interface HomeService {
  /** The viewer's home page: from the cache while the viewer's state is unchanged, else rebuilt. */
  build(viewer: { userId: string; country: string }): Promise<Home>;
  /**
   * Tells the home page that the viewer's state changed (a model update, a resume position, a
   * list change written elsewhere): the next request rebuilds it. Best effort, never throws.
   */
  changed(userId: string): Promise<void>;
  /**
   * Tells the home page that where or when titles may play changed (a publish, an unpublish):
   * every viewer's next request rebuilds, in this process at once and in processes sharing the
   * cache within the version's trust time. Best effort, never throws.
   */
  catalogChanged(): Promise<void>;
}

/** Options of {@link createHomeService}. */
export interface HomeServiceOptions {
  catalog: Pick<Catalog, 'listAvailable' | 'availableAmong'>;
  users: Pick<Users, 'continueWatching' | 'listWatchlist'>;
  cache: Cache;
  /** The recommendation models; without them the page has no personal or Top 10 rails. */
  models?: ModelStore;
  /** How long a built page is kept. Default 60 s. */
  ttlSeconds?: number;
  /**
   * How long the profile version read from the store is trusted before it is read again. Writers
   * that share the cache clear it at once ({@link HomeService.changed}); writers that do not (a
   * worker in another process) are seen within this time. Default 2 s.
   */
  versionTtlSeconds?: number;
  budgetMs?: number;
  /**
   * Whether the viewer allows personalization, read when a page is built (a change of consent
   * moves the viewer's version, so cached pages go). A failed read counts as "no": the page is
   * built without taste and marked degraded. Default: every viewer is personalized.
   */
  personalized?: (viewer: { userId: string; country: string }) => Promise<boolean>;
  /** Signs a title's artwork for its cards (the stage's playback signer). Default: no artwork. */
  artwork?: ArtworkSigner;
}

/**
 * Wraps {@link buildHome} with a cache (home pages per user, never a
 * degraded one), and a per-country last-known-good title list so the page
 * stays full while the catalog or the cache fails; any such failure marks
 * the page `degraded`.
 *
 * Freshness costs no store read per request: a page is cached with the
 * profile version it was built from, and the version itself is cached for a
 * couple of seconds. Writers clear the cached version ({@link HomeService.changed}),
 * so the next request reads the store's version once and rebuilds.
 *
 * @example
 * ```ts
 * const home = createHomeService({ catalog, users, models, cache: createMemoryCache() });
 * const page = await home.build({ userId: 'alice', country: 'GB' });
 * await home.changed('alice'); // after alice's state changed
 * ```
 */
export function createHomeService(options: HomeServiceOptions): HomeService {
  const { cache } = options;
  const ttl = options.ttlSeconds ?? 60;
  const versionTtl = options.versionTtlSeconds ?? 2;
  const lastGood = new Map<string, TitleSummary[]>();
  const lastPopular = new Map<string, Scored[]>();
  // Shared model reads change slowly (neighbours, charts): a short in-process memo keeps a home page
  // to the user's own profile read plus what is new. The profile itself is read on every rebuild.
  // Room for the neighbours of every title of a 20,000-title catalogue (a list is about 3 KB).
  const memo = new LRUCache<string, Promise<Scored[]>>({ max: 20_000 });
  const memoized = (key: string, ms: number, read: () => Promise<Scored[]>) => {
    const hit = memo.get(key);
    if (hit) return hit;
    const value = read();
    value.catch(() => memo.delete(key));
    memo.set(key, value, { ttl: ms });
    return value;
  };
  const store = options.models;
  const models: ModelStore | undefined = store && {
    ...store,
    profile: (userId) => store.profile(userId),
    popular: (country, limit) =>
      memoized(`pop:${country}:${limit}`, 5_000, async () => {
        const list = await store.popular(country, limit);
        lastPopular.set(country, list);
        return list;
      }),
    neighbours: (titleId, limit) => memoized(`nb:${titleId}:${limit}`, 30_000, () => store.neighbours(titleId, limit)),
  };
  // Whether a title may play in a country changes rarely (publishing, windows): known answers are
  // kept for as long as the catalog's own read cache keeps a title, so a page asks only for new ids;
  // they are kept per catalog stamp, so a publish makes them all new.
  const availability = new LRUCache<string, { title: TitleSummary | null }>({ max: 100_000, ttl: 30_000 });
  let stamp: { value: number; until: number } | undefined;
  /** The catalog's availability stamp, trusted for as long as a profile version is; 0 when never moved. */
  async function catalogStamp(): Promise<number> {
    if (stamp && Date.now() < stamp.until) return stamp.value;
    const read = await cache.get<number>(CATALOG_STAMP_KEY).catch(() => undefined);
    const value = typeof read === 'number' ? read : 0;
    stamp = { value, until: Date.now() + versionTtl * 1000 };
    return value;
  }
  const catalog: Pick<Catalog, 'listAvailable' | 'availableAmong'> = {
    listAvailable: async (country, o) => {
      const titles = await options.catalog.listAvailable(country, o);
      lastGood.set(country.toUpperCase(), titles);
      return titles;
    },
    availableAmong: async (country, titleIds) => {
      const cc = country.toUpperCase();
      const at = Date.now();
      const prefix = `${await catalogStamp()}:${cc}:`;
      const missing = titleIds.filter((id) => !availability.has(`${prefix}${id}`));
      if (missing.length) {
        const found = new Map((await options.catalog.availableAmong(cc, missing)).map((t) => [t.titleId, t]));
        for (const id of missing) availability.set(`${prefix}${id}`, { title: found.get(id) ?? null });
      }
      return titleIds.flatMap((id) => {
        const title = availability.get(`${prefix}${id}`)?.title;
        return title && availableAt(title, at) ? [title] : [];
      });
    },
  };
  /** The profile version pages are keyed by: -1 when it cannot be known (the page is then degraded). */
  async function version(userId: string): Promise<number> {
    if (!store) return 0;
    const key = homeCacheKeys(userId).version;
    const cached = await cache.get<number>(key).catch(() => undefined);
    if (typeof cached === 'number') return cached;
    const v = await store.version(userId).catch(() => -1);
    if (v >= 0) await cache.set(key, v, versionTtl).catch(() => undefined);
    return v;
  }
  return {
    async changed(userId) {
      const keys = homeCacheKeys(userId);
      await cache.delete(keys.version, keys.page).catch(() => undefined);
    },
    async catalogChanged() {
      // A new stamp, newer than any this process or another wrote: pages carrying an older one are stale.
      const value = Math.max(Date.now(), (stamp?.value ?? 0) + 1);
      stamp = { value, until: Date.now() + versionTtl * 1000 };
      await cache.set(CATALOG_STAMP_KEY, value, 86_400).catch(() => undefined);
    },
    async build(viewer) {
      const country = viewer.country.toUpperCase();
      const key = homeCacheKeys(viewer.userId).page;
      // The profile version moves with every event the models take in, and with every change the
      // watch-state writer makes (ModelStore.touch): a cached page of an older version is stale.
      const [v, stampNow] = await Promise.all([version(viewer.userId), catalogStamp()]);
      let cacheFailed = false;
      try {
        const hit = await cache.get<{ country: string; version: number; catalog?: number; home: Home }>(key);
        if (hit && hit.country === country && hit.version === v && hit.catalog === stampNow && v >= 0) return hit.home;
      } catch {
        cacheFailed = true;
      }
      let personalized = true;
      let consentFailed = false;
      if (options.personalized) {
        personalized = await options.personalized({ userId: viewer.userId, country }).catch(() => {
          consentFailed = true;
          return false;
        });
      }
      const built = await buildHome(
        { catalog, users: options.users, ...(models ? { models } : {}) },
        {
          userId: viewer.userId,
          country,
          ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {}),
          fallbackTitles: (cc) => lastGood.get(cc),
          fallbackPopular: (cc) => lastPopular.get(cc) ?? lastPopular.get('ALL'),
          personalized,
          ...(options.artwork ? { artwork: options.artwork } : {}),
        },
      );
      const home = consentFailed ? { ...built, degraded: true } : built;
      if (!cacheFailed && !home.degraded && v >= 0)
        await cache.set(key, { country, version: v, catalog: stampNow, home }, ttl).catch(() => undefined);
      return cacheFailed || v < 0 ? { ...home, degraded: true } : home;
    },
  };
}
