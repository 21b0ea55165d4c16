/**
 * The local lake's engine: DuckDB (in-process, offline) writes the lake
 * worker's Parquet files and answers SQL over them, with the `events` table
 * and columns that Athena has on AWS.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  type AnalyticsEngine,
  EVENTS_TABLE,
  LAKE_COLUMNS,
  LAKE_EVENTS_PREFIX,
  LAKE_PARTITION_KEYS,
  listLakeFiles,
  localLakeRoot,
  type ParquetWriter,
  QueryFailedError,
  type QueryResult,
  type QueryValue,
  resourceNames,
  timestampLiteral,
  type ViewerLake,
} from '@streamctl/sdk';

const columnsDdl = LAKE_COLUMNS.map((c) => `"${c.name}" ${c.duckType}`).join(', ');

/** `read_json`'s columns: each event field with the type its column takes (the time with its offset). */
const jsonColumns = `{${LAKE_COLUMNS.map(
  (c) => `${c.field}: '${c.duckType === 'TIMESTAMP' ? 'TIMESTAMPTZ' : c.duckType}'`,
).join(', ')}}`;
/** The lake's columns from the event fields (times in UTC, as Athena's `timestamp` holds them). */
const selectColumns = LAKE_COLUMNS.map((c) =>
  c.duckType === 'TIMESTAMP' ? `("${c.field}" AT TIME ZONE 'UTC') AS "${c.name}"` : `"${c.field}" AS "${c.name}"`,
).join(', ');
const NEWLINE = new Uint8Array([10]);

/**
 * A Parquet writer over one in-memory DuckDB on one thread: the events' JSON goes to a scratch
 * file beside the target and DuckDB converts it (as Firehose converts JSON with the Glue schema)
 * into one Snappy-compressed Parquet file, Firehose's own compression.
 *
 * @example
 * ```ts
 * const writer = await createDuckDbParquetWriter();
 * await writer.write(events, '/tmp/part.parquet');
 * writer.close();
 * ```
 */
