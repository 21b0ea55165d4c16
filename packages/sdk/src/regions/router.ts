/**
 * The Region router: calls go to the preferred (local) Region, and on
 * errors fail over to the next Region in routing order, each Region behind
 * its own circuit breaker (open after repeated failures, half-open probes
 * after a cool-down, back to the preferred Region once a probe succeeds).
 * Defined once in `@streamctl/client/regions` (browser-safe, so the HTTP
 * client fails over with the same router); the SDK adds the failover put.
 */
import type { RegionRouter, Routed } from '@streamctl/client/regions';
import type { EngagementEvent, PublishResult } from '../events/index.js';

export {
  createRegionRouter,
  failsOver,
  type RegionRouter,
  type RegionRouterOptions,
  type RegionRouting,
  type RegionTarget,
  type Routed,
} from '@streamctl/client/regions';

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
