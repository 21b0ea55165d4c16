/**
 * The privacy map: every store of a stage and every key pattern in it, with
 * what it holds about a viewer, how long, and what erasure does to it.
 * Export and erasure walk this list; `map.test.ts` fails when a table, a
 * partition prefix or a cache key appears that the map does not name.
 *
 * @module
 */
import { rateLimitBucketKey } from '../cache/index.js';
import type { ResourceNames } from '../config/index.js';
import { DEAD_LETTER_TTL_SECONDS, viewerRefPartition } from '../consumers/dead-letters.js';
import { CATALOG_STAMP_KEY, homeCacheKeys } from '../recommendations/home.js';
import { profilePartition } from '../recommendations/store-dynamo.js';
import { playbackCacheKey } from '../sessions/redis.js';
import { userStatePartition } from '../users/store.js';

/**
 * What a store holds about a viewer: `viewer` (their data, keyed or findable by their id),
 * `pseudonymous` (a hash of the id, never the id), `aggregate` (counts over many viewers, no id),
 * `none` (nothing about viewers).
 */
export type PrivacyHolding = 'viewer' | 'pseudonymous' | 'aggregate' | 'none';

/** Where a store lives: a resource of the stage, the shared cache, logs, the workers' failure queue, or the data dir. */
export type PrivacyResource = keyof ResourceNames | 'cache' | 'logs' | 'workerFailures' | 'dataDir';

/** One store of the privacy map. */
export interface PrivacyStore {
  /** A stable id, used in exports and erasure reports. */
  id: string;
  resource: PrivacyResource;
  /** Key patterns (`PK = USER#<userId>`, `home:<userId>`). */
  keys: readonly string[];
  holds: PrivacyHolding;
  /** What it holds. */
  what: string;
  /** How long it is kept. */
  retention: string;
  /** What erasure does to it. */
  erasure: string;
  /** `global`: written in one Region and replicated (verified in each); `region`: each Region has its own. */
  scope: 'global' | 'region';
}

/** Ids of the stores that hold a viewer's data, which export reads and erasure removes. */
export const VIEWER_STORES = ['user-state', 'models', 'dead-letters', 'cache', 'lake'] as const;
/** One of {@link VIEWER_STORES}. */
export type ViewerStoreId = (typeof VIEWER_STORES)[number];

const days = (seconds: number) => `${Math.round(seconds / 86400)} days`;

