/**
 * Putting events on a stage with several Regions: into the local Region's
 * stream while it takes them, else into the next Region's, through the
 * Region router and its circuit breakers. The API's `POST /v1/events` puts
 * through this (the platform's `events.put`), so a Region whose stream is
 * down does not lose a viewer's events: another Region's stream and workers
 * take them (user state is a global table, so their writes land everywhere).
 */
import { type AwsClients, createAwsClients } from '../aws/index.js';
import { holdsControlTable, LOCAL_STAGE, type ResourceNames, type StreamctlConfig } from '../config/index.js';
import { ErrorCode, StreamctlError } from '../errors/index.js';
import { type EngagementEvent, type PublishResult, putEvents } from '../events/index.js';
import { readLocalRegions } from './local.js';
import { createFailoverPut, createRegionRouter, type RegionRouter } from './router.js';
import { type ControlTable, readRouting } from './routing.js';
import { controlTableStore, regionConfig } from './stage.js';

/** Settings of {@link createRegionalEventsPut}: the router's. */
export interface RegionalEventsPutOptions {
  /** Whole-call failures before a Region's breaker opens, and its cool-down. Defaults 3 and 5 s. */
  threshold?: number;
  coolDownMs?: number;
  /** How long a read of the routing record is used. Default 5 s. */
  routingTtlMs?: number;
  now?: () => number;
}

/** A Region's stream, as the router sees it. */
interface RegionStream {
  put(events: EngagementEvent[]): Promise<PublishResult>;
}

/** Events put with Region failover. */
export interface RegionalEventsPut {
  /**
   * Puts up to 500 events in one PutRecords call into the first Region's stream that takes the
   * call. Entries that stream refuses one by one (throttled) come back in `failed`, as with
   * `putEvents`: they are the caller's to retry, never moved to another Region behind its back.
   * When no Region's stream takes the call: `ENDPOINT_UNREACHABLE`, naming each Region's reason.
   */
  put(events: EngagementEvent[]): Promise<PublishResult>;
  /** Each Region's breaker (`closed` while it takes calls); `{}` on a stage with one Region. */
  states(): Record<string, 'closed' | 'open' | 'half-open'>;
  /** Closes the other Regions' clients it made. */
  close(): void;
}

/**
 * Creates the events put of a stage's Region (`config.region`). With one
 * Region it is `putEvents`; with several, every Region's stream is a target
 * of a {@link createRegionRouter}: the local Region first, a Region the
 * routing record marks down last. Other Regions' clients are made on first
 * use; locally, a Region's stream is the one `streamctl dev --regions`
 * started for it (`regions.json`), and a Region without one is skipped.
 *
 * @example
 * ```ts
 * const events = createRegionalEventsPut(config, clients);
 * const { accepted, failed } = await events.put(batch);
 * events.close();
 * ```
 */
export function createRegionalEventsPut(
  config: StreamctlConfig,
  clients: AwsClients,
  options: RegionalEventsPutOptions = {},
): RegionalEventsPut {
  const names = config.resources;
  const local: RegionStream = { put: (events) => putEvents(clients, names, events) };
  if (!config.regions.some((r) => r !== config.region)) {
    return { put: local.put, states: () => ({}), close: () => undefined };
  }
  const made: AwsClients[] = [];
  const remote = (region: string): RegionStream => {
    let target: { clients: AwsClients; names: ResourceNames } | undefined;
    return {
      put: (events) => {
        if (!target) {
          if (config.stage === LOCAL_STAGE && !readLocalRegions(config.dataDir)?.regions[region]) {
            throw new StreamctlError(
              ErrorCode.EndpointUnreachable,
              `No stream of ${region} is running on this machine`,
              { hint: 'start the local Regions with `streamctl dev --regions <a,b>`' },
            );
          }
          const rc = regionConfig(config, region);
          target = { clients: createAwsClients(rc), names: rc.resources };
          made.push(target.clients);
        }
        return putEvents(target.clients, target.names, events);
      },
    };
  };
  const regions = [config.region, ...config.regions.filter((r) => r !== config.region)];
  // A Region without a replica of the control table reads the record in a control Region.
  let control: ControlTable | undefined;
  const routingStore = () => {
    if (holdsControlTable(config, config.region)) return clients;
    control ??= controlTableStore(config);
    return control;
  };
  const router: RegionRouter<RegionStream> = createRegionRouter({
    targets: regions.map((region) => ({ region, client: region === config.region ? local : remote(region) })),
    preferred: config.region,
    // Ordering only: a record a moment old does, read in the nearest control Region.
    routing: () => readRouting(routingStore(), names, { consistent: false }),
    ...options,
  });
  const put = createFailoverPut(router, (stream, events) => stream.put(events));
  return {
    put: async (events) => (await put(events)).value,
    states: () => router.states(),
    close: () => {
      for (const c of made.splice(0)) c.destroy();
      control?.destroy();
      control = undefined;
    },
  };
}
