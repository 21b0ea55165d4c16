/**
 * `@streamctl/client/regions`: calls that fail over between Regions, safe
 * for browsers. A circuit breaker per Region and the Region router that
 * orders Regions (the preferred one first, Regions the routing record marks
 * down last) and moves a call to the next Region when one fails. The SDK's
 * Region router, its cache's breaker and the HTTP client's Regions are
 * these same functions.
 *
 * @example
 * ```ts
 * import { createRegionRouter } from '@streamctl/client/regions';
 *
 * const router = createRegionRouter({
 *   targets: [{ region: 'us-east-1', client: east }, { region: 'eu-west-1', client: west }],
 *   preferred: 'us-east-1',
 * });
 * const { value, region } = await router.run((client) => client.read());
 * ```
 *
 * @module
 */
import { ErrorCode, isStreamctlError, StreamctlError } from './errors.js';

/** Why a call did not reach the backend. */
export class CircuitOpenError extends Error {
  constructor(readonly retryInMs: number) {
    super(`circuit open; next probe in ${retryInMs} ms`);
    this.name = 'CircuitOpenError';
  }
}

/** A circuit breaker's settings. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 3. */
  threshold?: number;
  /** How long an open circuit fails fast before one probe goes through. Default 5 s. */
  coolDownMs?: number;
  now?: () => number;
}

/** A circuit breaker (see {@link createCircuitBreaker}). */
export interface CircuitBreaker {
  readonly state: 'closed' | 'open' | 'half-open';
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * A circuit breaker: after `threshold` consecutive failures calls fail fast
 * for `coolDownMs`, then one probe is let through (half-open); a success
 * closes the circuit again.
 *
 * @example
 * ```ts
 * const breaker = createCircuitBreaker({ threshold: 3, coolDownMs: 5_000 });
 * await breaker.run(() => redis.get(key));
 * ```
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const threshold = options.threshold ?? 3;
  const coolDownMs = options.coolDownMs ?? 5_000;
  const now = options.now ?? Date.now;
  let failures = 0;
  let openedAt: number | undefined;
  let probing = false;
  return {
    get state(): 'closed' | 'open' | 'half-open' {
      if (openedAt === undefined) return 'closed';
      return now() - openedAt >= coolDownMs ? 'half-open' : 'open';
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (openedAt !== undefined) {
        const waited = now() - openedAt;
        if (waited < coolDownMs || probing) throw new CircuitOpenError(Math.max(0, coolDownMs - waited));
        probing = true;
      }
      try {
        const result = await fn();
        failures = 0;
        openedAt = undefined;
        return result;
      } catch (err) {
        failures++;
        if (failures >= threshold || openedAt !== undefined) openedAt = now();
        throw err;
      } finally {
        probing = false;
      }
    },
  };
}

/** A Region's client, whatever it is. */
export interface RegionTarget<C> {
  region: string;
  client: C;
}

/** What the router reads of the routing record: the primary, and each Region's state. */
export interface RegionRouting {
  primary: string;
  regions: Record<string, string>;
}

/** Settings of {@link createRegionRouter}. */
export interface RegionRouterOptions<C> {
  targets: Array<RegionTarget<C>>;
  /** The local Region: tried first while it is healthy. */
  preferred: string;
  /** Reads the routing record (cached for `routingTtlMs`); Regions marked down are tried last. */
  routing?: () => Promise<RegionRouting | undefined>;
  routingTtlMs?: number;
  /** Failures before a Region's breaker opens, and its cool-down. Defaults 3 and 5 s. */
  threshold?: number;
  coolDownMs?: number;
  now?: () => number;
  /**
   * Whether an error is the Region's fault, so the next Region may take
   * the call. Default {@link failsOver}: everything but typed errors that
   * say the request itself is wrong, which another Region would refuse too.
   */
  failsOver?: (err: unknown) => boolean;
  /** The hint of the error thrown when no Region takes a call. Default: check `streamctl failover status`. */
  unreachableHint?: string;
}

