/**
 * The platform's tables, streams and buckets, defined once as plain data.
 * `streamctl dev` creates them from these definitions and the CDK app deploys
 * them from the same definitions, so local and AWS cannot drift.
 */
import type { ResourceNames } from '../config/index.js';

/** A DynamoDB key attribute. */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N' | 'B';
}

/** A global secondary index. */
export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** `ALL` copies every attribute; `KEYS_ONLY` only the keys. */
  projection: 'ALL' | 'KEYS_ONLY';
}

/** One table of the platform. */
export interface TableDefinition {
  /** Which entry of {@link ResourceNames} holds its physical name. */
  nameKey: 'catalogTable' | 'userStateTable' | 'platformTable' | 'controlTable';
  description: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry; TTL is set by the CDK app, never at run time. */
  ttlAttribute?: string;
  /** A DynamoDB global table with a replica in every Region of the stage. */
  globalTable: boolean;
  /** Point-in-time recovery in AWS. */
  pointInTimeRecovery: boolean;
  /**
   * `STRONG`: the global table uses multi-Region strong consistency (MRSC), so a conditional
   * write is checked against every Region's replica, not only the local one. Absent: the
   * default multi-Region eventual consistency, where concurrent writes in two Regions are
   * settled by last writer wins. MRSC needs three Regions, or two plus a witness Region,
   * all in one Region set (US, EU or AP).
   */
  multiRegionConsistency?: 'STRONG';
}

/** One Kinesis data stream. */
export interface StreamDefinition {
  nameKey: 'eventsStream';
  description: string;
  /** Shards of the local stream and of a provisioned AWS stream. */
  shardCount: number;
  /** ON_DEMAND in AWS unless configured otherwise. */
  mode: 'ON_DEMAND' | 'PROVISIONED';
  retentionHours: number;
}

/** One S3 bucket. */
export interface BucketDefinition {
  nameKey: 'rawBucket' | 'cdnBucket';
  description: string;
  /** Served to viewers through the CDN (origin access control in AWS). */
  servedByCdn: boolean;
}

const PK: KeyAttribute = { name: 'PK', type: 'S' };
const SK: KeyAttribute = { name: 'SK', type: 'S' };

/**
 * The catalog: one table, single-table keys.
 * `PK = VIDEO#<id>` with `SK = METADATA`, `SEASON#<n>`, `EPISODE#S01E01`,
 * `RENDITION#<name>`, `AVAILABILITY#<country>`; GSIs browse by genre and by country.
 */
export const catalogTable: TableDefinition = {
  nameKey: 'catalogTable',
  description: 'Titles, seasons, episodes, renditions and availability windows (single-table design).',
  partitionKey: PK,
  sortKey: SK,
  globalSecondaryIndexes: [
    {
      indexName: 'byGenre',
      partitionKey: { name: 'GSI1PK', type: 'S' },
      sortKey: { name: 'GSI1SK', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: 'byCountry',
      partitionKey: { name: 'GSI2PK', type: 'S' },
      sortKey: { name: 'GSI2SK', type: 'S' },
      projection: 'ALL',
    },
  ],
  globalTable: true,
  pointInTimeRecovery: true,
};

/**
 * Region-local user state, replicated as a global table: `PK = USER#<id>`
 * with `SK = WATCHLIST#…`, `PROGRESS#…`, `HISTORY#<yyyy-mm>#…`; the
 * recommendation models, every row naming the Region that writes it
 * (`UPROF#<id>`, `POP#<region>#…`, `ITEM#<region>#…`, `CO#<region>#…`:
 * `recommendations/store-dynamo.ts`), so a failover keeps them. Stages deployed
 * before the control table existed kept the routing record here (`PK = ROUTING`);
 * `regions/routing.ts` reads it once to carry it over.
 */
export const userStateTable: TableDefinition = {
  nameKey: 'userStateTable',
  description: 'Watchlist, resume positions and history, recommendation models (global table).',
  partitionKey: PK,
  sortKey: SK,
  globalSecondaryIndexes: [],
  ttlAttribute: 'expiresAt',
  globalTable: true,
  pointInTimeRecovery: true,
};

/**
 * The Region's own rows, one SDK owner each: the consumers' ledger, dead
 * letters and per-shard checkpoints (`consumers/`). The recommendation models
 * moved to the user-state global table, so a failover keeps them.
 * `expiration` is the TTL attribute. Point-in-time recovery is on: parked
 * events cannot be rebuilt from anywhere else.
 */
export const platformTable: TableDefinition = {
  nameKey: 'platformTable',
  description: 'Consumer ledger, dead letters and checkpoints.',
  partitionKey: PK,
  sortKey: SK,
  globalSecondaryIndexes: [],
  ttlAttribute: 'expiration',
  globalTable: false,
  pointInTimeRecovery: true,
};

/**
 * The Region routing record (`PK = ROUTING`, `SK = RECORD`), alone in a small global table with
 * multi-Region strong consistency: a failover's conditional write on the record's version is
 * decided across all Regions, so two failovers started in two Regions cannot both win (on the
 * user-state table, eventual consistency would let the last writer win).
 */
export const controlTable: TableDefinition = {
  nameKey: 'controlTable',
  description: 'The Region routing record (global table, multi-Region strong consistency).',
  partitionKey: PK,
  sortKey: SK,
  globalSecondaryIndexes: [],
  globalTable: true,
  multiRegionConsistency: 'STRONG',
  pointInTimeRecovery: true,
};

/** Engagement events, partitioned by user. */
export const eventsStream: StreamDefinition = {
  nameKey: 'eventsStream',
  description: 'Engagement events (play, progress, like, …), partition key = user id.',
  shardCount: 2,
  mode: 'ON_DEMAND',
  retentionHours: 24,
};

/** Uploaded masters. */
export const rawBucket: BucketDefinition = {
  nameKey: 'rawBucket',
  description: 'Uploaded studio masters, input of the transcoder.',
  servedByCdn: false,
};

/** Renditions, manifests, thumbnails: the CDN origin. */
export const cdnBucket: BucketDefinition = {
  nameKey: 'cdnBucket',
  description: 'Transcoded renditions, HLS/DASH manifests and images; the CDN origin.',
  servedByCdn: true,
};

/** Every table, stream and bucket of a stage. */
export const PLATFORM_RESOURCES = {
  tables: [catalogTable, userStateTable, platformTable, controlTable],
  streams: [eventsStream],
  buckets: [rawBucket, cdnBucket],
} as const;

/** The physical name of a resource definition for a stage. */
export function physicalName(
  definition: TableDefinition | StreamDefinition | BucketDefinition,
  names: ResourceNames,
): string {
  return names[definition.nameKey];
}
