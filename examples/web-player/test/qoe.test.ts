/**
 * The player's QoE events, measured in Debian's Chromium (playwright-core, never a downloaded
 * browser) against a real `streamctl dev` serving the built player, a clip ingested and published
 * with the CLI and played through the edge with signed cookies: a stall the test injects (one
 * media segment held back until the video waits, then released after a known delay) comes back as
 * a `rebuffer` of that length; startup and watch time match what the test sees in the page; and
 * the API refusing entries as retryable, or being unreachable across a reload, loses nothing.
 * Then the analytics lake: every event the API took is in the local lake exactly once, after the
 * platform (and its lake worker) is killed in the middle of writing a file and started again; the
 * QoE report's rebuffer ratio matches the stall injected, and its HTML page renders.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClientEvent, EventsResult } from '@streamctl/client';
import { loadPlatform, tailEvents } from '@streamctl/sdk';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SenderStats } from '../src/events.js';
import { ARTIFACTS, BIN, exec, launchChromium, makeClip, runnable, startDev, tearDown } from './harness.js';

/** How long the test holds the segment back once the video waits for it, ms. */
const STALL_MS = 3_000;

/** What the test's own listeners on the video element saw, on the page's clock. */
interface Seen {
  clickAt?: number;
  firstPlayingAt?: number;
  waitingAt?: number;
  stalls: Array<{ from: number; to: number }>;
  playingSince?: number;
  playedMs: number;
}

declare global {
  interface Window {
    __qoeTest: Seen;
  }
}

/** The test's listeners: the play click, the first frame, each stall and the time spent playing. */
function watchVideo(): void {
  const seen: Seen = { stalls: [], playedMs: 0 };
  window.__qoeTest = seen;
  document.addEventListener('DOMContentLoaded', () => {
    const video = document.getElementById('video') as HTMLVideoElement;
    document.getElementById('play')?.addEventListener('click', () => {
      seen.clickAt = performance.now();
    });
    const stop = () => {
      if (seen.playingSince === undefined) return;
      seen.playedMs += performance.now() - seen.playingSince;
      seen.playingSince = undefined;
    };
    video.addEventListener('playing', () => {
      const t = performance.now();
      seen.firstPlayingAt ??= t;
      if (seen.waitingAt !== undefined) seen.stalls.push({ from: seen.waitingAt, to: t });
      seen.waitingAt = undefined;
      seen.playingSince ??= t;
    });
    video.addEventListener('waiting', () => {
      stop();
      if (seen.firstPlayingAt !== undefined && !video.seeking) seen.waitingAt ??= performance.now();
    });
    for (const name of ['pause', 'seeking', 'ended']) video.addEventListener(name, stop);
  });
}

