/**
 * The QoE and engagement reports: SQL over the lake's `events` (one text for
 * both engines, through their dialects), turned into rows, SLO verdicts and
 * breaches. Event time (`ts`) places an event in the window; the arrival
 * partitions (`dt`) only prune what is read (an event arrives after it
 * happened, give or take the clock skew events may have).
 */
import { ValidationError } from '../errors/index.js';
import type { AnalyticsEngine, QueryResult, QueryValue } from './engine.js';
import type { EngagementReport, QoeReport, QoeRow, SloBreach, SloCheck } from './report-types.js';
import { SLO_LABELS, type SloThresholds } from './slo.js';

/** What both reports take. */
export interface ReportWindow {
  stage: string;
  /** The window's start (inclusive). */
  since: Date;
  /** The window's end (exclusive). Default: now. */
  until?: Date;
}

/** Options of {@link qoeReport}. */
export interface QoeReportOptions extends ReportWindow {
  by: QoeReport['by'];
  thresholds: SloThresholds;
  /** The API's p99 latency over the window, when something measured it. */
  apiP99Ms?: number | null;
  /** Rows at most (the largest by startups). Default 50. */
  limit?: number;
}

const KEY_COLUMN: Record<QoeReport['by'], string> = {
  title: 'title_id',
  region: "coalesce(region, 'unknown')",
  device: "coalesce(device, 'unknown')",
};

/** Events may be stamped up to 5 minutes ahead of their arrival. */
const ARRIVAL_SKEW_MS = 5 * 60_000;

function where(engine: AnalyticsEngine, window: ReportWindow, until: Date): string {
  const firstDay = new Date(window.since.getTime() - ARRIVAL_SKEW_MS).toISOString().slice(0, 10);
  return `ts >= ${engine.dialect.timestamp(window.since)} AND ts < ${engine.dialect.timestamp(until)} AND dt >= '${firstDay}'`;
}

const num = (v: QueryValue | undefined): number =>
  typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v);
const maybe = (v: QueryValue | undefined): number | null => (v === null || v === undefined ? null : num(v));
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const day = (v: QueryValue | undefined) => String(v ?? '').slice(0, 10);

function qoeSelect(engine: AnalyticsEngine, key: string | undefined): string {
  const p = engine.dialect.percentile;
  return [
    ...(key ? [`${key} AS k`] : []),
    "count(*) FILTER (WHERE type = 'startup') AS startups",
    `${p('startup_ms', 0.5)} AS startup_p50`,
    `${p('startup_ms', 0.95)} AS startup_p95`,
    'coalesce(sum(watch_ms), 0) AS watch_ms',
    'coalesce(sum(stall_ms), 0) AS stall_ms',
    "count(*) FILTER (WHERE type = 'rebuffer') AS rebuffers",
    "count(*) FILTER (WHERE type = 'quality_switch') AS switches",
    "count(*) FILTER (WHERE type = 'error') AS errors",
  ].join(', ');
}

function qoeRow(key: string, cells: QueryValue[]): QoeRow {
  const [startups, p50, p95, watchMs, stallMs, rebuffers, switches, errors] = cells.map((c) => c);
  const watchSeconds = num(watchMs) / 1000;
  const stallSeconds = num(stallMs) / 1000;
  return {
    key,
    startups: num(startups),
    startupP50Ms: maybe(p50),
    startupP95Ms: maybe(p95),
    watchSeconds,
    stallSeconds,
    rebuffers: num(rebuffers),
    rebufferRatio: ratio(stallSeconds, watchSeconds),
    bitrateSwitches: num(switches),
    errors: num(errors),
    errorRate: ratio(num(errors), num(startups)),
  };
}

function checkWindow(window: ReportWindow, until: Date): void {
  if (!(window.since.getTime() < until.getTime())) {
    throw new ValidationError('The report window is empty: since must be before until', [
      { path: 'since', message: 'not before until' },
    ]);
  }
}

