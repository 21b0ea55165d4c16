import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  type AwsClients,
  createAwsClients,
  createCatalog,
  createIngest,
  createPublisher,
  type IngestStep,
  type StreamctlConfig,
  sha256File,
  uploadResumable,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';
import { videoFramesDecoded } from '../../../../test/media.js';

const target = inject('target');
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const runnable = Boolean(target.endpoints.s3) && (hasFfmpeg || process.env.STREAMCTL_REQUIRE_FFMPEG === '1');

const work = mkdtempSync(join(tmpdir(), 'streamctl-ingest-'));
const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);

/** A test clip with sound, as LOCAL-PLATFORM-FACTS.md describes it. */
function makeClip(file: string, seconds: number, size: string) {
  ffmpeg(
    ...['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-shortest', file],
  );
}

async function download(clients: AwsClients, bucket: string, prefix: string, into: string): Promise<string[]> {
  const listed = await clients.s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const keys = (listed.Contents ?? []).map((o) => o.Key as string);
  for (const key of keys) {
    const out = await clients.s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const file = join(into, key.slice(prefix.length));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()),
    );
  }
  return keys;
}

describe.skipIf(!runnable)(`ingest (${target.kind})`, () => {
  let config: StreamctlConfig;
  let clients: AwsClients;
  const clip = join(work, 'clip.mp4');
  const small = join(work, 'small.mp4');

  beforeAll(async () => {
    config = await targetConfig(target);
    clients = createAwsClients(config);
    makeClip(clip, 2, '1280x720');
    makeClip(small, 3, '640x360');
  });
  afterAll(() => {
    clients?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('ingests a clip to READY with the rungs of the default ladder it fills, all segments decoding', async () => {
    // Polled often: a 3 s clip transcodes in about a second, and the progress between must be seen.
    const ingest = createIngest({ config, clients, wait: { pollMs: 20 } });
    const steps: IngestStep[] = [];
    const percents: number[] = [];
    const titleId = `clip-${randomUUID().slice(0, 8)}`;
    const result = await ingest.run(
      { file: small, titleId, genres: ['documentary'], wait: true },
      { onStep: (s) => steps.push(s), onTranscode: (s) => percents.push(s.percent) },
    );
    expect(steps).toEqual(['probe', 'register', 'upload', 'transcode', 'record']);
    expect(result).toMatchObject({ titleId, status: 'READY', unchanged: false });
    expect(result.probe).toMatchObject({ durationSec: expect.closeTo(3, 0), video: { width: 640, height: 360 } });
    // A 640×360 master is not upscaled: the rungs above 360p are left out, each with the reason.
    expect(result.renditions.map((r) => r.height)).toEqual([360]);
    expect(result.leftOutRungs?.map((r) => r.name)).toEqual(['432p', '540p', '720p', '900p', '1080p']);
    expect(result.leftOutRungs?.at(-1)?.reason).toBe('the master is 640×360; a 1920×1080 rung would upscale it');
    expect(result.manifests.hls).toBe(`titles/${titleId}/master.m3u8`);
    // Progress came from ffmpeg's -progress output, rising to 100.
    expect(percents.at(-1)).toBe(100);
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true);

    const title = await createCatalog(clients, config.resources).getTitle(titleId);
    expect(title).toMatchObject({ status: 'READY', genres: ['documentary'], source: { ladder: 'default' } });
    expect(title.images?.poster).toBe(`titles/${titleId}/poster.jpg`);

    const local = join(work, titleId);
    const keys = await download(clients, config.resources.cdnBucket, `titles/${titleId}/`, local);
    expect(keys).toContain(`titles/${titleId}/poster.jpg`);
    const master = readFileSync(join(local, 'master.m3u8'), 'utf8');
    expect(master.match(/#EXT-X-STREAM-INF:.*BANDWIDTH=\d+.*RESOLUTION=\d+x\d+.*CODECS="/g)).toHaveLength(
      result.renditions.length,
    );
    // The master plays in ffprobe: every variant is a program with a video stream.
    const probed = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-show_entries', 'program=program_id', '-of', 'json', join(local, 'master.m3u8')],
        { encoding: 'utf8' },
      ),
    ) as { programs: unknown[] };
    expect(probed.programs).toHaveLength(result.renditions.length);
    for (const r of result.renditions) {
      const variant = join(local, r.playlist.slice(`titles/${titleId}/`.length));
      const decoded = spawnSync('ffmpeg', ['-v', 'error', '-i', variant, '-f', 'null', '-'], { encoding: 'utf8' });
      expect(decoded.status, `${r.name}: ${decoded.stderr}`).toBe(0);
      expect(decoded.stderr).toBe('');
      expect(videoFramesDecoded(variant)).toBeGreaterThanOrEqual(3 * 30 - 2);
    }

    // Re-running the same file and id is a no-op.
    const again = await ingest.run({ file: small, titleId, wait: true });
    expect(again).toMatchObject({ titleId, status: 'READY', unchanged: true });
    expect(again.renditions).toHaveLength(result.renditions.length);

    // And it can be published: availability, catalog event, no CDN work locally.
    const published = await createPublisher({
      config,
      clients,
      catalog: createCatalog(clients, config.resources),
    }).publish(titleId, { countries: ['US', 'GB'] });
    expect(published).toMatchObject({
      titleId,
      status: 'PUBLISHED',
      availability: { countries: ['US', 'GB'] },
      invalidation: { status: 'not-needed' },
    });
  });

  it.each([
    [
      'corrupt',
      // The header of a real master, the body gone (random bytes alone can pass for some audio format).
      () =>
        writeFileSync(
          join(work, 'corrupt.mp4'),
          Buffer.concat([readFileSync(clip).subarray(0, 4096), Buffer.alloc(200_000)]),
        ),
      'corrupt.mp4',
      /not a readable media file/,
    ],
    [
      'audio-only',
      () => ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '2', '-c:a', 'aac', join(work, 'audio.m4a')),
      'audio.m4a',
      /no video stream \(audio-only\)/,
    ],
    ['zero-length', () => writeFileSync(join(work, 'empty.mp4'), ''), 'empty.mp4', /empty \(0 bytes\)/],
    [
      'truncated',
      () => writeFileSync(join(work, 'truncated.mp4'), readFileSync(clip).subarray(0, 100_000)),
      'truncated.mp4',
      /not a readable media file|does not decode/,
    ],
  ])('refuses a %s master before uploading and registers nothing', async (_, make, name, reason) => {
    make();
    const titleId = `bad-${randomUUID().slice(0, 8)}`;
    const steps: IngestStep[] = [];
    const error = await createIngest({ config, clients })
      .run({ file: join(work, name), titleId }, { onStep: (s) => steps.push(s) })
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'MEDIA_INVALID', message: expect.stringMatching(reason) });
    expect(steps).toEqual(['probe']);
    expect(await createCatalog(clients, config.resources).findTitle(titleId)).toBeUndefined();
  });

  it("carries every audio track, the master's subtitles and WebVTT sidecars into the HLS master", async () => {
    // A master with two audio languages and an English text subtitle stream, plus a French sidecar.
    const master = join(work, 'multi.mp4');
    const srt = join(work, 'en.srt');
    writeFileSync(srt, '1\n00:00:00,500 --> 00:00:02,000\nHello\n');
    ffmpeg(
      ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000', '-i', srt],
      ...['-t', '3', '-map', '0', '-map', '1', '-map', '2', '-map', '3'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-c:s', 'mov_text'],
      ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra', '-metadata:s:s:0', 'language=eng'],
      master,
    );
    const sidecar = join(work, 'fr.vtt');
    writeFileSync(sidecar, 'WEBVTT\n\n00:00.500 --> 00:02.000\nBonjour\n');
    const titleId = `multi-${randomUUID().slice(0, 8)}`;
    const result = await createIngest({ config, clients }).run({
      file: master,
      titleId,
      ladder: 'mobile',
      captions: [{ language: 'fr', name: 'Français', file: sidecar }],
      wait: true,
    });
    expect(result.status).toBe('READY');
    const prefix = `titles/${titleId}/`;
    expect(result.tracks).toEqual({
      audio: [
        { language: 'eng', name: 'eng', playlist: `${prefix}audio_1_eng/index.m3u8`, default: true },
        { language: 'fra', name: 'fra', playlist: `${prefix}audio_2_fra/index.m3u8` },
      ],
      captions: [
        { language: 'fr', name: 'Français', playlist: `${prefix}subs/1_fr/index.m3u8` },
        { language: 'eng', name: 'eng', playlist: `${prefix}subs/2_eng/index.m3u8` },
      ],
    });
    expect((await createCatalog(clients, config.resources).getTitle(titleId)).tracks).toEqual(result.tracks);

    const local = join(work, titleId);
    await download(clients, config.resources.cdnBucket, prefix, local);
    const text = readFileSync(join(local, 'master.m3u8'), 'utf8');
    expect(
      text.match(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="[^"]+",NAME="(eng|fra)",DEFAULT=(YES|NO),LANGUAGE="(eng|fra)"/g),
    ).toHaveLength(2);
    expect(text).toMatch(
      /#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Français",LANGUAGE="fr",.*URI="subs\/1_fr\/index.m3u8"/,
    );
    const variants = text.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(variants).toHaveLength(result.renditions.length);
    for (const v of variants) expect(v).toMatch(/CODECS="avc1\.[0-9a-f]+,mp4a\.40\.2",AUDIO="[^"]+",SUBTITLES="subs"$/);
    expect(readFileSync(join(local, 'subs', '2_eng', 'captions.vtt'), 'utf8')).toMatch(/^WEBVTT[\s\S]*Hello/);
    // ffprobe opens the master: each program has its video and both audio languages.
    const probed = JSON.parse(
      execFileSync(
        'ffprobe',
        [
          '-v',
          'error',
          '-show_entries',
          'stream=codec_type:stream_tags=language',
          '-of',
          'json',
          join(local, 'master.m3u8'),
        ],
        { encoding: 'utf8' },
      ),
    ) as { streams: Array<{ codec_type: string; tags?: { language?: string } }> };
    // Each audio language once per program; the HLS demuxer also lists every rendition once on its own.
    const languages = (type: string) =>
      [...new Set(probed.streams.filter((x) => x.codec_type === type).map((x) => x.tags?.language))].sort();
    expect(languages('audio')).toEqual(['eng', 'fra']);
    // ffmpeg's HLS demuxer skips subtitle renditions ("Can't support the subtitle"): probe each playlist itself.
    for (const c of result.tracks?.captions ?? []) {
      const sub = execFileSync(
        'ffprobe',
        [
          '-v',
          'error',
          '-show_entries',
          'stream=codec_name',
          '-of',
          'csv=p=0',
          join(local, c.playlist.slice(prefix.length)),
        ],
        { encoding: 'utf8' },
      );
      expect(new Set(sub.split('\n').filter(Boolean)), c.language).toEqual(new Set(['webvtt']));
    }
    // Each audio track decodes in full.
    for (const lang of ['eng', 'fra']) {
      const idx = result.tracks?.audio.findIndex((a) => a.language === lang) ?? -1;
      const decoded = spawnSync(
        'ffmpeg',
        ['-v', 'error', '-i', join(local, `audio_${idx + 1}_${lang}`, 'index.m3u8'), '-f', 'null', '-'],
        {
          encoding: 'utf8',
        },
      );
      expect(decoded.stderr, lang).toBe('');
    }
  });

  it('refuses a caption sidecar that is not WebVTT before uploading anything', async () => {
    const bad = join(work, 'bad.vtt');
    writeFileSync(bad, '1\n00:00:00,500 --> 00:00:02,000\nNot WebVTT\n');
    const titleId = `badcap-${randomUUID().slice(0, 8)}`;
    const steps: IngestStep[] = [];
    const error = await createIngest({ config, clients })
      .run({ file: small, titleId, captions: [{ language: 'en', file: bad }] }, { onStep: (s) => steps.push(s) })
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'MEDIA_INVALID', message: expect.stringMatching(/bad\.vtt .*not WebVTT/) });
    expect(steps).toEqual(['probe']);
    expect(await createCatalog(clients, config.resources).findTitle(titleId)).toBeUndefined();
  });

  it('a crashed transcode ends FAILED with the reason, and a re-run finishes the title', async () => {
    const ingest = createIngest({ config, clients });
    const titleId = `crash-${randomUUID().slice(0, 8)}`;
    let killed = false;
    const error = await ingest
      .run(
        { file: small, titleId, ladder: 'mobile' },
        {
          onTranscode: (s) => {
            if (s.pid && !killed) {
              killed = true;
              process.kill(s.pid, 'SIGKILL');
            }
          },
        },
      )
      .catch((err: unknown) => err);
    expect(killed).toBe(true);
    expect(error).toMatchObject({ code: 'TRANSCODE_FAILED', message: expect.stringMatching(/killed by SIGKILL/) });
    const failed = await createCatalog(clients, config.resources).getTitle(titleId);
    expect(failed).toMatchObject({ status: 'FAILED', statusReason: expect.stringMatching(/killed by SIGKILL/) });

    const rerun = await ingest.run({ file: small, titleId, ladder: 'mobile' });
    expect(rerun).toMatchObject({ status: 'READY', upload: { mode: 'skipped' } });
    expect((await createCatalog(clients, config.resources).getTitle(titleId)).statusReason).toBeUndefined();
  });

  it('an interrupted multipart upload resumes where it stopped', async () => {
    const file = join(work, 'big.bin');
    writeFileSync(file, randomBytes(12 * 1024 * 1024 + 123));
    const sha256 = await sha256File(file);
    const options = {
      s3: clients.s3(),
      bucket: config.resources.rawBucket,
      key: `masters/resume-${randomUUID().slice(0, 8)}/big.bin`,
      file,
      sha256,
      journalDir: join(work, 'journal'),
      partSize: 5 * 1024 * 1024,
      concurrency: 1,
    };
    const stop = new AbortController();
    const first = await uploadResumable({
      ...options,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.loaded > 0) stop.abort();
      },
    }).catch((err: unknown) => err);
    expect(first).toMatchObject({ message: expect.stringMatching(/interrupted after 1 of 3 parts/) });

    const resumed: number[] = [];
    const second = await uploadResumable({ ...options, onProgress: (p) => resumed.push(p.resumed) });
    expect(second).toMatchObject({ mode: 'resumed', partsSent: 2, partsTotal: 3 });
    expect(resumed[0]).toBe(5 * 1024 * 1024);
    const body = await clients.s3().send(new GetObjectCommand({ Bucket: options.bucket, Key: options.key }));
    const copy = join(work, 'big.copy');
    const { pipeline } = await import('node:stream/promises');
    const { createWriteStream } = await import('node:fs');
    await pipeline(body.Body as Readable, createWriteStream(copy));
    expect(await sha256File(copy)).toBe(sha256);
    // A third run finds the object and sends nothing.
    expect(await uploadResumable(options)).toMatchObject({ mode: 'skipped', partsSent: 0 });
  });
});
