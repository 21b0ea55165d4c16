/**
 * The analytics lake's `events` table: one row per engagement event, the same
 * columns on AWS (Firehose converts the stream's JSON to Parquet with the Glue
 * table's schema; Athena reads it) and locally (the lake worker writes Parquet
 * with DuckDB; DuckDB reads it). Files are partitioned by arrival time,
 * `dt=YYYY-MM-DD/hour=HH`, as Firehose's `!{timestamp:…}` prefixes are: an
 * event that arrives late lands in the hour it arrived, and `ts` says when it
 * happened.
 */
import type { EngagementEvent } from '../events/index.js';

/** The table's name in both engines (the Glue table; the DuckDB view). */
export const EVENTS_TABLE = 'events';
/** Where the table's files live under the lake's root (bucket or directory). */
export const LAKE_EVENTS_PREFIX = 'events/';

/** A column: its name in SQL, its types in Glue and DuckDB, and the event field it holds. */
export interface LakeColumn {
  name: string;
  glueType: 'string' | 'int' | 'bigint' | 'double' | 'timestamp';
  duckType: 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'TIMESTAMP';
  /** The event's JSON key (Firehose's OpenX JSON SerDe maps it to the column). */
  field: keyof EngagementEvent;
  description: string;
}

const col = (
  name: string,
  glueType: LakeColumn['glueType'],
  field: LakeColumn['field'],
  description: string,
): LakeColumn => ({
  name,
  glueType,
  duckType: (
    { string: 'VARCHAR', int: 'INTEGER', bigint: 'BIGINT', double: 'DOUBLE', timestamp: 'TIMESTAMP' } as const
  )[glueType],
  field,
  description,
});

/** The columns of `events`, in order. Partition columns ({@link LAKE_PARTITION_KEYS}) follow them. */
export const LAKE_COLUMNS: readonly LakeColumn[] = [
  col('id', 'string', 'id', 'the event id (a UUID)'),
  col('v', 'int', 'v', 'schema version (1 or 2)'),
  col('type', 'string', 'type', 'play, pause, seek, progress, complete, startup, rebuffer, quality_switch, error, …'),
  col('user_id', 'string', 'userId', 'the viewer'),
  col('title_id', 'string', 'titleId', 'the title'),
  col('ts', 'timestamp', 'ts', 'when it happened (UTC)'),
  col('session_id', 'string', 'sessionId', 'the playback session'),
  col('position_sec', 'double', 'positionSec', 'position in the title, seconds'),
  col('duration_sec', 'double', 'durationSec', "the title's length, seconds"),
  col('device', 'string', 'device', 'device class (web, tv, phone, …)'),
  col('country', 'string', 'country', "the viewer's country (ISO 3166-1 alpha-2)"),
  col('region', 'string', 'region', 'the Region that served the viewer'),
  col('startup_ms', 'double', 'startupMs', 'startup: time to first frame, ms'),
  col('stall_ms', 'double', 'stallMs', 'rebuffer: how long the stall lasted, ms'),
  col('watch_ms', 'double', 'watchMs', "playing time since the session's previous event, ms"),
  col('from_bitrate', 'bigint', 'fromBitrate', 'quality_switch: bitrate before, bit/s'),
  col('to_bitrate', 'bigint', 'toBitrate', 'quality_switch: bitrate after, bit/s'),
  col('error_code', 'string', 'errorCode', 'error: what failed'),
];

/** The partition columns: the arrival day and hour (UTC), as strings `2026-12-03` and `09`. */
export const LAKE_PARTITION_KEYS = [
  { name: 'dt', glueType: 'string', description: 'arrival day, YYYY-MM-DD (UTC)' },
  { name: 'hour', glueType: 'string', description: 'arrival hour, HH (UTC)' },
] as const;

/** Column name → event JSON key, for the columns whose names differ (Firehose's SerDe mapping). */
export const LAKE_JSON_KEY_MAPPINGS: Readonly<Record<string, string>> = Object.fromEntries(
  LAKE_COLUMNS.filter((c) => c.name !== c.field).map((c) => [c.name, c.field]),
);

/** The partition an arrival time falls in. */
export function lakePartition(arrival: Date): { dt: string; hour: string; path: string } {
  const iso = arrival.toISOString();
  const dt = iso.slice(0, 10);
  const hour = iso.slice(11, 13);
  return { dt, hour, path: `${LAKE_EVENTS_PREFIX}dt=${dt}/hour=${hour}/` };
}

/** Firehose's S3 prefix for the same layout (its `timestamp` namespace is the arrival time). */
export const FIREHOSE_EVENTS_PREFIX = `${LAKE_EVENTS_PREFIX}dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/`;
/** Where Firehose puts records it could not convert, by error type. */
export const FIREHOSE_ERROR_PREFIX = 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';