export async function createDuckDbParquetWriter(): Promise<ParquetWriter & { close(): void }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    write(events, path) {
      const run = queue.then(async () => {
        // `<target>.json.partial`: hidden like the target, and cleared by the lake worker's restart.
        const scratch = `${path}.json.partial`;
        const parts: Uint8Array[] = [];
        for (const e of events) parts.push(e.json, NEWLINE);
        await writeFile(scratch, Buffer.concat(parts));
        try {
          await connection.run(
            `COPY (SELECT ${selectColumns} FROM read_json(${sqlString(scratch)}, format = 'newline_delimited', columns = ${jsonColumns})) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
          );
        } finally {
          await rm(scratch, { force: true });
        }
      });
      queue = run.catch(() => undefined);
      return run;
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A JSON-safe cell from DuckDB's JS value. */
function cell(value: unknown): QueryValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * SQL over a local lake's files with DuckDB: `events` is a view over every
 * committed Parquet file (hive partitions `dt` and `hour` as strings), empty
 * with the same columns while the lake has none.
 *
 * @example
 * ```ts
 * const engine = await openLocalLake(join(dataDir, 'lake', names.lakeBucket));
 * const { rows } = await engine.query('select type, count(*) from events group by 1');
 * await engine.close();
 * ```
 */
export async function openLocalLake(root: string): Promise<AnalyticsEngine> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const files = await listLakeFiles(root);
  const partitions = LAKE_PARTITION_KEYS.map((k) => `"${k.name}" VARCHAR`).join(', ');
  if (files.length) {
    const glob = `${root}/${LAKE_EVENTS_PREFIX}dt=*/hour=*/*.parquet`.replaceAll("'", "''");
    const types = LAKE_PARTITION_KEYS.map((k) => `'${k.name}': VARCHAR`).join(', ');
    await connection.run(
      `CREATE VIEW ${EVENTS_TABLE} AS SELECT * FROM read_parquet('${glob}', hive_partitioning = true, hive_types = {${types}}, union_by_name = true)`,
    );
  } else {
    await connection.run(`CREATE TABLE ${EVENTS_TABLE} (${columnsDdl}, ${partitions})`);
  }
  const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
  // One query at a time on the connection (the reports start several at once, as Athena takes them).
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    name: 'duckdb',
    dialect: {
      percentile: (expression, p) => `quantile_cont(${expression}, ${p})`,
      timestamp: timestampLiteral,
    },
    async query(sql, options = {}) {
      const started = performance.now();
      options.onProgress?.({ state: 'RUNNING', elapsedMs: 0 });
      let reader: Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>;
      try {
        reader = await serial(() => connection.runAndReadAll(sql));
      } catch (err) {
        throw new QueryFailedError('duckdb', (err as Error).message, { cause: err });
      }
      const names = reader.columnNames();
      const types = reader.columnTypes();
      const result: QueryResult = {
        engine: 'duckdb',
        columns: names.map((name, i) => ({ name, type: String(types[i]) })),
        rows: reader.getRowsJS().map((row) => row.map(cell)),
        bytesScanned: bytes,
        elapsedMs: Math.round(performance.now() - started),
      };
      options.onProgress?.({ state: 'SUCCEEDED', elapsedMs: result.elapsedMs, bytesScanned: bytes });
      return result;
    },
    async close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * A viewer's rows in a local lake, for privacy: read with DuckDB, and erased by rewriting each
 * file that holds them without them (a new file under a partial name, renamed over the old one:
 * a query sees the old file or the new one, never half of either).
 *
 * @example
 * ```ts
 * const platform = createPlatform(config, { lakes: [createLocalViewerLake(root, config.region)] });
 * ```
 */
export function createLocalViewerLake(root: string, region: string): ViewerLake {
  const glob = `${root}/${LAKE_EVENTS_PREFIX}dt=*/hour=*/*.parquet`.replaceAll("'", "''");
  const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;
  const withDuckDb = async <T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  };
  const filesOf = async (connection: DuckDBConnection, userId: string) =>
    (
      await connection.runAndReadAll(
        `SELECT filename, count(*) FROM read_parquet('${glob}', filename = true) WHERE user_id = ${quote(userId)} GROUP BY 1`,
      )
    )
      .getRowsJS()
      .map(([file, n]) => ({ file: String(file), rows: Number(n) }));
  return {
    region,
    async rows(userId) {
      if (!(await listLakeFiles(root)).length) return [];
      return withDuckDb(async (connection) => {
        const reader = await connection.runAndReadAll(
          `SELECT * FROM read_parquet('${glob}', hive_partitioning = true, union_by_name = true) WHERE user_id = ${quote(userId)} ORDER BY ts`,
        );
        const names = reader.columnNames();
        return reader
          .getRowsJS()
          .map((row) => Object.fromEntries(row.map((value, i) => [names[i], cell(value)] as const)));
      });
    },
    async remove(userId) {
      if (!(await listLakeFiles(root)).length) return 0;
      return withDuckDb(async (connection) => {
        let removed = 0;
        for (const { file, rows } of await filesOf(connection, userId)) {
          const partial = join(dirname(file), `.${basename(file)}.partial`);
          await connection.run(
            `COPY (SELECT * FROM read_parquet(${quote(file)}) WHERE user_id IS DISTINCT FROM ${quote(userId)}) TO ${quote(partial)} (FORMAT parquet, COMPRESSION zstd)`,
          );
          await rename(partial, file);
          removed += rows;
        }
        return removed;
      });
    },
  };
}

/**
 * The local lake of every Region of a stage (`<data dir>/lake/<lake bucket>`), for the platform's
 * privacy export and erasure.
 *
 * @example
 * ```ts
 * const platform = createPlatform(config, { lakes: localViewerLakes(config) });
 * ```
 */
export function localViewerLakes(config: {
  stage: string;
  dataDir: string;
  regions: readonly string[];
  resources: { lakeBucket: string };
  region: string;
}): ViewerLake[] {
  return config.regions.map((region) =>
    createLocalViewerLake(
      localLakeRoot(config.dataDir, region === config.region ? config.resources : resourceNames(config.stage, region)),
      region,
    ),
  );
}
