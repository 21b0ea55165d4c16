/**
 * The HTML reports in Debian's Chromium (driven by playwright-core, never a
 * downloaded browser): the page loads with every network request blocked and
 * attempts none, each chart is drawn (its data and its SLO's dashed line in
 * the canvas's pixels), nothing is logged as an error, and a hostile title
 * id stays text. Full-page screenshots go to test-artifacts/ for a human eye.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QoeReport } from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../src/report-render.js';
import { emptyRow, engagementFixture, HOSTILE_TITLE, qoeFixture } from '../fixtures/reports/reports.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM = '/usr/bin/chromium';

// playwright-core is a dev dependency of the web player, the one package that drives a browser;
// the CLI does not depend on it, so it is loaded from there.
type Playwright = typeof import('../../../../examples/web-player/node_modules/playwright-core/index.js');
type Browser = Awaited<ReturnType<Playwright['chromium']['launch']>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

function loadPlaywright(): Playwright | undefined {
  try {
    return createRequire(join(ROOT, 'examples', 'web-player', 'package.json'))('playwright-core') as Playwright;
  } catch {
    return undefined;
  }
}
const playwright = loadPlaywright();
const runnable = (existsSync(CHROMIUM) && playwright !== undefined) || process.env.STREAMCTL_REQUIRE_CHROMIUM === '1';

/** Where the page is served from: fulfilled by the test itself, never resolved. */
const PAGE_URL = 'http://report.invalid/report.html';

/** The colours the renderer draws with: the data's and the threshold line's. */
const COLORS = {
  bar: [0x3b, 0x82, 0xf6],
  breach: [0xef, 0x44, 0x44],
  second: [0x14, 0xb8, 0xa6],
  threshold: [0x1f, 0x29, 0x37],
} as const;

interface CanvasState {
  id: string;
  width: number;
  height: number;
  /** Pixels not transparent. */
  painted: number;
  /** Opaque pixels near each of {@link COLORS}, inside the plot (legend and axes left out). */
  colors: Record<keyof typeof COLORS, number>;
  /** `Chart.getChart(canvas).data.datasets`'s labels; null when no chart owns the canvas. */
  datasets: string[] | null;
}

/**
 * Reads every canvas in the page. A string, because the tests are typechecked without the DOM
 * library: the function runs in the page, where `Chart` is the inlined UMD build's global.
 */
const READ_CANVASES = `(() => {
  const colors = ${JSON.stringify(COLORS)};
  return [...document.querySelectorAll('canvas')].map((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const chart = Chart.getChart(canvas);
    const ratio = chart ? chart.currentDevicePixelRatio : 1;
    const area = chart ? chart.chartArea : { left: 0, top: 0, right: 0, bottom: 0 };
    const counts = Object.fromEntries(Object.keys(colors).map((k) => [k, 0]));
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 0) continue;
      painted++;
      const x = ((i / 4) % canvas.width) / ratio;
      const y = Math.floor(i / 4 / canvas.width) / ratio;
      if (data[i + 3] < 200 || x < area.left || x > area.right || y < area.top || y > area.bottom) continue;
      for (const [name, [r, g, b]] of Object.entries(colors)) {
        if (Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24) counts[name]++;
      }
    }
    return {
      id: canvas.id,
      width: canvas.width,
      height: canvas.height,
      painted,
      colors: counts,
      datasets: chart ? chart.data.datasets.map((d) => d.label) : null,
    };
  });
})()`;

