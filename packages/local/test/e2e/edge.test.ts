/**
 * The local edge over real files in the CDN bucket: valid signed URLs and
 * cookies are served (with content types, byte ranges and CORS); tampered,
 * expired, not-yet-valid, wrong-IP and wrong-resource requests get 403.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
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

  beforeAll(async () => {
    const config = await targetConfig(target);
    clients = createAwsClients(config);
    const put = (Key: string, Body: string | Buffer) =>
      clients.s3().send(new PutObjectCommand({ Bucket: config.resources.cdnBucket, Key, Body }));
    await put('titles/edge-t1/master.m3u8', manifest);
    await put('titles/edge-t1/360p/seg_00001.m4s', segment);
    await put('titles/edge-t2/master.m3u8', manifest);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signer = createPlaybackSigner({ keyPairId: 'KEDGETEST0001', privateKey });
    edge = await startEdge({
      s3: clients.s3(),
      bucket: config.resources.cdnBucket,
      verifier: createPlaybackVerifier({ KEDGETEST0001: publicKey }),
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
    expect(((await res.json()) as { error: { reason: string } }).error.reason).toBe(reason);
  };

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
      headers: { origin: 'http://localhost:5173', 'access-control-request-headers': 'range' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('range');
    const res = await fetch(signer.signUrl(at('edge-t1/master.m3u8'), { expiresAt: hour() }), {
      headers: { origin: 'http://localhost:5173' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });
});
