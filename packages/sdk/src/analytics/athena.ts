/**
 * The lake on AWS: Athena over the Glue `events` table that Firehose fills,
 * in the stage's workgroup (its results location and bytes-scanned limit).
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { ResourceNames } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';
import { sleep } from '../util/index.js';
import {
  type AnalyticsEngine,
  QueryFailedError,
  type QueryResult,
  type QueryValue,
  timestampLiteral,
} from './engine.js';

/** Options of {@link createAthenaEngine}. */
export interface AthenaEngineOptions {
  /** First wait between polls of a running query; doubles to 2 s. Default 200 ms. */
  pollMs?: number;
  /** Give up on a query after this long. Default 10 min. */
  timeoutMs?: number;
}

const NUMERIC = new Set(['tinyint', 'smallint', 'integer', 'bigint', 'double', 'float', 'real', 'decimal']);

/** A cell from Athena's text value and its column type. */
function cell(value: string | undefined, type: string): QueryValue {
  if (value === undefined) return null;
  if (NUMERIC.has(type)) {
    const n = Number(value);
    return Number.isFinite(n) && (type !== 'bigint' || Number.isSafeInteger(n)) ? n : value;
  }
  if (type === 'boolean') return value === 'true';
  if (type.startsWith('timestamp')) {
    const at = Date.parse(`${value.replace(' ', 'T')}Z`);
    return Number.isNaN(at) ? value : new Date(at).toISOString();
  }
  return value;
}

/**
 * SQL over the stage's lake with Athena: starts the query in the workgroup with the Glue database
 * as context, polls it (reporting state and bytes scanned), and reads every page of results.
 *
 * @example
 * ```ts
 * const engine = createAthenaEngine(platform.clients.athena(), platform.config.resources);
 * const { rows, bytesScanned } = await engine.query('select type, count(*) from events group by 1');
 * ```
 */
export function createAthenaEngine(
  athena: AthenaClient,
  names: Pick<ResourceNames, 'analyticsDatabase' | 'analyticsWorkgroup'>,
  options: AthenaEngineOptions = {},
): AnalyticsEngine {
  const firstPoll = options.pollMs ?? 200;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const send = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw wrapAwsError(err, `athena:${operation}`, `workgroup ${names.analyticsWorkgroup}`);
    }
  };
  return {
    name: 'athena',
    dialect: {
      percentile: (expression, p) => `approx_percentile(${expression}, ${p})`,
      timestamp: timestampLiteral,
    },
    async query(sql, queryOptions = {}) {
      const started = Date.now();
      const { QueryExecutionId: queryId } = await send('StartQueryExecution', () =>
        athena.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            WorkGroup: names.analyticsWorkgroup,
            QueryExecutionContext: { Database: names.analyticsDatabase },
          }),
        ),
      );
      if (!queryId) throw new QueryFailedError('athena', 'StartQueryExecution returned no query id');
      let wait = firstPoll;
      let bytesScanned: number | undefined;
      for (;;) {
        const { QueryExecution: execution } = await send('GetQueryExecution', () =>
          athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })),
        );
        const state = execution?.Status?.State ?? 'QUEUED';
        bytesScanned = execution?.Statistics?.DataScannedInBytes ?? bytesScanned;
        queryOptions.onProgress?.({
          state,
          elapsedMs: Date.now() - started,
          ...(bytesScanned !== undefined ? { bytesScanned } : {}),
        });
        if (state === 'SUCCEEDED') break;
        if (state === 'FAILED' || state === 'CANCELLED') {
          const reason = execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage;
          throw new QueryFailedError('athena', reason ?? `query ${state.toLowerCase()}`, { queryId });
        }
        if (Date.now() - started > timeoutMs) {
          throw new QueryFailedError('athena', `still ${state} after ${Math.round(timeoutMs / 1000)} s`, { queryId });
        }
        await sleep(wait);
        wait = Math.min(wait * 2, 2_000);
      }
      const result: QueryResult = { engine: 'athena', columns: [], rows: [], elapsedMs: 0, queryId };
      let token: string | undefined;
      let first = true;
      do {
        const page: GetQueryResultsCommandOutput = await send('GetQueryResults', () =>
          athena.send(
            new GetQueryResultsCommand({
              QueryExecutionId: queryId,
              MaxResults: 1000,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        );
        const info = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        if (first) result.columns = info.map((c) => ({ name: c.Name ?? c.Label ?? '', type: c.Type ?? 'varchar' }));
        let rows = page.ResultSet?.Rows ?? [];
        // A SELECT's first row repeats the column names.
        if (first && rows.length && rows[0]?.Data?.every((d, i) => d.VarCharValue === info[i]?.Name))
          rows = rows.slice(1);
        for (const row of rows) {
          result.rows.push((row.Data ?? []).map((d, i) => cell(d.VarCharValue, result.columns[i]?.type ?? 'varchar')));
        }
        first = false;
        token = page.NextToken;
      } while (token);
      result.elapsedMs = Date.now() - started;
      if (bytesScanned !== undefined) result.bytesScanned = bytesScanned;
      return result;
    },
    async close() {},
  };
}
