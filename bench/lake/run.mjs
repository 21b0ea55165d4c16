#!/usr/bin/env node
/**
 * bench/lake: the local analytics lake's two jobs, each on one core.
 *
 * Writing: `--events` engagement events (a realistic mix of version 2
 * playback and QoE events over `--viewers` viewers and 500 titles, seeded)
 * go into Parquet two ways, each `--runs` times:
 *   - writer: validated events (their JSON as it came) through the DuckDB
 *     Parquet writer, files of `--file-events` (what a lake file costs once
 *     the events are in hand: the "events written per core");
 *   - worker: raw stream records through the lake consumer (JSON parse and
 *     schema validation, buffering, one file per flush, the atomic rename),
 *     as `streamctl dev` runs it.
 * Throughput is events per CPU-second of this process (user + system: DuckDB
 * runs on one thread here, so a CPU-second is a core-second), the median of
 * the runs, with the ratio to the target of 200,000 events/s/core.
 *
 * Querying: `--query-events` (default 10 million) generated events written
 * by DuckDB as Parquet in the lake's layout (arrival-hour partitions), then
 * queried through `openLocalLake`: a count by type, the QoE report's per-title
 * query (percentiles, sums, filters), and the whole QoE report; median of
 * `--runs` wall times each.
 *
 *   node bench/lake/run.mjs [--events 500000] [--file-events 50000] [--viewers 20000] [--query-events 10000000] [--runs 3] [--json]
 *
 * Needs a build (`pnpm run build`).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seeded } from '../../scripts/random.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`error: ${name} takes a whole number above 0, got ${JSON.stringify(args[i + 1])}`);
    process.exit(2);
  }
  return n;
};
const events = opt('--events', 500_000);
const fileEvents = opt('--file-events', 50_000);
const viewers = opt('--viewers', 20_000);
const queryEvents = opt('--query-events', 10_000_000);
const runs = opt('--runs', 3);
const json = args.includes('--json');
const TARGET = 200_000;

const load = (pkg) => {
  const file = join(ROOT, 'packages', pkg, 'dist', 'index.js');
  if (!existsSync(file)) {
    console.error('error: the packages are not built; run `pnpm run build` first');
    process.exit(1);
  }
  return import(pathToFileURL(file).href);
};
const sdk = await load('sdk');
const local = await load('local');
const { DuckDBInstance } = await import(
  pathToFileURL(join(ROOT, 'packages', 'local', 'node_modules', '@duckdb', 'node-api', 'lib', 'index.js')).href
);

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const cpuSeconds = (since) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};

/** Seeded version 2 events: starts, progress with watch time, stalls, switches, errors. */
function makeEvents(n) {
  const random = seeded(20);
  const start = Date.parse('2026-12-03T08:00:00Z');
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = random();
    const base = {
      v: 2,
      id: randomUUID(),
      userId: `viewer-${Math.floor(random() * viewers)}`,
      titleId: `title-${Math.floor(random() * 500)}`,
      ts: new Date(start + i * 7).toISOString(),
      sessionId: `s-${Math.floor(i / 40)}`,
      device: ['web', 'tv', 'phone'][i % 3],
      country: ['US', 'GB', 'DE', 'FR'][i % 4],
      region: i % 2 ? 'us-east-1' : 'eu-west-1',
    };
    if (r < 0.05) out[i] = { ...base, type: 'startup', startupMs: Math.round(300 + random() * 3_000) };
    else if (r < 0.08) out[i] = { ...base, type: 'rebuffer', stallMs: Math.round(random() * 4_000), watchMs: 10_000 };
    else if (r < 0.1) out[i] = { ...base, type: 'quality_switch', fromBitrate: 800_000, toBitrate: 2_400_000 };
    else if (r < 0.105) out[i] = { ...base, type: 'error', errorCode: 'networkError/fragLoadError' };
    else if (r < 0.15) out[i] = { ...base, type: 'play', positionSec: 0 };
    else out[i] = { ...base, type: 'progress', positionSec: i % 5400, watchMs: 10_000 };
  }
  return out;
}

const generated = makeEvents(events);
const records = generated.map((e, i) => ({
  data: Buffer.from(JSON.stringify(e)),
  sequenceNumber: `4959${String(i + 1).padStart(52, '0')}`,
}));
const lakeEvents = generated.map((event, i) => ({ event, json: records[i].data }));
const dirs = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lake-'));
  dirs.push(dir);
  return dir;
};

// Writing, through the writer alone and through the lake worker.
const writerRates = [];
const workerRates = [];
for (let run = 0; run < runs; run++) {
  const writer = await local.createDuckDbParquetWriter();
  const dir = scratch();
  let cpu = process.cpuUsage();
  for (let i = 0; i < lakeEvents.length; i += fileEvents) {
    await writer.write(lakeEvents.slice(i, i + fileEvents), join(dir, `w-${i}.parquet`));
  }
  writerRates.push(generated.length / cpuSeconds(cpu));

  const root = scratch();
  const lake = sdk.createLakeConsumer({
    root,
    writer,
    park: async () => {},
    maxEvents: fileEvents,
    maxAgeMs: 3_600_000,
  });
  cpu = process.cpuUsage();
  // As the poller hands them over: GetRecords pages of 1,000.
  for (let i = 0; i < records.length; i += 1_000) {
    await lake.add('shardId-000000000000', records.slice(i, i + 1_000));
    await lake.commit('shardId-000000000000', false);
  }
  await lake.commit('shardId-000000000000', true);
  workerRates.push(records.length / cpuSeconds(cpu));
  if (lake.stats.written !== records.length) {
    console.error(`error: the lake worker wrote ${lake.stats.written} of ${records.length} events`);
    process.exit(1);
  }
  writer.close();
  const check = await local.openLocalLake(root);
  const counted = (await check.query('select count(*), count(distinct id) from events')).rows[0];
  await check.close();
  if (counted[0] !== records.length || counted[1] !== records.length) {
    console.error(`error: the lake holds ${counted} (rows, distinct ids), expected ${records.length}`);
    process.exit(1);
  }
}

