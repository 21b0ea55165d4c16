/**
 * The Region router: calls go to the preferred (local) Region, and on
 * errors fail over to the next Region in routing order, each Region behind
 * its own circuit breaker (open after repeated failures, half-open probes
 * after a cool-down, back to the preferred Region once a probe succeeds).
 */
import { CircuitOpenError, createCircuitBreaker } from '../cache/index.js';
import { ErrorCode, StreamctlError } from '../errors/index.js';
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
        try {
          const value = await (breaker
            ? breaker.run(() => fn(target.client, target.region))
            : fn(target.client, target.region));
          return { value, region: target.region, skipped };
        } catch (err) {
          last = err;
          skipped.push({
            region: target.region,
            reason: err instanceof CircuitOpenError ? 'circuit open' : (err as Error).message,
          });
        }
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
