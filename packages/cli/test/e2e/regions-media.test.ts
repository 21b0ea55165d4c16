/**
 * Media in every Region on `streamctl dev --regions us-east-1,eu-west-1`,
 * from a second terminal that sets no STREAMCTL_REGIONS: `failover status`
 * finds both Regions of the running platform; a title ingested with
 * STREAMCTL_REGION=eu-west-1 lands in eu-west-1's CDN bucket, plays through
 * the edge with the grant's signed cookies, and is replicated to us-east-1's
 * bucket (the lag is recorded and shown); `failover --to eu-west-1` moves
 * the media origin group with the API, and the title keeps playing, now from
 * eu-west-1's bucket. And with one Region's CDN bucket down: the edge serves
 * from the other's, `failover status` shows the copies waiting and their age,
 * and replication catches up once the bucket is back.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mintDevToken, startLocalPlatform } from '@streamctl/local';
import { createAwsClients, createCatalog } from '@streamctl/sdk';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { enginesUnavailable, targetEnginesEnv } from '../../../../test/e2e/target.js';
import { MEDIA_REPLICATION_LOG, startRegions } from '../../src/local-serving.js';
import { jsonLines, runCli } from '../run-cli.js';

const target = inject('target');
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'streamctl-regions-media-'));

interface Ready {
  edge: string;
  s3: string;
  regions: Record<string, { api: string; kinesis: string; cdnBucket: string }>;
}

interface StatusJson {
  routing: { primary: string; version: number };
  regions: Array<{
    region: string;
    primary: boolean;
    healthy: boolean;
    media: { pending: number; oldestPendingMs: number | null; replicated: number; lastLagMs: number | null } | null;
  }>;
}

/** `streamctl dev --regions …` in-process until the returned stop. */
async function startDev(dataDir: string, regions: string) {
  let signal!: (name: string) => void;
  const shutdown = new Promise<string>((resolve) => {
    signal = resolve;
  });
  let onReady!: (line: Ready) => void;
  const ready = new Promise<Ready>((resolve) => {
    onReady = resolve;
  });
  let buffer = '';
  const done = runCli(['dev', '--json', '--data-dir', dataDir, '--regions', regions], {
    shutdown,
    env: targetEnginesEnv(target),
    onStdout: (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n') && line) onReady(JSON.parse(line) as Ready);
    },
  });
  const line = await Promise.race([
    ready,
    done.then((r) => {
      throw new Error(`dev exited with ${r.code}: ${r.stderr}`);
    }),
  ]);
  return {
    ready: line,
    stop: () => {
      signal('SIGINT');
      return done;
    },
  };
}

