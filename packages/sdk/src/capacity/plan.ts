/**
 * The capacity planner: from viewers, peak concurrency and event rate to
 * shards, capacity units, concurrency, cache memory, edge load and a monthly
 * cost, per Region and in total. Pure: no AWS call, no clock, no I/O.
 *
 * Capacity (shards, partitions, concurrency, Redis memory) is sized for the
 * peak. Provisioned things (shards, cache nodes) are billed at that size all
 * month; usage-billed things (requests, writes, GB) at the average load,
 * `peak × averageToPeakRatio`.
 */
import { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import { DEFAULT_MODEL_COUNTER_SHARDS } from '../recommendations/models.js';
import {
  AWS_LIMITS,
  type AwsLimits,
  CAPACITY_DEFAULTS,
  type CapacityAssumptions,
  CapacityAssumptionsSchema,
  ENGAGEMENT_WORKERS,
  STREAM_WORKERS,
  type StreamWorker,
} from './assumptions.js';
import { type EdgeGeography, PRICE_TABLE, type PriceTable, regionPricing, tieredCost } from './prices.js';

/** An AWS Region name such as us-east-1 (the SDK config's rule). */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/;

const SHARE_TOLERANCE = 1e-6;

/** The input of {@link planCapacity}, validated. */
export const CapacityInputSchema = z
  .object({
    /** Subscribers (accounts). */
    viewers: z.number().int('a whole number').positive('above 0'),
    /** Concurrent viewers at the worldwide peak. */
    peakConcurrency: z.number().int('a whole number').positive('above 0'),
    /** Engagement events a playing viewer sends per minute. */
    eventsPerViewerMinute: z.number().positive('above 0').max(6000, 'at most 6,000 (100 a second)'),
    /** The Regions viewers are served from. */
    regions: z.array(z.string()).min(1, 'at least one Region'),
    /** Each Region's share of the peak; even when left out. */
    regionShare: z.record(z.string(), z.number().positive('above 0').max(1, 'at most 1')).optional(),
    /** Sub-keys the popularity counters are spread over. */
    counterShards: z.number().int('a whole number').min(1, 'at least 1').max(10_000, 'at most 10,000').optional(),
    /** Overrides of {@link CAPACITY_DEFAULTS}. */
    assumptions: CapacityAssumptionsSchema.partial().optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.peakConcurrency > input.viewers)
      ctx.addIssue({
        code: 'custom',
        path: ['peakConcurrency'],
        message: `${input.peakConcurrency} concurrent viewers is more than the ${input.viewers} viewers`,
      });
    const seen = new Set<string>();
    for (const [i, region] of input.regions.entries()) {
      if (!REGION_PATTERN.test(region))
        ctx.addIssue({
          code: 'custom',
          path: ['regions', i],
          message: `"${region}" is not an AWS Region such as us-east-1`,
        });
      if (seen.has(region)) ctx.addIssue({ code: 'custom', path: ['regions'], message: `${region} is listed twice` });
      seen.add(region);
    }
    if (input.regionShare) {
      for (const region of Object.keys(input.regionShare))
        if (!seen.has(region))
          ctx.addIssue({
            code: 'custom',
            path: ['regionShare', region],
            message: `${region} is not one of the Regions (${input.regions.join(', ')})`,
          });
      for (const region of seen)
        if (!(region in input.regionShare))
          ctx.addIssue({ code: 'custom', path: ['regionShare', region], message: `no share for ${region}` });
      const sum = Object.values(input.regionShare).reduce((a, b) => a + b, 0);
      if (Math.abs(sum - 1) > SHARE_TOLERANCE)
        ctx.addIssue({ code: 'custom', path: ['regionShare'], message: `the shares sum to ${round(sum, 6)}, not 1` });
    }
  });

/** What {@link planCapacity} takes. */
export type CapacityInput = z.input<typeof CapacityInputSchema>;