/** Every store of a stage, in the order erasure reports them. */
export const PRIVACY_MAP: readonly PrivacyStore[] = [
  {
    id: 'user-state',
    resource: 'userStateTable',
    keys: [`PK = ${userStatePartition('<userId>')}`],
    holds: 'viewer',
    what: 'watchlist (and removals, kept 90 days so a late add does not resurrect them), resume positions, monthly history, consent, devices, playback sessions',
    retention: 'until erased; removals and sessions expire by TTL',
    erasure: 'deleted by key in the home Region; the global table replicates the deletes, verified in each Region',
    scope: 'global',
  },
  {
    id: 'models',
    resource: 'userStateTable',
    keys: [`PK = ${profilePartition('<userId>')}`],
    holds: 'viewer',
    what: 'taste model, rows per Region that learnt it: per-title and per-genre scores, first and latest positive signal, completed and disliked titles, the profile version',
    retention: 'until erased or personalization is turned off (scores decay with a 7-day half-life)',
    erasure: 'deleted by key in the home Region; the global table replicates the deletes, verified in each Region',
    scope: 'global',
  },
  {
    id: 'dead-letters',
    resource: 'platformTable',
    keys: [`PK = ${viewerRefPartition('<userId>')}`, 'PK = DEADLETTER#<consumer> (the rows the references name)'],
    holds: 'viewer',
    what: 'events a worker could not process, whole, with a reference per viewer',
    retention: days(DEAD_LETTER_TTL_SECONDS),
    erasure: 'each referenced row and the references deleted by key in each Region',
    scope: 'region',
  },
  {
    id: 'cache',
    resource: 'cache',
    keys: [
      homeCacheKeys('<userId>').page,
      homeCacheKeys('<userId>').version,
      playbackCacheKey('<userId>'),
      rateLimitBucketKey('user', '<userId>'),
    ],
    holds: 'viewer',
    what: 'the built home page and its version, playback sessions and cached devices, the per-user rate-limit bucket',
    retention: 'home page 60 s, version 2 s, sessions while playing (plus a minute), rate-limit bucket up to a day',
    erasure:
      "deleted by key in the Region's cache and in the erasing process; another Region's cache and other processes' memory expire within those times",
    scope: 'region',
  },
  {
    id: 'erasures',
    resource: 'userStateTable',
    keys: ['PK = ERASED#<pseudonym>', 'PK = ERASURE#<erasureId>'],
    holds: 'pseudonymous',
    what: "tombstones that stop an erased viewer's late events, and erasure records (the pseudonym, timestamps, per-store counts)",
    retention: 'tombstones privacy.tombstoneDays (default 30 days), records 3 years',
    erasure: 'written by erasure; they never hold the user id',
    scope: 'global',
  },
  {
    id: 'lake',
    resource: 'lakeBucket',
    keys: ['events/dt=<day>/hour=<hour>/*.parquet (rows with user_id = <userId>)'],
    holds: 'viewer',
    what: 'every engagement event, as Parquet (the analytics `events` table)',
    retention: "the lake bucket's lifecycle (analytics.lakeRetentionDays, default 400 days)",
    erasure:
      "every file holding the viewer's rows is rewritten without them, in each Region (locally with DuckDB, on AWS through Athena UNLOAD by `streamctl privacy erase`), and checked again after in-flight files land; on AWS an erasure asked through the API (DELETE /v1/me) does not reach the lake within the API's time budget: the operator's `privacy erase` does",
    scope: 'region',
  },
  {
    id: 'lake-delivery',
    resource: 'lakeDeliveryStream',
    keys: ['records buffered on their way to the lake'],
    holds: 'viewer',
    what: 'engagement events buffered by Firehose (at most its buffering interval, 5 min)',
    retention: 'the buffering interval',
    erasure: "cannot be deleted: its transform drops an erased viewer's events, as the workers do",
    scope: 'region',
  },
  {
    id: 'query-results',
    resource: 'athenaResultsBucket',
    keys: ['results/<queryId>.csv'],
    holds: 'viewer',
    what: "operators' Athena query results (whatever their SQL selected)",
    retention: '7 days (lifecycle)',
    erasure: 'expire within 7 days; not searched by viewer',
    scope: 'region',
  },
  {
    id: 'analytics-catalog',
    resource: 'analyticsDatabase',
    keys: ['the events table definition'],
    holds: 'none',
    what: "the Glue database and table: the lake's schema and partitions, no rows",
    retention: 'while the stage exists',
    erasure: 'nothing to erase',
    scope: 'region',
  },
  {
    id: 'analytics-workgroup',
    resource: 'analyticsWorkgroup',
    keys: ['query history'],
    holds: 'none',
    what: "the Athena workgroup's settings and query history (SQL text, no rows)",
    retention: "Athena's query history (45 days)",
    erasure: 'nothing to erase by viewer',
    scope: 'region',
  },
  {
    id: 'events-stream',
    resource: 'eventsStream',
    keys: ['records (partition key: the user id)'],
    holds: 'viewer',
    what: 'engagement events in flight',
    retention: "the stream's retention (24 hours by default)",
    erasure:
      "cannot be deleted: the tombstone makes every worker drop (and count) the viewer's events until they have aged out",
    scope: 'region',
  },
  {
    id: 'counters',
    resource: 'userStateTable',
    keys: ['PK = POP#<region>#<country|ALL>[#k]', 'PK = ITEM#<region>#<titleId>[#k]', 'PK = CO#<region>#<titleId>[#k]'],
    holds: 'aggregate',
    what: "popularity per country, each title's viewer count and co-occurrence counts: sums over viewers, no ids",
    retention: 'popularity decays with a 7-day half-life; counts until the title goes',
    erasure: 'not per viewer: a contribution cannot be told apart from the others, and names no one',
    scope: 'global',
  },
  {
    id: 'ledger',
    resource: 'platformTable',
    keys: ['PK = IDEMPOTENCY#<consumer>', 'PK = CHECKPOINT#<consumer>'],
    holds: 'none',
    what: 'processed event ids (random UUIDs) with their stream positions, and shard checkpoints',
    retention: '7 days (ledger), while the stream exists (checkpoints)',
    erasure: 'nothing to erase: no viewer data',
    scope: 'region',
  },
  {
    id: 'routing',
    resource: 'controlTable',
    keys: ['PK = ROUTING'],
    holds: 'none',
    what: 'the Region routing record (control table) and the failover canaries (user-state table, `PK = ROUTING`)',
    retention: 'while the stage exists',
    erasure: 'nothing to erase',
    scope: 'global',
  },
  {
    id: 'catalog',
    resource: 'catalogTable',
    keys: ['PK = VIDEO#<titleId>'],
    holds: 'none',
    what: 'titles, seasons, episodes, renditions, availability',
    retention: 'while the title exists',
    erasure: 'nothing to erase',
    scope: 'global',
  },
  {
    id: 'media',
    resource: 'rawBucket',
    keys: ['masters/<titleId>/…'],
    holds: 'none',
    what: 'uploaded masters',
    retention: 'while the title exists',
    erasure: 'nothing to erase',
    scope: 'region',
  },
  {
    id: 'renditions',
    resource: 'cdnBucket',
    keys: ['<titleId>/…'],
    holds: 'none',
    what: 'renditions, manifests, thumbnails',
    retention: 'while the title exists',
    erasure: 'nothing to erase',
    scope: 'region',
  },
  {
    id: 'shared-cache',
    resource: 'cache',
    keys: ['title:<titleId>', CATALOG_STAMP_KEY, rateLimitBucketKey('ip', '<address>')],
    holds: 'none',
    what: "cached titles; the catalog's availability stamp (a time); per-address rate-limit buckets (a token count under a client address, no user id)",
    retention: 'seconds; a bucket up to a day',
    erasure: 'nothing to erase by viewer',
    scope: 'region',
  },
  {
    id: 'logs',
    resource: 'logs',
    keys: ['request lines: route pattern, status, duration, `viewer` pseudonym'],
    holds: 'pseudonymous',
    what: 'one line per API request; the viewer as a pseudonym (a hash), routes as patterns (never ids from the path)',
    retention: '1 month (the log groups)',
    erasure: 'nothing names the viewer; lines age out',
    scope: 'region',
  },
  {
    id: 'worker-failures',
    resource: 'workerFailures',
    keys: ['Lambda on-failure records'],
    holds: 'none',
    what: "a failed batch's shard and sequence numbers (Lambda sends positions, not records)",
    retention: '14 days',
    erasure: 'nothing to erase',
    scope: 'region',
  },
  {
    id: 'event-spools',
    resource: 'dataDir',
    keys: ['the file an operator gives `streamctl events publish --spool`'],
    holds: 'viewer',
    what: 'events a publish could not deliver, whole, kept for replay',
    retention: 'until the operator replays or deletes the file',
    erasure:
      "not reached: the operator's own file, wherever they put it; replaying it after an erasure is harmless (the tombstone drops the events)",
    scope: 'region',
  },
  {
    id: 'local-files',
    resource: 'dataDir',
    keys: ['metrics/qoe.emf.ndjson', 'search index', 'keys/', 'state files'],
    holds: 'none',
    what: 'QoE metrics (title and Region dimensions only), the search index (catalog), dev keys, the running platform',
    retention: 'while the data dir exists',
    erasure: 'nothing to erase (the raw-byte test checks)',
    scope: 'region',
  },
];

