/**
 * Artwork through the edge: the poster of a published title as a signed URL
 * (a canned policy for that one image), so a browser shows it without the
 * title's playback cookies, and nothing else of the title's tree opens with
 * it. Expiries are rounded up to a bucket, as grants are, so one signature
 * per image and bucket serves every viewer and every cached page; a URL
 * lives at least the grant period, longer than any cached page holding it.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import type { Artwork } from '../contract/index.js';
import { grantBucketSeconds } from './grant.js';
import type { PlaybackSigner } from './signer.js';

/** Signs a title's artwork; undefined when the title has none. */
export type ArtworkSigner = (title: { titleId: string; poster?: string | undefined }) => Artwork | undefined;

/**
 * Creates the artwork signer of a stage's playback settings.
 *
 * @example
 * ```ts
 * const artwork = createArtworkSigner({ signer, cdnBaseUrl: 'https://d111.cloudfront.net', ttlSeconds: 300 });
 * artwork({ titleId: 't1', poster: 'titles/t1/poster.jpg' }); // { poster: 'https://d111…/titles/t1/poster.jpg?Expires=…' }
 * ```
 */
export function createArtworkSigner(options: {
  signer: PlaybackSigner;
  cdnBaseUrl: string;
  /** How long a URL lasts at least. */
  ttlSeconds: number;
  /** Expiries round up to this bucket. Default: a fifth of the TTL, 15 min at most. */
  bucketSeconds?: number;
  now?: () => number;
}): ArtworkSigner {
  const now = options.now ?? Date.now;
  const ttl = options.ttlSeconds;
  const bucket = options.bucketSeconds ?? grantBucketSeconds(ttl);
  const base = options.cdnBaseUrl.replace(/\/$/, '');
  const memo = new LRUCache<string, string>({ max: 50_000 });
  return ({ titleId, poster }) => {
    // Only the title's own tree: a key elsewhere is not the title's artwork.
    if (!poster?.startsWith(`titles/${titleId}/`) || poster.includes('..')) return undefined;
    const expires = Math.ceil((Math.floor(now() / 1000) + ttl) / bucket) * bucket;
    // The signing key is part of the key: after a rotation, only the new key's URLs are handed out.
    const key = `${options.signer.keyPairId}|${poster}|${expires}`;
    let url = memo.get(key);
    if (!url) {
      url = options.signer.signUrl(`${base}/${poster}`, { expiresAt: expires });
      memo.set(key, url);
    }
    return { poster: url };
  };
}
