/**
 * The whole loop from a viewer's chair, in Debian's Chromium driven by
 * playwright-core (never a downloaded browser): a real `streamctl dev`
 * serving the built player, a clip ingested and published with the CLI,
 * then sign in, rails, search, a title, My List, playback through the edge
 * with signed cookies, and the progress reaching Continue Watching; and a
 * basic plan's one stream between two devices: heartbeats, the limit screen,
 * stopping the other device, and the stopped device told so.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, BIN, exec, launchChromium, makeClip, runnable, startDev, tearDown } from './harness.js';

describe.skipIf(!runnable)('web player in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-player-'));
  const env = {
    ...process.env,
    STREAMCTL_DATA_DIR: dataDir,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Short sessions, so heartbeats come within a test. (The sessions test also moves the page's
    // clock by each grant's `heartbeatSec`, so it holds at the defaults too.)
    STREAMCTL_SESSIONS_HEARTBEAT_SECONDS: '2',
    STREAMCTL_SESSIONS_TTL_SECONDS: '6',
    STREAMCTL_SESSIONS_GRANT_SECONDS: '10',
  };
  const cli = (...args: string[]) => exec(process.execPath, [BIN, ...args, '--stage', 'local'], { env, cwd: dataDir });
  let dev: ChildProcess;
  let api: string;
  let browser: Browser;
  const titleId = 'player-clip';
  // A second title, so search has a second page.
  const otherId = 'second-clip';

  beforeAll(async () => {
    ({ dev, api } = await startDev(dataDir, env));
    // Longer than the player's 10 s progress interval, so a progress event is sent while it plays.
    const clip = await makeClip(join(dataDir, 'clip.mp4'), 14);
    await cli(
      'ingest',
      clip,
      '--id',
      titleId,
      '--title',
      'Player Clip',
      '--genres',
      'documentary',
      '--ladder',
      'mobile',
    );
    // Its first two seconds are enough, and transcode quickly.
    const short = join(dataDir, 'short.mp4');
    await exec('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-t', '2', '-c', 'copy', short]);
    await cli('ingest', short, '--id', otherId, '--title', 'Second Clip', '--genres', 'comedy', '--ladder', 'mobile');
    await cli('publish', titleId, '--countries', 'ALL');
    await cli('publish', otherId, '--countries', 'ALL');
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(() => tearDown(browser, dev, dataDir));

  it('signs in, shows rails, finds a title by search, plays it, keeps My List and continue watching across a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'warning' || msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(`${api}/player/`);
    await page.fill('#user', 'alice');
    await page.fill('#country', 'GB');
    await page.click('#sign-in-button');
    await page.waitForSelector(`.rail .item[data-title-id="${titleId}"]`);
    expect(await page.locator('.rail[data-rail="top10-gb"], .rail[data-rail="new"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'web-player-home.png') });

    // Search as the viewer types, one letter missing: the title is among the results.
    expect(await page.getByRole('search').count()).toBe(1);
    const box = page.getByRole('searchbox', { name: 'Search titles' });
    expect(await box.count()).toBe(1);
    const typed = 'Plyer Clip';
    await box.pressSequentially(typed, { delay: 30 });
    const found = page.locator(`#results .item[data-title-id="${titleId}"]`);
    await found.waitFor({ timeout: 5_000 });
    expect(await page.textContent('#results-heading')).toBe(`Results for "${typed}"`);
    expect(await page.textContent('#results-status')).toMatch(/^\d+ match(es)?$/);
    // The genre chip filters; "All genres" undoes it.
    await page.click('#results-facets .chip:has-text("documentary")');
    await page.waitForFunction(() =>
      document.getElementById('results-status')?.textContent?.endsWith(' in documentary'),
    );
    expect(await found.count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'web-player-search.png') });
    await page.click('#results-facets .chip:has-text("All genres")');
    await page.waitForFunction(() =>
      /^\d+ match(es)?$/.test(document.getElementById('results-status')?.textContent ?? ''),
    );
    await found.click();
    await page.waitForSelector('#title:not([hidden])');
    expect(await page.textContent('#title-name')).toBe('Player Clip');
    // No match says so; clearing the box goes back to the rails.
    await box.fill('qwxzv');
    await page.waitForFunction(
      () => document.getElementById('results-status')?.textContent === 'No titles match "qwxzv".',
    );
    expect(await page.isVisible('#results')).toBe(true);
    expect(await page.locator('#results .item').count()).toBe(0);
    await box.fill('');
    await page.waitForSelector(`#home:not([hidden]) .rail .item[data-title-id="${titleId}"]`);

    await page.locator(`.rail .item[data-title-id="${titleId}"]`).first().click();
    await page.waitForSelector('#title:not([hidden])');
    expect(await page.textContent('#title-name')).toBe('Player Clip');
    await page.click('#my-list');
    await page.waitForFunction(() => document.getElementById('my-list')?.textContent === 'Remove from My List');

    // Every event batch the player posts, as the API accepted it.
    const posted: Array<{ type: string; positionSec?: number }> = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/v1/events') && r.method() === 'POST') posted.push(...(r.postDataJSON() as typeof posted));
    });
    const progressed = page.waitForResponse(
      (r) =>
        r.url().endsWith('/v1/events') &&
        r.status() === 202 &&
        (r.request().postDataJSON() as Array<{ type: string }>).some((e) => e.type === 'progress'),
      { timeout: 30_000 },
    );
    await page.click('#play');
    // The video really plays: its clock runs past two seconds.
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 2, null, {
      timeout: 30_000,
    });
    await page.screenshot({ path: join(ARTIFACTS, 'web-player-playback.png') });
    // Ten seconds into playing, the player reports progress on its own.
    await progressed;
    expect(posted.find((e) => e.type === 'progress')?.positionSec).toBeGreaterThanOrEqual(8);
    // The pause event is posted at once; wait for the API to accept it before reloading.
    const accepted = page.waitForResponse(
      (r) => r.url().endsWith('/v1/events') && r.request().method() === 'POST' && r.status() === 202,
      { timeout: 15_000 },
    );
    const position = await page.evaluate(() => {
      const video = document.getElementById('video') as HTMLVideoElement;
      video.pause();
      return video.currentTime;
    });
    expect(position).toBeGreaterThan(8);
    await accepted;
    expect(posted.map((e) => e.type)).toEqual(expect.arrayContaining(['play', 'progress', 'pause']));

    // The pause event goes to the API, the stream and the watch-state worker: continue watching.
    await page.reload();
    await page.waitForSelector(`.rail[data-rail="my-list"] .item[data-title-id="${titleId}"]`);
    const cw = `.rail[data-rail="continue-watching"] .item[data-title-id="${titleId}"]`;
    const deadline = Date.now() + 45_000;
    while (!(await page.locator(cw).count()) && Date.now() < deadline) {
      await page.waitForTimeout(500);
      await page.reload();
      await page.waitForSelector('.rail');
    }
    expect(errors).toEqual([]);
    expect(await page.locator(`.rail[data-rail="continue-watching"] .item[data-title-id="${titleId}"]`).count()).toBe(
      1,
    );

    // Playing it again resumes where the viewer paused.
    await page.locator(cw).first().click();
    await page.waitForSelector('#title:not([hidden])');
    await page.click('#play');
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 0.5, null, {
      timeout: 30_000,
    });
    const resumedAt = await page.evaluate(() => (document.getElementById('video') as HTMLVideoElement).currentTime);
    expect(resumedAt).toBeGreaterThanOrEqual(Math.floor(position) - 1);
  }, 180_000);

  it('pages search results, keeps only the latest answer and says what went wrong', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${api}/player/`);
    await page.fill('#user', 'bob');
    await page.click('#sign-in-button');
    await page.waitForSelector('.rail');
    // The real API one title a page (its own cursors), an older query answered late, and refusals.
    await page.route('**/v1/search?*', async (route) => {
      const url = new URL(route.request().url());
      const q = url.searchParams.get('q');
      const refusal = (status: number, code: string, message: string) =>
        route.fulfill({ status, json: { error: { code, message } } });
      if (q === 'busy') return refusal(429, 'RATE_LIMITED', 'rate limited');
      if (q === 'bad') return refusal(400, 'VALIDATION', 'q: at most 200 characters');
      if (q === 'down') return refusal(503, 'UNAVAILABLE', 'engine down');
      if (q === 'documentary') await delay(1_500);
      url.searchParams.set('limit', '1');
      return route.continue({ url: url.toString() });
    });
    const box = page.getByRole('searchbox', { name: 'Search titles' });

    const late = page.waitForResponse((r) => r.url().includes('q=documentary'));
    await box.fill('documentary');
    await box.press('Enter');
    await box.fill('clip');
    await box.press('Enter');
    await page.waitForFunction(() => document.getElementById('results-status')?.textContent === '2 matches');
    await late;
    await delay(200);
    expect(await page.textContent('#results-heading')).toBe('Results for "clip"');
    expect(await page.locator('#results .item').count()).toBe(1);

    await page.click('#more-results');
    await page.waitForFunction(() => document.querySelectorAll('#results .item').length === 2);
    const ids = await page.$$eval('#results .item', (items) => items.map((i) => (i as HTMLElement).dataset.titleId));
    expect(ids.sort()).toEqual([otherId, titleId].sort());
    expect(await page.isHidden('#more-results')).toBe(true);

    const refusals = {
      busy: 'Too many searches, wait a moment.',
      bad: 'q: at most 200 characters',
      down: 'Search is unavailable right now. Try again shortly.',
    };
    for (const [q, message] of Object.entries(refusals)) {
      await box.fill(q);
      await box.press('Enter');
      await page.waitForFunction((m) => document.getElementById('results-status')?.textContent === m, message);
      expect(await page.locator('#results .item').count()).toBe(0);
    }
    expect(errors).toEqual([]);
  }, 60_000);
  it('a basic plan plays on one device: heartbeats renew it, another device sees who plays, stops it and plays', async () => {
    const errors: string[] = [];
    const contexts: BrowserContext[] = [];
    /** A browser of its own (its own storage, so its own device id), signed in on the basic plan, on the title. */
    const device = async (userAgent?: string): Promise<Page> => {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        ...(userAgent ? { userAgent } : {}),
      });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'warning') errors.push(msg.text());
      });
      // The page's timers run on a clock the test can move: a heartbeat is due whenever the test says.
      await page.clock.install();
      await page.goto(`${api}/player/`);
      await page.fill('#user', 'erin');
      await page.selectOption('#plan', 'basic');
      await page.click('#sign-in-button');
      await page.locator(`.rail .item[data-title-id="${titleId}"]`).first().click();
      await page.waitForSelector('#title:not([hidden])');
      return page;
    };
    const playing = (page: Page) =>
      page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 1, null, {
        timeout: 30_000,
      });
    const sessionRequest =
      (method: string, sessionId: string, status: number) =>
      (r: { url(): string; status(): number; request(): { method(): string } }) =>
        r.request().method() === method && r.url().endsWith(`/v1/sessions/${sessionId}`) && r.status() === status;

    try {
      // The first device says it is Edge on Windows, so the second can tell it apart.
      const first = await device(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      );
      const heartbeats: string[] = [];
      first.on('request', (r) => {
        if (r.method() === 'PUT' && r.url().includes('/v1/sessions/')) heartbeats.push(r.url());
      });
      const granted = first.waitForResponse((r) => r.url().endsWith(`/v1/playback/${titleId}`) && r.status() === 200);
      await first.click('#play');
      const grantResponse = await granted;
      expect(grantResponse.request().postDataJSON()).toEqual({
        deviceId: expect.stringMatching(/^[A-Za-z0-9-]+$/),
        name: 'Edge on Windows',
        kind: 'browser',
      });
      const grant = (await grantResponse.json()) as {
        session: { id: string; heartbeatSec: number; deviceId: string };
      };
      expect(await first.evaluate(() => localStorage.getItem('streamctl-device-id'))).toBe(grant.session.deviceId);
      await playing(first);

      // Every heartbeatSec the player renews the session, and sets the renewed grant's cookies.
      let cookies: Record<string, string> = {};
      for (let i = 0; i < 2; i++) {
        const renewed = first.waitForResponse(sessionRequest('PUT', grant.session.id, 200));
        await first.clock.fastForward(grant.session.heartbeatSec * 1000);
        cookies = ((await (await renewed).json()) as { cookies: Record<string, string> }).cookies;
      }
      expect(heartbeats.length).toBeGreaterThanOrEqual(2);
      const set = await first.context().cookies(`${api}/titles/${titleId}/master.m3u8`);
      expect(Object.fromEntries(set.map((c) => [c.name, c.value]))).toMatchObject(cookies);

      // A second device on the one-stream plan: the limit screen names the first device.
      const second = await device();
      const refused = second.waitForResponse((r) => r.url().endsWith(`/v1/playback/${titleId}`) && r.status() === 409);
      await second.click('#play');
      await refused;
      const limit = second.getByRole('region', { name: "You're watching on another device" });
      await limit.waitFor();
      expect(await second.evaluate(() => document.activeElement?.id)).toBe('limit');
      expect(await limit.getByRole('listitem').count()).toBe(1);
      expect(await limit.getByRole('listitem').textContent()).toMatch(/Edge on Windows\s+watching Player Clip since/);
      expect(await second.isHidden('#video')).toBe(true);
      await second.screenshot({ path: join(ARTIFACTS, 'web-player-stream-limit.png') });

      // Stopping the first device ends its session, and the second plays. The first device's next
      // heartbeat is answered 404: listened for from here, as with short sessions it may come on
      // its own (the page clock runs) before the test moves it.
      const gone = first.waitForResponse(sessionRequest('PUT', grant.session.id, 404));
      const stopped = second.waitForResponse(sessionRequest('DELETE', grant.session.id, 200));
      await limit.getByRole('button', { name: /^Stop playing there: Edge on Windows, Player Clip$/ }).click();
      await stopped;
      await playing(second);
      expect(await second.isHidden('#limit')).toBe(true);

      // The first device hears it at its next heartbeat: playback stops and says so.
      await first.clock.fastForward(grant.session.heartbeatSec * 1000);
      await gone;
      const ended = first.getByRole('region', { name: 'Playback was stopped on this device' });
      await ended.waitFor();
      expect(await first.evaluate(() => document.activeElement?.id)).toBe('ended');
      expect(await first.evaluate(() => (document.getElementById('video') as HTMLVideoElement).paused)).toBe(true);
      // …and heartbeats no more.
      const sent = heartbeats.length;
      await first.clock.fastForward(grant.session.heartbeatSec * 2000);
      await delay(300);
      expect(heartbeats.length).toBe(sent);

      // Playing again there meets the limit, now naming the second device.
      await ended.getByRole('button', { name: 'Play again' }).click();
      await first.getByRole('region', { name: "You're watching on another device" }).waitFor();
      expect(await first.locator('#limit-sessions li').textContent()).toContain('Chrome on Linux');

      // Going back from the player ends its session: the first device may play (once the API has
      // ended it: the request alone is not enough, a play racing it would still meet the limit).
      const left = second.waitForResponse(
        (r) => r.request().method() === 'DELETE' && r.url().includes('/v1/sessions/') && r.status() === 200,
      );
      await second.click('#back');
      await left;
      await second.waitForSelector('#home:not([hidden])');
      await first.click('#play');
      await playing(first);

      // Leaving the page (pagehide) ends the session as well, with a keepalive request: the API
      // has no session left for the account, and the second device plays.
      const { token } = (await (await fetch(`${api}/dev/token?user=erin&country=US&plan=basic`)).json()) as {
        token: string;
      };
      const active = async () => {
        const res = await fetch(`${api}/v1/sessions`, { headers: { authorization: `Bearer ${token}` } });
        return ((await res.json()) as { items: unknown[] }).items.length;
      };
      expect(await active()).toBe(1);
      await first.goto('about:blank');
      await expect.poll(active, { timeout: 5_000 }).toBe(0);
      await second.locator(`.rail .item[data-title-id="${titleId}"]`).first().click();
      await second.click('#play');
      await playing(second);
      expect(errors).toEqual([]);
    } finally {
      for (const context of contexts) await context.close();
    }
  }, 120_000);
});
