/**
 * Cookies a script can't read: the player loaded from the edge (one origin for the page, the
 * API and the media, as the distribution is on AWS) gets the grant's CloudFront cookies as
 * HttpOnly `Set-Cookie` headers scoped to the title's tree, never in the grant's JSON, and
 * plays with them; `document.cookie` never holds them. A player on another origin still gets
 * them in the JSON (for clients that set cookies themselves).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLocalPlatformState } from '@streamctl/sdk/local';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, exec, launchChromium, makeClip, runnable, startDev, stopDev } from './harness.js';

describe.skipIf(!runnable)('grant cookies through the edge, in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-cookies-'));
  const env = { ...process.env, STREAMCTL_DATA_DIR: dataDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const cli = (...args: string[]) => exec(process.execPath, [BIN, ...args, '--stage', 'local'], { env, cwd: dataDir });
  const titleId = 'cookie-clip';
  let dev: ChildProcess;
  let api: string;
  let edge: string;
  let browser: Browser;

  beforeAll(async () => {
    ({ dev, api } = await startDev(dataDir, env));
    edge = readLocalPlatformState(dataDir)?.parts.edge as string;
    const clip = await makeClip(join(dataDir, 'clip.mp4'), 6);
    await cli('ingest', clip, '--id', titleId, '--title', 'Cookie Clip', '--ladder', 'mobile');
    await cli('publish', titleId, '--countries', 'ALL');
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stopDev(dev);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('plays from the edge origin with HttpOnly cookies no script can read, none in the JSON', async () => {
    expect(edge).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const grants: Array<{ setCookies: string[]; body: Record<string, unknown> }> = [];
    page.on('response', async (r) => {
      if (!r.url().startsWith(`${edge}/v1/playback/`) || r.request().method() !== 'POST') return;
      const setCookies = (await r.headersArray())
        .filter((h) => h.name.toLowerCase() === 'set-cookie')
        .map((h) => h.value);
      grants.push({ setCookies, body: (await r.json()) as Record<string, unknown> });
    });
    await page.goto(`${edge}/player/`);
    await page.fill('#user', 'alice');
    await page.fill('#country', 'GB');
    await page.click('#sign-in-button');
    await page.locator(`.rail .item[data-title-id="${titleId}"]`).first().click();
    await page.waitForSelector('#title:not([hidden])');
    await page.click('#play');
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 2, null, {
      timeout: 45_000,
    });
    expect(grants).toHaveLength(1);
    const [grant] = grants;
    expect(grant?.body.cookies).toBeUndefined();
    expect(grant?.setCookies).toHaveLength(3);
    for (const c of grant?.setCookies ?? [])
      expect(c).toMatch(new RegExp(`; Path=/titles/${titleId}/; .*HttpOnly; SameSite=Strict`));
    // The browser holds them, HttpOnly, for the title's tree; the page's scripts see none.
    const held = (await context.cookies(`${edge}/titles/${titleId}/master.m3u8`)).filter((c) =>
      c.name.startsWith('CloudFront-'),
    );
    expect(held.map((c) => [c.name, c.httpOnly, c.path, c.sameSite]).sort()).toEqual(
      [
        ['CloudFront-Key-Pair-Id', true, `/titles/${titleId}/`, 'Strict'],
        ['CloudFront-Policy', true, `/titles/${titleId}/`, 'Strict'],
        ['CloudFront-Signature', true, `/titles/${titleId}/`, 'Strict'],
      ].sort(),
    );
    expect(await page.evaluate(() => document.cookie)).not.toContain('CloudFront');
    await context.close();
  }, 120_000);

  it('a client on another origin still gets the cookies in the JSON, and no Set-Cookie', async () => {
    const token = (
      (await (await fetch(`${api}/dev/token?user=bob&country=GB&plan=standard`)).json()) as { token: string }
    ).token;
    const res = await fetch(`${api}/v1/playback/${titleId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    const body = (await res.json()) as { cookies?: Record<string, string>; session: { id: string } };
    expect(Object.keys(body.cookies ?? {}).sort()).toEqual([
      'CloudFront-Key-Pair-Id',
      'CloudFront-Policy',
      'CloudFront-Signature',
    ]);
    // A forged origin secret sent straight to the API is no edge.
    const forged = await fetch(`${api}/v1/sessions/${encodeURIComponent(body.session.id)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'x-streamctl-origin-secret': 'guess' },
    });
    expect(forged.headers.getSetCookie()).toEqual([]);
    expect(((await forged.json()) as { cookies?: unknown }).cookies).toBeDefined();
  });
});
