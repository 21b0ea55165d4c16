import type { Cache } from '../cache/index.js';
import { NotFoundError } from '../errors/index.js';
import type { Catalog, Title } from './types.js';

/**
 * A catalog whose title reads go through a cache for `ttlSeconds` (hot
 * titles are read by every play request). Cache failures fall through to
 * the table; writes go to the table and drop the cached copy.
 *
 * @example
 * ```ts
 * const catalog = withCatalogCache(createCatalog(clients, names), cache, 30);
 * ```
 */
export function withCatalogCache(catalog: Catalog, cache: Cache, ttlSeconds = 30): Catalog {
  const key = (titleId: string) => `title:${titleId}`;
  const drop = (titleId: string) => cache.delete(key(titleId)).catch(() => undefined);
  const findTitle = async (titleId: string): Promise<Title | undefined> => {
    const hit = await cache.get<{ title: Title | null }>(key(titleId)).catch(() => undefined);
    if (hit) return hit.title ?? undefined;
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
