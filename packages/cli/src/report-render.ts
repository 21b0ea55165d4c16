/**
 * How `streamctl report qoe` and `streamctl report engagement` show a
 * report the SDK computed: a terminal table, or one self-contained HTML page
 * with charts (Chart.js inlined, the data embedded, nothing fetched when it
 * is opened, so it can be mailed, archived or opened offline).
 *
 * Only types come from the SDK: the SLOs' labels and units travel in the
 * report itself (`report.slos`), so rendering loads nothing heavy.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { EngagementReport, QoeReport, QoeRow, SloBreach, SloCheck } from '@streamctl/sdk';

/** Options of the text renderers. */
export interface TextRenderOptions {
  /** Colour the verdicts (green PASS, red BREACH) with ANSI escapes; off by default. */
  color?: boolean;
}

// ---------------------------------------------------------------------------
// Formatting shared by the text and the HTML renderers.

/** What a value nothing measured prints as. */
const NONE = '–';
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

const count = (n: number): string => integer.format(n);
const ms = (n: number | null): string => (n === null ? NONE : `${integer.format(Math.round(n))} ms`);
const percent = (ratio: number | null, digits = 2): string =>
  ratio === null ? NONE : `${(ratio * 100).toFixed(digits)}%`;

/** Seconds as `42h 00m`, `12m 05s` or `45s`. */
function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3_600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${integer.format(Math.floor(s / 3_600))}h ${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')}m`;
}

/** An ISO instant as `2026-11-30 00:00 UTC`; anything unparseable as given. */
function instant(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** An hour of the hourly series as `11-30 19:00`. */
function hourLabel(hour: string): string {
  const m = /^\d{4}-(\d{2})-(\d{2})[T ](\d{2})/.exec(hour);
  return m ? `${m[1]}-${m[2]} ${m[3]}:00` : hour;
}

/** Bytes as people read them: `52.4 MB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1_000 && unit < units.length - 1) {
    value /= 1_000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A measurement in its SLO's unit. */
const sloValue = (unit: SloCheck['unit'], value: number | null): string => (unit === 'ms' ? ms(value) : percent(value));

/** Label and unit of a breach's SLO, from the report's own checks. */
function sloOf(report: QoeReport, slo: SloBreach['slo']): { label: string; unit: SloCheck['unit'] } {
  const check = report.slos.find((c) => c.slo === slo);
  return check ?? { label: slo, unit: slo.endsWith('Ms') ? 'ms' : 'ratio' };
}

const verdict = (check: SloCheck): 'PASS' | 'BREACH' | typeof NONE =>
  check.value === null ? NONE : check.breached ? 'BREACH' : 'PASS';

const qoeTitle = (report: QoeReport): string => `QoE by ${report.by}`;

function windowLine(report: QoeReport | EngagementReport): string {
  const scanned = report.bytesScanned !== undefined ? ` · ${formatBytes(report.bytesScanned)} scanned` : '';
  return `${instant(report.since)} → ${instant(report.until)} · engine ${report.engine} · stage ${report.stage}${scanned}`;
}

/** The QoE columns, in the order both renderers show them. */
const QOE_COLUMNS: ReadonlyArray<{ header: string; cell: (row: QoeRow) => string }> = [
  { header: 'startups', cell: (r) => count(r.startups) },
  { header: 'startup p50', cell: (r) => ms(r.startupP50Ms) },
  { header: 'startup p95', cell: (r) => ms(r.startupP95Ms) },
  { header: 'watch time', cell: (r) => duration(r.watchSeconds) },
  { header: 'stall time', cell: (r) => duration(r.stallSeconds) },
  { header: 'rebuffer', cell: (r) => percent(r.rebufferRatio) },
  { header: 'switches', cell: (r) => count(r.bitrateSwitches) },
  { header: 'errors', cell: (r) => count(r.errors) },
  { header: 'error rate', cell: (r) => percent(r.errorRate) },
];

// ---------------------------------------------------------------------------
// Text.

type Tone = 'good' | 'bad';
type Cell = string | { text: string; tone?: Tone };

const ANSI: Record<Tone, [string, string]> = { good: ['\x1b[32m', '\x1b[39m'], bad: ['\x1b[31m', '\x1b[39m'] };

/**
 * Keys come from the lake, so a title id could carry terminal escapes: control characters
 * print as `?` rather than move the cursor or recolour the terminal.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/**
 * Rows as a table, the CLI's way (see `storeTable`): columns as wide as their widest cell, two
 * spaces apart, words left-aligned and numbers right-aligned; colour wraps the text alone, so
 * escapes never skew the columns.
 */
function table(header: string[], rows: Cell[][], color: boolean, rightAligned: (column: number) => boolean): string[] {
  const text = (cell: Cell) => printable(typeof cell === 'string' ? cell : cell.text);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i] ?? '').length)));
  const line = (cells: Cell[]) =>
    cells
      .map((cell, i) => {
        const t = text(cell);
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - t.length));
        const tone = typeof cell === 'string' ? undefined : cell.tone;
        const shown = color && tone ? `${ANSI[tone][0]}${t}${ANSI[tone][1]}` : t;
        return rightAligned(i) ? `${pad}${shown}` : `${shown}${pad}`;
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * The QoE report as terminal text: the window and engine, a row per key with a totals row, the
 * SLOs each against its threshold with its verdict, and the breaches.
 *
 * @example
 * ```ts
 * const report = await qoeReport(engine, { since, until, by: 'title' });
 * ctx.print(renderQoeText(report, { color: io.stdout.isTTY === true }));
 * ```
 */
