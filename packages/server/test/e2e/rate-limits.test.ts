/**
 * Rate limits shared across instances through a real Redis: two apps (two
 * Lambda execution environments, each with its own connection) count against
 * the same buckets; the bucket refills on Redis's clock; concurrent takes
 * never overspend; with Redis gone, each instance limits on its own and no
 * request fails.
 */
import { type Cache, createRedisCache, rateLimitBucketKey } from '@streamctl/sdk';
import { UnauthorizedError } from '@streamctl/sdk/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisOrSkip } from '../../../../scripts/redis.mjs';
import { createHttpApp, createSharedRateLimiter, type HttpPlatform } from '../../src/index.js';

const redis = await startRedisOrSkip('rate-limits');

/** Only what the limits touch: /live needs nothing, /v1/home a viewer and an empty home page. */
const platform = {
  authenticate: async (token: string) => {
    if (!token.startsWith('user-')) throw new UnauthorizedError('bad token');
    return { userId: token, country: 'GB' };
  },
  home: { build: async () => ({ rails: [], degraded: false }) },
} as unknown as HttpPlatform;

/** A request as API Gateway hands it over: the caller's address in the request context. */
const from = (app: ReturnType<typeof createHttpApp>, ip: string, path = '/live', token?: string) =>
  app.request(path, token ? { headers: { authorization: `Bearer ${token}` } } : {}, {
    requestContext: { http: { sourceIp: ip } },
  });

describe.skipIf(!redis)('rate limits shared through Redis', () => {
  const caches: Cache[] = [];
  const connect = async () => {
    const cache = await createRedisCache((redis as { url: string }).url, { prefix: `rl-${caches.length}-test:` });
    caches.push(cache);
    return cache;
  };
  let a: Cache;
  let b: Cache;

  beforeAll(async () => {
    // Two connections with one prefix: two instances of the API in front of one Redis.
    a = await createRedisCache((redis as { url: string }).url, { prefix: 'shared:' });
    b = await createRedisCache((redis as { url: string }).url, { prefix: 'shared:' });
    caches.push(a, b);
  });
  afterAll(async () => {
    for (const cache of caches) await cache.close();
    await redis?.stop();
  });

  it('two instances count against one per-address bucket, and the 429 says when to come back', async () => {
    const ip = { perSecond: 0.5, burst: 3 };
    const one = createHttpApp(platform, { rateLimits: { ip }, rateLimitStore: a });
    const two = createHttpApp(platform, { rateLimits: { ip }, rateLimitStore: b });
    const answers = [];
    for (const app of [one, two, one, two, one]) answers.push(await from(app, '198.51.100.10'));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    // One token in 2 s at 0.5/s: Retry-After is whole seconds, 1 or 2.
    expect(Number(answers[4]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(answers[4]?.headers.get('retry-after'))).toBeLessThanOrEqual(2);
    // Another address has its own bucket.
    expect((await from(two, '198.51.100.11')).status).toBe(200);
  });

  it('two instances count against one per-user bucket', async () => {
    const user = { perSecond: 0.5, burst: 2 };
    const one = createHttpApp(platform, { rateLimits: { user }, rateLimitStore: a });
    const two = createHttpApp(platform, { rateLimits: { user }, rateLimitStore: b });
    const statuses = [];
    // Different addresses: only the user's bucket is shared between the calls.
    for (const [i, app] of [one, two, one].entries())
      statuses.push((await from(app, `203.0.113.${i}`, '/v1/home', 'user-carol')).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('refills on time: a spent bucket with 20 tokens a second has one again after 100 ms', async () => {
    const limiter = createSharedRateLimiter({ perSecond: 20, burst: 1 }, 'refill', a);
    expect(await limiter.take('k')).toBe(0);
    expect(await limiter.take('k')).toBe(1);
    await new Promise((r) => setTimeout(r, 120));
    expect(await limiter.take('k')).toBe(0);
  });

  it('never hands out more than the burst to concurrent takes from two instances', async () => {
    const limit = { perSecond: 0.001, burst: 10 };
    const left = createSharedRateLimiter(limit, 'race', a);
    const right = createSharedRateLimiter(limit, 'race', b);
    const waits = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? left : right).take('one-key') as Promise<number>),
    );
    expect(waits.filter((w) => w === 0)).toHaveLength(10);
  });

  it('keeps its buckets under its prefix and lets them expire once they would be full again', async () => {
    const own = await connect();
    await own.takeToken?.(rateLimitBucketKey('user', 'expiry'), { perSecond: 1, burst: 2 });
    const { Redis } = await import('ioredis');
    const client = new Redis((redis as { url: string }).url);
    try {
      const ttl = await client.pttl(`rl-${caches.length - 1}-test:rate:user:expiry`);
      // One token spent at 1/s: full again after 1 s, plus a second of slack.
      expect(ttl).toBeGreaterThan(1_000);
      expect(ttl).toBeLessThanOrEqual(2_000);
    } finally {
      client.disconnect();
    }
  });

  it('with Redis gone, each instance limits on its own buckets and every request is answered', async () => {
    const cache = await connect();
    const ip = { perSecond: 0.01, burst: 2 };
    const app = createHttpApp(platform, { rateLimits: { ip }, rateLimitStore: cache });
    expect((await from(app, '192.0.2.1')).status).toBe(200);
    await redis?.stop();
    const started = performance.now();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await from(app, '192.0.2.1')).status);
    // The local bucket starts full (burst 2): two more pass, then 429s; nothing is a 5xx.
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect((await cache.health()).ok).toBe(false);
  });
});
