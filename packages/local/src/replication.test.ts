/**
 * Media replication between two Regions' CDN buckets on a real s3rver: a
 * write in either Region reaches the other with its metadata and a replica
 * mark (and never comes back), removals follow, a copy that cannot land is
 * retried until it does (pending and its age say so meanwhile), and objects
 * written while no replicator ran are found at start. Then the edge's media
 * origin group: the primary's bucket first, the next on 403/404/5xx.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createPlaybackSigner, createPlaybackVerifier } from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MediaOrigin, startEdge } from './edge.js';
import { type RunningObjectStore, startS3rver } from './emulators.js';
import { type ReplicationRecord, startMediaReplication } from './replication.js';

const dir = mkdtempSync(join(tmpdir(), 'streamctl-replication-'));
let store: RunningObjectStore;
let s3: S3Client;
let n = 0;

/** A fresh pair of Region buckets (the second created only when `both`). */
async function pair(both = true) {
  n += 1;
  const us = { region: 'us-east-1', bucket: `cdn-us-${n}` };
  const eu = { region: 'eu-west-1', bucket: `cdn-eu-${n}` };
  await s3.send(new CreateBucketCommand({ Bucket: us.bucket }));
  if (both) await s3.send(new CreateBucketCommand({ Bucket: eu.bucket }));
  return { us, eu };
}

const put = (Bucket: string, Key: string, Body: string, ContentType = 'application/vnd.apple.mpegurl') =>
  s3.send(new PutObjectCommand({ Bucket, Key, Body, ContentType, CacheControl: 'max-age=2' }));
const read = async (Bucket: string, Key: string) => {
  const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return { body: await out.Body?.transformToString(), type: out.ContentType, metadata: out.Metadata };
};
const missing = (Bucket: string, Key: string) =>
  s3.send(new HeadObjectCommand({ Bucket, Key })).then(
    () => false,
    () => true,
  );

