/**
 * The Redis cache against Debian's redis-server: plain commands and scripts
 * issued in the same tick (as concurrent requests do) all get their own
 * replies. ioredis 5 auto-pipelines commands of one tick together and loses
 * a script's reply in such a pipeline, throwing outside any promise; the
 * cache sends scripts on their own.
 */
import { randomUUID } from 'node:crypto';
import { type Cache, createRedisCache } from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisOrSkip } from '../../../../scripts/redis.mjs';

const redis = await startRedisOrSkip('redis-cache');

describe.skipIf(!redis)('the Redis cache', () => {
  let cache: Cache;
  beforeAll(async () => {
    cache = await createRedisCache((redis as { url: string }).url, { prefix: `c-${randomUUID()}:`, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await cache?.close();
    await redis?.stop();
  });

  it('answers scripts and plain commands issued in the same tick, each with its own reply', async () => {
    const echo = { name: 'echo', lua: "redis.call('SET', KEYS[1], ARGV[1]); return ARGV[1]" };
    await cache.set('page', { rails: [1, 2] }, 60);
    for (let round = 0; round < 20; round++) {
      const [page, missing, scripted, token, removed] = await Promise.all([
        cache.get<{ rails: number[] }>('page'),
        cache.get('nothing-here'),
        cache.runScript?.(echo, [`s-${round}`], [`value-${round}`]),
        cache.takeToken?.(`bucket-${round}`, { perSecond: 1, burst: 5 }),
        cache.delete(`s-${round - 1}`),
      ]);
      expect(page).toEqual({ rails: [1, 2] });
      expect(missing).toBeUndefined();
      expect(scripted).toBe(`value-${round}`);
      expect(token).toBe(0);
      expect(removed).toBe(round === 0 ? 0 : 1);
    }
  });
});