const stops: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const stop of stops.splice(0)) await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(enginesUnavailable(target) || !hasFfmpeg)('media in every Region (dev --regions)', () => {
  it('plays a title ingested in eu-west-1 through the edge, replicates it, and fails media over with the API', async () => {
    const dataDir = join(dir, 'data');
    const dev = await startDev(dataDir, 'us-east-1,eu-west-1');
    stops.push(dev.stop);
    // A second terminal: the data dir only, no STREAMCTL_REGIONS.
    const env = { STREAMCTL_DATA_DIR: dataDir };
    const cli = (argv: string[], extra: Record<string, string> = {}) =>
      runCli([...argv, '--stage', 'local'], { env: { ...env, ...extra }, cwd: dir });
    const status = async () => {
      // Health checks time out at 3 s: on a busy machine a Region can miss one, so ask up to three times.
      let run = await cli(['failover', 'status', '--json']);
      for (let i = 0; i < 2 && run.code !== 0; i++) run = await cli(['failover', 'status', '--json']);
      expect(run.code, `${run.stderr}${run.stdout}`).toBe(0);
      return jsonLines(run.stdout)[0] as StatusJson;
    };

    // The ready line names each Region's CDN bucket.
    expect(dev.ready.regions['eu-west-1']?.cdnBucket).toBe('streamctl-local-cdn-eu-west-1');
    expect(dev.ready.regions['us-east-1']?.cdnBucket).toBe('streamctl-local-cdn-us-east-1');

    const before = await status();
    expect(before.regions.map((r) => r.region)).toEqual(['us-east-1', 'eu-west-1']);
    expect(before.routing).toMatchObject({ primary: 'us-east-1' });
    for (const r of before.regions) expect(r.media).toMatchObject({ pending: 0, oldestPendingMs: null });

    // Ingest in eu-west-1: its stream, its buckets.
    const clip = join(dir, 'clip.mp4');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=480x270:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-shortest', clip],
    ]);
    const titleId = `eu-${randomUUID().slice(0, 8)}`;
    const ingested = await cli(['ingest', clip, '--id', titleId, '--ladder', 'mobile', '--wait', '--json'], {
      STREAMCTL_REGION: 'eu-west-1',
    });
    expect(ingested.code, ingested.stderr).toBe(0);
    const [result] = jsonLines(ingested.stdout) as Array<{ status: string; manifests: { hls: string } }>;
    expect(result?.status).toBe('READY');
    const hls = result?.manifests.hls as string;

    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: dev.ready.s3,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    const keys = async (bucket: string) =>
      (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `titles/${titleId}/` }))).Contents?.map(
        (o) => o.Key,
      ) ?? [];
    // Written in eu-west-1's CDN bucket (and its master in eu-west-1's raw bucket).
    const euKeys = await keys('streamctl-local-cdn-eu-west-1');
    expect(euKeys).toContain(hls);
    const raw = await s3.send(new ListObjectsV2Command({ Bucket: 'streamctl-local-raw-eu-west-1' }));
    expect(raw.Contents?.some((o) => o.Key?.includes(titleId))).toBe(true);

    const published = await cli(['publish', titleId, '--countries', 'GB', '--json'], { STREAMCTL_REGION: 'eu-west-1' });
    expect(published.code, published.stderr).toBe(0);

    // A viewer's grant through the edge: HttpOnly signed cookies for the title's tree.
    const { token } = await mintDevToken(dataDir, { userId: `v-${titleId}`, country: 'GB', plan: 'standard' });
    const grantRes = await fetch(`${dev.ready.edge}/v1/playback/${titleId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(grantRes.status).toBe(200);
    const grant = (await grantRes.json()) as { manifestUrl: string };
    const cookie = grantRes.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    /** Plays the title through the edge: master, every variant, every segment; returns who served. */
    const play = async () => {
      const served: Record<string, number> = {};
      const get = async (url: string) => {
        const res = await fetch(url, { headers: { cookie } });
        expect(res.status, url).toBe(200);
        const region = res.headers.get('x-streamctl-media-region') as string;
        served[region] = (served[region] ?? 0) + 1;
        return Buffer.from(await res.arrayBuffer());
      };
      const uris = (text: string, base: string) =>
        text
          .split('\n')
          .flatMap((l) => (/URI="([^"]+)"/.exec(l)?.[1] ? [/URI="([^"]+)"/.exec(l)?.[1] as string] : [l.trim()]))
          .filter((l) => l && !l.startsWith('#'))
          .map((u) => new URL(u, base).toString().split('?')[0] as string);
      const master = grant.manifestUrl.split('?')[0] as string;
      const variants = uris((await get(master)).toString('utf8'), master);
      expect(variants.length).toBeGreaterThan(0);
      let segments = 0;
      for (const variant of variants) {
        for (const segment of uris((await get(variant)).toString('utf8'), variant)) {
          expect((await get(segment)).length).toBeGreaterThan(0);
          segments++;
        }
      }
      return { served, segments };
    };
    expect(grant.manifestUrl).toContain(hls);
    const first = await play();
    expect(first.segments).toBeGreaterThan(0);

    // Replicated to us-east-1's bucket, object for object, each copy logged with its lag.
    const deadline = Date.now() + 15_000;
    let after = await status();
    while (after.regions.some((r) => r.media?.pending) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      after = await status();
    }
    const us = after.regions.find((r) => r.region === 'us-east-1');
    expect(us?.media).toMatchObject({ pending: 0, oldestPendingMs: null });
    expect(us?.media?.replicated).toBeGreaterThanOrEqual(euKeys.length);
    expect(us?.media?.lastLagMs).toEqual(expect.any(Number));
    expect((await keys('streamctl-local-cdn-us-east-1')).sort()).toEqual([...euKeys].sort());
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'streamctl-local-cdn-us-east-1', Key: hls }));
    expect(head.Metadata?.['streamctl-replica-of']).toBe('eu-west-1');
    const logged = readFileSync(join(dataDir, MEDIA_REPLICATION_LOG), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; from: string; to: string; lagMs: number });
    const mine = logged.filter((l) => l.key.startsWith(`titles/${titleId}/`));
    expect(mine.length).toBeGreaterThanOrEqual(euKeys.length);
    expect(mine.every((l) => l.from === 'eu-west-1' && l.to === 'us-east-1' && l.lagMs >= 0)).toBe(true);
    console.log(
      `[replication] ${mine.length} objects eu-west-1 → us-east-1, lag p50 ${
        [...mine].sort((a, b) => a.lagMs - b.lagMs)[Math.floor(mine.length / 2)]?.lagMs
      } ms, max ${Math.max(...mine.map((l) => l.lagMs))} ms`,
    );
    // With us-east-1 primary and the copy there, the primary's bucket serves.
    expect(Object.keys((await play()).served)).toEqual(['us-east-1']);
    const text = await cli(['failover', 'status']);
    // The media line is printed whatever the health checks found.
    expect(text.stdout).toMatch(/media in sync; \d+ replicated \(last \d+ ms, max \d+ ms\)/);

    // The failover finds eu-west-1 without STREAMCTL_REGIONS and moves the media with the API.
    const moved = await cli(['failover', '--to', 'eu-west-1', '--yes', '--json']);
    expect(moved.code, moved.stderr).toBe(0);
    const [done] = jsonLines(moved.stdout) as Array<{ steps: Array<{ id: string; detail: string }> }>;
    expect(done?.steps.find((s) => s.id === 'verify')?.detail).toMatch(/media from eu-west-1's bucket first/);
    expect(done?.steps.find((s) => s.id === 'replica')?.detail).toMatch(/; media: eu-west-1's bucket in sync$/);
    expect(Object.keys((await play()).served)).toEqual(['eu-west-1']);
    expect((await status()).regions.find((r) => r.primary)?.region).toBe('eu-west-1');
    s3.destroy();
  }, 180_000);
});

describe.skipIf(enginesUnavailable(target))('media replication while a Region is down', () => {
  it('serves from the other bucket, shows the copies waiting and their age, and catches up once it is back', async () => {
    const dataDir = join(dir, 'down');
    const platform = await startLocalPlatform({ dataDir, region: 'us-east-1' });
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: platform.parts.s3,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    try {
      const controls = await startRegions(platform, { host: '127.0.0.1', regions: ['us-east-1', 'eu-west-1'] });
      const env = { STREAMCTL_DATA_DIR: dataDir };
      controls['us-east-1']?.stopMedia();
      const keys = ['master.m3u8', '360p/index.m3u8', '360p/seg_00000.ts'].map((k) => `titles/down-1/${k}`);
      for (const Key of keys) {
        await s3.send(
          new PutObjectCommand({ Bucket: 'streamctl-local-cdn-eu-west-1', Key, Body: `#EXTM3U\n${Key}\n` }),
        );
      }
      // A title transcoded in eu-west-1 is published from us-east-1 before its media is there:
      // the basic plan's capped master is made from eu-west-1's master and written beside it.
      const master = [
        '#EXTM3U',
        '#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080',
        '1080p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720',
        '720p/index.m3u8',
        '',
      ].join('\n');
      const late = { titleId: 'down-2', hls: 'titles/down-2/master.m3u8' };
      await s3.send(new PutObjectCommand({ Bucket: 'streamctl-local-cdn-eu-west-1', Key: late.hls, Body: master }));
      const clients = createAwsClients(platform.config);
      const catalog = createCatalog(clients, platform.config.resources);
      await catalog.putTitle({ titleId: late.titleId, name: 'Down 2', manifests: { hls: late.hls } });
      const source = { sha256: 'a'.repeat(64), key: 'masters/down-2/a/clip.mp4', bytes: 1, ladder: 'default' };
      await catalog.setStatus(late.titleId, 'UPLOADING', { source: { ...source, region: 'eu-west-1' } });
      await catalog.setStatus(late.titleId, 'TRANSCODING');
      await catalog.setRenditions(late.titleId, {
        manifests: { hls: late.hls },
        renditions: [
          {
            name: '1080p',
            width: 1920,
            height: 1080,
            bandwidth: 5_000_000,
            playlist: 'titles/down-2/1080p/index.m3u8',
          },
          { name: '720p', width: 1280, height: 720, bandwidth: 2_500_000, playlist: 'titles/down-2/720p/index.m3u8' },
        ],
      });
      clients.destroy();
      const published = await runCli(['publish', late.titleId, '--countries', 'ALL', '--json', '--stage', 'local'], {
        env,
      });
      expect(published.code, published.stderr).toBe(0);
      const capped = await s3.send(
        new GetObjectCommand({ Bucket: 'streamctl-local-cdn-eu-west-1', Key: 'titles/down-2/master.720p.m3u8' }),
      );
      const cappedText = (await capped.Body?.transformToString('utf8')) ?? '';
      expect(cappedText).toContain('720p/index.m3u8');
      expect(cappedText).not.toContain('1080p/index.m3u8');
      keys.push(late.hls, 'titles/down-2/master.720p.m3u8');

      const signed = await runCli(
        ['sign', `${platform.parts.edge}/${keys[0]}`, '--stage', 'local', '--expires-in', '5m', '--json'],
        { env },
      );
      expect(signed.code, signed.stderr).toBe(0);
      const url = (jsonLines(signed.stdout)[0] as { url: string }).url;
      const down = await fetch(url);
      expect(down.status).toBe(200);
      expect(down.headers.get('x-streamctl-media-region')).toBe('eu-west-1');

      await new Promise((r) => setTimeout(r, 600));
      const waiting = await runCli(['failover', 'status', '--json', '--stage', 'local'], { env });
      const regions = (jsonLines(waiting.stdout)[0] as StatusJson).regions;
      const us = regions.find((r) => r.region === 'us-east-1');
      expect(us?.media?.pending).toBe(keys.length);
      expect(us?.media?.oldestPendingMs).toBeGreaterThanOrEqual(500);
      expect(regions.find((r) => r.region === 'eu-west-1')?.media?.pending).toBe(0);
      const text = await runCli(['failover', 'status', '--stage', 'local'], { env });
      expect(text.stdout).toMatch(/media 5 objects pending, oldest \d+\.\d s/);

      // Back: replication catches up, and the primary's bucket serves again.
      controls['us-east-1']?.startMedia();
      const deadline = Date.now() + 10_000;
      let media = us?.media;
      while (media?.pending && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        const run = await runCli(['failover', 'status', '--json', '--stage', 'local'], { env });
        media = (jsonLines(run.stdout)[0] as StatusJson).regions.find((r) => r.region === 'us-east-1')?.media;
      }
      expect(media).toMatchObject({ pending: 0, oldestPendingMs: null, replicated: keys.length });
      expect(media?.lastLagMs).toBeGreaterThanOrEqual(500);
      const back = await fetch(url);
      expect(back.headers.get('x-streamctl-media-region')).toBe('us-east-1');
      expect(await back.text()).toBe(`#EXTM3U\n${keys[0]}\n`);
    } finally {
      s3.destroy();
      await platform.stop();
    }
  });
});