export function renderQoeText(report: QoeReport, options: TextRenderOptions = {}): string {
  const color = options.color === true;
  const rows = [...report.rows, { ...report.totals, key: 'total' }].map((r) => [
    r.key,
    ...QOE_COLUMNS.map((c) => c.cell(r)),
  ]);
  const grid = table([report.by, ...QOE_COLUMNS.map((c) => c.header)], rows, color, (i) => i > 0);
  // A rule above the totals, as wide as the table.
  const width = Math.max(...grid.map((l) => l.length));
  grid.splice(grid.length - 1, 0, '─'.repeat(width));

  const slos = table(
    ['SLO', 'value', 'threshold', 'verdict'],
    report.slos.map((c) => {
      const v = verdict(c);
      return [
        c.label,
        sloValue(c.unit, c.value),
        `≤ ${sloValue(c.unit, c.threshold)}`,
        v === NONE ? v : { text: v, tone: v === 'PASS' ? 'good' : 'bad' },
      ];
    }),
    color,
    (i) => i === 1 || i === 2,
  );

  const breaches = report.breaches.length
    ? table(
        ['breach', 'scope', 'value', 'threshold'],
        report.breaches.map((b) => {
          const { label, unit } = sloOf(report, b.slo);
          return [{ text: label, tone: 'bad' }, b.scope, sloValue(unit, b.value), `≤ ${sloValue(unit, b.threshold)}`];
        }),
        color,
        (i) => i >= 2,
      )
    : ['No breaches.'];

  return [`${qoeTitle(report)} · ${windowLine(report)}`, '', ...grid, '', ...slos, '', ...breaches, ''].join('\n');
}

/** The countries of a report's top titles, in order, each with its titles by rank. */
function topTitlesByCountry(report: EngagementReport): Array<[string, EngagementReport['topTitles']]> {
  const byCountry = new Map<string, EngagementReport['topTitles']>();
  for (const t of report.topTitles) byCountry.set(t.country, [...(byCountry.get(t.country) ?? []), t]);
  return [...byCountry.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([country, titles]) => [country, [...titles].sort((a, b) => a.rank - b.rank)]);
}

/**
 * The engagement report as terminal text: a row per day with a totals row, then each country's
 * most played titles.
 *
 * @example
 * ```ts
 * const report = await engagementReport(engine, { stage, since });
 * ctx.print(renderEngagementText(report));
 * ```
 */