describe.skipIf(!runnable)('HTML reports in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!playwright) throw new Error('playwright-core is not installed (examples/web-player devDependencies)');
    browser = await playwright.chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a page with every request but the page itself blocked, recording what it tried and said. */
  async function open(html: string): Promise<{
    page: Page;
    blocked: string[];
    errors: string[];
    dialogs: string[];
    violations: () => Promise<string[]>;
  }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const blocked: string[] = [];
    const errors: string[] = [];
    const dialogs: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === PAGE_URL) {
        await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
        return;
      }
      blocked.push(url);
      await route.abort('blockedbyclient');
    });
    // CSP refuses before the network is reached (no route sees it): count its refusals too.
    await page.addInitScript(`
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
    `);
    const response = await page.goto(PAGE_URL, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    return {
      page,
      blocked,
      errors,
      dialogs,
      violations: () => page.evaluate<string[]>('window.__violations'),
    };
  }

  it('QoE: every chart drawn with its SLO line, nothing fetched, no errors', async () => {
    const { page, blocked, errors, dialogs, violations } = await open(renderReportHtml(qoeFixture()));
    const canvases = await page.evaluate<CanvasState[]>(READ_CANVASES);
    await page.screenshot({ path: join(ARTIFACTS, 'report-qoe.png'), fullPage: true });

    expect(canvases.map((c) => c.id)).toEqual([
      'chart-startup-p95',
      'chart-rebuffer',
      'chart-hourly-startup',
      'chart-hourly-rebuffer',
      'chart-errors',
    ]);
    const byId = Object.fromEntries(canvases.map((c) => [c.id, c]));
    for (const c of canvases) {
      expect(c.width, c.id).toBeGreaterThan(300);
      expect(c.height, c.id).toBeGreaterThan(200);
      // Axes and labels alone paint a few percent; the data is in its colour.
      expect(c.painted, c.id).toBeGreaterThan(2_000);
      expect(c.colors.bar, c.id).toBeGreaterThan(200);
    }
    expect(byId['chart-startup-p95']?.datasets).toEqual(['Startup p95', 'SLO ≤ 2,000 ms']);
    expect(byId['chart-rebuffer']?.datasets).toEqual(['Rebuffer ratio', 'SLO ≤ 0.50%']);
    expect(byId['chart-hourly-startup']?.datasets).toEqual(['Startup p95', 'SLO ≤ 2,000 ms']);
    expect(byId['chart-hourly-rebuffer']?.datasets).toEqual(['Rebuffer ratio', 'SLO ≤ 0.50%']);
    expect(byId['chart-errors']?.datasets).toEqual(['Errors']);
    // The dashed threshold line is in the pixels, and sintel's breaching bars are red.
    for (const id of ['chart-startup-p95', 'chart-rebuffer', 'chart-hourly-startup', 'chart-hourly-rebuffer']) {
      expect(byId[id]?.colors.threshold, id).toBeGreaterThan(100);
    }
    expect(byId['chart-startup-p95']?.colors.breach).toBeGreaterThan(500);
    expect(byId['chart-rebuffer']?.colors.breach).toBeGreaterThan(500);

    expect(await page.title()).toBe('QoE by title · prod · 2026-11-30 00:00 UTC → 2026-12-01 00:00 UTC');
    expect(await page.locator('.card.breach .label').allTextContents()).toEqual(['Startup time p95']);
    expect(await page.locator('.card.pass').count()).toBe(3);

    expect(blocked).toEqual([]);
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('engagement: daily lines, completion bars and top titles, nothing fetched, no errors', async () => {
    const { page, blocked, errors, dialogs, violations } = await open(renderReportHtml(engagementFixture()));
    const canvases = await page.evaluate<CanvasState[]>(READ_CANVASES);
    await page.screenshot({ path: join(ARTIFACTS, 'report-engagement.png'), fullPage: true });

    expect(canvases.map((c) => [c.id, c.datasets])).toEqual([
      ['chart-daily', ['Active viewers', 'Plays']],
      ['chart-completion', ['Completion rate']],
    ]);
    const [daily, completion] = canvases;
    expect(daily?.painted).toBeGreaterThan(2_000);
    expect(daily?.colors.bar).toBeGreaterThan(100);
    expect(daily?.colors.second).toBeGreaterThan(100);
    expect(completion?.colors.second).toBeGreaterThan(1_000);

    expect(await page.locator('.tops h3').allTextContents()).toEqual(['GB', 'US']);
    expect(await page.locator('.tops table').nth(1).locator('tbody tr').count()).toBe(4);

    expect(blocked).toEqual([]);
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('a hostile title id is shown as text: no element, no script, no dialog', async () => {
    const report: QoeReport = qoeFixture();
    report.rows.push({ ...emptyRow(HOSTILE_TITLE), startups: 3, errors: 1, errorRate: 1 / 3 });
    report.breaches.push({ slo: 'errorRate', scope: HOSTILE_TITLE, value: 1 / 3, threshold: 0.01 });
    const { page, blocked, errors, dialogs, violations } = await open(renderReportHtml(report));

    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('td', { hasText: HOSTILE_TITLE }).count()).toBe(2);
    const canvases = await page.evaluate<CanvasState[]>(READ_CANVASES);
    expect(canvases).toHaveLength(5);
    const labels = await page.evaluate<string[]>(`Chart.getChart(document.getElementById('chart-errors')).data.labels`);
    expect(labels.at(-1)).toBe(`${HOSTILE_TITLE.slice(0, 19)}…`);

    expect(blocked).toEqual([]);
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
