/**
 * The price table the capacity planner costs a plan with: versioned,
 * committed, never fetched. A plan prints the table's `version` and `asOf`,
 * so two plans made months apart say which prices each one assumed.
 *
 * Prices are AWS public list prices (on-demand, no Savings Plans, no free
 * tier, no private pricing) for US East (N. Virginia), with one multiplier
 * per Region for the Regional services and CloudFront priced by the
 * geography its viewers are served from. Each figure names the page it was
 * read from; `asOf` is when. To update: read the pages again, change the
 * figures, bump `version` and `asOf`.
 */

/** One price: what it costs, per what, and where the figure came from. */
export interface Price {
  /** US dollars per `unit`. */
  usd: number;
  /** What one `usd` buys: `shard-hour`, `million requests`, `GB`, … */
  unit: string;
  /** The AWS pricing page the figure was read from. */
  source: string;
}

/** A volume tier of a tiered price: the first `upToGb` (cumulative) GB of a month at `usd` per GB. */
export interface PriceTier {
  /** Cumulative GB a month up to which this tier applies; `null` for the last tier. */
  upToGb: number | null;
  usd: number;
}

/** CloudFront prices of one edge geography: tiered transfer out and HTTPS requests. */
export interface CloudFrontPrices {
  /** Data transfer out to the internet, tiered by monthly volume (1 TB = 1,024 GB, as AWS bills it). */
  transferOut: { tiers: PriceTier[]; source: string };
  /** HTTPS requests, per 10,000. */
  httpsRequestsPer10k: Price;
}

/** The edge geographies the table prices. */
export type EdgeGeography = 'north-america' | 'europe' | 'japan';

/** How one Region is priced. */
export interface RegionPricing {
  /** Applied to every Regional price (Kinesis, DynamoDB, Lambda, API Gateway, ElastiCache) of the base Region. */
  multiplier: number;
  /** Where this Region's viewers are served from at the edge. */
  edge: EdgeGeography;
}

/**
 * A versioned price table.
 *
 * @example
 * ```ts
 * const mine: PriceTable = { ...PRICE_TABLE, version: '2026-12-acme', asOf: '2026-12-01' };
 * planCapacity({ ...input, prices: mine });
 * ```
 */
export interface PriceTable {
  /** Bump on every change of a figure. */
  version: string;
  currency: 'USD';
  /** The date (YYYY-MM-DD) the figures were read from their sources. */
  asOf: string;
  /** The Region whose prices `regional` lists; other Regions scale them by their multiplier. */
  baseRegion: string;
  /** Hours in a billed month, as AWS's calculators count them. */
  hoursPerMonth: number;
  regional: {
    kinesisShardHour: Price;
    /** A PUT payload unit is 25 KB of a record; a smaller record is one unit. */
    kinesisPutPayloadUnitsPerMillion: Price;
    kinesisOnDemandStreamHour: Price;
    /** On-demand bills each record rounded up to the next 1 KB. */
    kinesisOnDemandIngestPerGb: Price;
    /** Per GB read, by each standard consumer (also rounded up to 1 KB a record). */
    kinesisOnDemandRetrievalPerGb: Price;
    dynamodbWriteRequestUnitsPerMillion: Price;
    /** Writes a global table replicates into this Region (rWRU). */
    dynamodbReplicatedWriteRequestUnitsPerMillion: Price;
    dynamodbReadRequestUnitsPerMillion: Price;
    /** arm64, as the platform's functions run. */
    lambdaGbSecond: Price;
    lambdaRequestsPerMillion: Price;
    /** HTTP API requests: the first 300 million a month, then the rest. */
    httpApiRequestsPerMillion: { first300Million: Price; over300Million: Price };
    /** The Redis node the planner sizes with, its memory and hourly price. */
    cacheNode: Price & { nodeType: string; memoryGiB: number };
  };
  cloudFront: Record<EdgeGeography, CloudFrontPrices>;
  regions: Record<string, RegionPricing>;
}

const KINESIS = 'https://aws.amazon.com/kinesis/data-streams/pricing/';
const DYNAMODB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const API_GATEWAY = 'https://aws.amazon.com/api-gateway/pricing/';
const ELASTICACHE = 'https://aws.amazon.com/elasticache/pricing/';
const CLOUDFRONT = 'https://aws.amazon.com/cloudfront/pricing/';

const TB = 1024;
/** CloudFront's volume tiers: 10 TB, 40 TB, 100 TB, 350 TB, 524 TB, 4 PB, then the rest of the month. */
const cumulativeTb = [10, 50, 150, 500, 1024, 5120];
const tiers = (usd: number[]): PriceTier[] =>
  usd.map((price, i) => ({ upToGb: i < cumulativeTb.length ? (cumulativeTb[i] as number) * TB : null, usd: price }));

/**
 * The committed price table: AWS list prices in USD for us-east-1, a
 * multiplier for each other Region the table knows, and CloudFront by edge
 * geography. A Region not listed is priced as us-east-1 and the plan warns.
 *
 * @example
 * ```ts
 * PRICE_TABLE.regional.kinesisShardHour.usd; // 0.015
 * PRICE_TABLE.regions['eu-west-1']?.edge;     // 'europe'
 * ```
 */
