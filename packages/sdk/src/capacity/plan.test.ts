/**
 * The capacity planner against plans worked out by hand. Every expected
 * number below is written out with its arithmetic, from the defaults
 * (CAPACITY_DEFAULTS) and the committed price table (PRICE_TABLE, us-east-1
 * multiplier 1, eu-west-1 1.1). A month is 730 h = 2,628,000 s; usage-billed
 * items run at half the peak (averageToPeakRatio 0.5). 1 GB = 2^30 bytes.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, ValidationError } from '../errors/index.js';
import {
  AWS_LIMITS,
  CAPACITY_DEFAULTS,
  type CapacityInput,
  type CapacityPlan,
  PRICE_TABLE,
  planCapacity,
  type RegionPlan,
  tieredCost,
} from './index.js';

const costOf = (region: RegionPlan, item: string) => {
  const line = region.cost.find((l) => l.item === item);
  if (!line) throw new Error(`no cost line ${item}`);
  return line;
};
const regionOf = (plan: CapacityPlan, name: string) => {
  const region = plan.regions.find((r) => r.region === name);
  if (!region) throw new Error(`no Region ${name}`);
  return region;
};

describe('a 1M-viewer plan in one Region (250k concurrent, 6 events a minute)', () => {
  const plan = planCapacity({
    viewers: 1_000_000,
    peakConcurrency: 250_000,
    eventsPerViewerMinute: 6,
    regions: ['us-east-1'],
  });
  const r = regionOf(plan, 'us-east-1');

  it('sizes the stream by its tightest limit, with headroom', () => {
    // 250,000 concurrent × 6 events/min ÷ 60 = 25,000 records/s → 25,000 ÷ 1,000 = 25 shards by records.
    // × 600 bytes = 15,000,000 B/s → ÷ 1,048,576 (1 MiB) = 14.31 shards by write bytes.
    // 4 standard consumers read every byte: 60,000,000 B/s ÷ 2,097,152 (2 MiB) = 28.61 shards by reads.
    // The reads bind: 28.61 × 1.25 headroom = 35.76 → 36 shards.
    expect(r.kinesis).toMatchObject({
      recordsPerSecond: 25_000,
      bytesPerSecond: 15_000_000,
      shardsByRecords: 25,
      shardsByWriteBytes: 14.31,
      shardsByReadBytes: 28.61,
      boundBy: 'read-bytes',
      provisionedShards: 36,
      consumers: 4,
    });
  });

  it('is bound by records when events are small (the 32 shards of 25,000 records/s)', () => {
    // 200-byte events: reads are 25,000 × 200 × 4 ÷ 2,097,152 = 9.54 shards, writes 4.77; records still 25.
    // 25 × 1.25 = 31.25 → 32 shards.
    const small = planCapacity({
      viewers: 1_000_000,
      peakConcurrency: 250_000,
      eventsPerViewerMinute: 6,
      regions: ['us-east-1'],
      assumptions: { eventBytes: 200 },
    });
    expect(small.regions[0]?.kinesis).toMatchObject({ boundBy: 'records', provisionedShards: 32 });
  });

  it('counts DynamoDB units per table and the hottest key per sub-key', () => {
    // The models live in the user-state table; the platform table holds the idempotency ledger:
    // 25,000 records/s × 3 engagement workers × 2 (claim, completion) = 150,000 writes/s, no reads.
    expect(r.dynamodb.platform).toEqual({
      table: 'platform',
      localWritesPerSecond: 150_000,
      replicatedWritesPerSecond: 0,
      wcu: 150_000,
      readsPerSecond: 0,
      rcu: 0,
    });
    // User state, watch state: 250,000 × (1/30 heartbeat + (2 progress + 0.1 watchlist) ÷ 60) = 17,083.33 writes/s.
    // Models: 25,000 records/s × 0.5 signal share = 12,500 signals/s × 4 writes of the viewer's own = 50,000;
    // popularity is summed per signals batch: 25,000 ÷ 100 = 250 batches/s × min(100 × 0.5, 20) = 20 titles =
    // 5,000 writes/s per counter (fewer than 12,500 signals), in the country and in ALL: 10,000. 60,000 model writes.
    // 17,083.33 + 60,000 = 77,083.33 writes/s → 77,084 WCU; one Region, nothing replicated.
    // Reads: one per API request, 16,666.67/s, and the home builds' model reads: 250,000 × 0.2 home pages/min
    // ÷ 60 × (1 − 0.8 cache hits) × 10 reads = 1,666.67/s; 18,333.33/s, eventual: ÷ 2 = 9,166.67 → 9,167 RCU.
    expect(r.dynamodb.userState).toEqual({
      table: 'user-state',
      localWritesPerSecond: 77_083.33,
      replicatedWritesPerSecond: 0,
      wcu: 77_084,
      readsPerSecond: 18_333.33,
      rcu: 9167,
    });
    // POP#us-east-1#ALL takes 5,000 writes/s = 5,000 ÷ 77,083.33 = 6.49 % of the Region's user-state writes; each
    // batch writes its shard's sub-key, and the 36 shards use all 8 default sub-keys: 625/s each, 62.5 % of a
    // partition's 1,000 WCU/s; 5,000 ÷ 1,000 → at least 5 sub-keys.
    expect(r.dynamodb.hottestKey).toEqual({
      key: 'POP#us-east-1#ALL',
      shareOfWrites: 0.0649,
      writesPerSecond: 5000,
      subKeys: 8,
      writesPerSubKeyPerSecond: 625,
      partitionLimit: 1000,
      utilization: 0.625,
      minSubKeys: 5,
    });
  });

  it('gives each worker a concurrent invocation per shard and slot, and the API requests × duration', () => {
    // Workers: 36 shards × parallelization 2 = 72 each; signals one batch per shard, 36: 252.
    // API: 250,000 × (2 calls + 2 heartbeats) ÷ 60 = 16,666.67 req/s × 0.020 s = 333.3 → 334. Total 586 ≤ 1,000.
    expect(r.lambda.workers).toEqual([
      { worker: 'watch-state', concurrency: 72 },
      { worker: 'signals', concurrency: 36 },
      { worker: 'qoe', concurrency: 72 },
      { worker: 'search', concurrency: 72 },
    ]);
    expect(r.lambda.api).toEqual({ requestsPerSecond: 16_666.67, concurrency: 334 });
    expect(r.lambda.total).toBe(586);
    expect(plan.warnings).toEqual([]);
  });

  it('sizes Redis and the edge', () => {
    // 250,000 × (1,000 session + 15,000 home page) bytes = 4 GB × 1.25 overhead = 4.66 GiB; a node keeps
    // 26.32 × 0.75 = 19.74 GiB → 1 shard, with its replica 2 nodes.
    expect(r.redis).toEqual({
      dataBytes: 4_000_000_000,
      memoryGiB: 4.66,
      nodeType: 'cache.r7g.xlarge',
      shards: 1,
      nodes: 2,
    });
    // 250,000 ÷ 6 s segments = 41,666.67 req/s + 16,666.67 API = 58,333.33; 250,000 × 5 Mbps = 1,250 Gbit/s.
    // Month: 125,000 × 625,000 B/s × 2,628,000 s ÷ 2^30 = 191,212,166.1 GB.
    expect(r.cloudFront).toEqual({
      edge: 'north-america',
      segmentRequestsPerSecond: 41_666.67,
      apiRequestsPerSecond: 16_666.67,
      requestsPerSecond: 58_333.33,
      peakGbps: 1250,
      monthlyTransferGb: 191_212_166.1,
    });
  });

  it('costs every line from the price table', () => {
    const cost = (item: string) => costOf(r, item).monthlyCost;
    // 36 shards × 730 h = 26,280 shard-hours × $0.015 = $394.20.
    expect(costOf(r, 'Kinesis shard-hours')).toEqual({
      item: 'Kinesis shard-hours',
      quantity: 26_280,
      unit: 'shard-hour',
      unitPrice: 0.015,
      monthlyCost: 394.2,
    });
    // 12,500 records/s × 2,628,000 s = 32,850 M records, one 25 KB unit each × $0.014 = $459.90.
    expect(cost('Kinesis PUT payload units')).toBe(459.9);
    // The ledger: 150,000 writes/s × 0.5 × 2,628,000 = 197,100 M WRU × $0.625 = $123,187.50; no reads.
    expect(cost('DynamoDB platform writes')).toBe(123_187.5);
    expect(cost('DynamoDB platform reads')).toBe(0);
    // 38,541.67 writes/s × 2,628,000 = 101,287.5 M × $0.625 = $63,304.69; no other Region replicates in.
    expect(cost('DynamoDB user-state writes')).toBe(63_304.69);
    expect(cost('DynamoDB user-state replicated writes')).toBe(0);
    // 4,583.33 RRU/s × 2,628,000 = 12,045 M × $0.125 = $1,505.625.
    expect(cost('DynamoDB user-state reads')).toBeCloseTo(1505.63, 1);
    // API: 8,333.33 req/s × 0.02 s × 1 GB × 2,628,000 = 438,000,000 GB-s × $0.0000133334 = $5,840.03.
    expect(cost('Lambda API GB-seconds')).toBe(5840.03);
    // Workers: 12,500 records/s × 4 × 0.002 s × 0.5 GB × 2,628,000 = 131,400,000 GB-s → $1,752.01.
    expect(cost('Lambda worker GB-seconds')).toBe(1752.01);
    // Requests: 21,900 M API + 12,500 × 4 ÷ 100 batch × 2,628,000 = 1,314 M worker = 23,214 M × $0.20 = $4,642.80.
    expect(cost('Lambda requests')).toBe(4642.8);
    // HTTP API: 300 M × $1.00 + 21,600 M × $0.90 = $19,740.
    expect(cost('HTTP API requests')).toBe(19_740);
    // 2 nodes × 730 h × $0.437 = $638.02.
    expect(cost('ElastiCache cache.r7g.xlarge node-hours')).toBe(638.02);
    // The first 5 PB by tier: 10,240 × 0.085 + 40,960 × 0.08 + 102,400 × 0.06 + 358,400 × 0.04 + 536,576 × 0.03
    // + 4,194,304 × 0.025 = $145,582.08; the other 185,969,286.1 GB × $0.02 = $3,719,385.72 → $3,864,967.80.
    expect(cost('CloudFront data transfer out')).toBe(3_864_967.8);
    // 29,166.67 req/s × 2,628,000 = 76,650 M requests × $0.01 per 10,000 = $76,650.
    expect(cost('CloudFront HTTPS requests')).toBe(76_650);
    // The lines' sum (4,039,895.08 before the ledger was counted, + 123,187.50).
    expect(r.monthlyCost).toBe(4_163_082.58);
    // Provisioned stream: $394.20 + $459.90 = $854.10. On-demand: 730 h × $0.04 = $29.20, 32,850 M records
    // billed as 1 KB each = 31,328.2 GB × $0.08 = $2,506.26 in, × 4 consumers × $0.04 = $5,012.51 out: $7,547.97.
    expect(r.kinesis.provisionedMonthlyCost).toBe(854.1);
    expect(r.kinesis.onDemandMonthlyCost).toBe(7547.97);
    expect(plan.totals.monthlyCostWithOnDemandStreams).toBe(4_169_776.45);
  });

  it('says what it assumed and which prices it used', () => {
    expect(plan.assumptions).toEqual(CAPACITY_DEFAULTS);
    expect(plan.limits).toBe(AWS_LIMITS);
    expect(plan.prices).toEqual({
      version: PRICE_TABLE.version,
      currency: 'USD',
      asOf: PRICE_TABLE.asOf,
      baseRegion: 'us-east-1',
      hoursPerMonth: 730,
    });
    expect(plan.input).toEqual({
      viewers: 1_000_000,
      peakConcurrency: 250_000,
      eventsPerViewerMinute: 6,
      regions: ['us-east-1'],
      regionShare: { 'us-east-1': 1 },
      counterShards: 8,
    });
  });
});

describe('a 50M-viewer plan in two Regions (12M concurrent, 75 % in us-east-1, 4 events a minute)', () => {
  const plan = planCapacity({
    viewers: 50_000_000,
    peakConcurrency: 12_000_000,
    eventsPerViewerMinute: 4,
    regions: ['us-east-1', 'eu-west-1'],
    regionShare: { 'us-east-1': 0.75, 'eu-west-1': 0.25 },
    counterShards: 64,
  });
  const us = regionOf(plan, 'us-east-1');
  const eu = regionOf(plan, 'eu-west-1');

  it('splits the peak by share and sizes each stream', () => {
    // us-east-1: 9,000,000 × 4 ÷ 60 = 600,000 records/s; × 600 B = 360 MB/s; reads × 4 ÷ 2 MiB = 686.65 shards
    // (records 600, write bytes 343.32) × 1.25 = 858.31 → 859.
    expect(us.peakConcurrentViewers).toBe(9_000_000);
    expect(us.kinesis).toMatchObject({
      recordsPerSecond: 600_000,
      shardsByRecords: 600,
      shardsByWriteBytes: 343.32,
      shardsByReadBytes: 686.65,
      provisionedShards: 859,
    });
    // eu-west-1: 3,000,000 × 4 ÷ 60 = 200,000 records/s; reads 228.88 shards × 1.25 = 286.1 → 287.
    expect(eu.kinesis).toMatchObject({ recordsPerSecond: 200_000, shardsByReadBytes: 228.88, provisionedShards: 287 });
    expect(plan.totals).toMatchObject({ peakConcurrentViewers: 12_000_000, recordsPerSecond: 800_000 });
    expect(plan.totals.provisionedShards).toBe(859 + 287);
    // What infra's `capacity` block takes: shards per Region, and the API's concurrency at the peak.
    expect(plan.infraCapacity).toEqual({
      streamShards: { 'us-east-1': 859, 'eu-west-1': 287 },
      apiProvisionedConcurrency: { 'us-east-1': 12_000, 'eu-west-1': 4000 },
    });
  });

  it('counts replicated user-state writes, the models included, in every Region', () => {
    // Watch state per concurrent viewer: 1/30 + 2.1/60 = 0.068333 writes/s: us-east-1 9M × that = 615,000/s,
    // eu-west-1 3M × that = 205,000/s.
    // Models, us-east-1: 600,000 records/s × 0.5 = 300,000 signals/s × 4 = 1,200,000; 6,000 batches/s × 20 titles
    // = 120,000 popularity writes per counter, × 2 = 240,000: 1,440,000/s. eu-west-1: 200,000 × 0.5 = 100,000 × 4
    // = 400,000; 2,000 batches/s × 20 = 40,000 × 2 = 80,000: 480,000/s.
    // us-east-1 makes 615,000 + 1,440,000 = 2,055,000/s, eu-west-1 205,000 + 480,000 = 685,000/s; each replica
    // takes both: 2,740,000 WCU in each Region, every write counted once per Region.
    expect(us.dynamodb.userState).toMatchObject({
      localWritesPerSecond: 2_055_000,
      replicatedWritesPerSecond: 685_000,
      wcu: 2_740_000,
      // 600,000 API req/s (9M × 4 ÷ 60), one read each, + 9M × 0.2 ÷ 60 × 0.2 × 10 = 60,000 home-build reads; ÷ 2.
      readsPerSecond: 660_000,
      rcu: 330_000,
    });
    expect(eu.dynamodb.userState).toMatchObject({
      localWritesPerSecond: 685_000,
      replicatedWritesPerSecond: 2_055_000,
      wcu: 2_740_000,
    });
    expect(plan.totals.userStateWcu).toBe(5_480_000);
    // The platform tables (one per Region) take none of it, only their own Region's ledger:
    // us-east-1 600,000 records/s × 3 workers × 2 = 3,600,000; eu-west-1 200,000 × 3 × 2 = 1,200,000.
    expect(us.dynamodb.platform).toMatchObject({ wcu: 3_600_000, replicatedWritesPerSecond: 0 });
    expect(eu.dynamodb.platform).toMatchObject({ wcu: 1_200_000, replicatedWritesPerSecond: 0 });
    expect(plan.totals.platformWcu).toBe(4_800_000);
  });

  it('finds the hottest key over the partition limit even spread 64 ways', () => {
    // us-east-1: 6,000 batches/s × 20 titles = 120,000 popularity writes per counter (above): POP#us-east-1#ALL
    // takes 120,000 of the Region's 2,055,000 user-state writes/s (5.84 %); ÷ 64 = 1,875/s per sub-key, 187.5 % of
    // 1,000; 120,000 ÷ 1,000 → 120 sub-keys at least. Replicas hold each Region's counter under its own key.
    expect(us.dynamodb.hottestKey).toMatchObject({
      key: 'POP#us-east-1#ALL',
      shareOfWrites: 0.0584,
      writesPerSecond: 120_000,
      subKeys: 64,
      writesPerSubKeyPerSecond: 1875,
      utilization: 1.875,
      minSubKeys: 120,
    });
    // eu-west-1: 2,000 batches/s × 20 = 40,000 ÷ 64 = 625/s per sub-key, under the limit; 40 sub-keys would do.
    expect(eu.dynamodb.hottestKey).toMatchObject({
      key: 'POP#eu-west-1#ALL',
      writesPerSubKeyPerSecond: 625,
      minSubKeys: 40,
    });
  });

  it('needs more Lambda concurrency than the default quota, and says to ask for it', () => {
    // us-east-1: 859 × 2 = 1,718 per worker × 3 + 859 signals = 6,013; API 600,000 × 0.02 = 12,000; total 18,013.
    expect(us.lambda.workers[0]).toEqual({ worker: 'watch-state', concurrency: 1718 });
    expect(us.lambda.workers[1]).toEqual({ worker: 'signals', concurrency: 859 });
    expect(us.lambda.api.concurrency).toBe(12_000);
    expect(us.lambda.total).toBe(18_013);
    // eu-west-1: 287 × 2 × 3 + 287 = 2,009 + 200,000 × 0.02 = 4,000 → 6,009.
    expect(eu.lambda.total).toBe(6009);
    expect(plan.totals.lambdaConcurrency).toBe(24_022);
    expect(plan.warnings).toEqual([
      {
        code: 'KINESIS_SHARD_QUOTA',
        region: 'us-east-1',
        message:
          '859 shards is over the default quota of 500 shards in us-east-1: request a Kinesis shard quota increase',
      },
      {
        code: 'HOT_KEY',
        region: 'us-east-1',
        message:
          'popularity counter POP#us-east-1#ALL takes 1,875 writes/s per sub-key over 64 sub-keys, over the 1,000 WCU/s of one partition: spread it over at least 120 sub-keys (counterShards)',
      },
      {
        code: 'LAMBDA_CONCURRENCY_QUOTA',
        region: 'us-east-1',
        // 18,013 × 1.2 = 21,615.6 → rounded up to the hundred.
        message:
          '18,013 concurrent Lambda executions is over the default quota of 1,000 in us-east-1: request a Lambda concurrency quota increase to at least 21,700',
      },
      {
        code: 'LAMBDA_CONCURRENCY_QUOTA',
        region: 'eu-west-1',
        // 6,009 × 1.2 = 7,210.8 → 7,300.
        message:
          '6,009 concurrent Lambda executions is over the default quota of 1,000 in eu-west-1: request a Lambda concurrency quota increase to at least 7,300',
      },
    ]);
  });

  it('sizes Redis per Region', () => {
    // us-east-1: 9M × 16,000 B = 144 GB × 1.25 = 167.64 GiB ÷ 19.74 usable = 8.49 → 9 shards, 18 nodes.
    // eu-west-1: 3M × 16,000 B = 48 GB × 1.25 = 55.88 GiB ÷ 19.74 = 2.83 → 3 shards, 6 nodes.
    expect(us.redis).toMatchObject({ memoryGiB: 167.64, shards: 9, nodes: 18 });
    expect(eu.redis).toMatchObject({ memoryGiB: 55.88, shards: 3, nodes: 6 });
    expect(plan.totals.redisNodes).toBe(24);
  });

  it('costs each Region with its own prices', () => {
    // us-east-1 user-state writes: 2,055,000 × 0.5 = 1,027,500/s × 2,628,000 = 2,700,270 M WRU × $0.625
    // = $1,687,668.75; replicated in from eu-west-1: 342,500/s × 2,628,000 = 900,090 M rWRU × $0.625 = $562,556.25.
    expect(costOf(us, 'DynamoDB user-state writes').monthlyCost).toBe(1_687_668.75);
    expect(costOf(us, 'DynamoDB user-state replicated writes').monthlyCost).toBe(562_556.25);
    // us-east-1 ledger: 3,600,000 × 0.5 = 1,800,000/s × 2,628,000 = 4,730,400 M WRU × $0.625 = $2,956,500.
    expect(costOf(us, 'DynamoDB platform writes').monthlyCost).toBe(2_956_500);
    // us-east-1 API: 300,000 req/s × 0.02 s × 1 GB × 2,628,000 = 15,768,000,000 GB-s × $0.0000133334 = $210,241.05.
    expect(costOf(us, 'Lambda API GB-seconds').monthlyCost).toBe(210_241.05);
    // HTTP API: 300,000 × 2,628,000 = 788,400 M: 300 × $1.00 + 788,100 × $0.90 = $709,590.
    expect(costOf(us, 'HTTP API requests').monthlyCost).toBe(709_590);
    // us-east-1 edge requests: (1,500,000 segments + 600,000 API) × 0.5 × 2,628,000 = 2,759,400 M × $1 per M.
    expect(costOf(us, 'CloudFront HTTPS requests').monthlyCost).toBe(2_759_400);
    // eu-west-1 at 1.1 × us-east-1: 287 shards × 730 h × $0.0165 = $3,456.915.
    expect(costOf(eu, 'Kinesis shard-hours').unitPrice).toBeCloseTo(0.0165, 10);
    expect(costOf(eu, 'Kinesis shard-hours').monthlyCost).toBeCloseTo(3456.92, 1);
    // Replicated in from us-east-1: 1,027,500/s × 2,628,000 = 2,700,270 M rWRU × $0.6875 = $1,856,435.625.
    expect(costOf(eu, 'DynamoDB user-state replicated writes').monthlyCost).toBeCloseTo(1_856_435.63, 1);
    // eu-west-1 video: 1.5M × 625,000 B/s × 2,628,000 s ÷ 2^30 = 2,294,545,993.21 GB: $145,582.08 for the first
    // 5 PB + 2,289,303,113.21 × $0.02 = $45,931,644.34 (Europe's tiers match North America's).
    expect(eu.cloudFront.monthlyTransferGb).toBeCloseTo(2_294_545_993.21, 1);
    expect(costOf(eu, 'CloudFront data transfer out').monthlyCost).toBeCloseTo(45_931_644.34, 1);
    // Totals are the Regions' sums.
    expect(plan.totals.monthlyCost).toBeCloseTo(us.monthlyCost + eu.monthlyCost, 2);
  });
});

describe('Region shares', () => {
  it('split evenly when not given', () => {
    const plan = planCapacity({
      viewers: 300,
      peakConcurrency: 300,
      eventsPerViewerMinute: 1,
      regions: ['us-east-1', 'eu-west-1', 'ap-northeast-1'],
    });
    expect(plan.regions.map((r) => r.peakConcurrentViewers)).toEqual([100, 100, 100]);
    expect(plan.regions.map((r) => r.cloudFront.edge)).toEqual(['north-america', 'europe', 'japan']);
  });

  it('price a Region the table does not know as the base Region, and say so', () => {
    const plan = planCapacity({ viewers: 10, peakConcurrency: 10, eventsPerViewerMinute: 1, regions: ['sa-east-1'] });
    expect(plan.warnings).toContainEqual({
      code: 'UNPRICED_REGION',
      region: 'sa-east-1',
      message: `price table ${PRICE_TABLE.version} has no prices for sa-east-1: us-east-1's stand in; add sa-east-1 to the table`,
    });
    expect(costOf(plan.regions[0] as RegionPlan, 'Kinesis shard-hours').unitPrice).toBe(0.015);
  });
});

describe('invalid input is a ValidationError naming each field', () => {
  const base: CapacityInput = {
    viewers: 1_000_000,
    peakConcurrency: 250_000,
    eventsPerViewerMinute: 6,
    regions: ['us-east-1', 'eu-west-1'],
  };
  it.each<[string, Partial<CapacityInput>, string, RegExp]>([
    ['more concurrent viewers than viewers', { peakConcurrency: 2_000_000 }, 'peakConcurrency', /more than the/],
    ['negative viewers', { viewers: -5 }, 'viewers', /above 0/],
    ['fractional viewers', { viewers: 10.5 }, 'viewers', /whole number/],
    ['no events', { eventsPerViewerMinute: 0 }, 'eventsPerViewerMinute', /above 0/],
    ['a made-up Region', { regions: ['us-east-1', 'moon-1'] }, 'regions.1', /"moon-1" is not an AWS Region/],
    ['a Region twice', { regions: ['us-east-1', 'us-east-1'] }, 'regions', /listed twice/],
    ['no Region', { regions: [] }, 'regions', /at least one Region/],
    [
      'shares that do not sum to 1',
      { regionShare: { 'us-east-1': 0.5, 'eu-west-1': 0.4 } },
      'regionShare',
      /sum to 0\.9, not 1/,
    ],
    ['a Region without a share', { regionShare: { 'us-east-1': 1 } }, 'regionShare.eu-west-1', /no share/],
    [
      'a share for another Region',
      { regionShare: { 'us-east-1': 0.5, 'eu-west-1': 0.25, 'us-west-2': 0.25 } },
      'regionShare.us-west-2',
      /not one of the Regions/,
    ],
    ['zero counter shards', { counterShards: 0 }, 'counterShards', /at least 1/],
    ['an impossible bitrate', { assumptions: { bitrateMbps: -1 } }, 'assumptions.bitrateMbps', /./],
    ['an unknown assumption', { assumptions: { foo: 1 } as never }, 'assumptions', /foo/],
  ])('%s', (_name, change, path, message) => {
    let error: unknown;
    try {
      planCapacity({ ...base, ...change });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const validation = error as ValidationError;
    expect(validation.code).toBe(ErrorCode.ValidationFailed);
    const issue = validation.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(validation.issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it('accepts shares that sum to 1 within rounding', () => {
    const plan = planCapacity({
      ...base,
      regions: ['us-east-1', 'eu-west-1', 'ap-northeast-1'],
      regionShare: { 'us-east-1': 0.1, 'eu-west-1': 0.2, 'ap-northeast-1': 0.7 },
    });
    expect(plan.input.regionShare).toEqual({ 'us-east-1': 0.1, 'eu-west-1': 0.2, 'ap-northeast-1': 0.7 });
  });
});

describe('the price table', () => {
  it('is versioned and dated, and prices every edge a Region names', () => {
    expect(PRICE_TABLE.currency).toBe('USD');
    expect(PRICE_TABLE.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICE_TABLE.version).not.toBe('');
    for (const region of Object.values(PRICE_TABLE.regions)) expect(PRICE_TABLE.cloudFront[region.edge]).toBeDefined();
    for (const price of Object.values(PRICE_TABLE.regional))
      if ('source' in price) expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });

  it('prices tiered volume tier by tier', () => {
    const tiers = PRICE_TABLE.cloudFront['north-america'].transferOut.tiers;
    // 20,480 GB: 10,240 × $0.085 + 10,240 × $0.08 = $870.40 + $819.20.
    expect(tieredCost(20_480, tiers)).toBeCloseTo(1689.6, 6);
    expect(tieredCost(0, tiers)).toBe(0);
  });
});
