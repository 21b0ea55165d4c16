/**
 * What the capacity planner takes for granted: the AWS limits its math
 * stands on (facts of the services, not tunables) and the assumptions about
 * how viewers and the platform behave (one typed object, every field
 * overridable). A plan prints both, so a reader can check each number.
 */
import { z } from 'zod';

/**
 * The AWS service limits the plan divides by. Each is a documented default
 * of the service; none is an estimate.
 *
 * @example
 * ```ts
 * AWS_LIMITS.kinesisShardWriteRecordsPerSecond; // 1000
 * ```
 */
export const AWS_LIMITS = {
  /** A Kinesis shard takes at most 1,000 records a second on the write side... */
  kinesisShardWriteRecordsPerSecond: 1000,
  /** ...and at most 1 MiB a second of writes, whichever runs out first. */
  kinesisShardWriteBytesPerSecond: 1024 * 1024,
  /**
   * A shard serves 2 MiB a second of reads, and every standard (shared-throughput) consumer reads all of
   * it: four workers on one stream read each byte four times out of the same 2 MiB.
   */
  kinesisShardReadBytesPerSecond: 2 * 1024 * 1024,
  /** Lambda's Kinesis event source reads one shard with at most 10 concurrent batches (its parallelization factor). */
  kinesisMaxParallelizationFactor: 10,
  /** Kinesis shards an account may have in a Region by default: 500 in the largest Regions, 200 elsewhere. */
  kinesisDefaultShardQuota: { 'us-east-1': 500, 'us-west-2': 500, 'eu-west-1': 500, other: 200 } as Record<
    string,
    number
  >,
  /** One DynamoDB partition absorbs at most 1,000 write units a second... */
  dynamodbPartitionWcuPerSecond: 1000,
  /** ...and at most 3,000 read units a second. */
  dynamodbPartitionRcuPerSecond: 3000,
  /** A write unit is one write of an item up to 1 KB. */
  dynamodbWriteUnitBytes: 1024,
  /** A read unit is one strongly consistent read of up to 4 KB, or two eventually consistent ones. */
  dynamodbReadUnitBytes: 4096,
  /** Concurrent Lambda executions an account gets in a Region by default; more needs a quota increase. */
  lambdaConcurrencyQuota: 1000,
} as const;

/** The AWS limits the planner uses: the type of {@link AWS_LIMITS}. */
export type AwsLimits = typeof AWS_LIMITS;

const positive = z.number().positive();
const share = z.number().min(0).max(1);

/**
 * The assumptions of a plan, validated: every field has a default in
 * {@link CAPACITY_DEFAULTS} and may be overridden.
 */
