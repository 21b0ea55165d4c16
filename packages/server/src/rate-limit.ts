import { type Cache, rateLimitBucketKey } from '@streamctl/sdk';
import type { RateLimit } from '@streamctl/sdk/config';
import { LRUCache } from 'lru-cache';

export type { RateLimit } from '@streamctl/sdk/config';

/**
 * Token buckets by key (user id, client IP). `take` answers 0 when the
 * request may go, else the whole seconds to wait (for `Retry-After`).
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ perSecond: 20, burst: 60 });
 * if (limiter.take('alice') > 0) respond429();
 * ```
 */
export function createRateLimiter(
  limit: RateLimit,
  now: () => number = () => performance.now() / 1000,
  options: { maxKeys?: number } = {},
) {
  // Bounded: the least recently seen keys go first. A key that went is as good as a full bucket,
  // which it would have refilled to by the time it is that stale under any real load.
  const buckets = new LRUCache<string, { tokens: number; at: number }>({ max: options.maxKeys ?? 100_000 });
  return {
    take(key: string): number {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at: t };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + (t - bucket.at) * limit.perSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
    },
    /** Keys held now (at most `maxKeys`). */
    get size(): number {
      return buckets.size;
    },
  };
}

/** Where buckets shared by every instance live: a cache with atomic `takeToken` (the SDK's Redis cache). */
export type RateLimitStore = Pick<Cache, 'takeToken'>;

/**
 * Token buckets shared by every instance of the API through `store` (Redis),
 * under `<scope>:<key>`. While the store fails (or has no `takeToken`, as an
 * in-process cache), this instance's own buckets decide: the limit loosens
 * to one per instance, and no request fails because of it.
 *
 * @example
 * ```ts
 * const limiter = createSharedRateLimiter({ perSecond: 50, burst: 150 }, 'ip', await createRedisCache(url));
 * const wait = await limiter.take('198.51.100.10');
 * ```
 */
export function createSharedRateLimiter(
  limit: RateLimit,
  scope: string,
  store: RateLimitStore | undefined,
  local: { take(key: string): number } = createRateLimiter(limit),
): { take(key: string): number | Promise<number> } {
  const takeToken = store?.takeToken?.bind(store);
  if (!takeToken) return local;
  return {
    take: (key) =>
      takeToken(rateLimitBucketKey(scope, key), limit).then(
        (wait) => (wait > 0 ? Math.max(1, Math.ceil(wait)) : 0),
        () => local.take(key),
      ),
  };
}