/** What to plan and with which prices. */
export interface PlanCapacityOptions {
  /** The price table; {@link PRICE_TABLE} by default. */
  prices?: PriceTable;
}

/** One line of a cost estimate: how much of what, at which price. */
export interface CostLine {
  /** What is billed: `Kinesis shard-hours`, `DynamoDB user-state replicated writes`, … */
  item: string;
  /** How much of `unit` in a month. */
  quantity: number;
  unit: string;
  /** The price per `unit` after the Region's multiplier (for tiered items: the mean price). */
  unitPrice: number;
  /** USD a month, rounded to cents. */
  monthlyCost: number;
}

/**
 * The hottest key of the user-state table (where the models live) and how it fares against a
 * partition's write limit. Each Region writes its own counter (`POP#<region>#ALL`), so a replica
 * takes every Region's counter on a partition key of its own: replication adds no load to a key.
 */
export interface HotKeyPlan {
  /** The key: this Region's popularity counter of every country together. */
  key: string;
  /** Its share of the writes this Region makes to the user-state table. */
  shareOfWrites: number;
  /** Writes a second to the key before it is split. */
  writesPerSecond: number;
  /** Sub-keys it is spread over (`--counter-shards`). */
  subKeys: number;
  /** Writes a second to each sub-key. */
  writesPerSubKeyPerSecond: number;
  /** One partition's write limit, in WCU a second. */
  partitionLimit: number;
  /** `writesPerSubKeyPerSecond / partitionLimit`. */
  utilization: number;
  /** The fewest sub-keys that keep each under the limit. */
  minSubKeys: number;
}

/**
 * A DynamoDB table's load in one Region. The platform table is the Region's own; since the
 * models moved to the user-state table, the planner counts no load on it (its fields stay, at 0).
 */
export interface TablePlan {
  table: 'platform' | 'user-state';
  /** Writes a second made in this Region at the peak. */
  localWritesPerSecond: number;
  /** Writes a second replicated in from the other Regions (global tables only). */
  replicatedWritesPerSecond: number;
  /** Write units a second at the peak: every write here is ≤ 1 KB, one unit. */
  wcu: number;
  readsPerSecond: number;
  /** Read units a second at the peak: eventually consistent reads of ≤ 4 KB, half a unit each. */
  rcu: number;
}

/** The plan of one Region. Every rate is at the peak; every cost is monthly. */
export interface RegionPlan {
  region: string;
  /** This Region's share of the worldwide peak. */
  share: number;
  peakConcurrentViewers: number;
  kinesis: {
    recordsPerSecond: number;
    bytesPerSecond: number;
    /** Shards each limit alone needs, before headroom: writes by records, writes by bytes, reads by bytes. */
    shardsByRecords: number;
    shardsByWriteBytes: number;
    shardsByReadBytes: number;
    /** Which of the three sets the shard count. */
    boundBy: 'records' | 'write-bytes' | 'read-bytes';
    /** Provisioned mode: the largest need times the headroom, rounded up. */
    provisionedShards: number;
    /** Standard consumers reading the stream (the workers). */
    consumers: number;
    provisionedMonthlyCost: number;
    /** The on-demand alternative's monthly cost (the plan's totals use provisioned). */
    onDemandMonthlyCost: number;
    onDemandCost: CostLine[];
  };
  dynamodb: { platform: TablePlan; userState: TablePlan; hottestKey: HotKeyPlan };
  lambda: {
    /** One concurrent invocation per shard and parallelization slot, for each worker. */
    workers: Array<{ worker: StreamWorker; concurrency: number }>;
    api: { requestsPerSecond: number; concurrency: number };
    total: number;
    /** The account's default concurrency quota in the Region. */
    quota: number;
  };
  redis: {
    /** Data bytes: sessions plus cached home pages of the concurrent viewers. */
    dataBytes: number;
    /** Memory needed with Redis's overhead, in GiB. */
    memoryGiB: number;
    nodeType: string;
    shards: number;
    nodes: number;
  };
  cloudFront: {
    edge: EdgeGeography;
    segmentRequestsPerSecond: number;
    apiRequestsPerSecond: number;
    requestsPerSecond: number;
    /** Delivered video at the peak, in Gbit/s. */
    peakGbps: number;
    /** GB delivered in a month at the average load. */
    monthlyTransferGb: number;
  };
  cost: CostLine[];
  monthlyCost: number;
}

