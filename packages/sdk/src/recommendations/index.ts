/**
 * The home page: rails built from the viewer's own state and the catalog.
 * Each source has a time budget; a source that is slow or failing leaves
 * its rail out and marks the page `degraded` instead of failing it, and the
 * catalog's newest titles keep the page from ever being empty. Popularity,
 * co-occurrence and genre-affinity rails join when their models exist.
 *
 * @module
 */
import type { Cache } from '../cache/index.js';
import type { Catalog, TitleSummary } from '../catalog/index.js';
import type { Users } from '../users/index.js';

/** One item of a rail. */
export interface RailItem {
  titleId: string;
  name: string;
  genres: string[];
  /** Resume position, on Continue Watching. */
  positionSec?: number;
  ratio?: number;
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

/**
 * Builds the home page for a viewer.
 *
 * @example
 * ```ts
 * const home = await buildHome({ catalog, users }, { userId: 'alice', country: 'GB' });
 * ```
 */
export async function buildHome(
  sources: { catalog: Pick<Catalog, 'listAvailable'>; users: Pick<Users, 'continueWatching' | 'listWatchlist'> },
  options: HomeOptions,
): Promise<Home> {
  const budget = options.budgetMs ?? 300;
  const size = options.railSize ?? 20;
  const [available, progress, watchlist] = await Promise.allSettled([
    within(budget, sources.catalog.listAvailable(options.country, { limit: 200 })),
    within(budget, sources.users.continueWatching(options.userId, { limit: size })),
    within(budget, sources.users.listWatchlist(options.userId, { limit: Math.min(size, 100) })),
  ]);
  let degraded = available.status === 'rejected';
  const catalog: TitleSummary[] =
    available.status === 'fulfilled' ? available.value : (options.fallbackTitles?.(options.country) ?? []);
  const byId = new Map(catalog.map((t) => [t.titleId, t]));
  const item = (titleId: string): RailItem | undefined => {
    const t = byId.get(titleId);
    // Only titles the viewer may play in their country appear.
    return t ? { titleId, name: t.name, genres: t.genres } : undefined;
  };
  const rails: Rail[] = [];
  if (progress.status === 'fulfilled') {
    const items = progress.value.flatMap((p) => {
      const base = item(p.titleId);
      return base ? [{ ...base, positionSec: p.positionSec, ratio: p.ratio }] : [];
    });
    if (items.length) rails.push({ id: 'continue-watching', title: 'Continue Watching', items });
  } else degraded = true;
  if (watchlist.status === 'fulfilled') {
    const items = watchlist.value.items.flatMap((w) => item(w.titleId) ?? []);
    if (items.length) rails.push({ id: 'my-list', title: 'My List', items });
  } else degraded = true;
  if (catalog.length) {
    rails.push({
      id: 'new',
      title: `New in ${options.country.toUpperCase()}`,
      items: catalog.slice(0, size).map((t) => ({ titleId: t.titleId, name: t.name, genres: t.genres })),
    });
  }
  return { rails, degraded };
}

/** The home page with caching, per-user invalidation and a last-known-good catalog. */
export interface HomeService {
  home(viewer: { userId: string; country: string }): Promise<Home>;
  /** The user-state capability, invalidating the user's cached home page on every change. */
  users: Users;
}

/**
 * Wraps {@link buildHome} with a cache (home pages per user, never a
 * degraded one), invalidation on the user's own writes, and a per-country
 * last-known-good title list so the page stays full while the catalog or
 * the cache fails; any such failure marks the page `degraded`.
 *
 * @example
 * ```ts
 * const { home, users } = createHomeService({ catalog, users, cache: createMemoryCache() });
 * ```
 */
export function createHomeService(options: {
  catalog: Pick<Catalog, 'listAvailable'>;
  users: Users;
  cache: Cache;
  ttlSeconds?: number;
  budgetMs?: number;
}): HomeService {
  const { cache } = options;
  const ttl = options.ttlSeconds ?? 60;
  const lastGood = new Map<string, TitleSummary[]>();
  const catalog: Pick<Catalog, 'listAvailable'> = {
    listAvailable: async (country, o) => {
      const titles = await options.catalog.listAvailable(country, o);
      lastGood.set(country.toUpperCase(), titles);
      return titles;
    },
  };
  const key = (userId: string) => `home:${userId}`;
  const invalidate = (userId: string) => cache.delete(key(userId)).catch(() => undefined);
  const users: Users = {
    ...options.users,
    addToWatchlist: async (userId, titleId, at) => {
      const changed = await options.users.addToWatchlist(userId, titleId, at);
      if (changed) await invalidate(userId);
      return changed;
    },
    removeFromWatchlist: async (userId, titleId, at) => {
      const changed = await options.users.removeFromWatchlist(userId, titleId, at);
      if (changed) await invalidate(userId);
      return changed;
    },
    recordProgress: async (input) => {
      const changed = await options.users.recordProgress(input);
      if (changed) await invalidate(input.userId);
      return changed;
    },
  };
  return {
    users,
    async home(viewer) {
      const country = viewer.country.toUpperCase();
      let cacheFailed = false;
      try {
        const hit = await cache.get<{ country: string; home: Home }>(key(viewer.userId));
        if (hit && hit.country === country) return hit.home;
      } catch {
        cacheFailed = true;
      }
      const home = await buildHome(
        { catalog, users: options.users },
        {
          userId: viewer.userId,
          country,
          ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {}),
          fallbackTitles: (cc) => lastGood.get(cc),
        },
      );
      if (!cacheFailed && !home.degraded)
        await cache.set(key(viewer.userId), { country, home }, ttl).catch(() => undefined);
      return cacheFailed ? { ...home, degraded: true } : home;
    },
  };
}
