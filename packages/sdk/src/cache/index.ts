/**
 * A small cache interface with two implementations: an in-process LRU, and
 * Redis (ElastiCache) behind a circuit breaker with tight timeouts. A cache
 * is an optimization: its failures surface as misses and in `health()`,
 * never as a failed request. Redis also holds token buckets that every
 * instance of the API counts against (`takeToken`); callers fall back to
 * their own buckets while it fails.
 *
 * @module
 */
import { createCircuitBreaker } from '@streamctl/client/regions';
import { LRUCache } from 'lru-cache';
import { ErrorCode, StreamctlError } from '../errors/index.js';
import { backoffDelay, REDIS_RECONNECT } from '../util/index.js';

/** A cache of JSON values. */
export interface Cache {
  readonly kind: 'memory' | 'redis';
  /** The value, or undefined on a miss. Throws only for a broken backend (callers degrade). */
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Deletes keys; resolves to how many of them were there. */
  delete(...keys: string[]): Promise<number>;
  health(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
  /**
   * Takes one token from the bucket `key` (refilled at `perSecond`, holding at most `burst`),
   * atomically for every process that shares the backend: answers 0 when a token was taken, else
   * the seconds (fractional) until one will be there. Only a shared backend (Redis) has it; an
   * in-process limiter is the caller's. Throws for a broken backend (callers degrade).
   */
  takeToken?(key: string, limit: { perSecond: number; burst: number }): Promise<number>;
  /**
   * Runs a Lua script atomically on the shared backend (Redis), keys under the cache's prefix.
   * Only a shared backend has it; callers that need atomicity across processes fall back to
   * their own store without it. Throws for a broken backend (callers degrade).
   */
  runScript?(script: CacheScript, keys: string[], args: Array<string | number>): Promise<unknown>;
}

/**
 * The key of a rate-limit bucket in the shared cache: a scope (`ip`, `user`) and what it counts
 * (a client address, a user id). One definition, read by the API and by erasure.
 */
export const rateLimitBucketKey = (scope: string, key: string): string => `rate:${scope}:${key}`;

/** A Lua script for {@link Cache.runScript}: a stable name (registered once per connection) and its source. */
export interface CacheScript {
  name: string;
  lua: string;
}

/**
 * The token bucket in Redis: one script, so a read, refill and take cannot interleave with another
 * instance's. Redis's own clock (TIME) times the refill, so instances with skewed clocks agree. A
 * bucket expires once it would have refilled (bounded at a day): a missing bucket is a full one.
 */
const TAKE_TOKEN_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1])
local at = tonumber(held[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.min(86400000, math.ceil((burst - tokens) / rate * 1000) + 1000))
return tostring(wait)
`;

/**
 * An in-process LRU cache.
 *
 * @example
 * ```ts
 * const cache = createMemoryCache({ maxEntries: 10_000 });
 * ```
 */
export function createMemoryCache(options: { maxEntries?: number } = {}): Cache {
  // Values are kept as they are given, not serialized: callers treat cached values as immutable.
  const lru = new LRUCache<string, { v: unknown }>({ max: options.maxEntries ?? 10_000 });
  return {
    kind: 'memory',
    async get<T>(key: string) {
      return lru.get(key)?.v as T | undefined;
    },
    async set(key, value, ttlSeconds) {
      lru.set(key, { v: value }, { ttl: ttlSeconds * 1000 });
    },
    async delete(...keys) {
      let removed = 0;
      for (const key of keys) if (lru.delete(key)) removed++;
      return removed;
    },
    async health() {
      return { ok: true, detail: `memory, ${lru.size} entries` };
    },
    async close() {
      lru.clear();
    },
  };
}

// The circuit breaker is defined once, browser-safe, beside the Region router that uses it too.
export { type CircuitBreaker, CircuitOpenError, createCircuitBreaker } from '@streamctl/client/regions';

/**
 * A Redis cache. Commands time out quickly and go through a circuit
 * breaker, so a dead or slow Redis costs a request at most one timeout, and
 * then nothing until a probe succeeds.
 *
 * Needs the `ioredis` package, an optional peer dependency of the SDK: an
 * app without it gets a `TOOL_MISSING` error here rather than at install.
 *
 * @example
 * ```ts
 * const cache = await createRedisCache(process.env.REDIS_URL!, { timeoutMs: 50 });
 * ```
 */
export async function createRedisCache(
  url: string,
  options: { timeoutMs?: number; prefix?: string; threshold?: number; coolDownMs?: number } = {},
): Promise<Cache> {
  const Redis = await importRedis();
  const prefix = options.prefix ?? 'streamctl:';
  const redis = new Redis(url, {
    lazyConnect: true,
    // Commands issued in the same tick go out in one write (concurrent requests share round trips).
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.timeoutMs ?? 50,
    connectTimeout: 1_000,
    // Reconnect in the background, backing off to a second.
    retryStrategy: (times) => backoffDelay(REDIS_RECONNECT, times),
  });
  // Errors are reported through the breaker and health(); an unhandled 'error' event would crash the process.
  redis.on('error', () => {});
  // Scripts go out on their own, never in an auto-pipeline: ioredis 5 loses a script's reply when
  // it shares a pipeline with plain commands issued in the same tick, and throws outside any
  // promise ("results[i] is not iterable"), which would crash the process.
  redis.options.autoPipeliningIgnoredCommands ??= [];
  const unpipelined = redis.options.autoPipeliningIgnoredCommands;
  const defineScript = (name: string, definition: { lua: string; numberOfKeys?: number }) => {
    unpipelined.push(name);
    redis.defineCommand(name, definition);
  };
  defineScript('streamctlTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN_SCRIPT });
  /** Scripts of runScript, defined on first use (ioredis sends EVALSHA, and the source once). */
  const defined = new Set<string>();
  const scripts = redis as unknown as {
    streamctlTakeToken(key: string, perSecond: number, burst: number): Promise<string>;
  };
  // Wait for the first connection (bounded by connectTimeout); if Redis is
  // down now, the cache starts degraded and reconnects in the background.
  await redis.connect().catch(() => undefined);
  const breaker = createCircuitBreaker({
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    ...(options.coolDownMs !== undefined ? { coolDownMs: options.coolDownMs } : {}),
  });
  return {
    kind: 'redis',
    async get<T>(key: string) {
      const text = await breaker.run(() => redis.get(prefix + key));
      return text === null ? undefined : (JSON.parse(text) as T);
    },
    async set(key, value, ttlSeconds) {
      await breaker.run(() =>
        redis.set(prefix + key, JSON.stringify(value), 'EX', Math.max(1, Math.round(ttlSeconds))),
      );
    },
    async delete(...keys) {
      return keys.length ? breaker.run(() => redis.del(...keys.map((k) => prefix + k))) : 0;
    },
    async health() {
      try {
        await breaker.run(() => redis.ping());
        return { ok: true, detail: 'redis' };
      } catch (err) {
        return { ok: false, detail: `redis: ${(err as Error).message}` };
      }
    },
    async close() {
      redis.disconnect();
    },
    async takeToken(key, limit) {
      const wait = await breaker.run(() => scripts.streamctlTakeToken(`${prefix}${key}`, limit.perSecond, limit.burst));
      return Number(wait);
    },
    async runScript(script, keys, args) {
      const command = `streamctl_${script.name}`;
      if (!defined.has(command)) {
        defineScript(command, { lua: script.lua });
        defined.add(command);
      }
      const run = (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[command];
      if (!run) throw new Error(`script ${script.name} is not defined`);
      return breaker.run(() => run.call(redis, keys.length, ...keys.map((k) => prefix + k), ...args));
    },
  };
}

/** True when `err` says the module `name` itself could not be found (not one of its own imports). */
function isMissingModule(err: unknown, name: string): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && (message.includes(`'${name}'`) || message.includes(`"${name}"`));
}

/** Loads ioredis's client class; only apps that use a Redis cache install ioredis. */
async function importRedis(): Promise<typeof import('ioredis').Redis> {
  try {
    return (await import('ioredis')).Redis;
  } catch (cause) {
    if (!isMissingModule(cause, 'ioredis')) throw cause;
    throw new StreamctlError(
      ErrorCode.ToolMissing,
      'The Redis cache needs the ioredis package, which is not installed',
      {
        cause,
        hint: 'install ioredis next to @streamctl/sdk: `npm install ioredis`',
      },
    );
  }
}
