/**
 * Analytics: the lake's `events` table (Parquet, partitioned by arrival
 * day and hour), the engines that query it (DuckDB over local files, Athena
 * on AWS), the QoE and engagement reports and the SLOs they are held to.
 *
 * @module
 */

export * from './athena.js';
export * from './athena-lake.js';
export * from './engine.js';
export * from './lake.js';
export * from './report-types.js';
export * from './reports.js';
export * from './slo.js';
export * from './table.js';
