/**
 * The viewer's own lists, as the API serves them: the watchlist (only
 * titles the viewer can see may be added) and Continue Watching joined with
 * the names of titles still available in the viewer's country.
 */

import { z } from 'zod';
import { type Catalog, TITLE_STATUS } from '../catalog/index.js';
import { HistoryQuerySchema } from '../contract/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { decodeCursor, pageAfter } from '../util/cursor.js';
import { parseInput } from '../util/validate.js';
import type { HistoryEntry, Page, Progress, Users, WatchlistEntry } from './store.js';
import type { Viewer } from './viewer.js';

/** A title on Continue Watching, with its name. */
export interface ContinueWatchingItem extends Progress {
  name: string;
}

/** The result of a watchlist change. */
export interface WatchlistChange {
  titleId: string;
  onWatchlist: boolean;
  /** False when the list already was that way (the call is idempotent). */
  changed: boolean;
}

/** The viewer-facing lists. */
export interface ViewerLists {
  watchlist(viewer: Viewer, options?: { limit?: number; cursor?: string }): Promise<Page<WatchlistEntry>>;
  /** Adds a published title; `NOT_FOUND` for any other. */
  addToWatchlist(viewer: Viewer, titleId: string): Promise<WatchlistChange>;
  removeFromWatchlist(viewer: Viewer, titleId: string): Promise<WatchlistChange>;
  /** Titles 5–95 % watched that are still available in the viewer's country, with names. */
  continueWatching(viewer: Viewer): Promise<{ items: ContinueWatchingItem[] }>;
  /** The viewer's own viewing history of a month (`YYYY-MM`), most recent first, paged. */
  history(viewer: Viewer, query: { month: string; limit?: number; cursor?: string }): Promise<Page<HistoryEntry>>;
}

const HistoryCursor = z.object({ m: z.string(), w: z.string(), t: z.string() });

/**
 * Creates the viewer-facing lists over the user-state store and the catalog.
 *
 * @example
 * ```ts
 * const lists = createViewerLists({ users, catalog, changed: (userId) => home.changed(userId) });
 * await lists.addToWatchlist(viewer, 't1');
 * ```
 */
export function createViewerLists(deps: {
  users: Users;
  catalog: Pick<Catalog, 'findTitle' | 'availableAmong'>;
  /** Told after a change (the cached home page is dropped). */
  changed?: (userId: string) => Promise<void>;
}): ViewerLists {
  const { users, catalog } = deps;
  const after = async (userId: string, changed: boolean) => {
    if (changed) await deps.changed?.(userId).catch(() => undefined);
  };
  return {
    watchlist: (viewer, options = {}) => users.listWatchlist(viewer.userId, options),
    async addToWatchlist(viewer, titleId) {
      const title = await catalog.findTitle(titleId);
      // Viewers see published titles only; anything else does not exist for them.
      if (title?.status !== TITLE_STATUS.PUBLISHED) throw new NotFoundError(`Title ${titleId} does not exist`);
      const changed = await users.addToWatchlist(viewer.userId, titleId);
      await after(viewer.userId, changed);
      return { titleId, onWatchlist: true, changed };
    },
    async removeFromWatchlist(viewer, titleId) {
      const changed = await users.removeFromWatchlist(viewer.userId, titleId);
      await after(viewer.userId, changed);
      return { titleId, onWatchlist: false, changed };
    },
    async history(viewer, query) {
      const { month, limit = 50, cursor } = parseInput(HistoryQuerySchema, query, 'history query');
      // A cursor is bound to its month: one from another month's pages is refused, not misread.
      const after = cursor ? decodeCursor(cursor, HistoryCursor) : undefined;
      if (after && after.m !== month) {
        throw new ValidationError('Invalid cursor: it belongs to the pages of another month', [
          { path: 'cursor', message: 'not a cursor of this month' },
        ]);
      }
      const entries = await users.history(viewer.userId, month);
      return pageAfter(
        entries,
        limit,
        after && ((e) => e.lastWatchedAt < after.w || (e.lastWatchedAt === after.w && e.titleId > after.t)),
        (last) => ({ m: month, w: last.lastWatchedAt, t: last.titleId }),
      );
    },
    async continueWatching(viewer) {
      const progress = await users.continueWatching(viewer.userId);
      const names = new Map(
        (
          await catalog.availableAmong(
            viewer.country,
            progress.map((p) => p.titleId),
          )
        ).map((t) => [t.titleId, t.name]),
      );
      return {
        items: progress.flatMap((p) => {
          const name = names.get(p.titleId);
          return name ? [{ ...p, name }] : [];
        }),
      };
    },
  };
}