/** The measurements of a row the SLOs judge, by SLO. */
function measured(row: QoeRow): Partial<Record<keyof SloThresholds, number | null>> {
  return { startupP95Ms: row.startupP95Ms, rebufferRatio: row.rebufferRatio, errorRate: row.errorRate };
}

/**
 * The QoE report: startup p50/p95, rebuffer ratio (stall time / watch time), bitrate switches
 * and errors per title, Region or device, with totals, hourly series and the SLOs.
 *
 * @example
 * ```ts
 * const report = await qoeReport(engine, { stage: 'prod', since: new Date(Date.now() - 86_400_000), by: 'title', thresholds: DEFAULT_SLOS });
 * ```
 */
export async function qoeReport(engine: AnalyticsEngine, options: QoeReportOptions): Promise<QoeReport> {
  const until = options.until ?? new Date();
  checkWindow(options, until);
  const filter = where(engine, options, until);
  let scanned = 0;
  const run = async (sql: string): Promise<QueryResult> => {
    const result = await engine.query(sql);
    scanned += result.bytesScanned ?? 0;
    return result;
  };
  const limit = options.limit ?? 50;
  const [byKey, totals, hourly] = await Promise.all([
    run(
      `SELECT ${qoeSelect(engine, KEY_COLUMN[options.by])} FROM events WHERE ${filter} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`,
    ),
    run(`SELECT ${qoeSelect(engine, undefined)} FROM events WHERE ${filter}`),
    run(`SELECT ${qoeSelect(engine, "date_trunc('hour', ts)")} FROM events WHERE ${filter} GROUP BY 1 ORDER BY 1`),
  ]);
  const rows = byKey.rows.map((r) => qoeRow(String(r[0]), r.slice(1)));
  const total = qoeRow('all', totals.rows[0] ?? []);
  const thresholds = options.thresholds;
  const apiP99Ms = options.apiP99Ms ?? null;
  const overall: Record<keyof SloThresholds, number | null> = {
    startupP95Ms: total.startupP95Ms,
    rebufferRatio: total.rebufferRatio,
    apiP99Ms,
    errorRate: total.errorRate,
  };
  const slos: SloCheck[] = (Object.keys(SLO_LABELS) as Array<keyof SloThresholds>).map((slo) => {
    const value = overall[slo];
    return {
      slo,
      ...SLO_LABELS[slo],
      threshold: thresholds[slo],
      value,
      breached: value !== null && value > thresholds[slo],
    };
  });
  const breaches: SloBreach[] = [];
  for (const check of slos) {
    if (check.breached && check.value !== null)
      breaches.push({ slo: check.slo, scope: 'all', value: check.value, threshold: check.threshold });
  }
  for (const row of rows) {
    for (const [slo, value] of Object.entries(measured(row)) as Array<[keyof SloThresholds, number | null]>) {
      if (value !== null && value > thresholds[slo])
        breaches.push({ slo, scope: row.key, value, threshold: thresholds[slo] });
    }
  }
  return {
    kind: 'qoe',
    stage: options.stage,
    engine: engine.name,
    generatedAt: new Date().toISOString(),
    since: options.since.toISOString(),
    until: until.toISOString(),
    by: options.by,
    thresholds,
    totals: total,
    rows,
    hourly: hourly.rows.map((r) => {
      const row = qoeRow(String(r[0]), r.slice(1));
      return {
        hour: new Date(String(r[0])).toISOString(),
        startups: row.startups,
        startupP95Ms: row.startupP95Ms,
        rebufferRatio: row.rebufferRatio,
        errorRate: row.errorRate,
      };
    }),
    apiP99Ms,
    slos,
    breaches,
    ...(engine.name === 'athena' ? { bytesScanned: scanned } : {}),
  };
}

/**
 * The engagement report: daily active viewers, plays and completion rate (titles a viewer
 * completed / titles they played), and each country's most played titles.
 *
 * @example
 * ```ts
 * const report = await engagementReport(engine, { stage: 'prod', since: new Date(Date.now() - 7 * 86_400_000) });
 * ```
 */
