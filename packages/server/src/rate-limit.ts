/** A token-bucket rate limit. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

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
export function createRateLimiter(limit: RateLimit, now: () => number = () => performance.now() / 1000) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key: string): number {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at: t };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + (t - bucket.at) * limit.perSecond);
      bucket.at = t;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        buckets.set(key, bucket);
        return 0;
      }
      buckets.set(key, bucket);
      // Keep memory bounded: forget full buckets when the map grows large.
      if (buckets.size > 100_000) {
        for (const [k, b] of buckets) if (b.tokens >= limit.burst - 1) buckets.delete(k);
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
    },
  };
}
