/**
 * Regions and failover (SPEC §9): the routing record (in the control
 * table, docs/regions.md), per-Region health, the Region router with
 * circuit breakers, and the failover procedure that `streamctl failover`
 * runs — preflight, flip the record, repoint the CloudFront API origin
 * group, verify, and the rollback command.
 *
 * @module
 */
export { API_WRITES_ORIGIN_ID, apiOriginMatches, type RepointResult, repointOriginGroup } from './cloudfront.js';
export { type DrillOptions, type DrillReport, runDrill } from './drill.js';
export {
  type FailoverInput,
  type FailoverResult,
  type FailoverStep,
  runFailover,
} from './failover.js';
export { type RegionsHealthOptions, regionsHealth } from './health.js';
export { type LocalRegion, type LocalRegions, readLocalRegions, writeLocalRegions } from './local.js';
export {
  createFailoverPut,
  createRegionRouter,
  failsOver,
  type RegionRouter,
  type RegionRouterOptions,
  type RegionTarget,
  type Routed,
} from './router.js';
export {
  apiOrder,
  defaultRouting,
  ensureRouting,
  type ReadRoutingOptions,
  type RegionState,
  type RoutingChange,
  type RoutingRecord,
  readRouting,
  setPrimary,
} from './routing.js';
export { regionApiUrl, regionClients, regionConfig } from './stage.js';
