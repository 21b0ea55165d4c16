/**
 * The Region router: calls go to the preferred (local) Region, and on
 * errors fail over to the next Region in routing order, each Region behind
 * its own circuit breaker (open after repeated failures, half-open probes
 * after a cool-down, back to the preferred Region once a probe succeeds).
 */
import { CircuitOpenError, createCircuitBreaker } from '../cache/index.js';
import { ErrorCode, isStreamctlError, StreamctlError } from '../errors/index.js';
import type { EngagementEvent, PublishResult } from '../events/index.js';
import type { RoutingRecord } from './routing.js';

/** A Region's client, whatever it is. */
export interface RegionTarget<C> {
  region: string;
  client: C;
}

/** Settings of {@link createRegionRouter}. */
export interface RegionRouterOptions<C> {
  targets: Array<RegionTarget<C>>;
  /** The local Region: tried first while it is healthy. */
  preferred: string;
  /** Reads the routing record (cached for `routingTtlMs`); Regions marked down are tried last. */
  routing?: () => Promise<RoutingRecord | undefined>;
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
 * Creates a Region router.
 *
 * @example
 * ```ts
 * const router = createRegionRouter({ targets: [{ region: 'us-east-1', client: a }, { region: 'eu-west-1', client: b }], preferred: 'us-east-1' });
 * const { value, region } = await router.run((clients) => readSomething(clients));
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
  let routing: { at: number; record: RoutingRecord | undefined } | undefined;
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
          hint: 'check `streamctl failover status`',
        },
      );
    },
    states() {
      return Object.fromEntries([...breakers].map(([region, b]) => [region, b.state]));
    },
  };
}

/**
 * Event publishing that fails over: each batch goes to the first Region
 * that takes it; entries a Region refuses are returned for the caller to
 * retry, like `putEvents`.
 *
 * @example
 * ```ts
 * const put = createFailoverPut(router, (clients, events) => putEvents(clients.clients, clients.names, events));
 * const { value, region } = await put(events);
 * ```
 */
export function createFailoverPut<C>(
  router: RegionRouter<C>,
  put: (client: C, events: EngagementEvent[]) => Promise<PublishResult>,
): (events: EngagementEvent[]) => Promise<Routed<PublishResult>> {
  return (events) => router.run((client) => put(client, events));
}
