/**
 * The playback grant: may this viewer play this title now, and if so, a
 * signed manifest URL and signed cookies for the title's whole CDN tree.
 *
 * The policy has no per-viewer condition, so its expiry is rounded up to a
 * bucket and its signature is shared by everyone who starts the title in
 * that bucket: a popular title costs one RSA signature per bucket, not one
 * per viewer. URL and cookies come from the one signed policy.
 */
import { LRUCache } from 'lru-cache';
import { type Catalog, TITLE_STATUS } from '../catalog/index.js';
import { ConfigError, NotFoundError } from '../errors/index.js';
import { titleResourcePattern } from '../resources/index.js';
import type { Viewer } from '../users/index.js';
import { assertEntitled } from './entitlement.js';
import { type PlaybackSigner, signedCookies, signedUrl } from './signer.js';

/** What a viewer gets to start playback. */
export interface PlaybackGrant {
  manifestUrl: string;
  /** ISO time the URL and cookies stop working. */
  expiresAt: string;
  cookies: Record<string, string>;
}

/** How grants are signed. */
export interface PlaybackGrantOptions {
  signer: PlaybackSigner;
  /** Base URL of the CDN (the CloudFront domain, or the local edge). */
  cdnBaseUrl: string;
  /** How long a grant lasts at least. Default 6 h. */
  ttlSeconds?: number;
  /** Expiries round up to this bucket so signatures can be shared. Default 15 min. */
  bucketSeconds?: number;
}

/** The playback use case. */
export interface PlaybackGrants {
  /**
   * A grant for an entitled viewer: `NOT_FOUND` for a title that is unknown, not published or
   * without an HLS manifest, `FORBIDDEN` (NotEntitledError) when the viewer may not play it here
   * or now.
   */
  grant(viewer: Viewer, titleId: string): Promise<PlaybackGrant>;
}

/**
 * Creates the playback use case. Without signing options every grant
 * throws `CONFIG_INVALID`, naming what is missing.
 *
 * @example
 * ```ts
 * const playback = createPlaybackGrants({ catalog }, { signer, cdnBaseUrl: 'https://d111.cloudfront.net' });
 * const { manifestUrl, cookies } = await playback.grant(viewer, 't1');
 * ```
 */
export function createPlaybackGrants(
  deps: { catalog: Pick<Catalog, 'findTitle'>; now?: () => number },
  options: PlaybackGrantOptions | undefined,
): PlaybackGrants {
  const now = deps.now ?? Date.now;
  const ttl = options?.ttlSeconds ?? 6 * 3600;
  const bucket = options?.bucketSeconds ?? 900;
  // Grants by title, manifest and expiry; the newest buckets of the hottest titles stay.
  const memo = new LRUCache<string, PlaybackGrant>({ max: 10_000 });
  return {
    async grant(viewer, titleId) {
      const title = await deps.catalog.findTitle(titleId);
      // A title that is not published does not exist for a viewer: the answer must not tell it
      // from an unknown id (a 403 would confirm that a draft or a withdrawn title is there).
      if (title?.status !== TITLE_STATUS.PUBLISHED) {
        throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      }
      const nowMs = now();
      assertEntitled(title, viewer, titleId, new Date(nowMs));
      const manifest = title?.manifests.hls;
      if (!manifest) throw new NotFoundError(`Title ${titleId} has no HLS manifest`, { details: { titleId } });
      if (!options) {
        throw new ConfigError('Playback is not configured: no CloudFront signer and CDN URL', {
          hint: 'create the platform with playback: { signer, cdnBaseUrl }',
        });
      }
      const nowSec = Math.floor(nowMs / 1000);
      const expires = Math.ceil((nowSec + ttl) / bucket) * bucket;
      const key = `${titleId}|${manifest}|${expires}`;
      // The key holds the expiry, which is at least a TTL away from now: a hit still gives the full TTL.
      const hit = memo.get(key);
      if (hit) return hit;
      const base = options.cdnBaseUrl.replace(/\/$/, '');
      const manifestUrl = `${base}/${manifest}`;
      const signed = options.signer.signPolicy(manifestUrl, {
        expiresAt: expires,
        resource: titleResourcePattern(base, titleId),
      });
      const grant: PlaybackGrant = {
        manifestUrl: signedUrl(manifestUrl, signed),
        expiresAt: new Date(expires * 1000).toISOString(),
        cookies: { ...signedCookies(signed) },
      };
      memo.set(key, grant);
      return grant;
    },
  };
}
