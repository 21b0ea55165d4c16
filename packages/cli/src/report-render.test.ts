import type { QoeReport } from '@streamctl/sdk';
import { describe, expect, it } from 'vitest';
import { emptyRow, engagementFixture, HOSTILE_TITLE, qoeFixture } from '../test/fixtures/reports/reports.js';
import { renderEngagementText, renderQoeText, renderReportHtml } from './report-render.js';

/** The line of a table that starts with `first`. */
const lineOf = (text: string, first: string): string => {
  const line = text.split('\n').find((l) => l.startsWith(`${first} `));
  if (!line) throw new Error(`no line starting with "${first}" in:\n${text}`);
  return line;
};
const cells = (line: string): string[] => line.trim().split(/ {2,}/);

describe('renderQoeText', () => {
  const text = renderQoeText(qoeFixture());

  it('prints the window, engine, a row per title, the totals, the SLOs and the breaches', () => {
    expect(text).toMatchSnapshot();
    expect(text.split('\n')[0]).toBe(
      'QoE by title · 2026-11-30 00:00 UTC → 2026-12-01 00:00 UTC · engine athena · stage prod · 48.2 MB scanned',
    );
    expect(cells(lineOf(text, 'sintel'))).toEqual([
      'sintel',
      '260',
      '1,420 ms',
      '2,650 ms',
      '22h 00m',
      '11m 53s',
      '0.90%',
      '940',
      '2',
      '0.77%',
    ]);
    expect(cells(lineOf(text, 'total'))).toEqual([
      'total',
      '860',
      '1,080 ms',
      '2,140 ms',
      '78h 00m',
      '21m 07s',
      '0.45%',
      '2,755',
      '5',
      '0.58%',
    ]);
    expect(text).toContain('big-buck-bunny');
    expect(text).toContain('tears-of-steel');
  });

  it('gives each SLO its value, threshold and verdict', () => {
    expect(cells(lineOf(text, 'Startup time p95'))).toEqual(['Startup time p95', '2,140 ms', '≤ 2,000 ms', 'BREACH']);
    expect(cells(lineOf(text, 'Rebuffer ratio'))).toEqual(['Rebuffer ratio', '0.45%', '≤ 0.50%', 'PASS']);
    expect(cells(lineOf(text, 'API latency p99'))).toEqual(['API latency p99', '640 ms', '≤ 1,000 ms', 'PASS']);
    expect(cells(lineOf(text, 'Playback error rate'))).toEqual(['Playback error rate', '0.58%', '≤ 1.00%', 'PASS']);
  });

  it('lists the breaches with scope, value and threshold', () => {
    const breaches = text.slice(text.indexOf('breach '));
    expect(breaches.trim().split('\n').slice(1).map(cells)).toEqual([
      ['Startup time p95', 'all', '2,140 ms', '≤ 2,000 ms'],
      ['Startup time p95', 'sintel', '2,650 ms', '≤ 2,000 ms'],
      ['Rebuffer ratio', 'sintel', '0.90%', '≤ 0.50%'],
    ]);
    expect(renderQoeText({ ...qoeFixture(), breaches: [] })).toContain('No breaches.');
  });

  it('prints what nothing measured as –', () => {
    const report = qoeFixture();
    report.rows.push(emptyRow('unwatched'));
    report.apiP99Ms = null;
    report.slos = report.slos.map((c) => (c.slo === 'apiP99Ms' ? { ...c, value: null, breached: false } : c));
    const out = renderQoeText(report);
    expect(cells(lineOf(out, 'unwatched'))).toEqual(['unwatched', '0', '–', '–', '0s', '0s', '–', '0', '0', '–']);
    expect(cells(lineOf(out, 'API latency p99'))).toEqual(['API latency p99', '–', '≤ 1,000 ms', '–']);
  });

  it('colours verdicts only when asked, without skewing the columns', () => {
    expect(text).not.toContain('\x1b[');
    const colored = renderQoeText(qoeFixture(), { color: true });
    expect(colored).toContain('\x1b[31mBREACH\x1b[39m');
    expect(colored).toContain('\x1b[32mPASS');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the escapes the test asked for.
    expect(colored.replace(/\x1b\[\d+m/g, '')).toBe(text);
  });

  it('prints a key holding terminal escapes as inert text', () => {
    const report = qoeFixture();
    report.rows.push(emptyRow('evil\x1b[2J\x1b]0;owned\x07'));
    const out = renderQoeText(report);
    expect(out).not.toContain('\x1b');
    expect(out).toContain('evil?[2J?]0;owned?');
  });
});

describe('renderEngagementText', () => {
  const text = renderEngagementText(engagementFixture());

  it('prints a row per day, the totals and the top titles of each country', () => {
    expect(text).toMatchSnapshot();
    expect(text.split('\n')[0]).toBe(
      'Engagement · 2026-11-24 00:00 UTC → 2026-12-01 00:00 UTC · engine duckdb · stage prod',
    );
    expect(cells(lineOf(text, '2026-11-24'))).toEqual(['2026-11-24', '1,180', '2,242', '1,166', '52.0%']);
    const days = text.split('\n').filter((l) => /^2026-11-\d\d /.test(l));
    expect(days).toHaveLength(7);
    expect(cells(lineOf(text, 'total'))[0]).toBe('total');
    expect(cells(lineOf(text, 'total'))[1]).toBe('4,912');
    const gb = text.indexOf('Top titles in GB');
    const us = text.indexOf('Top titles in US');
    expect(gb).toBeGreaterThan(0);
    expect(us).toBeGreaterThan(gb);
    const usLines = text.slice(us).split('\n').slice(2, 6).map(cells);
    expect(usLines).toEqual([
      ['1', 'big-buck-bunny', '3,420', '2,015'],
      ['2', 'cosmos-laundromat', '2,304', '1,498'],
      ['3', 'sintel', '1,288', '870'],
      ['4', 'spring', '611', '402'],
    ]);
  });

  it('prints a day without plays with its completion rate as –', () => {
    const report = engagementFixture();
    report.daily.push({ day: '2026-12-01', activeViewers: 0, plays: 0, completions: 0, completionRate: null });
    expect(cells(lineOf(renderEngagementText(report), '2026-12-01'))).toEqual(['2026-12-01', '0', '0', '0', '–']);
  });
});

/** The values of every `attr="…"` (or unquoted) in the markup outside script elements. */
function attributes(html: string, attr: string): string[] {
  const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, (m) => m.slice(0, m.indexOf('>') + 1));
  return [...markup.matchAll(new RegExp(`\\s${attr}\\s*=\\s*("[^"]*"|'[^']*'|[^\\s>]+)`, 'gi'))].map((m) =>
    (m[1] ?? '').replace(/^["']|["']$/g, ''),
  );
}

/** The start tags of the page outside script elements (with a script's own start tag). */
function startTags(html: string): string[] {
  const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, '$1</script>');
  return [...markup.matchAll(/<([a-z][a-z0-9-]*)\b/gi)].map((m) => (m[1] ?? '').toLowerCase());
}

describe('renderReportHtml', () => {
  const qoe = renderReportHtml(qoeFixture());
  const engagement = renderReportHtml(engagementFixture());

  it.each([
    ['qoe', qoe],
    ['engagement', engagement],
  ])('%s: a page with a charset, a title, a CSP of inline script and style only, and nothing fetched', (_, html) => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">/);
    expect(html).toMatch(/<title>[^<]+<\/title>/);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'unsafe-inline'");
    expect(csp).not.toMatch(/https?:|connect-src|img-src/);
    for (const attr of ['src', 'href', 'srcset', 'action', 'data', 'poster']) {
      expect(attributes(html, attr), attr).toEqual([]);
    }
    expect(startTags(html).filter((t) => ['link', 'img', 'iframe', 'object', 'embed', 'base'].includes(t))).toEqual([]);
    // Scripts are inline: no `src`, and the page's own code calls nothing out.
    for (const tag of html.matchAll(/<script\b[^>]*>/gi)) expect(tag[0]).not.toMatch(/\ssrc\s*=/i);
    const pageScript = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].at(-1)?.[1] ?? '';
    expect(pageScript).not.toMatch(/fetch\(|XMLHttpRequest|https?:\/\/|import\(/);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
    // Chart.js itself is inside, with the charts switched to no animation.
    expect(html).toContain('Chart.js v4.');
    expect(pageScript).toContain('Chart.defaults.animation = false');
  });

  it('embeds the report as JSON the page can read back', () => {
    const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(qoe)?.[1] ?? '';
    expect(JSON.parse(json)).toEqual(qoeFixture());
  });

  it('draws each SLO as a threshold line on the QoE charts', () => {
    const specs = JSON.parse(
      /<script type="application\/json" id="chart-specs">([\s\S]*?)<\/script>/.exec(qoe)?.[1] ?? '',
    ) as Array<{
      id: string;
      datasets: Array<{ label: string; type?: string; data: Array<{ x: number; y: number }>; borderDash?: number[] }>;
    }>;
    const thresholds = Object.fromEntries(
      specs.map((s) => [s.id, s.datasets.filter((d) => d.borderDash).map((d) => [d.label, d.type, d.data])]),
    );
    // Edge to edge of the plot (x 0 → 1 on the hidden axis), at the threshold.
    const across = (y: number) => [
      { x: 0, y },
      { x: 1, y },
    ];
    expect(thresholds).toEqual({
      'chart-startup-p95': [['SLO ≤ 2,000 ms', 'line', across(2000)]],
      'chart-rebuffer': [['SLO ≤ 0.50%', 'line', across(0.5)]],
      'chart-hourly-startup': [['SLO ≤ 2,000 ms', 'line', across(2000)]],
      'chart-hourly-rebuffer': [['SLO ≤ 0.50%', 'line', across(0.5)]],
      'chart-errors': [],
    });
    for (const s of specs) expect(qoe).toContain(`<canvas id="${s.id}"`);
  });

  it('charts the 20 most watched keys of many, saying so, and lists them all in the table', () => {
    const report = qoeFixture();
    for (let i = 0; i < 30; i++) report.rows.push({ ...emptyRow(`title-${i}`), startups: i });
    const html = renderReportHtml(report);
    const specs = JSON.parse(
      /<script type="application\/json" id="chart-specs">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '',
    ) as Array<{ id: string; labels: string[] }>;
    const startup = specs.find((s) => s.id === 'chart-startup-p95');
    // The fixture's three (hundreds of startups) and title-13 … title-29, in the report's order.
    expect(startup?.labels).toEqual([
      'big-buck-bunny',
      'sintel',
      'tears-of-steel',
      ...Array.from({ length: 17 }, (_, i) => `title-${i + 13}`),
    ]);
    expect(html).toContain('<small>(the 20 with most startups of 33)</small>');
    expect(html).toContain('<td>title-0</td>');
  });

  it('shows the SLOs as cards and the breaches as a table', () => {
    expect(qoe).toContain(
      '<div class="card breach"><div class="label">Startup time p95</div><div class="value">2,140 ms</div><div>SLO ≤ 2,000 ms</div><div class="verdict">BREACH</div></div>',
    );
    expect(qoe).toContain('<div class="card pass"><div class="label">Rebuffer ratio</div>');
    expect(qoe).toContain('<td>sintel</td><td class="num">2,650 ms</td>');
    expect(renderReportHtml({ ...qoeFixture(), breaches: [] })).toContain('No breaches.');
  });

  it('keeps a hostile title id as text everywhere: tables, chart labels and the embedded data', () => {
    const report: QoeReport = qoeFixture();
    report.rows.push({ ...emptyRow(HOSTILE_TITLE), startups: 3, errors: 1, errorRate: 1 / 3 });
    report.breaches.push({ slo: 'errorRate', scope: HOSTILE_TITLE, value: 1 / 3, threshold: 0.01 });
    const engagement = engagementFixture();
    engagement.topTitles.push({ country: '<b>XX</b>', rank: 1, titleId: HOSTILE_TITLE, plays: 1, viewers: 1 });
    for (const html of [renderReportHtml(report), renderReportHtml(engagement)]) {
      expect(startTags(html)).not.toContain('img');
      expect(startTags(html)).not.toContain('b');
      expect(html).not.toContain('<img');
      expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
      // Exactly the page's four scripts close: the id's `</script>` closed none of them.
      expect(html.match(/<\/script>/gi)).toHaveLength(4);
      expect(html).toContain('\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e');
    }
  });

  it('escapes the line and paragraph separators in the embedded JSON', () => {
    const report = qoeFixture();
    report.stage = 'a\u2028b\u2029c&d';
    const html = renderReportHtml(report);
    const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(json).not.toMatch(/[\u2028\u2029&]/);
    expect(JSON.parse(json).stage).toBe('a\u2028b\u2029c&d');
  });
});
