/**
 * The player's QoE events, measured in Debian's Chromium (playwright-core, never a downloaded
 * browser) against a real `streamctl dev` serving the built player, a clip ingested and published
 * with the CLI and played through the edge with signed cookies: a stall the test injects (one
 * media segment held back until the video waits, then released after a known delay) comes back as
 * a `rebuffer` of that length; startup and watch time match what the test sees in the page; and
 * the API refusing entries as retryable, or being unreachable across a reload, loses nothing.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ClientEvent, EventsResult } from '@streamctl/client';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SenderStats } from '../src/events.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'streamctl.js');
const PLAYER = join(ROOT, 'examples', 'web-player', 'dist');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM = '/usr/bin/chromium';
const exec = promisify(execFile);
const runnable =
  (existsSync(CHROMIUM) && existsSync(join(PLAYER, 'index.html'))) || process.env.STREAMCTL_REQUIRE_CHROMIUM === '1';

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
  const env = { ...process.env, STREAMCTL_DATA_DIR: dataDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const cli = (...args: string[]) => exec(process.execPath, [BIN, ...args, '--stage', 'local'], { env, cwd: dataDir });
  let dev: ChildProcess;
  let api: string;
  let browser: Browser;
  const titleId = 'qoe-clip';

  beforeAll(async () => {
    dev = spawn(process.execPath, [BIN, 'dev', '--json', '--data-dir', dataDir, '--player', PLAYER], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api = await new Promise<string>((resolve, reject) => {
      let out = '';
      dev.stdout?.on('data', (chunk: Buffer) => {
        out += chunk;
        const line = out.split('\n').find((l) => l.includes('"ready"'));
        if (line) resolve((JSON.parse(line) as { api: string }).api);
      });
      dev.once('exit', (code) => reject(new Error(`streamctl dev exited ${code}`)));
    });
    // Three 4 s segments (the mobile ladder's): the first plays, the second is held back.
    const clip = join(dataDir, 'clip.mp4');
    await exec('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '12'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-shortest', clip],
    ]);
    await cli('ingest', clip, '--id', titleId, '--title', 'QoE Clip', '--genres', 'documentary', '--ladder', 'mobile');
    await cli('publish', titleId, '--countries', 'ALL');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (dev && dev.exitCode === null) {
      dev.kill('SIGINT');
      await new Promise((r) => dev.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A fresh browser signed in as `user`, on the title page; every event batch and its answer recorded. */
  async function signedIn(user: string) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const batches: Array<{ events: ClientEvent[]; status: number; result: EventsResult }> = [];
    page.on('response', async (r) => {
      if (!r.url().endsWith('/v1/events') || r.request().method() !== 'POST') return;
      const events = r.request().postDataJSON() as ClientEvent[];
      batches.push({ events, status: r.status(), result: (await r.json()) as EventsResult });
    });
    await page.addInitScript(watchVideo);
    await page.goto(`${api}/player/`);
    await page.fill('#user', user);
    await page.fill('#country', 'GB');
    await page.click('#sign-in-button');
    await page.locator(`.rail .item[data-title-id="${titleId}"]`).first().click();
    await page.waitForSelector('#title:not([hidden])');
    return { page, errors, batches };
  }
  const stats = (page: Page) => page.evaluate(() => window.__streamctl.events as SenderStats);
  const seen = (page: Page) => page.evaluate(() => window.__qoeTest);

  it('reports startup, a stall of the length the test injected, and the watch time played', async () => {
    const { page, errors, batches } = await signedIn('quinn');
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
      await page.context().close();
    }
  }, 60_000);

  it('sends entries the API refused as retryable again, unchanged, and keeps unsent events across a reload', async () => {
    const { page, errors, batches } = await signedIn('rita');
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
      await page.context().close();
    }
  }, 60_000);
});