export const CapacityAssumptionsSchema = z
  .object({
    /** Bytes of one engagement event on the stream (JSON body plus partition key). */
    eventBytes: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024),
    /** Provisioned shards are the need times this, so a burst does not throttle producers. */
    shardHeadroom: z.number().min(1).max(10),
    /** Concurrent batches per shard of each worker's event source mapping (infra's `WORKER_MAPPING`). */
    parallelizationFactor: z.number().int().min(1).max(10),
    /** Records per worker invocation (infra's `WORKER_MAPPING.batchSize`). */
    workerBatchSize: z.number().int().min(1).max(10_000),
    /** Worker processing time per record, in ms. */
    workerMsPerRecord: positive,
    /** Memory of each worker function, in MB. */
    workerMemoryMb: z.number().int().min(128).max(10_240),
    /** API requests per concurrent viewer per minute besides heartbeats: home pages, titles, playback grants, event batches. */
    apiCallsPerViewerMinute: z.number().min(0),
    /** A playing session's heartbeat (`PUT /v1/sessions/:id`): one API request and one user-state write. */
    heartbeatSeconds: positive,
    /** Mean duration of one API request on Lambda, in ms. */
    apiDurationMs: positive,
    /** Memory of the API function, in MB. */
    apiMemoryMb: z.number().int().min(128).max(10_240),
    /** Share of events that carry a taste signal and update the models (plays, completes, likes, list changes, long watches). */
    signalShare: share,
    /**
     * Writes per signal of the viewer's own models: the taste item, two genres, the profile version.
     * The models live in the user-state global table now (the name is kept: it is part of the plan's
     * stable shape and of `--assume`), so these writes are replicated to every Region.
     */
    platformWritesPerSignal: z.number().min(0),
    /**
     * Writes to the Region's platform table per engagement record and worker that processes it:
     * the idempotency ledger's claim (a conditional put) and its completion (an update), each
     * under 1 KB (the entries expire by TTL, which costs nothing).
     */
    ledgerWritesPerRecord: z.number().min(0),
    /**
     * Distinct titles among the signals of one signals-worker batch: popularity is written once per
     * title and batch (in the country and in ALL), not once per signal. A premiere makes it small.
     */
    titlesPerSignalBatch: z.number().min(1),
    /** Home pages a concurrent viewer opens per minute. */
    homePagesPerViewerMinute: z.number().min(0),
    /** Share of home pages answered from Redis without reading the models. */
    homeCacheHitRatio: share,
    /**
     * Eventually consistent model reads (≤ 4 KB) to build one home page, from the Region's replica of
     * the user-state table where the models live now (the name is kept, as above).
     */
    platformReadsPerHomeBuild: z.number().min(0),
    /** Eventually consistent user-state reads (≤ 4 KB) per API request (session, entitlement, resume position). */
    userStateReadsPerApiCall: z.number().min(0),
    /** Resume-position writes per concurrent viewer per minute (the watch-state worker). */
    progressWritesPerViewerMinute: z.number().min(0),
    /** Watchlist changes per concurrent viewer per minute. */
    watchlistWritesPerViewerMinute: z.number().min(0),
    /** Redis bytes of one playback session. */
    sessionBytes: z.number().int().min(0),
    /** Redis bytes of one viewer's cached home page. */
    homePageBytes: z.number().int().min(0),
    /** Redis memory per byte of data (keys, hash tables, fragmentation). */
    redisOverhead: z.number().min(1).max(5),
    /** Share of a node's memory Redis keeps for itself (ElastiCache's reserved memory, 25 % by default). */
    redisReservedShare: z.number().min(0).max(0.9),
    /** Read replicas per Redis shard. */
    redisReplicasPerShard: z.number().int().min(0).max(5),
    /** Seconds of video per segment: one CDN request each (HLS, 6 s by default). */
    segmentSeconds: z.number().min(1).max(60),
    /** Average delivered bitrate, in Mbit/s. */
    bitrateMbps: z.number().positive().max(200),
    /** Average concurrency over a month as a share of the peak: usage-billed items are costed at it. */
    averageToPeakRatio: z.number().positive().max(1),
  })
  .strict();

/** The assumptions of a plan. */
export type CapacityAssumptions = z.infer<typeof CapacityAssumptionsSchema>;

/**
 * The default assumptions. Each one is printed with the plan; override any
 * of them with `assumptions` (SDK) or `--assume key=value` (CLI).
 *
 * @example
 * ```ts
 * planCapacity({ ...input, assumptions: { ...CAPACITY_DEFAULTS, bitrateMbps: 8 } });
 * ```
 */
export const CAPACITY_DEFAULTS: Readonly<CapacityAssumptions> = Object.freeze({
  eventBytes: 600,
  shardHeadroom: 1.25,
  parallelizationFactor: 2,
  workerBatchSize: 100,
  workerMsPerRecord: 2,
  workerMemoryMb: 512,
  apiCallsPerViewerMinute: 2,
  heartbeatSeconds: 30,
  apiDurationMs: 20,
  apiMemoryMb: 1024,
  signalShare: 0.5,
  platformWritesPerSignal: 4,
  ledgerWritesPerRecord: 2,
  titlesPerSignalBatch: 20,
  homePagesPerViewerMinute: 0.2,
  homeCacheHitRatio: 0.8,
  platformReadsPerHomeBuild: 10,
  userStateReadsPerApiCall: 1,
  progressWritesPerViewerMinute: 2,
  watchlistWritesPerViewerMinute: 0.1,
  sessionBytes: 1000,
  homePageBytes: 15_000,
  redisOverhead: 1.25,
  redisReservedShare: 0.25,
  redisReplicasPerShard: 1,
  segmentSeconds: 6,
  bitrateMbps: 5,
  averageToPeakRatio: 0.5,
});

/** The workers that consume the events stream, each a standard consumer with its own event source mapping. */
export const STREAM_WORKERS = ['watch-state', 'signals', 'qoe', 'search'] as const;

/**
 * The workers that process engagement events, each claiming every engagement record in the
 * idempotency ledger (the search worker reads catalog events only).
 */
export const ENGAGEMENT_WORKERS = ['watch-state', 'signals', 'qoe'] as const satisfies readonly StreamWorker[];

/** One of {@link STREAM_WORKERS}. */
export type StreamWorker = (typeof STREAM_WORKERS)[number];