export function renderEngagementText(report: EngagementReport, options: TextRenderOptions = {}): string {
  const color = options.color === true;
  const daily = table(
    ['day', 'active viewers', 'plays', 'completions', 'completion rate'],
    [...report.daily, { day: 'total', ...report.totals }].map((d) => [
      d.day,
      count(d.activeViewers),
      count(d.plays),
      count(d.completions),
      percent(d.completionRate, 1),
    ]),
    color,
    (i) => i > 0,
  );
  daily.splice(daily.length - 1, 0, '─'.repeat(Math.max(...daily.map((l) => l.length))));

  const countries = topTitlesByCountry(report);
  const top = countries.length
    ? countries.flatMap(([country, titles]) => [
        `Top titles in ${printable(country)}`,
        ...table(
          ['rank', 'title', 'plays', 'viewers'],
          titles.map((t) => [String(t.rank), t.titleId, count(t.plays), count(t.viewers)]),
          color,
          (i) => i !== 1,
        ),
        '',
      ])
    : ['No plays in the window.', ''];

  return [`Engagement · ${windowLine(report)}`, '', ...daily, '', ...top].join('\n');
}

// ---------------------------------------------------------------------------
// HTML.

/** Text for an HTML element or a quoted attribute. */
function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/**
 * JSON for a `<script type="application/json">`: `<`, `>` and `&` as `\u00xx`, so no string in the
 * data can close the element (`</script>`) or open a comment; U+2028/2029 too, so the text is
 * also a valid JavaScript literal.
 */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

let chartJsSource: string | undefined;

/**
 * Chart.js's UMD build (it defines `window.Chart`), read from the installed package. The package's
 * `exports` map does not expose `dist/chart.umd.js`, so it is found beside the main entry.
 */
function chartJs(): string {
  if (chartJsSource === undefined) {
    const main = createRequire(import.meta.url).resolve('chart.js');
    const source = readFileSync(join(dirname(main), 'chart.umd.js'), 'utf8');
    // Inside JavaScript `<\/script` means the same as `</script`, but cannot end the element.
    chartJsSource = source.replace(/<\/(script)/gi, '<\\/$1');
  }
  return chartJsSource;
}

/** One dataset as Chart.js takes it (plain data: the page's script adds the formatters). */
interface DatasetSpec {
  type?: 'bar' | 'line';
  label: string;
  data: Array<number | null> | Array<{ x: number; y: number }>;
  backgroundColor?: string | string[];
  borderColor?: string;
  borderWidth?: number;
  borderDash?: number[];
  pointRadius?: number;
  pointStyle?: string;
  spanGaps?: boolean;
  tension?: number;
  order?: number;
  xAxisID?: string;
  /**
   * Off beside a threshold line: Chart.js groups bars by x axis *id* across every dataset, so the
   * line's own axis would otherwise halve the bars and push them off their labels.
   */
  grouped?: boolean;
}

/** One chart of the page: where it goes, what it draws, how its values read. */
interface ChartSpec {
  id: string;
  type: 'bar' | 'line';
  labels: string[];
  datasets: DatasetSpec[];
  /** How the y values read: `ms`, `%` (already ×100) or plain counts. */
  unit: 'ms' | '%' | 'count';
  /** Hours and days stay level (some skipped when crowded); keys may tilt, none skipped. */
  xLabels: 'level' | 'tilt';
}

/**
 * The hidden x axis (0 to 1, edge to edge of the plot) that threshold lines are drawn along: on a
 * category axis a line runs only between the first and last bars' centres.
 */
const THRESHOLD_AXIS = 'xSlo';

const COLORS = {
  bar: '#3b82f6',
  breach: '#ef4444',
  // Near black: it must read over blue and red bars alike.
  threshold: '#1f2937',
  second: '#14b8a6',
};

/** Keys in a chart: beyond this many the bars are unreadable, so the most watched are drawn. */
const MAX_CHART_KEYS = 20;
/** Beyond this many keys the per-key charts get taller, for their tilted labels. */
const TALL_CHART_KEYS = 8;