// Querying `--query-events` generated events in the lake's layout.
const root = scratch();
const generate = await DuckDBInstance.create(':memory:');
const g = await generate.connect();
let started = performance.now();
await g.run(`COPY (
  SELECT
    uuid()::VARCHAR AS id, 2 AS v,
    CASE WHEN i % 20 = 0 THEN 'startup' WHEN i % 33 = 0 THEN 'rebuffer' WHEN i % 50 = 0 THEN 'quality_switch'
         WHEN i % 200 = 0 THEN 'error' WHEN i % 7 = 0 THEN 'play' ELSE 'progress' END AS type,
    'viewer-' || (hash(i) % ${viewers}) AS user_id, 'title-' || (i % 500) AS title_id,
    TIMESTAMP '2026-12-01 00:00:00' + to_milliseconds(i * 17) AS ts, 's-' || (i // 40) AS session_id,
    (i % 5400)::DOUBLE AS position_sec, 5400.0 AS duration_sec,
    ['web', 'tv', 'phone'][1 + i % 3] AS device, ['US', 'GB', 'DE', 'FR'][1 + i % 4] AS country,
    CASE WHEN i % 2 = 0 THEN 'us-east-1' ELSE 'eu-west-1' END AS region,
    CASE WHEN i % 20 = 0 THEN 300 + hash(i) % 3000 END::DOUBLE AS startup_ms,
    CASE WHEN i % 33 = 0 AND i % 20 <> 0 THEN hash(i) % 4000 END::DOUBLE AS stall_ms,
    CASE WHEN i % 20 <> 0 THEN 10000 END::DOUBLE AS watch_ms,
    CASE WHEN i % 50 = 0 THEN 800000 END::BIGINT AS from_bitrate, CASE WHEN i % 50 = 0 THEN 2400000 END::BIGINT AS to_bitrate,
    CASE WHEN i % 200 = 0 AND i % 20 <> 0 THEN 'networkError/fragLoadError' END AS error_code,
    strftime(TIMESTAMP '2026-12-01 00:00:00' + to_milliseconds(i * 17), '%Y-%m-%d') AS dt,
    strftime(TIMESTAMP '2026-12-01 00:00:00' + to_milliseconds(i * 17), '%H') AS hour
  FROM range(${queryEvents}) t(i)
) TO '${root}/events' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt, hour))`);
const generateSeconds = (performance.now() - started) / 1000;
g.closeSync();
generate.closeSync();

const engine = await local.openLocalLake(root);
const total = (await engine.query('select count(*) from events')).rows[0][0];
if (total !== queryEvents) {
  console.error(`error: the generated lake holds ${total} events, expected ${queryEvents}`);
  process.exit(1);
}
const timed = async (work) => {
  const times = [];
  for (let run = 0; run < runs; run++) {
    started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return Math.round(median(times));
};
const window = { stage: 'bench', since: new Date('2026-12-01T00:00:00Z'), until: new Date('2026-12-31T00:00:00Z') };
const countByType = await timed(() => engine.query('select type, count(*) from events group by 1'));
const perTitle = await timed(() =>
  engine.query(
    `select title_id, quantile_cont(startup_ms, 0.95), sum(stall_ms) / sum(watch_ms), count(*) filter (where type = 'error') from events where ts >= ${sdk.timestampLiteral(window.since)} group by 1`,
  ),
);
const qoe = await timed(() => sdk.qoeReport(engine, { ...window, by: 'title', thresholds: sdk.DEFAULT_SLOS }));
await engine.close();
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });

const result = {
  events,
  fileEvents,
  runs,
  writer: { eventsPerCoreSecond: Math.round(median(writerRates)), ratioToTarget: median(writerRates) / TARGET },
  worker: { eventsPerCoreSecond: Math.round(median(workerRates)), ratioToTarget: median(workerRates) / TARGET },
  query: {
    events: queryEvents,
    generateSeconds: Number(generateSeconds.toFixed(1)),
    countByTypeMs: countByType,
    perTitleQoeMs: perTitle,
    qoeReportMs: qoe,
  },
};
if (json) console.log(JSON.stringify(result));
else {
  const n = (x) => x.toLocaleString('en-US');
  console.log(`Writing ${n(events)} events into Parquet (files of ${n(fileEvents)}), median of ${runs} runs:`);
  console.log(
    `  writer  ${n(result.writer.eventsPerCoreSecond)} events/s/core  (${result.writer.ratioToTarget.toFixed(2)}x the 200,000 target)`,
  );
  console.log(
    `  worker  ${n(result.worker.eventsPerCoreSecond)} events/s/core  (${result.worker.ratioToTarget.toFixed(2)}x; parse, validate, buffer, write, rename)`,
  );
  console.log(`Querying ${n(queryEvents)} events (generated in ${result.query.generateSeconds} s), median of ${runs}:`);
  console.log(`  count by type        ${n(countByType)} ms`);
  console.log(`  QoE per title query  ${n(perTitle)} ms`);
  console.log(`  whole QoE report     ${n(qoe)} ms`);
}
