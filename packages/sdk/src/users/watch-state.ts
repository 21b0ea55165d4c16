/**
 * Watch state from engagement events: which event becomes which write of
 * the viewer's state (resume position, completion, history, the watchlist),
 * and the home page told of every change. Last writer wins by event time;
 * a stale or duplicate event changes nothing and tells nothing.
 */
import type { EngagementEvent } from '../events/index.js';
import type { Users } from './store.js';

/** Options of {@link createWatchState}. */
export interface WatchStateOptions {
  users: Pick<Users, 'recordProgress' | 'addToWatchlist' | 'removeFromWatchlist'>;
  /**
   * Told after a write that changed something (the models' per-user version moves and the cached
   * home page is dropped), so Continue Watching and My List show it on the next request.
   */
  changed?: (userId: string) => Promise<void>;
}

/** The watch-state use case. */
export interface WatchState {
  /** Applies one event; resolves true when it changed the viewer's state. */
  apply(event: EngagementEvent): Promise<boolean>;
}

/**
 * Creates the watch-state use case.
 *
 * @example
 * ```ts
 * const watchState = createWatchState({ users, changed: (userId) => home.changed(userId) });
 * await watchState.apply(event);
 * ```
 */
export function createWatchState(options: WatchStateOptions): WatchState {
  const { users } = options;
  const write = async (event: EngagementEvent): Promise<boolean> => {
    switch (event.type) {
      case 'play':
      case 'pause':
      case 'seek':
      case 'progress':
      case 'complete': {
        if (event.durationSec === undefined) return false;
        const positionSec = event.type === 'complete' ? event.durationSec : event.positionSec;
        if (positionSec === undefined) return false;
        return users.recordProgress({
          userId: event.userId,
          titleId: event.titleId,
          positionSec,
          durationSec: event.durationSec,
          at: event.ts,
        });
      }
      case 'watchlist_add':
        return users.addToWatchlist(event.userId, event.titleId, event.ts);
      case 'watchlist_remove':
        return users.removeFromWatchlist(event.userId, event.titleId, event.ts);
      default:
        return false;
    }
  };
  return {
    async apply(event) {
      // A stale or duplicate event changes nothing, so it moves nothing.
      if (!(await write(event))) return false;
      // After the write, so a page rebuilt for the new version reads it. Best effort: a retry of
      // this event could not tell it either (its write would now change nothing), and a missed
      // notice only leaves the cached page as stale as the cache's TTL.
      await options.changed?.(event.userId).catch(() => undefined);
      return true;
    },
  };
}
