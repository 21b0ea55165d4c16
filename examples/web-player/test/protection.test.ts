/**
 * Content protection from a viewer's chair and an attacker's: a title
 * ingested with `--protection aes-128` (a new key every segment) plays in
 * Debian's Chromium through hls.js with every key fetched from the API's key
 * route; a segment taken from the CDN without its key does not decode; the
 * key route refuses a missing token, a viewer who is not playing, a viewer
 * in another country, an ended session and an unknown key, in the one error
 * shape; and no key is anywhere on disk (the CDN bucket, the tables, the
 * logs), in the dev platform's output or in `titles get`. Played from the
 * edge (one origin for the page, the API and the media), the grant's
 * CloudFront cookies come as HttpOnly `Set-Cookie` headers no script reads.
 */
import type { ChildProcess } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLocalPlatformState } from '@streamctl/sdk/local';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoFramesDecoded } from '../../../test/media.js';
import {
  ARTIFACTS,
  BIN,
  exec,
  launchChromium,
  makeClip,
  runnable,
  signInAndPlay,
  startDev,
  tearDown,
} from './harness.js';

interface Grant {
  manifestUrl: string;
  cookies: Record<string, string>;
  protection?: { scheme: string; keyUrl: string };
  session: { id: string };
}

describe.skipIf(!runnable)('AES-128 content protection in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-protection-'));
  const env = { ...process.env, STREAMCTL_DATA_DIR: dataDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const cli = (...args: string[]) => exec(process.execPath, [BIN, ...args, '--stage', 'local'], { env, cwd: dataDir });
  const titleId = 'sealed-clip';
  let dev: ChildProcess;
  let devOutput = '';
  let api: string;
  let browser: Browser;
  let ingestOutput = '';

  const token = async (user: string, country: string) => {
    const res = await fetch(`${api}/dev/token?user=${user}&country=${country}&plan=standard`);
    return ((await res.json()) as { token: string }).token;
  };
  const grantFor = async (bearer: string): Promise<Grant> => {
    const res = await fetch(`${api}/v1/playback/${titleId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Grant;
  };
  /** A file of the title's CDN tree through the edge, with the grant's signed cookies. */
  const cdn = async (grant: Grant, url: string) => {
    const cookie = Object.entries(grant.cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const res = await fetch(url, { headers: { cookie } });
    expect(res.status, url).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };
  const keyRoute = (keyId: string, bearer?: string) =>
    fetch(`${api}/v1/keys/${titleId}/${keyId}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});

  beforeAll(async () => {
    ({ dev, api } = await startDev(dataDir, env));
    dev.stdout?.on('data', (c: Buffer) => {
      devOutput += c;
    });
    dev.stderr?.on('data', (c: Buffer) => {
      devOutput += c;
    });
    const clip = await makeClip(join(dataDir, 'clip.mp4'), 8);
    // The mobile ladder, with a new key every segment: a player crosses key periods as it plays.
    const ladder = join(dataDir, 'rotating.json');
    writeFileSync(
      ladder,
      JSON.stringify({
        name: 'rotating',
        segmentSeconds: 2,
        rungs: [
          { width: 416, height: 234, codec: 'h264', qvbrQuality: 6, maxBitrate: 400_000 },
          { width: 640, height: 360, codec: 'h264', qvbrQuality: 7, maxBitrate: 900_000 },
        ],
        outputs: { dash: false, thumbnailSeconds: 0 },
        protection: 'none',
        keyRotationSegments: 1,
      }),
    );
    ingestOutput = (
      await cli(
        'ingest',
        clip,
        '--id',
        titleId,
        '--title',
        'Sealed Clip',
        '--ladder',
        ladder,
        '--protection',
        'aes-128',
        '--json',
      )
    ).stdout;
    await cli('publish', titleId, '--countries', 'GB');
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(() => tearDown(browser, dev, dataDir));

  it('ingests with the scheme recorded and no key in what it prints', () => {
    const result = JSON.parse(ingestOutput) as { status: string; protection?: { scheme: string } };
    expect(result.status).toBe('READY');
    expect(result.protection).toEqual({ scheme: 'aes-128' });
  });

  it('refuses drm on the local platform before anything is uploaded, naming the fix (exit 2)', async () => {
    const failed = await cli('ingest', join(dataDir, 'clip.mp4'), '--id', 'drm-clip', '--protection', 'drm').then(
      () => undefined,
      (err: { code?: number; stdout?: string; stderr?: string }) => err,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/^error: DRM needs MediaConvert/m);
    expect(failed?.stderr).toMatch(/aes-128/);
    expect(failed?.stdout).toBe('');
    // Nothing was registered.
    const titles = await cli('titles', 'get', 'drm-clip', '--json').catch((err: { code?: number }) => err);
    expect((titles as { code?: number }).code).toBe(1);
  });

  it('plays in Chromium through hls.js, every key from the key route with the viewer token', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const keys: Array<{ url: string; status: number; cacheControl?: string; auth?: string }> = [];
    page.on('response', async (r) => {
      if (!r.url().includes('/v1/keys/')) return;
      keys.push({
        url: r.url(),
        status: r.status(),
        cacheControl: (await r.allHeaders())['cache-control'],
        auth: (await r.request().allHeaders()).authorization,
      });
    });
    // Past two key periods: the player asked for (and decrypted with) more than one key.
    await signInAndPlay(page, { origin: api, user: 'alice', country: 'GB', titleId, pastSec: 4.5 });
    await page.screenshot({ path: join(ARTIFACTS, 'web-player-protected.png') });
    const decoded = await page.evaluate(
      () => (document.getElementById('video') as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames,
    );
    expect(decoded).toBeGreaterThan(50);
    const keyIds = new Set(keys.map((k) => k.url.split('/').at(-1)));
    expect(keyIds.size).toBeGreaterThanOrEqual(2);
    for (const k of keys) {
      // The API's own origin, never the CDN's; the bearer token; never cached.
      expect(k.url.startsWith(`${api}/v1/keys/${titleId}/`)).toBe(true);
      expect(k.status).toBe(200);
      expect(k.auth).toMatch(/^Bearer /);
      expect(k.cacheControl).toBe('no-store');
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a refused key gets its own screen (not a spinner), with Play again', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${api}/player/`);
    await page.fill('#user', 'gina');
    await page.fill('#country', 'GB');
    await page.click('#sign-in-button');
    await page.locator(`.rail .item[data-title-id="${titleId}"]`).first().click();
    await page.waitForSelector('#title:not([hidden])');
    // The key route says no, as it does to a viewer whose session ended.
    await page.route('**/v1/keys/**', (route) =>
      route.fulfill({ status: 403, json: { error: { code: 'FORBIDDEN', message: 'No playback session' } } }),
    );
    await page.click('#play');
    await page.waitForSelector('#problem:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#problem-heading')).toBe("We couldn't unlock this title");
    expect(await page.isHidden('#player')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('problem');
    await page.screenshot({ path: join(ARTIFACTS, 'web-player-key-refused.png') });
    // Once the route answers again, Play again plays.
    await page.unroute('**/v1/keys/**');
    await page.getByRole('button', { name: 'Play again' }).click();
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 1, null, {
      timeout: 30_000,
    });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('a segment from the CDN without its key does not decode; with the key from the route it does', async () => {
    const alice = await token('alice', 'GB');
    const grant = await grantFor(alice);
    expect(grant.protection).toEqual({ scheme: 'aes-128', keyUrl: `/v1/keys/${titleId}/` });
    const master = (await cdn(grant, grant.manifestUrl)).toString('utf8');
    const variant = master.split('\n').find((l) => l.endsWith('.m3u8')) as string;
    const variantUrl = new URL(variant, grant.manifestUrl).href;
    const playlist = (await cdn(grant, variantUrl)).toString('utf8');
    const init = await cdn(grant, new URL(/#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1] as string, variantUrl).href);
    const lines = playlist.split('\n');
    const first = lines.findIndex((l) => l.endsWith('.m4s'));
    const keyUri = /URI="([^"]+)"/.exec(
      lines
        .slice(0, first)
        .reverse()
        .find((l) => l.startsWith('#EXT-X-KEY')) ?? '',
    )?.[1];
    expect(keyUri).toMatch(new RegExp(`^/v1/keys/${titleId}/[0-9a-f]{32}$`));
    const segment = await cdn(grant, new URL(lines[first] as string, variantUrl).href);
    const frames = (media: Buffer, name: string) => {
      const file = join(dataDir, `${name}.mp4`);
      writeFileSync(file, Buffer.concat([init, media]));
      return videoFramesDecoded(file);
    };
    expect(frames(segment, 'sealed')).toBe(0);
    const res = await fetch(`${api}${keyUri}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const key = Buffer.from(await res.arrayBuffer());
    expect(key).toHaveLength(16);
    // No IV in the playlist: the segment's media sequence number (the first is 0).
    const decipher = createDecipheriv('aes-128-cbc', key, Buffer.alloc(16));
    const opened = Buffer.concat([decipher.update(segment), decipher.final()]);
    expect(frames(opened, 'opened')).toBeGreaterThan(0);
    await fetch(`${api}/v1/sessions/${encodeURIComponent(grant.session.id)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice}` },
    });
  }, 60_000);

  it('refuses no token (401), a viewer not playing, another country, an ended session (403), an unknown key (404)', async () => {
    const carol = await token('carol', 'GB');
    const grant = await grantFor(carol);
    const master = (await cdn(grant, grant.manifestUrl)).toString('utf8');
    const variantUrl = new URL(master.split('\n').find((l) => l.endsWith('.m3u8')) as string, grant.manifestUrl).href;
    const keyId = /URI="\/v1\/keys\/[^/]+\/([0-9a-f]{32})"/.exec(
      (await cdn(grant, variantUrl)).toString('utf8'),
    )?.[1] as string;
    const shape = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(0);
      return body.error.message;
    };
    expect((await keyRoute(keyId, carol)).status).toBe(200);
    await shape(await keyRoute(keyId), 401, 'UNAUTHORIZED');
    await shape(await keyRoute(keyId, 'forged.token.value'), 401, 'UNAUTHORIZED');
    // Entitled to the title but not playing it: no key.
    expect(await shape(await keyRoute(keyId, await token('dave', 'GB')), 403, 'FORBIDDEN')).toMatch(
      /No playback session/,
    );
    // Published for GB only.
    expect(await shape(await keyRoute(keyId, await token('erin', 'US')), 403, 'FORBIDDEN')).toMatch(
      /not available in US/,
    );
    await shape(await keyRoute('0'.repeat(32), carol), 404, 'NOT_FOUND');
    await shape(await keyRoute('not-a-key-id', carol), 400, 'VALIDATION_FAILED');
    await shape(await keyRoute(`${keyId}/..%2F..%2Fetc`, carol), 404, 'NOT_FOUND');
    // Another title's path with this key: the key belongs to its title only.
    await shape(
      await fetch(`${api}/v1/keys/other-title/${keyId}`, { headers: { authorization: `Bearer ${carol}` } }),
      404,
      'NOT_FOUND',
    );
    // The session ends: so does the key.
    await fetch(`${api}/v1/sessions/${encodeURIComponent(grant.session.id)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${carol}` },
    });
    await shape(await keyRoute(keyId, carol), 403, 'FORBIDDEN');
  }, 60_000);

  it('plays from the edge origin with HttpOnly grant cookies no script can read, none in the JSON, keys through the edge', async () => {
    const edge = readLocalPlatformState(dataDir)?.parts.edge as string;
    expect(edge).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const grants: Array<{ setCookies: string[]; body: Record<string, unknown> }> = [];
    const keys: number[] = [];
    page.on('response', async (r) => {
      if (r.url().startsWith(`${edge}/v1/keys/`)) keys.push(r.status());
      if (!r.url().startsWith(`${edge}/v1/playback/`) || r.request().method() !== 'POST') return;
      const setCookies = (await r.headersArray())
        .filter((h) => h.name.toLowerCase() === 'set-cookie')
        .map((h) => h.value);
      grants.push({ setCookies, body: (await r.json()) as Record<string, unknown> });
    });
    await signInAndPlay(page, { origin: edge, user: 'gina', country: 'GB', titleId, pastSec: 2 });
    expect(grants).toHaveLength(1);
    const [grant] = grants;
    expect(grant?.body.cookies).toBeUndefined();
    expect(grant?.setCookies).toHaveLength(3);
    for (const c of grant?.setCookies ?? []) {
      expect(c).toMatch(new RegExp(`; Path=/titles/${titleId}/; .*HttpOnly; SameSite=Strict`));
    }
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
    // The keys came through the edge too, answered by the API behind it.
    expect(keys.length).toBeGreaterThanOrEqual(1);
    expect(keys.every((status) => status === 200)).toBe(true);
    await context.close();
  }, 120_000);

  it('a client on another origin gets the grant cookies in the JSON and no Set-Cookie; a forged edge secret changes nothing', async () => {
    const bearer = await token('hana', 'GB');
    const res = await fetch(`${api}/v1/playback/${titleId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    const body = (await res.json()) as Grant;
    expect(Object.keys(body.cookies).sort()).toEqual([
      'CloudFront-Key-Pair-Id',
      'CloudFront-Policy',
      'CloudFront-Signature',
    ]);
    const forged = await fetch(`${api}/v1/sessions/${encodeURIComponent(body.session.id)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${bearer}`, 'x-streamctl-origin-secret': 'guess' },
    });
    expect(forged.headers.getSetCookie()).toEqual([]);
    expect(((await forged.json()) as { cookies?: unknown }).cookies).toBeDefined();
  });

  it('no key is on disk in the clear (CDN bucket, tables, logs), in the dev output or in titles get', async () => {
    const gb = await token('frank', 'GB');
    const grant = await grantFor(gb);
    const master = (await cdn(grant, grant.manifestUrl)).toString('utf8');
    const keyIds = new Set<string>();
    for (const variant of master.split('\n').filter((l) => l.endsWith('.m3u8'))) {
      const text = (await cdn(grant, new URL(variant, grant.manifestUrl).href)).toString('utf8');
      for (const m of text.matchAll(/URI="\/v1\/keys\/[^/]+\/([0-9a-f]{32})"/g)) keyIds.add(m[1] as string);
    }
    expect(keyIds.size).toBeGreaterThanOrEqual(4);
    const keys: Buffer[] = [];
    for (const id of keyIds) keys.push(Buffer.from(await (await keyRoute(id, gb)).arrayBuffer()));
    const needles = keys.flatMap((k) => [
      k,
      Buffer.from(k.toString('hex')),
      Buffer.from(k.toString('hex').toUpperCase()),
      Buffer.from(k.toString('base64')),
      Buffer.from(k.toString('base64url')),
    ]);
    const titles = await cli('titles', 'get', titleId, '--json');
    const haystacks: Array<[string, Buffer]> = [
      ['titles get', Buffer.from(titles.stdout + titles.stderr)],
      ['ingest output', Buffer.from(ingestOutput)],
      ['dev output', Buffer.from(devOutput)],
    ];
    expect((JSON.parse(titles.stdout) as { protection?: unknown }).protection).toEqual({ scheme: 'aes-128' });
    const files = readdirSync(dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    // The CDN bucket's objects and the request log are among them.
    expect(files.some((f) => join(f.parentPath, f.name).includes(join('s3', 'streamctl-local-cdn')))).toBe(true);
    expect(files.some((f) => f.name === 'requests.ndjson')).toBe(true);
    for (const f of files) haystacks.push([join(f.parentPath, f.name), readFileSync(join(f.parentPath, f.name))]);
    const found = haystacks.filter(([, hay]) => needles.some((n) => hay.includes(n))).map(([where]) => where);
    expect(found).toEqual([]);
  }, 60_000);
});
