/**
 * Capacity planning: from a viewer base (subscribers, peak concurrency,
 * events per viewer-minute, Regions) to Kinesis shards, DynamoDB units and
 * the hottest key, Lambda concurrency, Redis memory, CloudFront load and a
 * monthly cost from a versioned, committed price table. Pure functions:
 * `streamctl plan capacity` prints what {@link planCapacity} returns.
 *
 * @example
 * ```ts
 * import { planCapacity } from '@streamctl/sdk';
 *
 * const plan = planCapacity({ viewers: 1_000_000, peakConcurrency: 250_000, eventsPerViewerMinute: 6, regions: ['us-east-1'] });
 * console.log(plan.regions[0]?.kinesis.provisionedShards, plan.totals.monthlyCost, plan.warnings);
 * ```
 *
 * @module
 */
export {
  AWS_LIMITS,
  type AwsLimits,
  CAPACITY_DEFAULTS,
  type CapacityAssumptions,
  CapacityAssumptionsSchema,
  ENGAGEMENT_WORKERS,
  STREAM_WORKERS,
  type StreamWorker,
} from './assumptions.js';
export {
  type CapacityInput,
  CapacityInputSchema,
  type CapacityPlan,
  type CostLine,
  DEFAULT_PLAN_COUNTER_SHARDS,
  type HotKeyPlan,
  type PlanCapacityOptions,
  type PlanWarning,
  planCapacity,
  REGION_PATTERN,
  type RegionPlan,
  type TablePlan,
} from './plan.js';
export {
  type CloudFrontPrices,
  type EdgeGeography,
  PRICE_TABLE,
  type Price,
  type PriceTable,
  type PriceTier,
  type RegionPricing,
  type ResolvedRegionPricing,
  regionPricing,
  tieredCost,
} from './prices.js';
