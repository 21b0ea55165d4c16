/**
 * Regions and failover (SPEC §9): the routing record (in the control
 * table, docs/regions.md), per-Region health, the Region router with
 * circuit breakers and the events put that fails over through it, and the
 * failover procedure that `streamctl failover` runs — preflight, flip the
 * record, repoint the CloudFront API origin group, verify, and the rollback
 * command.
 *
 * @module
 */
export {
  API_WRITES_ORIGIN_ID,
  apiOriginMatches,
  mediaOriginId,
  type RepointResult,
  repointOriginGroup,
} from './cloudfront.js';
export {
  type DrillMedia,
  type DrillMediaReport,
  type DrillOptions,
  type DrillReport,
  runDrill,
  writeDrillMedia,
} from './drill.js';
export {
  createRegionalEventsPut,
  type RegionalEventsPut,
  type RegionalEventsPutOptions,
} from './events-put.js';
export {
  type FailoverInput,
  type FailoverResult,
  type FailoverStep,
  runFailover,
} from './failover.js';
export { type MediaLag, mediaLag, type RegionsHealthOptions, regionsHealth } from './health.js';
export {
  type LocalRegion,
  type LocalRegions,
  type MediaReplicationRegion,
  type MediaReplicationState,
  readLocalRegions,
  readMediaReplication,
  writeLocalRegions,
  writeMediaReplication,
} from './local.js';
export { mediaReplicationRuleId } from './media-lag-aws.js';
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
  type ControlTable,
  defaultRouting,
  ensureRouting,
  type ReadRoutingOptions,
  type RegionState,
  type RoutingChange,
  type RoutingRecord,
  type RoutingStore,
  readRouting,
  setPrimary,
} from './routing.js';
export {
  type ControlTableOptions,
  controlTableStore,
  localRegionBuckets,
  localRegionView,
  regionApiUrl,
  regionClients,
  regionConfig,
} from './stage.js';