/** A ratio as a percentage for the charts (0.0045 → 0.45), without float noise. */
const toPercent = (ratio: number): number => Math.round(ratio * 1e5) / 1e3;
const asPercent = (ratio: number | null): number | null => (ratio === null ? null : toPercent(ratio));

/**
 * The threshold as a dashed line across the whole plot: a `line` dataset on its own hidden axis,
 * so bare Chart.js draws it without an annotation plugin.
 */
function thresholdDataset(label: string, value: number): DatasetSpec {
  return {
    type: 'line',
    label,
    data: [
      { x: 0, y: value },
      { x: 1, y: value },
    ],
    xAxisID: THRESHOLD_AXIS,
    borderColor: COLORS.threshold,
    backgroundColor: COLORS.threshold,
    borderWidth: 2,
    borderDash: [6, 4],
    pointRadius: 0,
    pointStyle: 'line',
    // Drawn last, over the bars.
    order: 0,
  };
}

/** `SLO ≤ 2,000 ms` or `SLO ≤ 0.50%`. */
const thresholdLabel = (unit: SloCheck['unit'], value: number): string => `SLO ≤ ${sloValue(unit, value)}`;

/** Chart labels: long ids are cut (the table below has them whole). */
const chartLabel = (key: string): string => (key.length > 20 ? `${key.slice(0, 19)}…` : key);

function qoeCharts(report: QoeReport): { charts: ChartSpec[]; shownKeys: number } {
  const t = report.thresholds;
  let rows = report.rows;
  if (rows.length > MAX_CHART_KEYS) {
    const kept = new Set([...rows].sort((a, b) => b.startups - a.startups).slice(0, MAX_CHART_KEYS));
    rows = rows.filter((r) => kept.has(r));
  }
  const labels = rows.map((r) => chartLabel(r.key));
  const barColors = (values: Array<number | null>, threshold: number) =>
    values.map((v) => (v !== null && v > threshold ? COLORS.breach : COLORS.bar));
  const p95 = rows.map((r) => r.startupP95Ms);
  const rebuffer = rows.map((r) => asPercent(r.rebufferRatio));
  const hours = report.hourly.map((h) => hourLabel(h.hour));
  const line = (label: string, data: Array<number | null>): DatasetSpec => ({
    type: 'line',
    label,
    data,
    borderColor: COLORS.bar,
    backgroundColor: COLORS.bar,
    borderWidth: 2,
    pointRadius: 2,
    spanGaps: false,
    tension: 0.2,
    order: 1,
  });
  const charts: ChartSpec[] = [
    {
      id: 'chart-startup-p95',
      type: 'bar',
      unit: 'ms',
      labels,
      xLabels: 'tilt',
      datasets: [
        {
          label: 'Startup p95',
          data: p95,
          backgroundColor: barColors(p95, t.startupP95Ms),
          pointStyle: 'rect',
          grouped: false,
          order: 1,
        },
        thresholdDataset(thresholdLabel('ms', t.startupP95Ms), t.startupP95Ms),
      ],
    },
    {
      id: 'chart-rebuffer',
      type: 'bar',
      unit: '%',
      labels,
      xLabels: 'tilt',
      datasets: [
        {
          label: 'Rebuffer ratio',
          data: rebuffer,
          backgroundColor: barColors(rebuffer, toPercent(t.rebufferRatio)),
          pointStyle: 'rect',
          grouped: false,
          order: 1,
        },
        thresholdDataset(thresholdLabel('ratio', t.rebufferRatio), toPercent(t.rebufferRatio)),
      ],
    },
    {
      id: 'chart-hourly-startup',
      type: 'line',
      unit: 'ms',
      labels: hours,
      xLabels: 'level',
      datasets: [
        line(
          'Startup p95',
          report.hourly.map((h) => h.startupP95Ms),
        ),
        thresholdDataset(thresholdLabel('ms', t.startupP95Ms), t.startupP95Ms),
      ],
    },
    {
      id: 'chart-hourly-rebuffer',
      type: 'line',
      unit: '%',
      labels: hours,
      xLabels: 'level',
      datasets: [
        line(
          'Rebuffer ratio',
          report.hourly.map((h) => asPercent(h.rebufferRatio)),
        ),
        thresholdDataset(thresholdLabel('ratio', t.rebufferRatio), toPercent(t.rebufferRatio)),
      ],
    },
    {
      id: 'chart-errors',
      type: 'bar',
      unit: 'count',
      labels,
      xLabels: 'tilt',
      datasets: [
        {
          label: 'Errors',
          pointStyle: 'rect',
          data: rows.map((r) => r.errors),
          backgroundColor: rows.map((r) =>
            r.errorRate !== null && r.errorRate > t.errorRate ? COLORS.breach : COLORS.bar,
          ),
        },
      ],
    },
  ];
  return { charts, shownKeys: rows.length };
}

