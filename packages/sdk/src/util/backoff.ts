/**
 * Retry backoff, one policy for the whole SDK: exponential delays from a
 * base, optionally capped, with jitter so that many clients retrying at
 * once spread apart instead of hammering a recovering service together.
 *
 * @module
 */

/**
 * How the delay before a retry is drawn from its ceiling
 * (`min(capMs, baseMs · 2^attempt)`):
 * - `'full'`: uniformly in `[0, ceiling)` (AWS's "full jitter");
 * - `{ ratio }`: the ceiling ± `ratio` of it (`{ ratio: 0.2 }` is ± 20 %);
 * - `'none'`: the ceiling itself.
 */
export type Jitter = 'full' | 'none' | { readonly ratio: number };

/** An exponential backoff: the delays before each retry. */
export interface BackoffPolicy {
  /** The ceiling of the first retry's delay, in ms; it doubles with each attempt. */
  readonly baseMs: number;
  /** The largest ceiling, in ms; none when absent. */
  readonly capMs?: number;
  readonly jitter: Jitter;
}

/**
 * The AWS clients' retries (every SDK call): full jitter from 100 ms, capped at 20 s.
 *
 * @example
 * ```ts
 * new ConfiguredRetryStrategy(maxAttempts, (attempt) => backoffDelay(AWS_RETRY, attempt));
 * ```
 */
export const AWS_RETRY: BackoffPolicy = { baseMs: 100, capMs: 20_000, jitter: 'full' };

/**
 * Retries of the items a DynamoDB batch write left unprocessed: full jitter
 * from 50 ms (nine attempts stay under 6.4 s a wait).
 *
 * @example
 * ```ts
 * await sleep(backoffDelay(BATCH_RETRY, attempt));
 * ```
 */
export const BATCH_RETRY: BackoffPolicy = { baseMs: 50, capMs: 10_000, jitter: 'full' };

/**
 * A client's retries of a write over HTTP: 250 ms, doubling, each ± 20 %
 * (the failover drill's load client retries its writes this way).
 *
 * @example
 * ```ts
 * backoffDelay(CLIENT_WRITE_RETRY, 2, () => 0.5); // 1000
 * ```
 */
export const CLIENT_WRITE_RETRY: BackoffPolicy = { baseMs: 250, jitter: { ratio: 0.2 } };

/**
 * The delay in whole ms before retry number `attempt` (0 for the first
 * retry), drawn with `random` (default `Math.random`; pass your own for
 * deterministic tests).
 *
 * @example
 * ```ts
 * backoffDelay(AWS_RETRY, 3); // somewhere in [0, 800)
 * backoffDelay({ baseMs: 250, jitter: { ratio: 0.2 } }, 1, () => 0); // 400 (500 − 20 %)
 * backoffDelay({ baseMs: 50, capMs: 1_000, jitter: 'none' }, 10); // 1000
 * ```
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs ?? Number.POSITIVE_INFINITY, policy.baseMs * 2 ** Math.max(0, attempt));
  const { jitter } = policy;
  if (jitter === 'none') return Math.floor(ceiling);
  if (jitter === 'full') return Math.floor(random() * ceiling);
  return Math.floor(ceiling * (1 - jitter.ratio + 2 * jitter.ratio * random()));
}

/**
 * Attempts of a stream consumer at an event that failed: full jitter from
 * 100 ms (the first retry), doubling, capped at 1 s; then the event is parked.
 *
 * @example
 * ```ts
 * await sleep(backoffDelay(RECORD_RETRY, attempt));
 * ```
 */
export const RECORD_RETRY: BackoffPolicy = { baseMs: 50, capMs: 1_000, jitter: 'full' };

/**
 * Reconnects to Redis in the background: 100 ms doubling to a second, no
 * jitter (one client per process; nothing to spread).
 *
 * @example
 * ```ts
 * new Redis(url, { retryStrategy: (times) => backoffDelay(REDIS_RECONNECT, times) });
 * ```
 */
export const REDIS_RECONNECT: BackoffPolicy = { baseMs: 50, capMs: 1_000, jitter: 'none' };

/**
 * Resolves after `ms` milliseconds.
 *
 * @example
 * ```ts
 * await sleep(backoffDelay(BATCH_RETRY, attempt));
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options of {@link retry}. */
export interface RetryOptions<T> {
  /** Attempts in all, the first included (at least 1). */
  attempts: number;
  policy: BackoffPolicy;
  /** Whether a thrown error is worth another attempt. Default: every error is. */
  retryable?: (error: unknown, attempt: number) => boolean;
  /**
   * Whether a value that came back is a failure worth another attempt (a
   * partly processed batch, a 5xx response). Default: no value is. When the
   * attempts run out, the last value is returned for the caller to judge.
   */
  retryResult?: (value: T, attempt: number) => boolean;
  /** Called before each wait, with the attempt that failed (0 for the first) and the delay. */
  onRetry?: (failure: { attempt: number; delayMs: number; error?: unknown; value?: T }) => void;
  /** For deterministic tests. Default `Math.random`. */
  random?: () => number;
  /** For tests that do not want to wait. Default {@link sleep}. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Calls `fn` until it succeeds, it fails in a way that is not retryable, or
 * the attempts run out, waiting {@link backoffDelay} between attempts. A
 * thrown error that is not retried (or the last one) is rethrown as is.
 *
 * @example
 * ```ts
 * const res = await retry(() => fetch(url, { method: 'PUT' }), {
 *   attempts: 5,
 *   policy: CLIENT_WRITE_RETRY,
 *   retryResult: (r) => r.status === 429 || r.status >= 500,
 * });
 * ```
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions<T>): Promise<T> {
  const wait = options.sleep ?? sleep;
  const attempts = Math.max(1, options.attempts);
  for (let attempt = 0; ; attempt++) {
    const last = attempt + 1 >= attempts;
    let failure: { error?: unknown; value?: T };
    try {
      const value = await fn(attempt);
      if (last || !options.retryResult?.(value, attempt)) return value;
      failure = { value };
    } catch (error) {
      if (last || (options.retryable && !options.retryable(error, attempt))) throw error;
      failure = { error };
    }
    const delayMs = backoffDelay(options.policy, attempt, options.random);
    options.onRetry?.({ attempt, delayMs, ...failure });
    await wait(delayMs);
  }
}
