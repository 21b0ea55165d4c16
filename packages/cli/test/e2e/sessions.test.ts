/**
 * Sessions end to end, through the HTTP API and the local edge: a basic
 * account plays on one device and a second device is told which one plays;
 * stopping the first frees the slot; a session whose heartbeats stop ends
 * within its TTL; heartbeats renew the grant; a revoked session's next
 * segment request after its grant period is refused by the edge; each plan
 * gets the master capped at its tallest rung; and no viewer sees, keeps or
 * ends another's session.
 *
 * Timings are the stage's own settings made short (TTL 3 s, heartbeat 1 s,
 * grant 2 s), as `STREAMCTL_SESSIONS_*` would set them.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DEV_TOKEN_AUDIENCE,
  DEV_TOKEN_ISSUER,
  ensureDevSigningKey,
  mintDevToken,
  type RunningEdge,
  startEdge,
} from '@streamctl/local';
import { createPlatform, createPlaybackSigner, createPlaybackVerifier, type Platform } from '@streamctl/sdk';
import { createHttpApp, createJwtVerifier, type NodeServer, serveNode } from '@streamctl/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');
const run = randomUUID().slice(0, 6);
const TTL_S = 3;
const GRANT_S = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2"',
  '1080p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"',
  '720p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"',
  '360p/index.m3u8',
  '',
].join('\n');

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.s3)(`sessions (${target.kind})`, () => {
  let platform: Platform;
  let server: NodeServer;
  let edge: RunningEdge;
  let dataDir: string;
  const titleId = `sess-${run}`;

  const token = async (user: string, plan: string) =>
    (await mintDevToken(dataDir, { userId: `${user}-${run}`, country: 'GB', plan })).token;
  const api = (tok: string, method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tok}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  const start = (tok: string, device?: unknown) => api(tok, 'POST', `/v1/playback/${titleId}`, device);
  const cookieHeader = (cookies: Record<string, string>) =>
    Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  const segment = (cookies: Record<string, string>) =>
    fetch(`${edge.url}/titles/${titleId}/720p/seg_00001.m4s`, { headers: { cookie: cookieHeader(cookies) } });

  interface Grant {
    manifestUrl: string;
    expiresAt: string;
    cookies: Record<string, string>;
    session: { id: string; heartbeatSec: number; expiresAt: string; deviceId: string };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'streamctl-sessions-e2e-'));
    const base = await targetConfig(target);
    const config = {
      ...base,
      dataDir,
      sessions: { ...base.sessions, ttlSeconds: TTL_S, heartbeatSeconds: 1, grantSeconds: GRANT_S },
    };
    const devKey = await ensureDevSigningKey(dataDir);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    platform = createPlatform(config, {
      verifyToken: createJwtVerifier({
        jwks: { keys: [devKey.publicJwk] },
        issuer: DEV_TOKEN_ISSUER,
        audience: DEV_TOKEN_AUDIENCE,
      }),
    });
    edge = await startEdge({
      s3: platform.clients.s3(),
      bucket: config.resources.cdnBucket,
      verifier: createPlaybackVerifier({ KSESSIONTEST1: publicKey }),
    });
    // The platform signs for the edge's URL, as the local API does.
    platform.close();
    platform = createPlatform(config, {
      verifyToken: createJwtVerifier({
        jwks: { keys: [devKey.publicJwk] },
        issuer: DEV_TOKEN_ISSUER,
        audience: DEV_TOKEN_AUDIENCE,
      }),
      playback: {
        signer: createPlaybackSigner({ keyPairId: 'KSESSIONTEST1', privateKey }),
        cdnBaseUrl: edge.url,
      },
    });
    server = await serveNode(
      createHttpApp(platform, {
        rateLimits: { user: { perSecond: 10_000, burst: 10_000 }, ip: { perSecond: 10_000, burst: 10_000 } },
      }),
    );
    const put = (Key: string, Body: string) =>
      platform.clients.s3().send(new PutObjectCommand({ Bucket: config.resources.cdnBucket, Key, Body }));
    await put(`titles/${titleId}/master.m3u8`, MASTER);
    await put(`titles/${titleId}/720p/seg_00001.m4s`, 'segment bytes');
    await platform.catalog.putTitle({ titleId, name: 'Sessions', genres: ['drama'] });
    await platform.catalog.setRenditions(titleId, {
      renditions: [
        { name: '1080p', width: 1920, height: 1080, bandwidth: 5e6, playlist: `titles/${titleId}/1080p/index.m3u8` },
        { name: '720p', width: 1280, height: 720, bandwidth: 3e6, playlist: `titles/${titleId}/720p/index.m3u8` },
        { name: '360p', width: 640, height: 360, bandwidth: 8e5, playlist: `titles/${titleId}/360p/index.m3u8` },
      ],
      manifests: { hls: `titles/${titleId}/master.m3u8` },
    });
    await platform.publish.publish(titleId, { countries: ['GB'] });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await edge?.stop();
    platform?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a basic account plays on one device; the second gets 409 STREAM_LIMIT naming the first; stopping it frees the slot', async () => {
    const basic = await token('basic', 'basic');
    const tvRes = await start(basic, { deviceId: 'tv', name: 'Living room TV', kind: 'tv' });
    expect(tvRes.status).toBe(200);
    const tv = (await tvRes.json()) as Grant;
    expect(tv.session).toMatchObject({ heartbeatSec: 1, deviceId: 'tv' });
    expect((await segment(tv.cookies)).status).toBe(200);

    const phoneRes = await start(basic, { deviceId: 'phone', name: 'Pixel', kind: 'phone' });
    expect(phoneRes.status).toBe(409);
    const refused = (await phoneRes.json()) as {
      error: { code: string; message: string; limit: number; sessions: Array<Record<string, string>> };
    };
    expect(refused.error).toMatchObject({ code: 'STREAM_LIMIT', limit: 1 });
    expect(refused.error.message).toContain('Living room TV');
    expect(refused.error.sessions).toEqual([
      expect.objectContaining({ sessionId: tv.session.id, deviceId: 'tv', deviceName: 'Living room TV', titleId }),
    ]);

    const ended = await api(basic, 'DELETE', `/v1/sessions/${tv.session.id}`);
    expect(await ended.json()).toEqual({ ended: true });
    expect(await (await api(basic, 'DELETE', `/v1/sessions/${tv.session.id}`)).json()).toEqual({ ended: false });
    const phone = await start(basic, { deviceId: 'phone' });
    expect(phone.status).toBe(200);
    const listed = (await (await api(basic, 'GET', '/v1/sessions')).json()) as { items: Array<{ deviceId: string }> };
    expect(listed.items.map((s) => s.deviceId)).toEqual(['phone']);
    const devices = (await (await api(basic, 'GET', '/v1/devices')).json()) as {
      items: Array<{ deviceId: string; name: string; kind: string }>;
    };
    expect(devices.items.map((d) => [d.deviceId, d.name, d.kind]).sort()).toEqual([
      // The refused start registered nothing: the device came with its first successful start.
      ['phone', 'phone', 'other'],
      ['tv', 'Living room TV', 'tv'],
    ]);
  });

  it('a session whose heartbeats stop ends within its TTL and frees the slot; heartbeats keep it and renew the grant', async () => {
    const basic = await token('lapse', 'basic');
    const first = (await (await start(basic, { deviceId: 'tv' })).json()) as Grant;
    // Heartbeats for longer than the TTL keep the session, each renewing the grant.
    let latest = first;
    for (let i = 0; i < 4; i++) {
      await sleep(1_000);
      const beat = await api(basic, 'PUT', `/v1/sessions/${first.session.id}`);
      expect(beat.status).toBe(200);
      latest = (await beat.json()) as Grant;
      expect(latest.session.id).toBe(first.session.id);
    }
    expect(Date.parse(latest.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    expect((await segment(latest.cookies)).status).toBe(200);
    expect((await start(basic, { deviceId: 'phone' })).status).toBe(409);
    // The heartbeats stop: within the TTL the slot is free again.
    const stopped = Date.now();
    let freed = 0;
    for (;;) {
      const res = await start(basic, { deviceId: 'phone' });
      if (res.status === 200) {
        freed = Date.now() - stopped;
        break;
      }
      expect(res.status).toBe(409);
      expect(Date.now() - stopped).toBeLessThan((TTL_S + 2) * 1000);
      await sleep(250);
    }
    expect(freed).toBeLessThanOrEqual((TTL_S + 1) * 1000);
    expect((await api(basic, 'PUT', `/v1/sessions/${first.session.id}`)).status).toBe(404);
  });

  it("a revoked session's next segment request after its grant period is refused by the edge", async () => {
    const standard = await token('revoked', 'standard');
    const grant = (await (await start(standard, { deviceId: 'laptop' })).json()) as Grant;
    expect((await segment(grant.cookies)).status).toBe(200);
    expect(await platform.sessions.revoke(grant.session.id)).toMatchObject({ sessionId: grant.session.id });
    // The player's next heartbeat is told the session ended: no renewed grant.
    const beat = await api(standard, 'PUT', `/v1/sessions/${grant.session.id}`);
    expect(beat.status).toBe(404);
    expect(((await beat.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    // Within one grant period (rounded up to its bucket) the cookies it holds stop working.
    const waitMs = Date.parse(grant.expiresAt) - Date.now() + 1_100;
    expect(waitMs).toBeLessThanOrEqual((GRANT_S * 2 + 2) * 1000);
    await sleep(Math.max(0, waitMs));
    const refused = await segment(grant.cookies);
    expect(refused.status).toBe(403);
  });

  it('gives each plan the master capped at its tallest rung', async () => {
    const master = async (plan: string) => {
      const g = (await (await start(await token(`cap-${plan}`, plan), { deviceId: 'tv' })).json()) as Grant;
      const res = await fetch(g.manifestUrl);
      expect(res.status).toBe(200);
      return { path: new URL(g.manifestUrl).pathname, text: await res.text() };
    };
    const basic = await master('basic');
    expect(basic.path).toBe(`/titles/${titleId}/master.720p.m3u8`);
    expect(basic.text).not.toContain('1920x1080');
    expect(basic.text).toContain('RESOLUTION=1280x720');
    expect(basic.text).toContain('360p/index.m3u8');
    const premium = await master('premium');
    expect(premium.path).toBe(`/titles/${titleId}/master.m3u8`);
    expect(premium.text).toContain('RESOLUTION=1920x1080');
  });

  it("no viewer sees, keeps alive or ends another's session; a plan the stage lacks and bad bodies are refused", async () => {
    const owner = await token('owner', 'standard');
    const mallory = await token('mallory', 'premium');
    const grant = (await (await start(owner, { deviceId: 'tv' })).json()) as Grant;
    expect((await api(mallory, 'PUT', `/v1/sessions/${grant.session.id}`)).status).toBe(404);
    expect((await api(mallory, 'DELETE', `/v1/sessions/${grant.session.id}`)).status).toBe(404);
    expect(((await (await api(mallory, 'GET', '/v1/sessions')).json()) as { items: unknown[] }).items).toEqual([]);
    expect((await api(mallory, 'DELETE', '/v1/devices/tv')).status).toBe(200);
    // The owner's session is untouched by all of it.
    expect((await api(owner, 'PUT', `/v1/sessions/${grant.session.id}`)).status).toBe(200);

    const gold = await token('gold', 'gold');
    const res = await start(gold, { deviceId: 'tv' });
    expect(res.status).toBe(403);
    const raw = (body: string, type?: string) =>
      fetch(`${server.url}/v1/playback/${titleId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${owner}`, ...(type ? { 'content-type': type } : {}) },
        body,
      });
    expect((await raw('', 'application/json')).status).toBe(400);
    expect((await raw('{"deviceId":"tv"}', 'text/plain')).status).toBe(400);
    expect((await raw('{"deviceId":"tv"}')).status).toBe(400);
    for (const body of [
      '{not json',
      {},
      { deviceId: '../../etc' },
      { deviceId: 'tv', kind: 'toaster' },
      { deviceId: 'tv', userId: 'someone-else' },
      { deviceId: 'tv', name: 'x'.repeat(81) },
      [{ deviceId: 'tv' }],
    ]) {
      const bad = await start(owner, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
    for (const id of ['not-a-session', `${'A'.repeat(16)}.${'B'.repeat(200)}`, '..%2F..%2Fetc']) {
      const bad = await api(owner, 'PUT', `/v1/sessions/${id}`);
      expect([400, 404]).toContain(bad.status);
    }
  });

  it('a client that names no device plays as the unnamed device: a second such start replaces the first', async () => {
    const basic = await token('unnamed', 'basic');
    const a = await api(basic, 'POST', `/v1/playback/${titleId}`);
    expect(a.status).toBe(200);
    const b = await api(basic, 'POST', `/v1/playback/${titleId}`);
    expect(b.status).toBe(200);
    const listed = (await (await api(basic, 'GET', '/v1/sessions')).json()) as { items: Array<{ deviceId: string }> };
    expect(listed.items.map((s) => s.deviceId)).toEqual(['unnamed']);
  });

  it('removing a device ends its sessions at once', async () => {
    const premium = await token('remove', 'premium');
    const grant = (await (await start(premium, { deviceId: 'old-tv' })).json()) as Grant;
    expect(await (await api(premium, 'DELETE', '/v1/devices/old-tv')).json()).toEqual({ removed: true });
    expect((await api(premium, 'PUT', `/v1/sessions/${grant.session.id}`)).status).toBe(404);
  });

  it('serves the viewer their own history by month, paged; a bad month or a foreign cursor is a 400', async () => {
    const viewer = await token('history', 'standard');
    const userId = `history-${run}`;
    for (let i = 0; i < 5; i++) {
      await platform.users.recordProgress({
        userId,
        titleId: `h${i}`,
        positionSec: 100,
        durationSec: 1000,
        at: `2026-11-0${i + 1}T10:00:00.000Z`,
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await api(viewer, 'GET', `/v1/history?month=2026-11&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Array<{ titleId: string }>; cursor?: string };
      seen.push(...page.items.map((e) => e.titleId));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(['h4', 'h3', 'h2', 'h1', 'h0']);
    const first = (await (await api(viewer, 'GET', '/v1/history?month=2026-11&limit=2')).json()) as {
      cursor: string;
    };
    expect((await api(viewer, 'GET', `/v1/history?month=2026-10&cursor=${first.cursor}`)).status).toBe(400);
    for (const q of ['month=2026-13', 'month=26-11', '', 'month=2026-11&user=someone']) {
      expect((await api(viewer, 'GET', `/v1/history?${q}`)).status, q).toBe(400);
    }
    // Another viewer's history is their own: empty here.
    const other = await token('history-other', 'standard');
    expect(
      ((await (await api(other, 'GET', '/v1/history?month=2026-11')).json()) as { items: unknown[] }).items,
    ).toEqual([]);
  });
});