export async function engagementReport(
  engine: AnalyticsEngine,
  options: ReportWindow & { top?: number },
): Promise<EngagementReport> {
  const until = options.until ?? new Date();
  checkWindow(options, until);
  const filter = where(engine, options, until);
  const top = options.top ?? 10;
  let scanned = 0;
  const run = async (sql: string): Promise<QueryResult> => {
    const result = await engine.query(sql);
    scanned += result.bytesScanned ?? 0;
    return result;
  };
  const measures = [
    'count(DISTINCT user_id) AS viewers',
    "count(*) FILTER (WHERE type = 'play') AS plays",
    "count(DISTINCT CASE WHEN type = 'complete' THEN user_id || '/' || title_id END) AS completed",
    "count(DISTINCT CASE WHEN type = 'play' THEN user_id || '/' || title_id END) AS played",
  ].join(', ');
  const [daily, totals, titles] = await Promise.all([
    run(`SELECT date_trunc('day', ts) AS day, ${measures} FROM events WHERE ${filter} GROUP BY 1 ORDER BY 1`),
    run(`SELECT ${measures} FROM events WHERE ${filter}`),
    run(
      `SELECT country, title_id, plays, viewers, pos FROM (SELECT coalesce(country, '--') AS country, title_id, count(*) AS plays, count(DISTINCT user_id) AS viewers, row_number() OVER (PARTITION BY coalesce(country, '--') ORDER BY count(*) DESC, title_id) AS pos FROM events WHERE type = 'play' AND ${filter} GROUP BY 1, 2) ranked WHERE pos <= ${top} ORDER BY 1, 5`,
    ),
  ]);
  const completion = (completed: QueryValue | undefined, played: QueryValue | undefined) =>
    ratio(num(completed), num(played));
  const [viewers, plays, completed, played] = totals.rows[0] ?? [];
  return {
    kind: 'engagement',
    stage: options.stage,
    engine: engine.name,
    generatedAt: new Date().toISOString(),
    since: options.since.toISOString(),
    until: until.toISOString(),
    daily: daily.rows.map((r) => ({
      day: day(r[0]),
      activeViewers: num(r[1]),
      plays: num(r[2]),
      completions: num(r[3]),
      completionRate: completion(r[3], r[4]),
    })),
    totals: {
      activeViewers: num(viewers),
      plays: num(plays),
      completions: num(completed),
      completionRate: completion(completed, played),
    },
    topTitles: titles.rows.map((r) => ({
      country: String(r[0]),
      titleId: String(r[1]),
      plays: num(r[2]),
      viewers: num(r[3]),
      rank: num(r[4]),
    })),
    ...(engine.name === 'athena' ? { bytesScanned: scanned } : {}),
  };
}

/** The file the local API appends its request log to, in the data dir. */
export const LOCAL_REQUEST_LOG = 'logs/requests.ndjson';

/**
 * The p99 of request durations (nearest rank) among request log lines (`{at, durationMs, …}`,
 * one JSON object a line) whose time falls in a window; null when none does. Lines that are not
 * request entries are skipped.
 *
 * @example
 * ```ts
 * const apiP99Ms = requestLatencyP99(await readFile(join(dataDir, LOCAL_REQUEST_LOG), 'utf8'), since, until);
 * ```
 */
export function requestLatencyP99(ndjson: string, since: Date, until: Date): number | null {
  const from = since.getTime();
  const to = until.getTime();
  const durations: number[] = [];
  for (const line of ndjson.split('\n')) {
    if (!line) continue;
    let entry: { at?: unknown; durationMs?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const at = typeof entry.at === 'string' ? Date.parse(entry.at) : Number.NaN;
    if (typeof entry.durationMs !== 'number' || !(at >= from && at < to)) continue;
    durations.push(entry.durationMs);
  }
  if (!durations.length) return null;
  durations.sort((a, b) => a - b);
  return durations[Math.max(0, Math.ceil(durations.length * 0.99) - 1)] as number;
}
