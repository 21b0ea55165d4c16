/**
 * The player as a new viewer meets it, in Debian's Chromium (playwright-core, never a downloaded
 * browser) against a real `streamctl dev` serving the built player: a master with two audio tracks
 * (English and French tones) and a WebVTT caption sidecar, ingested and published with the CLI.
 * Home shows artwork; the title page; playback with the audio and caption menus, the keyboard,
 * seek previews from the grant's thumbnail track; pause, reload, and resume from Continue Watching
 * where the progress bar says; DASH through dash.js; a screen for every error the API gives, and a
 * CDN 403 (expired cookies) renewed without one; axe-core finds no serious or critical violation;
 * screenshots at phone (390×844) and desktop (1920×1080) widths.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, BIN, exec, launchChromium, runnable, startDev, tearDown } from './harness.js';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

interface HomeBody {
  rails: Array<{
    id: string;
    items: Array<{ titleId: string; artwork?: { poster?: string; thumbnail?: string }; durationSec?: number }>;
  }>;
}
interface GrantBody {
  manifestUrl: string;
  dashManifestUrl?: string;
  thumbnailTrackUrl?: string;
  session: { id: string };
}

/** Serious and critical axe-core violations on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Array<Record<string, unknown>> }> } }).axe;
    const { violations } = await axe.run();
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${(v.nodes as Array<{ target: string[] }>).map((n) => n.target.join(' ')).join(', ')}`,
      );
  });
}

const video = (page: Page) =>
  page.evaluate(() => {
    const v = document.getElementById('video') as HTMLVideoElement;
    return { t: v.currentTime, paused: v.paused, duration: v.duration, muted: v.muted };
  });
const playingPast = (page: Page, seconds: number, timeout = 30_000) =>
  page.waitForFunction(
    (s) => {
      const v = document.getElementById('video') as HTMLVideoElement;
      return !v.paused && v.currentTime > s;
    },
    seconds,
    { timeout },
  );

describe.skipIf(!runnable)('web player UX in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-ux-'));
  const env = { ...process.env, STREAMCTL_DATA_DIR: dataDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const cli = (...args: string[]) => exec(process.execPath, [BIN, ...args, '--stage', 'local'], { env, cwd: dataDir });
  const titleId = 'ux-clip';
  let dev: ChildProcess;
  let api: string;
  let browser: Browser;

  beforeAll(async () => {
    ({ dev, api } = await startDev(dataDir, env));
    // Two audio streams (440 Hz English, 660 Hz French) beside the picture, 12 s.
    const master = join(dataDir, 'master.mp4');
    await exec('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000', '-t', '12'],
      ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac'],
      ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra', '-shortest', master],
    ]);
    // A caption on screen all the time: a cue every two seconds.
    const cues = Array.from({ length: 6 }, (_, i) => {
      const at = (s: number) => `00:00:${String(s).padStart(2, '0')}.000`;
      return `${at(i * 2)} --> ${at(i * 2 + 2)}\nCaption number ${i + 1}\n`;
    });
    const vtt = join(dataDir, 'captions.en.vtt');
    writeFileSync(vtt, `WEBVTT\n\n${cues.join('\n')}`);
    await cli(
      'ingest',
      master,
      '--id',
      titleId,
      '--title',
      'Two Tones',
      '--genres',
      'documentary',
      '--ladder',
      'mobile',
      '--captions',
      `en=${vtt}`,
    );
    await cli('publish', titleId, '--countries', 'ALL', '--until', '2036-12-31T00:00:00Z');
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(() => tearDown(browser, dev, dataDir));

  /** A fresh browser page signed in as `user` at a viewport; the home response kept. */
  async function signedIn(user: string, viewport = { width: 1920, height: 1080 }, query = '') {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const homeBody = page.waitForResponse((r) => r.url().endsWith('/v1/home') && r.status() === 200);
    await page.goto(`${api}/player/${query}`);
    await page.fill('#user', user);
    await page.click('#sign-in-button');
    await page.waitForSelector(`.rail .item[data-title-id="${titleId}"]`).catch(async (err: Error) => {
      // Say what the page says instead (an error screen) when the rails never come.
      const shown = await page.textContent('#problem:not([hidden])', { timeout: 100 }).catch(() => null);
      throw new Error(`no card for ${titleId}${shown ? `; the page says: ${shown}` : ''}`, { cause: err });
    });
    const home = (await (await homeBody).json()) as HomeBody;
    return { page, errors, home, close: () => context.close() };
  }

  /** Opens the title from its first card and presses Play (or Resume); answers the grant. */
  async function playFromCard(page: Page, card = `.rail .item[data-title-id="${titleId}"]`): Promise<GrantBody> {
    await page.locator(card).first().click();
    await page.waitForSelector('#title:not([hidden])');
    const granted = page.waitForResponse((r) => r.url().endsWith(`/v1/playback/${titleId}`) && r.status() === 200);
    await page.click('#play');
    return (await (await granted).json()) as GrantBody;
  }

  it('home: a hero and rails of artwork cards, axe-clean, at phone and desktop widths', async () => {
    const { page, errors, close } = await signedIn('home-viewer');
    try {
      for (const [name, viewport] of [
        ['desktop', { width: 1920, height: 1080 }],
        ['phone', { width: 390, height: 844 }],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.waitForSelector('.hero');
        // Cards are 16:9.
        const box = await page.locator(`.rail .item[data-title-id="${titleId}"] .art`).first().boundingBox();
        expect(Math.abs((box?.width ?? 0) / (box?.height ?? 1) - 16 / 9)).toBeLessThan(0.05);
        // The rail scrolls sideways; the page itself never does.
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(ARTIFACTS, `web-player-ux-home-${name}.png`) });
        expect(await axeViolations(page)).toEqual([]);
      }
      // Cards are reached with the keyboard (Tab from the search box), with a visible focus ring.
      await page.focus('#search-input');
      const onCard = () => page.evaluate(() => document.activeElement?.classList.contains('item') === true);
      for (let i = 0; i < 20 && !(await onCard()); i++) await page.keyboard.press('Tab');
      const focus = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return { card: el.classList.contains('item'), outline: getComputedStyle(el).outlineStyle };
      });
      expect(focus).toEqual({ card: true, outline: 'solid' });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('home: a card shows the signed artwork the API gives, loaded', async () => {
    const { page, home, close } = await signedIn('artwork');
    try {
      const item = home.rails.flatMap((r) => r.items).find((i) => i.titleId === titleId);
      const expected = item?.artwork?.thumbnail ?? item?.artwork?.poster;
      // Needs the API to fill rail items' `artwork` (work in progress elsewhere at the time of writing).
      expect(expected, 'GET /v1/home gives no artwork for the title yet').toBeDefined();
      const img = page.locator(`.rail .item[data-title-id="${titleId}"] .art img`).first();
      await img.waitFor({ state: 'attached' });
      expect(await img.getAttribute('src')).toBe(expected);
      await expect
        .poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth))
        .toBeGreaterThan(0);
    } finally {
      await close();
    }
  }, 60_000);

  it('plays with audio and caption menus and the keyboard; pauses, and resumes from Continue Watching', async () => {
    const { page, errors, close } = await signedIn('viewer-one');
    try {
      await page.locator(`.rail .item[data-title-id="${titleId}"]`).first().click();
      await page.waitForSelector('#title:not([hidden])');
      expect(await page.textContent('#title-name')).toBe('Two Tones');
      expect(await page.textContent('#title-meta')).toMatch(/12 s/);
      expect(await page.textContent('#title-genres')).toContain('documentary');
      expect(await page.textContent('#title-availability')).toMatch(/^Available until .*2036$/);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'web-player-ux-title-desktop.png') });

      const granted = page.waitForResponse((r) => r.url().endsWith(`/v1/playback/${titleId}`) && r.status() === 200);
      await page.click('#play');
      await granted;
      await playingPast(page, 1);
      expect(await page.evaluate(() => window.__streamctl.engine)).toBe('hls');

      // The audio and subtitle menus, with labels people read.
      await page.click('#tracks-button');
      const audio = page.getByRole('group', { name: 'Audio' });
      const subtitles = page.getByRole('group', { name: 'Subtitles' });
      expect(await audio.getByRole('radio').count()).toBe(2);
      await audio.getByRole('radio', { name: 'French' }).check();
      await expect
        .poll(() => page.evaluate(() => (window.__streamctl.player as { audioTrack: number }).audioTrack))
        .toBe(1);
      const before = (await video(page)).t;
      await page.waitForFunction(
        (t) => (document.getElementById('video') as HTMLVideoElement).currentTime > t + 1,
        before,
        {
          timeout: 15_000,
        },
      );
      expect(await audio.getByRole('radio', { name: 'French' }).isChecked()).toBe(true);

      await subtitles.getByRole('radio', { name: 'English' }).check();
      const activeCue = () =>
        page.evaluate(() => {
          const tracks = [...(document.getElementById('video') as HTMLVideoElement).textTracks];
          const showing = tracks.find((t) => t.mode === 'showing');
          const cue = showing?.activeCues?.[0] as VTTCue | undefined;
          return cue?.text ?? '';
        });
      await expect.poll(activeCue, { timeout: 15_000 }).toMatch(/^Caption number \d$/);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'web-player-ux-player-desktop.png') });

      // The keyboard: c turns captions off, k pauses, m mutes, → skips ahead; Escape closes the menu.
      await page.keyboard.press('Escape');
      expect(await page.isHidden('#tracks-panel')).toBe(true);
      // Onto the seek bar with the keyboard (so its focus ring shows).
      await page.locator('#seek').focus();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Shift+Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('seek');
      await page.keyboard.press('c');
      await expect.poll(activeCue).toBe('');
      await page.keyboard.press('c');
      await expect.poll(activeCue).toMatch(/^Caption number/);
      const muted = (await video(page)).muted;
      await page.keyboard.press('m');
      expect((await video(page)).muted).toBe(!muted);
      await page.keyboard.press('m');
      await page.keyboard.press('k');
      await expect.poll(async () => (await video(page)).paused).toBe(true);
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press(' ');
      await expect.poll(async () => (await video(page)).paused).toBe(false);
      const focused = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
      expect(focused).not.toBe('none');

      // Pause a few seconds in; the pause event reaches the API.
      await playingPast(page, 5);
      const accepted = page.waitForResponse(
        (r) =>
          r.url().endsWith('/v1/events') &&
          r.status() === 202 &&
          (r.request().postDataJSON() as Array<{ type: string }>).some((e) => e.type === 'pause'),
        { timeout: 15_000 },
      );
      await page.keyboard.press('k');
      await accepted;
      const paused = await video(page);

      // Reload: Continue Watching has it, with the progress bar where it was paused.
      const cw = `.rail[data-rail="continue-watching"] .item[data-title-id="${titleId}"]`;
      const deadline = Date.now() + 45_000;
      await page.reload();
      await page.waitForSelector('.rail');
      while (!(await page.locator(cw).count()) && Date.now() < deadline) {
        await page.waitForTimeout(500);
        await page.reload();
        await page.waitForSelector('.rail');
      }
      const card = page.locator(cw).first();
      expect(await card.locator('.resume-at').textContent()).toBe(
        `Resume at 0:${String(Math.floor(paused.t)).padStart(2, '0')}`,
      );
      const widths = await card.evaluate((el) => ({
        bar: (el.querySelector('.progress-bar') as HTMLElement).getBoundingClientRect().width,
        track: (el.querySelector('.progress') as HTMLElement).getBoundingClientRect().width,
      }));
      expect(Math.abs(widths.bar / widths.track - Math.floor(paused.t) / Math.round(paused.duration))).toBeLessThan(
        0.02,
      );
      await page.screenshot({ path: join(ARTIFACTS, 'web-player-ux-continue-watching.png') });

      await card.click();
      await page.waitForSelector('#title:not([hidden])');
      expect(await page.textContent('#play')).toBe('Resume');
      expect(await page.isVisible('#title-progress')).toBe(true);
      await page.click('#play');
      await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 0.5, null, {
        timeout: 30_000,
      });
      const resumed = (await video(page)).t;
      expect(Math.abs(resumed - paused.t)).toBeLessThanOrEqual(1);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);

  it('shows a seek preview tile from the thumbnail track on hover, and the player is usable at phone width', async () => {
    const { page, errors, close } = await signedIn('viewer-two', { width: 390, height: 844 });
    try {
      const grant = await playFromCard(page);
      await playingPast(page, 1);
      await page.screenshot({ path: join(ARTIFACTS, 'web-player-ux-player-phone.png') });
      expect(await axeViolations(page)).toEqual([]);
      const seek = await page.locator('#seek').boundingBox();
      if (!seek) throw new Error('no seek bar');
      await page.mouse.move(seek.x + seek.width * 0.6, seek.y + seek.height / 2);
      await page.waitForSelector('#seek-preview:not([hidden])');
      expect(await page.textContent('#seek-preview-time')).toMatch(/^0:\d\d$/);
      // Needs the grant's `thumbnailTrackUrl` and the sprites (work in progress elsewhere at the time of writing).
      expect(grant.thumbnailTrackUrl, 'the grant has no thumbnailTrackUrl yet').toBeDefined();
      await page.waitForSelector('#seek-preview-tile:not([hidden])', { timeout: 10_000 });
      const tile = await page.evaluate(() => {
        const el = document.getElementById('seek-preview-tile') as HTMLElement;
        return { url: el.dataset.url ?? '', width: el.offsetWidth };
      });
      expect(tile.url).toMatch(/\.jpg$/);
      expect(tile.width).toBeGreaterThan(0);
      // The sprite loads through the edge with the grant's cookies.
      const status = await page.evaluate(
        (url) => fetch(url, { credentials: 'include' }).then((r) => r.status),
        tile.url,
      );
      expect(status).toBe(200);
      await page.screenshot({ path: join(ARTIFACTS, 'web-player-ux-seek-preview-phone.png') });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('plays the DASH manifest with dash.js when asked (?engine=dash), events and QoE included', async () => {
    const { page, errors, close } = await signedIn('viewer-dash', { width: 1920, height: 1080 }, '?engine=dash');
    try {
      const posted: string[] = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/v1/events') && r.method() === 'POST') {
          posted.push(...(r.postDataJSON() as Array<{ type: string }>).map((e) => e.type));
        }
      });
      const grant = await playFromCard(page);
      // Needs the grant's `dashManifestUrl` and an MPD from the transcoder.
      expect(grant.dashManifestUrl, 'the grant has no dashManifestUrl yet').toBeDefined();
      await playingPast(page, 2);
      expect(await page.evaluate(() => window.__streamctl.engine)).toBe('dash');
      await expect.poll(() => posted, { timeout: 5_000 }).toEqual(expect.arrayContaining(['startup', 'play']));
      await page.click('#tracks-button');
      expect(await page.getByRole('group', { name: 'Audio' }).getByRole('radio').count()).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('has a screen for offline, a title gone, not entitled; renews an expired grant on a CDN 403 without one', async () => {
    const { page, errors, close } = await signedIn('viewer-errors');
    try {
      const problem = page.locator('#problem:not([hidden])');
      // Offline: the home page cannot load; Try again loads it once the network is back.
      await page.route('**/v1/home', (route) => route.abort('internetdisconnected'));
      await page.reload();
      await problem.waitFor();
      expect(await page.textContent('#problem-heading')).toBe("You're offline");
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('problem');
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'web-player-ux-offline.png') });
      await page.unroute('**/v1/home');
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.waitForSelector(`.rail .item[data-title-id="${titleId}"]`);
      expect(await page.isHidden('#problem')).toBe(true);

      // The title is gone (404).
      const refuse =
        (status: number, code: string, message: string) => (route: { fulfill(o: object): Promise<void> }) =>
          route.fulfill({ status, json: { error: { code, message } } });
      await page.route(`**/v1/titles/${titleId}`, refuse(404, 'NOT_FOUND', `Title ${titleId} not found`));
      await page.locator(`.rail .item[data-title-id="${titleId}"]`).first().click();
      await problem.waitFor();
      expect(await page.textContent('#problem-heading')).toBe('This title is no longer available');
      await page.unroute(`**/v1/titles/${titleId}`);

      // Not entitled (403) when playing.
      await page.route(
        `**/v1/playback/${titleId}`,
        refuse(403, 'FORBIDDEN', `Title ${titleId} is not available in US`),
      );
      await page.locator(`.rail .item[data-title-id="${titleId}"]`).first().click();
      await page.waitForSelector('#title:not([hidden])');
      expect(await page.isHidden('#problem')).toBe(true);
      await page.click('#play');
      await problem.waitFor();
      expect(await page.textContent('#problem-heading')).toBe("This title isn't available to you");
      expect(await page.textContent('#problem-message')).toContain('not available in US');
      await page.screenshot({ path: join(ARTIFACTS, 'web-player-ux-not-entitled.png') });
      await page.unroute(`**/v1/playback/${titleId}`);

      // The grant expired: the CDN refuses a segment with 403 once. The player renews the grant (a
      // heartbeat) and the segment is fetched again: no error screen, playback goes on.
      const renewals: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'PUT' && r.url().includes('/v1/sessions/')) renewals.push(r.url());
      });
      let refused = 0;
      await page.route(/\/seg_\d+\.m4s(\?|$)/, async (route) => {
        const index = Number(/seg_(\d+)\.m4s/.exec(route.request().url())?.[1]);
        if (index >= 1 && refused === 0) {
          refused++;
          return route.fulfill({ status: 403, body: 'expired' });
        }
        return route.continue();
      });
      await page.click('#play');
      await playingPast(page, 6, 45_000);
      expect(refused).toBe(1);
      expect(renewals.length).toBeGreaterThanOrEqual(1);
      expect(await page.isHidden('#problem')).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);
});