beforeAll(async () => {
  store = await startS3rver(join(dir, 's3'), '127.0.0.1');
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: store.url,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  });
});
afterAll(async () => {
  s3.destroy();
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('media replication', () => {
  it('copies a write in either Region to the other with its metadata, once, and removals too', async () => {
    const { us, eu } = await pair();
    const records: ReplicationRecord[] = [];
    const replicator = await startMediaReplication({
      s3,
      buckets: [us, eu],
      events: (l) => store.onObjectEvent(l),
      onReplicated: (r) => records.push(r),
    });
    try {
      await put(eu.bucket, 'titles/t1/master.m3u8', '#EXTM3U\n');
      await put(us.bucket, 'titles/t2/master.m3u8', '#EXTM3U\n#2\n');
      await replicator.drained(5_000);
      expect(await read(us.bucket, 'titles/t1/master.m3u8')).toEqual({
        body: '#EXTM3U\n',
        type: 'application/vnd.apple.mpegurl',
        metadata: { 'streamctl-replica-of': 'eu-west-1' },
      });
      expect((await read(eu.bucket, 'titles/t2/master.m3u8')).metadata).toEqual({
        'streamctl-replica-of': 'us-east-1',
      });
      expect(records.map((r) => `${r.key} ${r.from}→${r.to} ${r.action}`).sort()).toEqual([
        'titles/t1/master.m3u8 eu-west-1→us-east-1 copy',
        'titles/t2/master.m3u8 us-east-1→eu-west-1 copy',
      ]);
      expect(records.every((r) => r.lagMs >= 0 && r.attempts === 1)).toBe(true);

      // A replica is not replicated back, even once the events of the copies are in.
      await new Promise((r) => setTimeout(r, 300));
      expect(records).toHaveLength(2);
      expect(replicator.status()).toMatchObject({
        'us-east-1': { pending: 0, oldestPendingSince: null, replicated: 1, failedAttempts: 0 },
        'eu-west-1': { pending: 0, oldestPendingSince: null, replicated: 1, failedAttempts: 0 },
      });

      // A new version at the replica's side wins, and goes back the other way.
      await put(us.bucket, 'titles/t1/master.m3u8', '#EXTM3U\n#v2\n');
      await replicator.drained(5_000);
      expect((await read(eu.bucket, 'titles/t1/master.m3u8')).body).toBe('#EXTM3U\n#v2\n');

      // Removals replicate.
      await s3.send(new DeleteObjectCommand({ Bucket: eu.bucket, Key: 'titles/t2/master.m3u8' }));
      await replicator.drained(5_000);
      expect(await missing(us.bucket, 'titles/t2/master.m3u8')).toBe(true);
    } finally {
      await replicator.stop();
    }
  });

  it('keeps a copy that cannot land pending, ageing and retried, until it lands: nothing is dropped', async () => {
    // eu-west-1's bucket does not exist yet: every copy into it fails.
    const { us, eu } = await pair(false);
    let down = true;
    const replicator = await startMediaReplication({
      s3,
      buckets: [us, eu],
      events: (l) => store.onObjectEvent(l),
      isDown: (region) => region === 'eu-west-1' && down,
    });
    try {
      await put(us.bucket, 'titles/t3/seg_00000.ts', 'x'.repeat(1000), 'video/mp2t');
      await new Promise((r) => setTimeout(r, 400));
      // Down: the copy waits, without attempts.
      const waiting = replicator.status()['eu-west-1'];
      expect(waiting).toMatchObject({ pending: 1, failedAttempts: 0 });
      expect(Date.now() - Date.parse(waiting?.oldestPendingSince ?? '')).toBeGreaterThanOrEqual(300);
      // Up, but its bucket is missing: attempts fail and are retried with backoff.
      down = false;
      await new Promise((r) => setTimeout(r, 800));
      const failing = replicator.status()['eu-west-1'];
      expect(failing?.pending).toBe(1);
      expect(failing?.failedAttempts).toBeGreaterThanOrEqual(2);
      expect(failing?.lastError).toMatch(/titles\/t3\/seg_00000\.ts: /);
      await s3.send(new CreateBucketCommand({ Bucket: eu.bucket }));
      await replicator.drained(10_000);
      expect((await read(eu.bucket, 'titles/t3/seg_00000.ts')).body).toBe('x'.repeat(1000));
      expect(replicator.status()['eu-west-1']).toMatchObject({ pending: 0, replicated: 1 });
      expect(replicator.status()['eu-west-1']?.lastLagMs).toBeGreaterThanOrEqual(1_000);
    } finally {
      await replicator.stop();
    }
  });

  it('finds at start what was written while no replicator ran, and a removal made meanwhile', async () => {
    const { us, eu } = await pair();
    await put(eu.bucket, 'titles/t4/master.m3u8', '#EXTM3U\n#t4\n');
    // A replica left in us-east-1 of an object eu-west-1 no longer has: removed there meanwhile.
    await s3.send(
      new PutObjectCommand({
        Bucket: us.bucket,
        Key: 'titles/t5/master.m3u8',
        Body: '#EXTM3U\n',
        Metadata: { 'streamctl-replica-of': 'eu-west-1' },
      }),
    );
    const replicator = await startMediaReplication({ s3, buckets: [us, eu], events: (l) => store.onObjectEvent(l) });
    try {
      await replicator.drained(5_000);
      expect((await read(us.bucket, 'titles/t4/master.m3u8')).body).toBe('#EXTM3U\n#t4\n');
      expect(await missing(us.bucket, 'titles/t5/master.m3u8')).toBe(true);
    } finally {
      await replicator.stop();
    }
  });
});

describe('the edge media origin group', () => {
  it("serves from the primary Region's bucket, and from the next on 404 or a down origin, saying which", async () => {
    const { us, eu } = await pair();
    await put(us.bucket, 'titles/t6/master.m3u8', '#EXTM3U\n#us\n');
    await put(eu.bucket, 'titles/t6/master.m3u8', '#EXTM3U\n#eu\n');
    // Only in eu-west-1 (not replicated yet).
    await put(eu.bucket, 'titles/t6/360p/index.m3u8', '#EXTM3U\n#only-eu\n');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = createPlaybackSigner({ keyPairId: 'KORIGINGROUP01', privateKey });
    const edge = await startEdge({
      s3,
      bucket: us.bucket,
      verifier: createPlaybackVerifier({ KORIGINGROUP01: publicKey }),
    });
    let group: MediaOrigin[] = [us, eu];
    edge.setMediaOrigins(async () => group);
    const cookie = Object.entries(
      signer.signCookies(`${edge.url}/titles/t6/master.m3u8`, {
        expiresAt: new Date(Date.now() + 600_000),
        resource: `${edge.url}/titles/t6/*`,
      }),
    )
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${edge.url}/${path}`, { headers: { cookie, ...headers } });
      return { status: res.status, region: res.headers.get('x-streamctl-media-region'), body: await res.text() };
    };
    try {
      expect(await get('titles/t6/master.m3u8')).toEqual({ status: 200, region: 'us-east-1', body: '#EXTM3U\n#us\n' });
      // 404 at the primary: the next bucket answers.
      expect(await get('titles/t6/360p/index.m3u8')).toEqual({
        status: 200,
        region: 'eu-west-1',
        body: '#EXTM3U\n#only-eu\n',
      });
      // The primary Region down (503): the next bucket answers.
      group = [{ ...us, down: true }, eu];
      expect(await get('titles/t6/master.m3u8')).toMatchObject({ status: 200, region: 'eu-west-1' });
      // Missing everywhere: the last origin's answer.
      expect((await get('titles/t6/none.m3u8')).status).toBe(404);
      // A range outside the object is the viewer's error, not a reason to fail over.
      group = [us, eu];
      expect((await get('titles/t6/master.m3u8', { range: 'bytes=5000-' })).status).toBe(416);
      // Failed over: eu-west-1's bucket first.
      group = [eu, us];
      expect(await get('titles/t6/master.m3u8')).toMatchObject({ region: 'eu-west-1', body: '#EXTM3U\n#eu\n' });
      // No cookies, no media from any bucket.
      expect((await fetch(`${edge.url}/titles/t6/master.m3u8`)).status).toBe(403);
    } finally {
      await edge.stop();
    }
  });
});