/** Errors about the request, not the Region: answered the same everywhere. */
const REQUEST_ERRORS = new Set<string>([
  ErrorCode.ValidationFailed,
  ErrorCode.NotFound,
  ErrorCode.Conflict,
  ErrorCode.Forbidden,
  ErrorCode.ConfigInvalid,
  ErrorCode.CredentialsMissing,
]);

/**
 * The router's default: fail over on anything (network, throttling, service
 * errors, a Region's missing resource, unknown errors) except a typed error
 * about the request itself — validation, not found, conflict, forbidden,
 * bad config or credentials — which is thrown at once and does not count
 * against the Region's breaker.
 */
export function failsOver(err: unknown): boolean {
  return !(isStreamctlError(err) && REQUEST_ERRORS.has(err.code));
}

/** A call routed to a Region. */
export interface Routed<T> {
  value: T;
  region: string;
  /** Regions tried before, with why they were skipped. */
  skipped: Array<{ region: string; reason: string }>;
}

/** The router. */
export interface RegionRouter<C> {
  run<T>(fn: (client: C, region: string) => Promise<T>): Promise<Routed<T>>;
  /** Each Region's breaker state. */
  states(): Record<string, 'closed' | 'open' | 'half-open'>;
}

/**
 * Creates a Region router: each call goes to the first Region in routing
 * order whose breaker lets it through, and on a Region's fault to the next;
 * an error about the request itself is thrown at once. When every Region
 * fails, `ENDPOINT_UNREACHABLE` names each with its reason.
 *
 * @example
 * ```ts
 * const router = createRegionRouter({ targets: [{ region: 'us-east-1', client: a }, { region: 'eu-west-1', client: b }], preferred: 'us-east-1' });
 * const { value, region } = await router.run((client) => readSomething(client));
 * ```
 */
export function createRegionRouter<C>(options: RegionRouterOptions<C>): RegionRouter<C> {
  const now = options.now ?? Date.now;
  const breakers = new Map(
    options.targets.map((t) => [
      t.region,
      createCircuitBreaker({ threshold: options.threshold ?? 3, coolDownMs: options.coolDownMs ?? 5_000, now }),
    ]),
  );
  let routing: { at: number; record: RegionRouting | undefined } | undefined;
  const ttl = options.routingTtlMs ?? 5_000;
  const regionFault = options.failsOver ?? failsOver;

  async function order(): Promise<Array<RegionTarget<C>>> {
    if (options.routing && (!routing || now() - routing.at > ttl)) {
      const record = await options.routing().catch(() => routing?.record);
      routing = { at: now(), record };
    }
    const record = routing?.record;
    const rank = (t: RegionTarget<C>) => {
      if (record?.regions[t.region] === 'down') return 3;
      if (t.region === options.preferred) return 0;
      if (t.region === record?.primary) return 1;
      return 2;
    };
    return [...options.targets].sort((a, b) => rank(a) - rank(b) || a.region.localeCompare(b.region));
  }

  return {
    async run(fn) {
      const skipped: Array<{ region: string; reason: string }> = [];
      let last: unknown;
      for (const target of await order()) {
        const breaker = breakers.get(target.region);
        // A Region that answered "your request is wrong" is healthy: the breaker sees a success.
        const call = async () => {
          try {
            return { ok: true as const, value: await fn(target.client, target.region) };
          } catch (err) {
            if (regionFault(err)) throw err;
            return { ok: false as const, err };
          }
        };
        let outcome: Awaited<ReturnType<typeof call>>;
        try {
          outcome = await (breaker ? breaker.run(call) : call());
        } catch (err) {
          last = err;
          skipped.push({
            region: target.region,
            reason: err instanceof CircuitOpenError ? 'circuit open' : (err as Error).message,
          });
          continue;
        }
        if (!outcome.ok) throw outcome.err;
        return { value: outcome.value, region: target.region, skipped };
      }
      throw new StreamctlError(
        ErrorCode.EndpointUnreachable,
        `No Region could take the call (${skipped.map((s) => `${s.region}: ${s.reason}`).join('; ')})`,
        {
          cause: last,
          hint: options.unreachableHint ?? 'check `streamctl failover status`',
        },
      );
    },
    states() {
      return Object.fromEntries([...breakers].map(([region, b]) => [region, b.state]));
    },
  };
}