/**
 * Every partition-key prefix each table holds, with its store (`map.test.ts` reads every table
 * after a full scenario and fails on a partition whose prefix is not here).
 */
export const TABLE_PARTITIONS: Readonly<
  Record<
    'catalogTable' | 'userStateTable' | 'platformTable' | 'controlTable',
    ReadonlyArray<{ prefix: string; store: string }>
  >
> = {
  catalogTable: [{ prefix: 'VIDEO#', store: 'catalog' }],
  userStateTable: [
    { prefix: userStatePartition(''), store: 'user-state' },
    { prefix: 'ERASED#', store: 'erasures' },
    { prefix: 'ERASURE#', store: 'erasures' },
    // Where stages made before the control table kept the routing record, until it is carried over.
    { prefix: 'ROUTING', store: 'routing' },
    { prefix: profilePartition(''), store: 'models' },
    { prefix: 'POP#', store: 'counters' },
    { prefix: 'ITEM#', store: 'counters' },
    { prefix: 'CO#', store: 'counters' },
  ],
  platformTable: [
    { prefix: viewerRefPartition(''), store: 'dead-letters' },
    { prefix: 'DEADLETTER#', store: 'dead-letters' },
    { prefix: 'IDEMPOTENCY#', store: 'ledger' },
    { prefix: 'CHECKPOINT#', store: 'ledger' },
  ],
  controlTable: [{ prefix: 'ROUTING', store: 'routing' }],
};

/** Every cache key prefix, with its store. */
export const CACHE_KEY_PREFIXES: ReadonlyArray<{ prefix: string; store: string }> = [
  { prefix: homeCacheKeys('').page, store: 'cache' },
  { prefix: homeCacheKeys('').version, store: 'cache' },
  { prefix: playbackCacheKey(''), store: 'cache' },
  { prefix: rateLimitBucketKey('user', ''), store: 'cache' },
  { prefix: 'title:', store: 'shared-cache' },
  { prefix: CATALOG_STAMP_KEY, store: 'shared-cache' },
  { prefix: rateLimitBucketKey('ip', ''), store: 'shared-cache' },
];

/** The store a table's partition key belongs to, if the map names it. */
export function storeOfPartition(table: keyof typeof TABLE_PARTITIONS, pk: string): PrivacyStore | undefined {
  const entry = TABLE_PARTITIONS[table].find((p) => pk.startsWith(p.prefix));
  return entry && PRIVACY_MAP.find((s) => s.id === entry.store);
}

/** The store a cache key (without the cache's own prefix) belongs to, if the map names it. */
export function storeOfCacheKey(key: string): PrivacyStore | undefined {
  // The longest prefix wins (`homever:` over `home`).
  const entry = [...CACHE_KEY_PREFIXES]
    .sort((a, b) => b.prefix.length - a.prefix.length)
    .find((p) => key.startsWith(p.prefix));
  return entry && PRIVACY_MAP.find((s) => s.id === entry.store);
}

/** The cache keys of one viewer. */
export function viewerCacheKeys(userId: string): string[] {
  const home = homeCacheKeys(userId);
  return [home.page, home.version, playbackCacheKey(userId), rateLimitBucketKey('user', userId)];
}
