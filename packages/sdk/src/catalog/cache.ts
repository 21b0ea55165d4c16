import { LRUCache } from 'lru-cache';
import type { Cache } from '../cache/index.js';
import { NotFoundError } from '../errors/index.js';
import type { Catalog, Title } from './types.js';

/**
 * A catalog whose title reads go through a cache for `ttlSeconds` (hot
 * titles are read by every play request). Cache failures fall through to
 * the table; writes go to the table and drop the cached copy. In front of a
 * shared cache (Redis) each process keeps the hottest titles for a second
 * (`localSeconds`): a premiere's every grant does not cost a Redis round
 * trip, and another process's change shows here within that second.
 *
 * @example
 * ```ts
 * const catalog = withCatalogCache(createCatalog(clients, names), cache, 30);
 * ```
 */
export function withCatalogCache(catalog: Catalog, cache: Cache, ttlSeconds = 30, localSeconds = 1): Catalog {
  const key = (titleId: string) => `title:${titleId}`;
  const local =
    cache.kind === 'redis' && localSeconds > 0
      ? new LRUCache<string, { title: Title | null }>({ max: 1_000, ttl: localSeconds * 1000 })
      : undefined;
  const drop = (titleId: string) => {
    local?.delete(titleId);
    return cache.delete(key(titleId)).catch(() => undefined);
  };
  const findTitle = async (titleId: string): Promise<Title | undefined> => {
    const near = local?.get(titleId);
    if (near) return near.title ?? undefined;
    const hit = await cache.get<{ title: Title | null }>(key(titleId)).catch(() => undefined);
    if (hit) {
      local?.set(titleId, hit);
      return hit.title ?? undefined;
    }
    const title = await catalog.findTitle(titleId);
    // Unknown titles are cached too, so a flood of bad ids does not reach the table.
    await cache.set(key(titleId), { title: title ?? null }, ttlSeconds).catch(() => undefined);
    return title;
  };
  return {
    ...catalog,
    findTitle,
    async getTitle(titleId) {
      const title = await findTitle(titleId);
      if (!title) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      return title;
    },
    async putTitle(input) {
      const title = await catalog.putTitle(input);
      await drop(title.titleId);
      return title;
    },
    async publishTitle(titleId, availability, at) {
      const title = await catalog.publishTitle(titleId, availability, at);
      await drop(titleId);
      return title;
    },
    async setStatus(titleId, status, change) {
      const title = await catalog.setStatus(titleId, status, change);
      await drop(titleId);
      return title;
    },
    async setRenditions(titleId, update) {
      const title = await catalog.setRenditions(titleId, update);
      await drop(titleId);
      return title;
    },
    async unpublishTitle(titleId) {
      const title = await catalog.unpublishTitle(titleId);
      await drop(titleId);
      return title;
    },
    async describeTitle(titleId, details) {
      const title = await catalog.describeTitle(titleId, details);
      await drop(titleId);
      return title;
    },
  };
}