export const PRICE_TABLE: PriceTable = {
  version: '2025-06.1',
  currency: 'USD',
  asOf: '2025-06-01',
  baseRegion: 'us-east-1',
  hoursPerMonth: 730,
  regional: {
    kinesisShardHour: { usd: 0.015, unit: 'shard-hour', source: KINESIS },
    kinesisPutPayloadUnitsPerMillion: { usd: 0.014, unit: 'million PUT payload units', source: KINESIS },
    kinesisOnDemandStreamHour: { usd: 0.04, unit: 'stream-hour', source: KINESIS },
    kinesisOnDemandIngestPerGb: { usd: 0.08, unit: 'GB ingested', source: KINESIS },
    kinesisOnDemandRetrievalPerGb: { usd: 0.04, unit: 'GB retrieved', source: KINESIS },
    // After the November 2024 on-demand price cut; replicated writes then cost what local ones do.
    dynamodbWriteRequestUnitsPerMillion: { usd: 0.625, unit: 'million WRU', source: DYNAMODB },
    dynamodbReplicatedWriteRequestUnitsPerMillion: { usd: 0.625, unit: 'million rWRU', source: DYNAMODB },
    dynamodbReadRequestUnitsPerMillion: { usd: 0.125, unit: 'million RRU', source: DYNAMODB },
    lambdaGbSecond: { usd: 0.0000133334, unit: 'GB-second (arm64)', source: LAMBDA },
    lambdaRequestsPerMillion: { usd: 0.2, unit: 'million requests', source: LAMBDA },
    httpApiRequestsPerMillion: {
      first300Million: { usd: 1.0, unit: 'million requests (first 300 M)', source: API_GATEWAY },
      over300Million: { usd: 0.9, unit: 'million requests (over 300 M)', source: API_GATEWAY },
    },
    cacheNode: {
      nodeType: 'cache.r7g.xlarge',
      memoryGiB: 26.32,
      usd: 0.437,
      unit: 'node-hour',
      source: ELASTICACHE,
    },
  },
  cloudFront: {
    'north-america': {
      transferOut: { tiers: tiers([0.085, 0.08, 0.06, 0.04, 0.03, 0.025, 0.02]), source: CLOUDFRONT },
      httpsRequestsPer10k: { usd: 0.01, unit: '10,000 HTTPS requests', source: CLOUDFRONT },
    },
    europe: {
      transferOut: { tiers: tiers([0.085, 0.08, 0.06, 0.04, 0.03, 0.025, 0.02]), source: CLOUDFRONT },
      httpsRequestsPer10k: { usd: 0.012, unit: '10,000 HTTPS requests', source: CLOUDFRONT },
    },
    japan: {
      transferOut: { tiers: tiers([0.114, 0.089, 0.086, 0.084, 0.08, 0.07, 0.06]), source: CLOUDFRONT },
      httpsRequestsPer10k: { usd: 0.012, unit: '10,000 HTTPS requests', source: CLOUDFRONT },
    },
  },
  // Multipliers round each Region's DynamoDB, Lambda and ElastiCache list prices against us-east-1's
  // (Kinesis and Lambda differ less, DynamoDB and ElastiCache more): an estimate, not a quote.
  regions: {
    'us-east-1': { multiplier: 1, edge: 'north-america' },
    'us-east-2': { multiplier: 1, edge: 'north-america' },
    'us-west-2': { multiplier: 1, edge: 'north-america' },
    'ca-central-1': { multiplier: 1.1, edge: 'north-america' },
    'eu-west-1': { multiplier: 1.1, edge: 'europe' },
    'eu-central-1': { multiplier: 1.15, edge: 'europe' },
    'eu-west-2': { multiplier: 1.15, edge: 'europe' },
    'ap-northeast-1': { multiplier: 1.25, edge: 'japan' },
  },
};

/** How a Region is priced, and whether the table knew it. */
export interface ResolvedRegionPricing extends RegionPricing {
  /** False when the table has no entry for the Region and the base Region's prices stand in. */
  known: boolean;
}

/**
 * The pricing of a Region in a table: its entry, or the base Region's prices
 * (`known: false`) for a Region the table does not list.
 *
 * @example
 * ```ts
 * regionPricing(PRICE_TABLE, 'ap-northeast-1'); // { multiplier: 1.25, edge: 'japan', known: true }
 * ```
 */
export function regionPricing(table: PriceTable, region: string): ResolvedRegionPricing {
  const entry = table.regions[region];
  if (entry) return { ...entry, known: true };
  const base = table.regions[table.baseRegion] ?? { multiplier: 1, edge: 'north-america' };
  return { ...base, known: false };
}

/**
 * The cost of `gb` in one month under tiered prices: each tier's share at its price.
 *
 * @example
 * ```ts
 * tieredCost(20_480, PRICE_TABLE.cloudFront.europe.transferOut.tiers); // 10,240 × 0.085 + 10,240 × 0.08
 * ```
 */
export function tieredCost(gb: number, priceTiers: readonly PriceTier[]): number {
  let cost = 0;
  let floor = 0;
  for (const tier of priceTiers) {
    const ceiling = tier.upToGb ?? Number.POSITIVE_INFINITY;
    if (gb <= floor) break;
    cost += (Math.min(gb, ceiling) - floor) * tier.usd;
    floor = ceiling;
  }
  return cost;
}