describe.skipIf(!runnable)('web player QoE in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-qoe-'));
  const env = {
    ...process.env,
    STREAMCTL_DATA_DIR: dataDir,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Small, frequent lake files: the kill below lands among them.
    STREAMCTL_ANALYTICS_LAKE_FLUSH_SECONDS: '1',
    STREAMCTL_ANALYTICS_LAKE_MAX_EVENTS: '400',
  };
  const cli = (...args: string[]) =>
    exec(process.execPath, [BIN, ...args, '--stage', 'local'], { env, cwd: dataDir, maxBuffer: 64 * 1024 * 1024 });
  let dev: ChildProcess;
  let api: string;
  let browser: Browser;
  const titleId = 'qoe-clip';

  /** Every event the API took (its answer did not reject it), from every page of the file. */
  const accepted: ClientEvent[] = [];
  /** What the stall test saw: the stall and the playing time, ms. */
  let stallSeen: { stallMs: number; playedMs: number } | undefined;

  beforeAll(async () => {
    ({ dev, api } = await startDev(dataDir, env));
    // Three 4 s segments (the mobile ladder's): the first plays, the second is held back.
    const clip = await makeClip(join(dataDir, 'clip.mp4'), 12);
    await cli('ingest', clip, '--id', titleId, '--title', 'QoE Clip', '--genres', 'documentary', '--ladder', 'mobile');
    await cli('publish', titleId, '--countries', 'ALL');
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(() => tearDown(browser, dev, dataDir));

  /** A fresh browser signed in as `user`, on the title page; every event batch and its answer recorded. */
  async function signedIn(user: string) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const batches: Array<{ events: ClientEvent[]; status: number; result: EventsResult }> = [];
    const isEvents = (r: Request) => r.url().endsWith('/v1/events') && r.method() === 'POST';
    let posted = 0;
    let settled = 0;
    page.on('request', (r) => {
      if (isEvents(r)) posted++;
    });
    page.on('requestfailed', (r) => {
      if (isEvents(r)) settled++;
    });
    page.on('response', async (r) => {
      if (!isEvents(r.request())) return;
      try {
        const events = r.request().postDataJSON() as ClientEvent[];
        const result = (await r.json()) as EventsResult;
        batches.push({ events, status: r.status(), result });
        if (r.status() === 202) {
          const refused = new Set(result.rejected.map((x) => x.index));
          accepted.push(...events.filter((_, i) => !refused.has(i)));
        }
      } finally {
        settled++;
      }
    });
    /** Leaves the player (its last events go out on pagehide), waits for every answer, and closes. */
    const leave = async () => {
      await page.goto('about:blank');
      await expect.poll(() => settled, { timeout: 10_000 }).toBe(posted);
      await context.close();
    };
    await page.addInitScript(watchVideo);
    await page.goto(`${api}/player/`);
    await page.fill('#user', user);
    await page.fill('#country', 'GB');
    await page.click('#sign-in-button');
    await page.locator(`.rail .item[data-title-id="${titleId}"]`).first().click();
    await page.waitForSelector('#title:not([hidden])');
    return { page, errors, batches, leave };
  }
  const stats = (page: Page) => page.evaluate(() => window.__streamctl.events as SenderStats);
  const seen = (page: Page) => page.evaluate(() => window.__qoeTest);

  it('reports startup, a stall of the length the test injected, and the watch time played', async () => {
    const { page, errors, batches, leave } = await signedIn('quinn');
    try {
      // Every segment after the first is held until the video waits for it, then STALL_MS more.
      let released = false;
      let held = 0;
      let release: Promise<void> | undefined;
      await page.route(/\/seg_\d+\.m4s(\?|$)/, async (route) => {
        const index = Number(/seg_(\d+)\.m4s/.exec(route.request().url())?.[1]);
        if (index >= 1 && !released) {
          held++;
          release ??= (async () => {
            await page.waitForFunction(() => window.__qoeTest.waitingAt !== undefined, null, {
              timeout: 30_000,
              polling: 20,
            });
            await delay(STALL_MS);
            released = true;
          })();
          await release;
        }
        // hls.js may have given up on a held request (a level switch, a timeout) meanwhile.
        await route.continue().catch(() => undefined);
      });

      await page.click('#play');
      await page.waitForFunction(() => window.__qoeTest.stalls.length === 1, null, { timeout: 30_000 });
      // Playing on after the stall for a moment, then the viewer pauses.
      await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 6, null, {
        timeout: 15_000,
      });
      const paused = page.waitForResponse(
        (r) =>
          r.url().endsWith('/v1/events') &&
          r.status() === 202 &&
          (r.request().postDataJSON() as ClientEvent[]).some((e) => e.type === 'pause'),
        { timeout: 10_000 },
      );
      const position = await page.evaluate(() => {
        const video = document.getElementById('video') as HTMLVideoElement;
        video.pause();
        return video.currentTime;
      });
      await paused;
      await page.screenshot({ path: join(ARTIFACTS, 'web-player-qoe-after-stall.png') });
      const view = await seen(page);
      expect(held).toBeGreaterThanOrEqual(1);

      const events = batches.flatMap((b) => b.events).filter((e) => e.titleId === titleId);
      const stall = view.stalls[0] as { from: number; to: number };
      const injected = stall.to - stall.from;
      const rebuffers = events.filter((e) => e.type === 'rebuffer');
      const startups = events.filter((e) => e.type === 'startup');
      const watched = events.reduce((sum, e) => sum + (e.watchMs ?? 0), 0);
      console.info(
        `stall injected ${STALL_MS} ms, seen ${injected.toFixed(0)} ms, reported ${rebuffers[0]?.stallMs} ms; ` +
          `startup seen ${((view.firstPlayingAt ?? 0) - (view.clickAt ?? 0)).toFixed(0)} ms, reported ${startups[0]?.startupMs} ms; ` +
          `played ${view.playedMs.toFixed(0)} ms (media ${(position * 1000).toFixed(0)} ms), watchMs sum ${watched}; ` +
          `events ${events.map((e) => e.type).join(' ')}`,
      );

      // Startup: once, from the click to the first frame as the page saw it.
      expect(startups).toHaveLength(1);
      const startupSeen = (view.firstPlayingAt ?? 0) - (view.clickAt ?? 0);
      expect(startups[0]?.startupMs).toBeGreaterThan(0);
      expect(startups[0]?.startupMs).toBeLessThan(15_000);
      expect(Math.abs((startups[0]?.startupMs ?? 0) - startupSeen)).toBeLessThan(100);

      // The stall: one, at least as long as the hold, and reported within 10 % of what the page saw.
      expect(view.stalls).toHaveLength(1);
      expect(injected).toBeGreaterThanOrEqual(STALL_MS);
      expect(rebuffers).toHaveLength(1);
      expect(Math.abs((rebuffers[0]?.stallMs ?? 0) - injected)).toBeLessThanOrEqual(injected * 0.1);

      stallSeen = { stallMs: injected, playedMs: view.playedMs };

      // Watch time: the playing time, neither the startup nor the stall, in all.
      expect(Math.abs(watched - view.playedMs)).toBeLessThanOrEqual(Math.max(250, view.playedMs * 0.05));
      expect(Math.abs(watched - position * 1000)).toBeLessThanOrEqual(position * 1000 * 0.1);

      // Every event is version 2 of this playback session, a bitrate switch names both bitrates,
      // and the API took all of them.
      const sessions = new Set(events.map((e) => e.sessionId));
      expect(sessions.size).toBe(1);
      expect(events.every((e) => e.v === 2)).toBe(true);
      for (const e of events.filter((x) => x.type === 'quality_switch')) {
        expect(Number.isInteger(e.fromBitrate) && Number.isInteger(e.toBitrate)).toBe(true);
        expect(e.fromBitrate).not.toBe(e.toBitrate);
      }
      expect(batches.every((b) => b.status === 202 && b.result.rejected.length === 0)).toBe(true);
      const sent = batches.reduce((n, b) => n + b.events.length, 0);
      expect(await stats(page)).toEqual({ sent, dropped: 0, retried: 0, queued: 0 });
      expect(errors).toEqual([]);
    } finally {
      await leave();
    }
  }, 60_000);

  it('sends entries the API refused as retryable again, unchanged, and keeps unsent events across a reload', async () => {
    const { page, errors, batches, leave } = await signedIn('rita');
    try {
      // The first batch is answered as if the stream had throttled every entry.
      let refused = 0;
      await page.route('**/v1/events', async (route) => {
        const entries = route.request().postDataJSON() as unknown[];
        if (refused++ > 0) return route.continue();
        return route.fulfill({
          status: 202,
          json: { accepted: 0, rejected: entries.map((_, index) => ({ index, code: 'THROTTLED', retryable: true })) },
        });
      });
      await page.click('#like');
      await page.click('#my-list');
      await page.waitForFunction(() => document.getElementById('my-list')?.textContent === 'Remove from My List');
      await expect.poll(() => batches.length, { timeout: 10_000 }).toBe(2);
      const [first, second] = batches;
      expect(first?.events.map((e) => e.type)).toEqual(['like', 'watchlist_add']);
      expect(second?.events).toEqual(first?.events);
      expect(second?.status).toBe(202);
      expect(second?.result).toEqual({ accepted: 2, rejected: [] });
      expect(await stats(page)).toEqual({ sent: 2, dropped: 0, retried: 2, queued: 0 });

      // The API unreachable: the event waits in localStorage, and the next load sends it.
      await page.unroute('**/v1/events');
      await page.route('**/v1/events', (route) => route.abort('connectionrefused'));
      await page.click('#like');
      await expect.poll(() => stats(page).then((s) => s.retried), { timeout: 10_000 }).toBe(3);
      const waiting = await page.evaluate(() => JSON.parse(localStorage.getItem('streamctl-events:rita') ?? '[]'));
      expect(waiting).toHaveLength(1);
      await page.unroute('**/v1/events');
      const resent = page.waitForResponse((r) => r.url().endsWith('/v1/events') && r.status() === 202);
      await page.reload();
      const answer = await resent;
      expect(answer.request().postDataJSON()).toEqual(waiting);
      expect(await answer.json()).toEqual({ accepted: 1, rejected: [] });
      await expect
        .poll(() => page.evaluate(() => localStorage.getItem('streamctl-events:rita')), { timeout: 5_000 })
        .toBe('[]');
      expect(await stats(page)).toEqual({ sent: 1, dropped: 0, retried: 0, queued: 0 });
      expect(errors).toEqual([]);
    } finally {
      await leave();
    }
  }, 60_000);

  it('lands every accepted event in the lake exactly once across a kill mid-file, and reports the stall injected', async () => {
    expect(accepted.length).toBeGreaterThan(0);
    expect(stallSeen).toBeDefined();
    // Bulk events from the CLI beside the player's, so that lake files are being written when the
    // platform is killed.
    const bulk = join(dataDir, 'bulk.ndjson');
    const { stdout } = await cli(
      'events',
      'example',
      '--count',
      '6000',
      '--user',
      'bulk-viewer',
      '--title',
      'bulk-title',
    );
    writeFileSync(bulk, stdout);
    await cli('events', 'publish', bulk);
    const lakeDir = join(dataDir, 'lake', 'streamctl-local-lake-us-east-1', 'events');
    const partials = () => {
      if (!existsSync(lakeDir)) return [];
      return readdirSync(lakeDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.partial'));
    };
    // SIGKILL the moment a file is half-written (or, if none is caught within 20 s, wherever the worker is).
    const deadline = Date.now() + 20_000;
    while (!partials().length && Date.now() < deadline) await delay(2);
    const caughtMidFile = partials().length > 0;
    dev.kill('SIGKILL');
    await new Promise((r) => dev.once('exit', r));
    console.info(`killed ${caughtMidFile ? 'in the middle of a file' : 'between files'}: ${partials().join(', ')}`);

    ({ dev, api } = await startDev(dataDir, env));
    // What the stream holds (every engagement record, read back from the start), against the lake.
    const platform = await loadPlatform({ flags: { stage: 'local', dataDir }, env: {} });
    const inStream = new Map<string, string>();
    try {
      const controller = new AbortController();
      let lastRecord = Date.now();
      const idle = setInterval(() => {
        if (Date.now() - lastRecord > 3_000) controller.abort();
      }, 200);
      await tailEvents(platform.clients, platform.config.resources, {
        from: 'start',
        signal: controller.signal,
        onRecord: (record) => {
          lastRecord = Date.now();
          const e = record.event as { kind?: string; id?: string; type?: string };
          if (e && typeof e === 'object' && e.kind !== 'catalog' && e.id) inStream.set(e.id, String(e.type));
        },
      });
      clearInterval(idle);
    } finally {
      platform.close();
    }
    const expected = new Map<string, number>();
    for (const type of inStream.values()) expected.set(type, (expected.get(type) ?? 0) + 1);
    const query = async (sql: string) =>
      JSON.parse((await cli('analytics', 'query', sql, '--json')).stdout) as { rows: Array<Array<string | number>> };
    await expect
      .poll(async () => (await query('select count(*) from events')).rows[0]?.[0], { timeout: 60_000, interval: 500 })
      .toBe(inStream.size);
    const byType = await query('select type, count(*) from events group by 1 order by 1');
    expect(new Map(byType.rows.map(([type, n]) => [String(type), Number(n)]))).toEqual(expected);
    expect((await query('select count(distinct id) from events')).rows[0]?.[0]).toBe(inStream.size);
    // Everything the test saw the API take, and every bulk event, is among them.
    const lakeIds = new Set((await query('select id from events')).rows.map(([id]) => String(id)));
    const bulkIds = stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as ClientEvent).id);
    expect([...accepted.map((e) => e.id), ...bulkIds].filter((id) => !lakeIds.has(id))).toEqual([]);
    console.info(
      `lake: ${lakeIds.size} events, the stream's ${inStream.size}; the test saw ${accepted.length} accepted from the player and ${bulkIds.length} published`,
    );
    expect(partials()).toEqual([]);

    // The QoE report of the player's title: the stall over the time played, as the page saw them.
    const report = JSON.parse(
      (await cli('report', 'qoe', '--since', '1h', '--by', 'title', '--json').catch((err) => err)).stdout,
    ) as import('@streamctl/sdk').QoeReport;
    const row = report.rows.find((r) => r.key === titleId);
    const seen = stallSeen as { stallMs: number; playedMs: number };
    const injectedRatio = seen.stallMs / seen.playedMs;
    console.info(
      `rebuffer ratio reported ${row?.rebufferRatio?.toFixed(4)}, injected ${injectedRatio.toFixed(4)}; startup p95 ${row?.startupP95Ms} ms`,
    );
    expect(row?.startupP95Ms).toBeGreaterThan(0);
    expect(Math.abs((row?.rebufferRatio ?? 0) - injectedRatio)).toBeLessThanOrEqual(injectedRatio * 0.1);
    expect(report.slos.find((s) => s.slo === 'startupP95Ms')?.value).not.toBeNull();
    // The API's p99, from the local API's request log.
    expect(report.apiP99Ms).toBeGreaterThan(0);

    // The report as a page, in the same Chromium: charts drawn, the SLO thresholds among their datasets.
    const html = join(ARTIFACTS, 'report-qoe-player.html');
    await cli('report', 'qoe', '--since', '1h', '--html', html).catch(() => undefined);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(`file://${html}`);
      const thresholds = await page.evaluate(() =>
        [...document.querySelectorAll('canvas')].flatMap((c) =>
          (
            (
              window as unknown as {
                Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: Array<{ label: string }> } } };
              }
            ).Chart.getChart(c)?.data.datasets ?? []
          ).map((d) => d.label),
        ),
      );
      expect(thresholds.some((label) => label.startsWith('SLO'))).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'report-qoe-player.png'), fullPage: true });
    } finally {
      await page.close();
    }
  }, 180_000);
});