/** Something the operator must act on before the plan holds. */
export interface PlanWarning {
  code: 'LAMBDA_CONCURRENCY_QUOTA' | 'HOT_KEY' | 'KINESIS_SHARD_QUOTA' | 'UNPRICED_REGION';
  region: string;
  message: string;
}

/**
 * A capacity plan: the `--json` output of `streamctl plan capacity`. Its
 * shape is stable (`version` 1); fields are added, never renamed.
 *
 * - `input`: the request with the Region shares resolved;
 * - `assumptions`, `limits`, `prices` (`version`, `currency`, `asOf`): what the math took;
 * - `regions[]`: a {@link RegionPlan} each; `totals`: their sums;
 * - `warnings[]`: limits the plan runs into, each naming the fix.
 *
 * @example
 * ```json
 * { "version": 1, "input": { "viewers": 1000000, … }, "regions": [{ "region": "us-east-1",
 *   "kinesis": { "provisionedShards": 36, … }, … }], "totals": { "monthlyCost": 4039895.08, … },
 *   "warnings": [] }
 * ```
 */
export interface CapacityPlan {
  version: 1;
  input: {
    viewers: number;
    peakConcurrency: number;
    eventsPerViewerMinute: number;
    regions: string[];
    regionShare: Record<string, number>;
    counterShards: number;
  };
  assumptions: CapacityAssumptions;
  limits: AwsLimits;
  prices: { version: string; currency: string; asOf: string; baseRegion: string; hoursPerMonth: number };
  regions: RegionPlan[];
  totals: {
    peakConcurrentViewers: number;
    recordsPerSecond: number;
    provisionedShards: number;
    platformWcu: number;
    userStateWcu: number;
    lambdaConcurrency: number;
    redisNodes: number;
    cloudFrontRequestsPerSecond: number;
    peakGbps: number;
    monthlyCost: number;
    /** The total with every stream on-demand instead of provisioned. */
    monthlyCostWithOnDemandStreams: number;
  };
  /**
   * The `capacity` block of the infra config (`streamctl.infra.json`) that deploys this plan: each
   * Region's provisioned shards and its API concurrency at the peak. Provisioned concurrency is
   * billed on its own terms, which the cost above leaves out.
   */
  infraCapacity: { streamShards: Record<string, number>; apiProvisionedConcurrency: Record<string, number> };
  warnings: PlanWarning[];
}

/**
 * Sub-keys of the popularity counters a plan assumes when `counterShards` is not given. Plan with the
 * number the models are written with (the model store's `counterShards`).
 */
export const DEFAULT_PLAN_COUNTER_SHARDS = DEFAULT_MODEL_COUNTER_SHARDS;

