/**
 * The API's rate limits as configuration: token buckets per client address
 * and per user, set per stage in the config file (`rateLimits`, or
 * `stages.<stage>.rateLimits`) and by `STREAMCTL_RATE_LIMIT_*` variables,
 * each field on its own: environment > the stage's section > the file's top
 * level > default.
 *
 * @module
 */
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { ENV_VARS, type EnvVarName } from './env.js';

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** The API's two limits: per client address (every route) and per authenticated user (`/v1/*`). */
export interface RateLimits {
  ip: RateLimit;
  user: RateLimit;
}

/** The limits when nothing is configured: 50/s with bursts of 150 per address, 20/s with bursts of 60 per user. */
export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({
  ip: Object.freeze({ perSecond: 50, burst: 150 }),
  user: Object.freeze({ perSecond: 20, burst: 60 }),
});

/** Higher than any real limit; a load test on loopback raises both to this. */
const MOST = 1e9;
const PER_SECOND = 'expected a number above 0 (1e9 at most)';
const BURST = 'expected a whole number from 1 to 1e9';
const PerSecond = z.number({ error: PER_SECOND }).positive(PER_SECOND).max(MOST, PER_SECOND);
const Burst = z.number({ error: BURST }).int(BURST).min(1, BURST).max(MOST, BURST);
const BucketSettings = z.object({ perSecond: PerSecond, burst: Burst }).partial().strict();

/** `rateLimits` in the config file: any of the four fields. */
export const RateLimitSettingsSchema = z.object({ ip: BucketSettings, user: BucketSettings }).partial().strict();

/** The `rateLimits` block of a config file. */
export type RateLimitSettings = z.infer<typeof RateLimitSettingsSchema>;

const FIELDS = [
  ['ip', 'perSecond'],
  ['ip', 'burst'],
  ['user', 'perSecond'],
  ['user', 'burst'],
] as const;

/** The variable that sets `rateLimits.<bucket>.<field>`. */
function envName(bucket: keyof RateLimits, field: keyof RateLimit): EnvVarName {
  const key = `rateLimits.${bucket}.${field}`;
  return (Object.keys(ENV_VARS) as EnvVarName[]).find((name) => ENV_VARS[name].key === key) as EnvVarName;
}

/**
 * The limits of one stage. File values were checked when the file was read;
 * a variable's text is checked here, and a bad one is a `ConfigError` naming
 * the variable and what it expects.
 *
 * @example
 * ```ts
 * resolveRateLimits({ STREAMCTL_RATE_LIMIT_IP_PER_SECOND: '5000' }, {}, {});
 * // { ip: { perSecond: 5000, burst: 150 }, user: { perSecond: 20, burst: 60 } }
 * ```
 */
export function resolveRateLimits(
  env: Record<string, string | undefined>,
  stageSection: RateLimitSettings,
  topLevel: RateLimitSettings,
): RateLimits {
  const limits: RateLimits = { ip: { ...DEFAULT_RATE_LIMITS.ip }, user: { ...DEFAULT_RATE_LIMITS.user } };
  for (const [bucket, field] of FIELDS) {
    const name = envName(bucket, field);
    const text = env[name]?.trim();
    if (text) {
      const parsed = (field === 'perSecond' ? PerSecond : Burst).safeParse(Number(text));
      if (!parsed.success) {
        throw new ConfigError(
          `Invalid rateLimits.${bucket}.${field} ${JSON.stringify(env[name])} from $${name}: ${field === 'perSecond' ? PER_SECOND : BURST}`,
          {
            hint: `fix $${name}, or unset it for the default (${DEFAULT_RATE_LIMITS[bucket][field]})`,
            details: { key: `rateLimits.${bucket}.${field}`, source: 'env', origin: `$${name}` },
          },
        );
      }
      limits[bucket][field] = parsed.data;
      continue;
    }
    const fromFile = stageSection[bucket]?.[field] ?? topLevel[bucket]?.[field];
    if (fromFile !== undefined) limits[bucket][field] = fromFile;
  }
  return limits;
}
