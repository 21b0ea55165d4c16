/**
 * An analytics engine: SQL over the lake's `events` table. DuckDB over the
 * local lake's files (`@streamctl/local`), Athena on AWS ({@link createAthenaEngine}).
 */
import { ErrorCode, StreamctlError } from '../errors/index.js';

/** A cell of a result: JSON-safe (integers beyond 2^53 and decimals come as strings, times as ISO strings). */
export type QueryValue = string | number | boolean | null;

/** A query's answer. */
export interface QueryResult {
  engine: 'duckdb' | 'athena';
  columns: Array<{ name: string; type: string }>;
  rows: QueryValue[][];
  /** Bytes the engine read (Athena's DataScannedInBytes; the lake files' size for DuckDB). */
  bytesScanned?: number;
  elapsedMs: number;
  /** Athena's query execution id. */
  queryId?: string;
}

/** Where a running query is (Athena's states; DuckDB reports `RUNNING` then `SUCCEEDED`). */
export interface QueryProgress {
  state: string;
  elapsedMs: number;
  bytesScanned?: number;
}

/** SQL over `events`. */
export interface AnalyticsEngine {
  readonly name: 'duckdb' | 'athena';
  query(sql: string, options?: { onProgress?: (progress: QueryProgress) => void }): Promise<QueryResult>;
  /**
   * SQL fragments that differ between the engines; the reports use them so that one query text
   * runs on both.
   */
  readonly dialect: SqlDialect;
  close(): Promise<void>;
}

/** The few functions whose names differ between DuckDB and Athena (Trino). */
export interface SqlDialect {
  /** The p-quantile (0 < p < 1) of an expression. */
  percentile(expression: string, p: number): string;
  /** A UTC timestamp literal. */
  timestamp(at: Date): string;
}

/** An engine's own message about a query, on one line, as a typed error. */
export class QueryFailedError extends StreamctlError {
  constructor(engine: string, message: string, options: { cause?: unknown; queryId?: string } = {}) {
    const line = message.replace(/\s+/g, ' ').trim();
    super(ErrorCode.QueryFailed, `${engine}: ${line}`, {
      ...(options.cause ? { cause: options.cause } : {}),
      hint: 'fix the SQL; `streamctl analytics query "describe events"` lists the columns',
      details: { engine, ...(options.queryId ? { queryId: options.queryId } : {}) },
    });
  }
}

/** `TIMESTAMP 'YYYY-MM-DD HH:MM:SS.mmm'`: both engines read it as UTC. */
export function timestampLiteral(at: Date): string {
  return `TIMESTAMP '${at.toISOString().replace('T', ' ').replace('Z', '')}'`;
}