const GB = 1024 ** 3;
/** A number as a message shows it: thousands separated, at most two decimals. */
const show = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
const round = (value: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
/** Rounds up, ignoring the floating-point dust of a product that is a whole number (25.000000000004 → 25). */
const ceil = (value: number) => Math.ceil(round(value, 6));

function line(item: string, quantity: number, unit: string, unitPrice: number, cost = quantity * unitPrice): CostLine {
  return { item, quantity: round(quantity, 2), unit, unitPrice: round(unitPrice, 10), monthlyCost: round(cost) };
}

/** The signals worker's writes to the models of one Region, a second at the peak. */
interface ModelWrites {
  /** Writes to one popularity counter (the country's, or ALL). */
  popularityPerCounter: number;
  /** Every model write: the viewers' own models and both popularity counters. */
  total: number;
}

function modelWrites(peak: number, eventsPerViewerMinute: number, a: CapacityAssumptions): ModelWrites {
  const recordsPerSecond = (peak * eventsPerViewerMinute) / 60;
  const signalsPerSecond = recordsPerSecond * a.signalShare;
  // Popularity is summed per batch of the signals worker (one batch of a shard at a time): each
  // batch writes each of its titles once in the country and once in ALL. Full batches at this rate.
  const signalBatchesPerSecond = recordsPerSecond / a.workerBatchSize;
  const titlesPerBatch = Math.min(a.workerBatchSize * a.signalShare, a.titlesPerSignalBatch);
  const popularityPerCounter = Math.min(signalsPerSecond, signalBatchesPerSecond * titlesPerBatch);
  return { popularityPerCounter, total: signalsPerSecond * a.platformWritesPerSignal + 2 * popularityPerCounter };
}

/**
 * Plans the capacity of the platform for a viewer base: per Region, the
 * Kinesis shards (provisioned, with the on-demand alternative), DynamoDB
 * units per table and the hottest key, Lambda concurrency, Redis memory,
 * CloudFront load, and a monthly cost from a versioned price table, with
 * totals and warnings. Invalid input throws a {@link ValidationError} whose
 * issues name each bad field.
 *
 * @example
 * ```ts
 * const plan = planCapacity({
 *   viewers: 30_000_000,
 *   peakConcurrency: 10_000_000,
 *   eventsPerViewerMinute: 6,
 *   regions: ['us-east-1', 'eu-west-1', 'ap-northeast-1'],
 * });
 * plan.regions[0]?.kinesis.provisionedShards; // shards of us-east-1
 * plan.totals.monthlyCost;                    // USD a month, every Region
 * ```
 */
export function planCapacity(input: CapacityInput, options: PlanCapacityOptions = {}): CapacityPlan {
  const parsed = CapacityInputSchema.safeParse(input);
  if (!parsed.success) throw ValidationError.fromZod('capacity plan input', parsed.error);
  const request = parsed.data;
  const prices = options.prices ?? PRICE_TABLE;
  const a: CapacityAssumptions = { ...CAPACITY_DEFAULTS, ...request.assumptions };
  const counterShards = request.counterShards ?? DEFAULT_PLAN_COUNTER_SHARDS;
  const even = 1 / request.regions.length;
  const regionShare = Object.fromEntries(request.regions.map((r) => [r, request.regionShare?.[r] ?? even]));
  const monthSeconds = prices.hoursPerMonth * 3600;

  // Writes per concurrent viewer per second to the user-state global table: heartbeats, resume positions, list changes.
  const watchStateWritesPerViewer =
    1 / a.heartbeatSeconds + (a.progressWritesPerViewerMinute + a.watchlistWritesPerViewerMinute) / 60;
  // The signals worker's model writes, which live in the user-state table too (rows of the writing Region).
  const models = Object.fromEntries(
    request.regions.map((r) => [
      r,
      modelWrites(request.peakConcurrency * (regionShare[r] as number), request.eventsPerViewerMinute, a),
    ]),
  );
  const userStateWritesByRegion = Object.fromEntries(
    request.regions.map((r) => [
      r,
      request.peakConcurrency * (regionShare[r] as number) * watchStateWritesPerViewer +
        (models[r] as ModelWrites).total,
    ]),
  );
  // Every replica takes every Region's writes: each write is counted once per Region of the stage.
  const allUserStateWrites = Object.values(userStateWritesByRegion).reduce((x, y) => x + y, 0);

  const warnings: PlanWarning[] = [];
  // Sums of the unrounded per-Region rates, so totals carry no rounding dust.
  const raw = { records: 0, edgeRequests: 0 };
  const regions = request.regions.map((region): RegionPlan => {
    const share = regionShare[region] as number;
    const pricing = regionPricing(prices, region);
    const p = prices.regional;
    const m = pricing.multiplier;
    const peak = request.peakConcurrency * share;
    const monthly = (perSecondAtPeak: number) => perSecondAtPeak * a.averageToPeakRatio * monthSeconds;
    if (!pricing.known)
      warnings.push({
        code: 'UNPRICED_REGION',
        region,
        message: `price table ${prices.version} has no prices for ${region}: ${prices.baseRegion}'s stand in; add ${region} to the table`,
      });

    // Kinesis: a shard takes 1,000 records/s or 1 MiB/s of writes, and serves 2 MiB/s of reads shared by
    // every standard consumer; the tightest of the three sets the count, then the headroom.
    const recordsPerSecond = (peak * request.eventsPerViewerMinute) / 60;
    const bytesPerSecond = recordsPerSecond * a.eventBytes;
    const consumers = STREAM_WORKERS.length;
    const needs = {
      records: recordsPerSecond / AWS_LIMITS.kinesisShardWriteRecordsPerSecond,
      'write-bytes': bytesPerSecond / AWS_LIMITS.kinesisShardWriteBytesPerSecond,
      'read-bytes': (bytesPerSecond * consumers) / AWS_LIMITS.kinesisShardReadBytesPerSecond,
    } as const;
    const boundBy = (Object.keys(needs) as Array<keyof typeof needs>).reduce((x, y) => (needs[y] > needs[x] ? y : x));
    const provisionedShards = Math.max(1, ceil(needs[boundBy] * a.shardHeadroom));
    const shardQuota =
      AWS_LIMITS.kinesisDefaultShardQuota[region] ?? (AWS_LIMITS.kinesisDefaultShardQuota.other as number);
    if (provisionedShards > shardQuota)
      warnings.push({
        code: 'KINESIS_SHARD_QUOTA',
        region,
        message: `${show(provisionedShards)} shards is over the default quota of ${show(shardQuota)} shards in ${region}: request a Kinesis shard quota increase`,
      });
    const putUnitsPerRecord = Math.ceil(a.eventBytes / (25 * 1024));
    const kinesisCost = [
      line('Kinesis shard-hours', provisionedShards * prices.hoursPerMonth, 'shard-hour', p.kinesisShardHour.usd * m),
      line(
        'Kinesis PUT payload units',
        (monthly(recordsPerSecond) * putUnitsPerRecord) / 1e6,
        'million units',
        p.kinesisPutPayloadUnitsPerMillion.usd * m,
      ),
    ];
    // On-demand bills every record as whole KB, once on the way in and once per consumer on the way out.
    const onDemandGb = (monthly(recordsPerSecond) * Math.ceil(a.eventBytes / 1024) * 1024) / GB;
    const onDemandCost = [
      line('Kinesis on-demand stream-hours', prices.hoursPerMonth, 'stream-hour', p.kinesisOnDemandStreamHour.usd * m),
      line('Kinesis on-demand ingest', onDemandGb, 'GB', p.kinesisOnDemandIngestPerGb.usd * m),
      line('Kinesis on-demand retrieval', onDemandGb * consumers, 'GB', p.kinesisOnDemandRetrievalPerGb.usd * m),
    ];

    // API: heartbeats plus the other calls; each request holds one Lambda execution for its duration.
    const apiRequestsPerSecond = peak * (a.apiCallsPerViewerMinute / 60 + 1 / a.heartbeatSeconds);

    // DynamoDB. User state (a global table): the watch state and, since they moved there, the models
    // (the signals worker's writes, the home pages' reads). Every Region's writes land in every
    // Region, so each replica takes them all; reads stay in the Region's replica. Platform table
    // (this Region's only): the idempotency ledger, a claim and a completion per engagement record
    // and worker that processes it (conditional writes: no reads).
    const model = models[region] as ModelWrites;
    const homeBuildReads =
      (peak * a.homePagesPerViewerMinute * (1 - a.homeCacheHitRatio) * a.platformReadsPerHomeBuild) / 60;
    const ledgerWrites = recordsPerSecond * ENGAGEMENT_WORKERS.length * a.ledgerWritesPerRecord;
    const platform: TablePlan = {
      table: 'platform',
      localWritesPerSecond: round(ledgerWrites),
      replicatedWritesPerSecond: 0,
      wcu: ceil(ledgerWrites),
      readsPerSecond: 0,
      rcu: 0,
    };
    const localUserStateWrites = userStateWritesByRegion[region] as number;
    const replicatedIn = allUserStateWrites - localUserStateWrites;
    const userStateReads = apiRequestsPerSecond * a.userStateReadsPerApiCall + homeBuildReads;
    const userState: TablePlan = {
      table: 'user-state',
      localWritesPerSecond: round(localUserStateWrites),
      replicatedWritesPerSecond: round(replicatedIn),
      wcu: ceil(allUserStateWrites),
      readsPerSecond: round(userStateReads),
      rcu: ceil(userStateReads / 2),
    };
    // Every batch adds to the Region's POP#<region>#ALL: one partition key, so one partition's 1,000
    // WCU/s unless it is split (in every replica alike). A batch writes the sub-key of its shard, so
    // only as many sub-keys as shards take writes.
    const counterWrites = model.popularityPerCounter;
    const perSubKey = counterWrites / Math.min(counterShards, provisionedShards);
    const hottestKey: HotKeyPlan = {
      key: `POP#${region}#ALL`,
      shareOfWrites: localUserStateWrites > 0 ? round(counterWrites / localUserStateWrites, 4) : 0,
      writesPerSecond: round(counterWrites),
      subKeys: counterShards,
      writesPerSubKeyPerSecond: round(perSubKey),
      partitionLimit: AWS_LIMITS.dynamodbPartitionWcuPerSecond,
      utilization: round(perSubKey / AWS_LIMITS.dynamodbPartitionWcuPerSecond, 4),
      minSubKeys: Math.max(1, ceil(counterWrites / AWS_LIMITS.dynamodbPartitionWcuPerSecond)),
    };
    if (perSubKey > AWS_LIMITS.dynamodbPartitionWcuPerSecond)
      warnings.push({
        code: 'HOT_KEY',
        region,
        message: `popularity counter ${hottestKey.key} takes ${show(perSubKey)} writes/s per sub-key over ${counterShards} sub-keys, over the 1,000 WCU/s of one partition: spread it over at least ${show(hottestKey.minSubKeys)} sub-keys (counterShards)`,
      });
    const ddbWrite = p.dynamodbWriteRequestUnitsPerMillion.usd * m;
    const ddbReplicated = p.dynamodbReplicatedWriteRequestUnitsPerMillion.usd * m;
    const ddbRead = p.dynamodbReadRequestUnitsPerMillion.usd * m;
    const ddbCost = [
      line('DynamoDB platform writes', monthly(platform.localWritesPerSecond) / 1e6, 'million WRU', ddbWrite),
      line('DynamoDB platform reads', monthly(platform.readsPerSecond / 2) / 1e6, 'million RRU', ddbRead),
      line('DynamoDB user-state writes', monthly(localUserStateWrites) / 1e6, 'million WRU', ddbWrite),
      line('DynamoDB user-state replicated writes', monthly(replicatedIn) / 1e6, 'million rWRU', ddbReplicated),
      line('DynamoDB user-state reads', monthly(userStateReads / 2) / 1e6, 'million RRU', ddbRead),
    ];

    // Lambda: a Kinesis event source runs one batch per shard and parallelization slot at a time;
    // the signals worker one per shard (its popularity takes each shard's records in order).
    const perWorker = provisionedShards * a.parallelizationFactor;
    const workers = STREAM_WORKERS.map((worker) => ({
      worker,
      concurrency: worker === 'signals' ? provisionedShards : perWorker,
    }));
    const apiConcurrency = ceil((apiRequestsPerSecond * a.apiDurationMs) / 1000);
    const lambdaTotal = workers.reduce((sum, w) => sum + w.concurrency, 0) + apiConcurrency;
    if (lambdaTotal > AWS_LIMITS.lambdaConcurrencyQuota)
      warnings.push({
        code: 'LAMBDA_CONCURRENCY_QUOTA',
        region,
        message: `${show(lambdaTotal)} concurrent Lambda executions is over the default quota of ${show(AWS_LIMITS.lambdaConcurrencyQuota)} in ${region}: request a Lambda concurrency quota increase to at least ${show(Math.ceil((lambdaTotal * 1.2) / 100) * 100)}`,
      });
    const apiGbSeconds = (monthly(apiRequestsPerSecond) * a.apiDurationMs * a.apiMemoryMb) / 1000 / 1024;
    const workerGbSeconds =
      (monthly(recordsPerSecond) * consumers * a.workerMsPerRecord * a.workerMemoryMb) / 1000 / 1024;
    const invocations = monthly(apiRequestsPerSecond) + (monthly(recordsPerSecond) * consumers) / a.workerBatchSize;
    const apiRequestsMillions = monthly(apiRequestsPerSecond) / 1e6;
    const httpApiCost =
      Math.min(apiRequestsMillions, 300) * p.httpApiRequestsPerMillion.first300Million.usd * m +
      Math.max(0, apiRequestsMillions - 300) * p.httpApiRequestsPerMillion.over300Million.usd * m;
    const computeCost = [
      line('Lambda API GB-seconds', apiGbSeconds, 'GB-second', p.lambdaGbSecond.usd * m),
      line('Lambda worker GB-seconds', workerGbSeconds, 'GB-second', p.lambdaGbSecond.usd * m),
      line('Lambda requests', invocations / 1e6, 'million requests', p.lambdaRequestsPerMillion.usd * m),
      line(
        'HTTP API requests',
        apiRequestsMillions,
        'million requests',
        apiRequestsMillions > 0 ? httpApiCost / apiRequestsMillions : 0,
        httpApiCost,
      ),
    ];

    // Redis: sessions and cached home pages of the viewers playing now, with Redis's own overhead, in
    // shards of one node type each keeping its reserved share free, each with its replicas.
    const dataBytes = peak * (a.sessionBytes + a.homePageBytes);
    const memoryGiB = (dataBytes * a.redisOverhead) / GB;
    const usableGiB = p.cacheNode.memoryGiB * (1 - a.redisReservedShare);
    const redisShards = Math.max(1, ceil(memoryGiB / usableGiB));
    const redisNodes = redisShards * (1 + a.redisReplicasPerShard);
    const cacheCost = [
      line(
        `ElastiCache ${p.cacheNode.nodeType} node-hours`,
        redisNodes * prices.hoursPerMonth,
        'node-hour',
        p.cacheNode.usd * m,
      ),
    ];

    // CloudFront: one request per segment per viewer, plus the API it fronts; video at the bitrate.
    const segmentRequestsPerSecond = peak / a.segmentSeconds;
    const edgeRequests = segmentRequestsPerSecond + apiRequestsPerSecond;
    const transferGb = (monthly(peak) * a.bitrateMbps * 1e6) / 8 / GB;
    const edge = prices.cloudFront[pricing.edge];
    const transferCost = tieredCost(transferGb, edge.transferOut.tiers);
    const edgeCost = [
      line(
        'CloudFront data transfer out',
        transferGb,
        'GB',
        transferGb > 0 ? transferCost / transferGb : 0,
        transferCost,
      ),
      // Priced per 10,000; counted in millions like every other request line.
      line(
        'CloudFront HTTPS requests',
        monthly(edgeRequests) / 1e6,
        'million requests',
        edge.httpsRequestsPer10k.usd * 100,
      ),
    ];

    raw.records += recordsPerSecond;
    raw.edgeRequests += edgeRequests;
    const cost = [...kinesisCost, ...ddbCost, ...computeCost, ...cacheCost, ...edgeCost];
    const sum = (lines: CostLine[]) => round(lines.reduce((x, l) => x + l.monthlyCost, 0));
    return {
      region,
      share: round(share, 6),
      peakConcurrentViewers: round(peak),
      kinesis: {
        recordsPerSecond: round(recordsPerSecond),
        bytesPerSecond: round(bytesPerSecond),
        shardsByRecords: round(needs.records),
        shardsByWriteBytes: round(needs['write-bytes']),
        shardsByReadBytes: round(needs['read-bytes']),
        boundBy,
        provisionedShards,
        consumers,
        provisionedMonthlyCost: sum(kinesisCost),
        onDemandMonthlyCost: sum(onDemandCost),
        onDemandCost,
      },
      dynamodb: { platform, userState, hottestKey },
      lambda: {
        workers,
        api: { requestsPerSecond: round(apiRequestsPerSecond), concurrency: apiConcurrency },
        total: lambdaTotal,
        quota: AWS_LIMITS.lambdaConcurrencyQuota,
      },
      redis: {
        dataBytes: round(dataBytes, 0),
        memoryGiB: round(memoryGiB),
        nodeType: p.cacheNode.nodeType,
        shards: redisShards,
        nodes: redisNodes,
      },
      cloudFront: {
        edge: pricing.edge,
        segmentRequestsPerSecond: round(segmentRequestsPerSecond),
        apiRequestsPerSecond: round(apiRequestsPerSecond),
        requestsPerSecond: round(edgeRequests),
        peakGbps: round((peak * a.bitrateMbps) / 1000),
        monthlyTransferGb: round(transferGb),
      },
      cost,
      monthlyCost: sum(cost),
    };
  });

  const total = (pick: (r: RegionPlan) => number, digits = 2) =>
    round(
      regions.reduce((x, r) => x + pick(r), 0),
      digits,
    );
  return {
    version: 1,
    input: {
      viewers: request.viewers,
      peakConcurrency: request.peakConcurrency,
      eventsPerViewerMinute: request.eventsPerViewerMinute,
      regions: request.regions,
      regionShare: Object.fromEntries(Object.entries(regionShare).map(([r, s]) => [r, round(s, 6)])),
      counterShards,
    },
    assumptions: a,
    limits: AWS_LIMITS,
    prices: {
      version: prices.version,
      currency: prices.currency,
      asOf: prices.asOf,
      baseRegion: prices.baseRegion,
      hoursPerMonth: prices.hoursPerMonth,
    },
    regions,
    totals: {
      peakConcurrentViewers: request.peakConcurrency,
      recordsPerSecond: round(raw.records),
      provisionedShards: total((r) => r.kinesis.provisionedShards, 0),
      platformWcu: total((r) => r.dynamodb.platform.wcu, 0),
      userStateWcu: total((r) => r.dynamodb.userState.wcu, 0),
      lambdaConcurrency: total((r) => r.lambda.total, 0),
      redisNodes: total((r) => r.redis.nodes, 0),
      cloudFrontRequestsPerSecond: round(raw.edgeRequests),
      peakGbps: round((request.peakConcurrency * a.bitrateMbps) / 1000),
      monthlyCost: total((r) => r.monthlyCost),
      monthlyCostWithOnDemandStreams: total(
        (r) => r.monthlyCost - r.kinesis.provisionedMonthlyCost + r.kinesis.onDemandMonthlyCost,
      ),
    },
    infraCapacity: {
      streamShards: Object.fromEntries(regions.map((r) => [r.region, r.kinesis.provisionedShards])),
      apiProvisionedConcurrency: Object.fromEntries(regions.map((r) => [r.region, r.lambda.api.concurrency])),
    },
    warnings,
  };
}
