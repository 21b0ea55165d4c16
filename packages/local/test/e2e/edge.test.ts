/**
 * The local edge over real files in the CDN bucket: valid signed URLs and
 * cookies are served (with content types, byte ranges and CORS); tampered,
 * expired, not-yet-valid, wrong-IP and wrong-resource requests get 403.
 * Then the defects a security review found, one test each: dot segments that
 * left the signed title, a Host header that chose the URL the policy was
 * checked against, bad input answered with 502, and CORS that let any page
 * read with credentials.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type RunningEdge, startEdge } from '@streamctl/local';
import {
  type AwsClients,
  createAwsClients,
  createPlaybackSigner,
  createPlaybackVerifier,
  type PlaybackSigner,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

describe.skipIf(!target.endpoints.s3)(`local edge (${target.kind})`, () => {
  let clients: AwsClients;
  let edge: RunningEdge;
  let signer: PlaybackSigner;
  const segment = randomBytes(100_000);
  const manifest =
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/index.m3u8\n';
  const hour = () => new Date(Date.now() + 3600_000);
  const player = 'http://localhost:5173';
  const secret = `SECRET-${randomBytes(8).toString('hex')}`;
  let rawBucket: string;

  beforeAll(async () => {
    const config = await targetConfig(target);
    clients = createAwsClients(config);
    const put = (Key: string, Body: string | Buffer) =>
      clients.s3().send(new PutObjectCommand({ Bucket: config.resources.cdnBucket, Key, Body }));
    await put('titles/edge-t1/master.m3u8', manifest);
    await put('titles/edge-t1/360p/seg_00001.m4s', segment);
    await put('titles/edge-t2/master.m3u8', manifest);
    await put('titles/edge-t2/secret.m3u8', `#EXTM3U\n# ${secret} of edge-t2\n`);
    rawBucket = config.resources.rawBucket;
    await clients
      .s3()
      .send(new PutObjectCommand({ Bucket: rawBucket, Key: 'masters/edge-t1/abc/film.mov', Body: `${secret} master` }));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signer = createPlaybackSigner({ keyPairId: 'KEDGETEST0001', privateKey });
    edge = await startEdge({
      s3: clients.s3(),
      bucket: config.resources.cdnBucket,
      verifier: createPlaybackVerifier({ KEDGETEST0001: publicKey }),
      playerOrigins: [player],
    });
  });
  afterAll(async () => {
    await edge?.stop();
    clients?.destroy();
  });

  const at = (path: string) => `${edge.url}/titles/${path}`;
  const denied = async (url: string, reason: string, init?: RequestInit) => {
    const res = await fetch(url, init);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: { code: 'FORBIDDEN', message: expect.any(String), details: { reason } },
    });
  };
  const treeCookie = (resource = `${edge.url}/titles/edge-t1/*`) =>
    Object.entries(signer.signCookies(at('edge-t1/master.m3u8'), { expiresAt: hour(), resource }))
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  /** A GET sent exactly as given (fetch would resolve dot segments and set its own Host). */
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      const { hostname, port } = new URL(edge.url);
      const req = request({ hostname, port, path, method, headers }, (res) => {
        let text = '';
        res.setEncoding('latin1');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
      req.on('error', reject);
      req.end();
    });
  const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };

  it('serves a manifest through a valid signed URL with its content type', async () => {
    const res = await fetch(signer.signUrl(at('edge-t1/master.m3u8'), { expiresAt: hour() }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(await res.text()).toBe(manifest);
  });

  it('refuses unsigned, tampered, expired, not-yet-valid, wrong-IP and wrong-resource requests', async () => {
    await denied(at('edge-t1/master.m3u8'), 'missing-signature');
    const valid = signer.signUrl(at('edge-t1/master.m3u8'), { expiresAt: hour() });
    await denied(valid.replace('edge-t1', 'edge-t2'), 'invalid-signature');
    // Change the signature's first character to another one (replacing it with a fixed one is no change 1 time in 64).
    await denied(
      valid.replace(/Signature=(.)/, (_, first: string) => `Signature=${first === 'A' ? 'B' : 'A'}`),
      'invalid-signature',
    );
    await denied(signer.signUrl(at('edge-t1/master.m3u8'), { expiresAt: new Date(Date.now() - 1000) }), 'expired');
    await denied(
      signer.signUrl(at('edge-t1/master.m3u8'), { expiresAt: hour(), startsAt: new Date(Date.now() + 600_000) }),
      'not-yet-valid',
    );
    await denied(
      signer.signUrl(at('edge-t1/master.m3u8'), { expiresAt: hour(), ipRange: '203.0.113.0/24' }),
      'ip-not-allowed',
    );
    const tree = signer.signUrl(at('edge-t1/master.m3u8'), {
      expiresAt: hour(),
      resource: `${edge.url}/titles/edge-t1/*`,
    });
    await denied(`${at('edge-t2/master.m3u8')}${tree.slice(tree.indexOf('?'))}`, 'resource-mismatch');
  });

  it('serves a viewer inside the signed IP range and any file under a wildcard resource', async () => {
    const local = signer.signUrl(at('edge-t1/master.m3u8'), { expiresAt: hour(), ipRange: '127.0.0.0/8' });
    expect((await fetch(local)).status).toBe(200);
    const tree = signer.signUrl(at('edge-t1/master.m3u8'), {
      expiresAt: hour(),
      resource: `${edge.url}/titles/edge-t1/*`,
    });
    const res = await fetch(`${at('edge-t1/360p/seg_00001.m4s')}${tree.slice(tree.indexOf('?'))}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/iso.segment');
    expect(Buffer.from(await res.arrayBuffer()).equals(segment)).toBe(true);
  });

  it('serves byte ranges and HEAD under signed cookies for the whole title', async () => {
    const cookies = signer.signCookies(at('edge-t1/master.m3u8'), {
      expiresAt: hour(),
      resource: `${edge.url}/titles/edge-t1/*`,
    });
    const cookie = Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const ranged = await fetch(at('edge-t1/360p/seg_00001.m4s'), { headers: { cookie, range: 'bytes=1000-1999' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 1000-1999/${segment.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(segment.subarray(1000, 2000))).toBe(true);
    const head = await fetch(at('edge-t1/360p/seg_00001.m4s'), { method: 'HEAD', headers: { cookie } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(segment.length));
    await denied(at('edge-t2/master.m3u8'), 'resource-mismatch', { headers: { cookie } });
    const missing = await fetch(at('edge-t1/none.m4s'), { headers: { cookie } });
    expect(missing.status).toBe(404);
  });

  it('answers CORS preflights and credentialed requests for the web player', async () => {
    const preflight = await fetch(at('edge-t1/master.m3u8'), {
      method: 'OPTIONS',
      headers: { origin: player, 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(player);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Range, Authorization, Content-Type');
    const res = await fetch(signer.signUrl(at('edge-t1/master.m3u8'), { expiresAt: hour() }), {
      headers: { origin: player },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe(player);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('refuses dot segments and encoded separators instead of leaving the signed title (defect 1)', async () => {
    const cookie = treeCookie();
    const escapes = [
      '/titles/edge-t1/../edge-t2/secret.m3u8',
      '/titles/edge-t1/%2e%2e/edge-t2/secret.m3u8',
      '/titles/edge-t1/..%2Fedge-t2%2Fsecret.m3u8',
      '/titles/edge-t1/..%5Cedge-t2%5Csecret.m3u8',
      '/titles/edge-t1/%252e%252e/edge-t2/secret.m3u8',
      `/titles/edge-t1/../../../${rawBucket}/masters/edge-t1/abc/film.mov`,
      `/titles/edge-t1/%2e%2e/%2e%2e/%2e%2e/${rawBucket}/masters/edge-t1/abc/film.mov`,
    ];
    for (const path of escapes) {
      const res = await get(path, { cookie });
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.text), path).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String) } });
      expect(res.text.includes(secret), path).toBe(false);
    }
    // The same cookie still reads its own title, and nothing of edge-t2 by its plain path.
    expect((await get('/titles/edge-t1/master.m3u8', { cookie })).status).toBe(200);
    expect((await get('/titles/edge-t2/secret.m3u8', { cookie })).status).toBe(403);
  });

  it('checks the policy against its own URL, whatever the Host header says (defect 2)', async () => {
    // A policy for another host: a crafted Host used to make it match.
    const foreign = await get('/titles/edge-t2/secret.m3u8', {
      host: 'evil.example',
      cookie: treeCookie('http://evil.example/titles/*'),
    });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.text)).toMatchObject({
      error: { code: 'FORBIDDEN', details: { reason: 'resource-mismatch' } },
    });
    expect(foreign.text.includes(secret)).toBe(false);
    // And the edge's own policy holds under any Host (a proxy in front may rewrite it).
    const own = await get('/titles/edge-t1/master.m3u8', { host: 'evil.example', cookie: treeCookie() });
    expect(own.status).toBe(200);
    expect(own.text).toBe(manifest);
  });

  it('answers bad input with a 4xx in the error shape, never a 502 (defect 3)', async () => {
    const cookie = treeCookie();
    const cases: Array<[string, number, string?]> = [
      ['/titles/edge-t1/master.m3u8?foo=%ZZ', 400],
      ['/titles/edge-t1/%00', 400],
      ['/titles/edge-t1/%ZZ', 400],
      [`/titles/edge-t1/${'a'.repeat(9000)}`, 414],
      [`/titles/edge-t1/${'a'.repeat(300)}`, 404],
      ['/titles/edge-t1/none.m4s', 404],
      ['/titles/edge-t1/master.m3u8', 403, 'PROPFIND'],
      ['/titles/edge-t1/master.m3u8', 403, 'DELETE'],
      ['/titles/edge-t1/master.m3u8', 400, 'FOO'],
    ];
    for (const [path, status, method] of cases) {
      const res = await get(path, { cookie }, method);
      expect(res.status, `${method ?? 'GET'} ${path.slice(0, 60)}`).toBe(status);
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.text)).toEqual(errorShape);
    }
  });

  it('lets only the player origins read with credentials, with only the headers a player sends (defect 4)', async () => {
    const preflight = (origin: string, method: string, requested?: string) =>
      fetch(at('edge-t1/master.m3u8'), {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': method,
          ...(requested ? { 'access-control-request-headers': requested } : {}),
        },
      });
    for (const res of [
      await preflight('http://evil.example', 'GET', 'range'),
      await preflight(player, 'GET', 'range, x-evil'),
      await preflight(player, 'PUT'),
    ]) {
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(await res.json()).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
    }
    const read = await fetch(at('edge-t1/master.m3u8'), {
      headers: { origin: 'http://evil.example', cookie: treeCookie() },
    });
    expect(read.status).toBe(200);
    // Served (CloudFront serves it too), but no browser lets that page read it.
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    expect(read.headers.get('access-control-allow-credentials')).toBeNull();
    expect(read.headers.get('vary')).toBe('Origin');
  });
});
