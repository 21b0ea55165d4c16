/**
 * Key delivery: may this viewer have this key of this title now? The same
 * rule as a playback grant, and one more: the viewer must be playing the
 * title (an active playback session for it), so a key is only ever handed
 * to a player that took a stream slot under the plan's limit, and a
 * revoked or ended session stops getting keys.
 *
 * @module
 */
import { type Catalog, TITLE_STATUS } from '../catalog/index.js';
import { ErrorCode, NotFoundError, StreamctlError } from '../errors/index.js';
import { assertEntitled } from '../playback/entitlement.js';
import type { Sessions } from '../sessions/index.js';
import type { Viewer } from '../users/index.js';
import type { ContentKeys } from './keys.js';

/** The key route's use case. */
export interface KeyDelivery {
  /**
   * A title's content key for a viewer: `NOT_FOUND` for a title that is unknown, not published or
   * not encrypted, and for a key the title does not have; `FORBIDDEN` when the viewer may not play
   * the title here or now, or has no playback session of it.
   */
  deliver(viewer: Viewer, titleId: string, keyId: string): Promise<Uint8Array>;
}

/**
 * Creates key delivery over the catalog, the sessions and the key store.
 *
 * @example
 * ```ts
 * const delivery = createKeyDelivery({ catalog, sessions, keys });
 * const key = await delivery.deliver(viewer, 't1', keyId); // 16 bytes
 * ```
 */
export function createKeyDelivery(deps: {
  catalog: Pick<Catalog, 'findTitle'>;
  sessions: Pick<Sessions, 'list'>;
  keys: Pick<ContentKeys, 'key'>;
  now?: () => number;
}): KeyDelivery {
  const now = deps.now ?? Date.now;
  return {
    async deliver(viewer, titleId, keyId) {
      const title = await deps.catalog.findTitle(titleId);
      // As for grants: a title that is not published does not exist for a viewer.
      if (title?.status !== TITLE_STATUS.PUBLISHED) {
        throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      }
      assertEntitled(title, viewer, titleId, new Date(now()));
      if (title.protection?.scheme !== 'aes-128') {
        throw new NotFoundError(`Title ${titleId} has no keys to deliver`, { details: { titleId, keyId } });
      }
      const playing = (await deps.sessions.list(viewer.userId)).some((s) => s.titleId === titleId);
      if (!playing) {
        throw new StreamctlError(ErrorCode.Forbidden, `No playback session of ${titleId} is active for this viewer`, {
          hint: `start playback first (POST /v1/playback/${titleId}) and keep its session alive`,
          details: { titleId, reason: 'no-session' },
        });
      }
      return deps.keys.key(titleId, keyId);
    },
  };
}