function engagementCharts(report: EngagementReport): ChartSpec[] {
  const days = report.daily.map((d) => d.day);
  return [
    {
      id: 'chart-daily',
      type: 'line',
      unit: 'count',
      labels: days,
      xLabels: 'level',
      datasets: [
        {
          label: 'Active viewers',
          data: report.daily.map((d) => d.activeViewers),
          borderColor: COLORS.bar,
          backgroundColor: COLORS.bar,
          borderWidth: 2,
          pointRadius: 3,
          tension: 0.2,
        },
        {
          label: 'Plays',
          data: report.daily.map((d) => d.plays),
          borderColor: COLORS.second,
          backgroundColor: COLORS.second,
          borderWidth: 2,
          pointRadius: 3,
          tension: 0.2,
        },
      ],
    },
    {
      id: 'chart-completion',
      type: 'bar',
      unit: '%',
      labels: days,
      xLabels: 'level',
      datasets: [
        {
          label: 'Completion rate',
          data: report.daily.map((d) => asPercent(d.completionRate)),
          backgroundColor: COLORS.second,
          pointStyle: 'rect',
        },
      ],
    },
  ];
}

const CSS = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --good: #15803d; --bad: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: #f9fafb; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: var(--muted); }
h2 { font-size: 16px; margin: 28px 0 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-left: 5px solid var(--muted); border-radius: 6px; padding: 12px 14px; }
.card.pass { border-left-color: var(--good); }
.card.breach { border-left-color: var(--bad); }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 600; margin: 2px 0; }
.card .verdict { font-weight: 600; font-size: 12px; }
.card.pass .verdict { color: var(--good); }
.card.breach .verdict { color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
figcaption { font-weight: 600; margin-bottom: 8px; }
figcaption small { font-weight: 400; color: var(--muted); }
.chart { position: relative; height: 280px; }
.chart.tall { height: 400px; }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); width: 100%; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: #f3f4f6; font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; border-top: 2px solid var(--line); }
td.bad { color: var(--bad); font-weight: 600; }
.scroll { overflow-x: auto; }
.tops { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; }
.tops h3 { font-size: 14px; margin: 0 0 6px; }
p.none { color: var(--good); font-weight: 600; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;

/**
 * The page's own script: builds each chart from its spec, adds the unit formatters, and draws
 * without animation so the page is complete as soon as it has loaded (printing, screenshots).
 */
const PAGE_SCRIPT = `
(function () {
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);
  var number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  var formats = {
    ms: function (v) { return number.format(v) + ' ms'; },
    '%': function (v) { return number.format(v) + '%'; },
    count: function (v) { return number.format(v); }
  };
  var isThreshold = function (dataset) { return dataset.xAxisID === '${THRESHOLD_AXIS}'; };
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
  specs.forEach(function (spec) {
    var format = formats[spec.unit];
    var scales = {
      x: spec.xLabels === 'level'
        ? { ticks: { autoSkip: true, autoSkipPadding: 12, maxRotation: 0 } }
        : { ticks: { autoSkip: false, maxRotation: 90 } },
      y: { beginAtZero: true, grace: '5%', ticks: { precision: spec.unit === 'count' ? 0 : undefined, callback: function (v) { return format(v); } } }
    };
    if (spec.datasets.some(isThreshold)) scales['${THRESHOLD_AXIS}'] = { axis: 'x', type: 'linear', display: false, offset: false, min: 0, max: 1 };
    new Chart(document.getElementById(spec.id), {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: scales,
        plugins: {
          legend: {
            position: 'bottom',
            // Data first, then the SLO (dataset order, not drawing order).
            sort: function (a, b) { return a.datasetIndex - b.datasetIndex; },
            labels: { usePointStyle: true, padding: 16 }
          },
          tooltip: {
            filter: function (item) { return !isThreshold(item.dataset); },
            callbacks: { label: function (c) { return c.dataset.label + ': ' + (c.parsed.y === null ? '–' : format(c.parsed.y)); } }
          }
        }
      }
    });
  });
})();
`;

/** Only inline script and style; nothing loads from anywhere, the page cannot call out. */
const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

function page(title: string, body: string, data: unknown, charts: ChartSpec[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
<footer>Generated by streamctl. Self-contained: the data and Chart.js are inside this file.</footer>
</main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script type="application/json" id="chart-specs">${scriptJson(charts)}</script>
<script>${chartJs()}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function header(title: string, report: QoeReport | EngagementReport): string {
  const scanned = report.bytesScanned !== undefined ? ` · ${esc(formatBytes(report.bytesScanned))} scanned` : '';
  return `<header>
<h1>${esc(title)}</h1>
<p>Stage <strong>${esc(report.stage)}</strong> · ${esc(instant(report.since))} → ${esc(instant(report.until))} · engine ${esc(report.engine)}${scanned} · generated ${esc(instant(report.generatedAt))}</p>
</header>`;
}

function figure(id: string, caption: string, note = '', tall = false): string {
  return `<figure><figcaption>${esc(caption)}${note ? ` <small>${esc(note)}</small>` : ''}</figcaption><div class="chart${tall ? ' tall' : ''}"><canvas id="${esc(id)}" role="img" aria-label="${esc(caption)}"></canvas></div></figure>`;
}

function htmlTable(header: string[], rows: string[][], numeric: (column: number) => boolean, totalRow = false): string {
  const th = header.map((h, i) => `<th${numeric(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const tr = rows
    .map(
      (cells, r) =>
        `<tr${totalRow && r === rows.length - 1 ? ' class="total"' : ''}>${cells
          .map((c, i) => `<td${numeric(i) ? ' class="num"' : ''}>${esc(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table></div>`;
}

function qoeHtml(report: QoeReport): string {
  const { charts, shownKeys } = qoeCharts(report);
  const note = shownKeys < report.rows.length ? `(the ${shownKeys} with most startups of ${report.rows.length})` : '';
  const tall = shownKeys > TALL_CHART_KEYS;
  const cards = report.slos
    .map((c) => {
      const v = verdict(c);
      const cls = v === 'PASS' ? 'pass' : v === 'BREACH' ? 'breach' : 'none';
      return `<div class="card ${cls}"><div class="label">${esc(c.label)}</div><div class="value">${esc(sloValue(c.unit, c.value))}</div><div>SLO ≤ ${esc(sloValue(c.unit, c.threshold))}</div><div class="verdict">${esc(v === NONE ? 'NOT MEASURED' : v)}</div></div>`;
    })
    .join('\n');
  const rows = [...report.rows, { ...report.totals, key: 'total' }].map((r) => [
    r.key,
    ...QOE_COLUMNS.map((c) => c.cell(r)),
  ]);
  const breaches = report.breaches.length
    ? htmlTable(
        ['SLO', 'scope', 'value', 'threshold'],
        report.breaches.map((b) => {
          const { label, unit } = sloOf(report, b.slo);
          return [label, b.scope, sloValue(unit, b.value), `≤ ${sloValue(unit, b.threshold)}`];
        }),
        (i) => i >= 2,
      )
    : '<p class="none">No breaches.</p>';
  const by = report.by;
  const body = `${header(`${qoeTitle(report)} — ${report.stage}`, report)}
<h2>SLOs</h2>
<section class="cards">
${cards}
</section>
<h2>Charts</h2>
<section class="charts">
${figure('chart-startup-p95', `Startup time p95 by ${by}`, note, tall)}
${figure('chart-rebuffer', `Rebuffer ratio by ${by}`, note, tall)}
${figure('chart-hourly-startup', 'Startup time p95 by hour')}
${figure('chart-hourly-rebuffer', 'Rebuffer ratio by hour')}
${figure('chart-errors', `Player errors by ${by}`, note, tall)}
</section>
<h2>Breaches</h2>
${breaches}
<h2>By ${esc(by)}</h2>
${htmlTable([by, ...QOE_COLUMNS.map((c) => c.header)], rows, (i) => i > 0, true)}`;
  return page(
    `${qoeTitle(report)} · ${report.stage} · ${instant(report.since)} → ${instant(report.until)}`,
    body,
    report,
    charts,
  );
}

function engagementHtml(report: EngagementReport): string {
  const charts = engagementCharts(report);
  const totals = [
    ['Active viewers', count(report.totals.activeViewers)],
    ['Plays', count(report.totals.plays)],
    ['Completions', count(report.totals.completions)],
    ['Completion rate', percent(report.totals.completionRate, 1)],
  ]
    .map(
      ([label, value]) =>
        `<div class="card"><div class="label">${esc(label ?? '')}</div><div class="value">${esc(value ?? '')}</div></div>`,
    )
    .join('\n');
  const countries = topTitlesByCountry(report);
  const tops = countries.length
    ? `<section class="tops">
${countries
  .map(
    ([country, titles]) =>
      `<div><h3>${esc(country)}</h3>${htmlTable(
        ['rank', 'title', 'plays', 'viewers'],
        titles.map((t) => [String(t.rank), t.titleId, count(t.plays), count(t.viewers)]),
        (i) => i !== 1,
      )}</div>`,
  )
  .join('\n')}
</section>`
    : '<p>No plays in the window.</p>';
  const daily = htmlTable(
    ['day', 'active viewers', 'plays', 'completions', 'completion rate'],
    [...report.daily, { day: 'total', ...report.totals }].map((d) => [
      d.day,
      count(d.activeViewers),
      count(d.plays),
      count(d.completions),
      percent(d.completionRate, 1),
    ]),
    (i) => i > 0,
    true,
  );
  const body = `${header(`Engagement — ${report.stage}`, report)}
<h2>Totals</h2>
<section class="cards">
${totals}
</section>
<h2>Charts</h2>
<section class="charts">
${figure('chart-daily', 'Active viewers and plays by day')}
${figure('chart-completion', 'Completion rate by day')}
</section>
<h2>Top titles by country</h2>
${tops}
<h2>By day</h2>
${daily}`;
  return page(
    `Engagement · ${report.stage} · ${instant(report.since)} → ${instant(report.until)}`,
    body,
    report,
    charts,
  );
}

/**
 * A report as one self-contained HTML page: inline CSS, Chart.js inlined from the installed
 * package, the report embedded as JSON, and a Content-Security-Policy that allows nothing but
 * the page's own script and style, so opening it fetches nothing. QoE: the SLOs as cards, startup
 * p95, rebuffer ratio and errors by key and by hour with each SLO drawn as a dashed line, and the
 * breaches. Engagement: viewers, plays and completion rate by day, and each country's top titles.
 * Every string of the report is escaped, whatever it holds.
 *
 * @example
 * ```ts
 * await writeFile(options.html, renderReportHtml(report));
 * ```
 */
export function renderReportHtml(report: QoeReport | EngagementReport): string {
  return report.kind === 'qoe' ? qoeHtml(report) : engagementHtml(report);
}
