/**
 * The media pipeline from the operator's chair: `streamctl ingest` of an
 * 8 s 1080p clip, `publish`, `titles`, and playback of the result through
 * the local edge with signed cookies, decoded by ffprobe and ffmpeg.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type RunningEdge, startEdge } from '@streamctl/local';
import { createAwsClients, createPlaybackSigner, createPlaybackVerifier, resolveConfig } from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isLocalPlatform } from '../../../../test/e2e/target.js';
import { jsonLines, runCli } from '../run-cli.js';

const target = inject('target');
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const runnable = isLocalPlatform(target) && (hasFfmpeg || process.env.STREAMCTL_REQUIRE_FFMPEG === '1');
// The edge runs in this process: talk to it from children without blocking the event loop.
const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'streamctl-media-'));

interface IngestJson {
  titleId: string;
  status: string;
  renditions: Array<{ name: string; height: number; playlist: string }>;
  manifests: { hls?: string };
}

describe.skipIf(!runnable)('streamctl ingest, publish and titles', () => {
  const env = { STREAMCTL_DATA_DIR: target.dataDir };
  const clip = join(dir, 'clip.mp4');
  const cli = (...argv: string[]) => runCli([...argv, '--stage', 'local'], { env, cwd: dir });
  let edge: RunningEdge;
  let cookieHeader: (titleId: string) => string;

  beforeAll(async () => {
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '8'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-shortest', clip],
    ]);
    const config = {
      ...(await resolveConfig({ flags: { stage: 'local', region: target.region }, env: {}, configFile: false })),
      endpoints: target.endpoints,
    };
    const clients = createAwsClients(config);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = createPlaybackSigner({ keyPairId: 'KMEDIATEST001', privateKey });
    edge = await startEdge({
      s3: clients.s3(),
      bucket: config.resources.cdnBucket,
      verifier: createPlaybackVerifier({ KMEDIATEST001: publicKey }),
    });
    cookieHeader = (titleId) => {
      // A custom policy over the title's whole tree, as the playback route grants it.
      const cookies = signer.signCookies(`${edge.url}/titles/${titleId}/master.m3u8`, {
        expiresAt: new Date(Date.now() + 600_000),
        resource: `${edge.url}/titles/${titleId}/*`,
      });
      return Object.entries(cookies)
        .map(([k, v]) => `${k}=${v}`)
        .join('; ');
    };
  });
  afterAll(async () => {
    await edge?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingests an 8 s 1080p clip to READY with ≥ 5 renditions that play through the edge', async () => {
    const titleId = `cli-${randomUUID().slice(0, 8)}`;
    const run = await cli('ingest', clip, '--id', titleId, '--genres', 'documentary', '--wait', '--json');
    expect(run.code, run.stderr).toBe(0);
    const [result] = jsonLines(run.stdout) as IngestJson[];
    expect(result).toMatchObject({ titleId, status: 'READY', manifests: { hls: `titles/${titleId}/master.m3u8` } });
    expect(result?.renditions.length).toBeGreaterThanOrEqual(5);
    expect(result?.renditions.at(-1)?.height).toBe(1080);

    const published = await cli('publish', titleId, '--countries', 'US,GB', '--json');
    expect(published.code, published.stderr).toBe(0);
    expect(jsonLines(published.stdout)[0]).toMatchObject({
      titleId,
      status: 'PUBLISHED',
      availability: { countries: ['US', 'GB'] },
    });

    // Through the edge, with CloudFront signed cookies: the master plays in ffprobe ...
    const headers = `Cookie: ${cookieHeader(titleId)}\r\n`;
    const master = `${edge.url}/titles/${titleId}/master.m3u8`;
    const probed = JSON.parse(
      (
        await exec('ffprobe', [
          ...['-v', 'error', '-headers', headers],
          ...['-show_entries', 'program=program_id', '-of', 'json', master],
        ])
      ).stdout,
    ) as { programs: unknown[] };
    expect(probed.programs).toHaveLength(result?.renditions.length ?? 0);
    // ... and every variant's segments decode, all 8 s of them.
    for (const r of result?.renditions ?? []) {
      const decoded = await exec('ffmpeg', [
        ...['-v', 'error', '-headers', headers, '-i', `${edge.url}/${r.playlist}`],
        ...['-f', 'null', '-'],
      ]);
      expect(decoded.stderr, r.name).toBe('');
    }
    // Without the cookies the edge refuses.
    expect((await fetch(master)).status).toBe(403);

    // The suite shares one platform, so the list runs to several pages: follow the cursor.
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const list = await cli(
        'titles',
        'list',
        '--status',
        'PUBLISHED',
        '--limit',
        '200',
        '--json',
        ...(cursor ? ['--cursor', cursor] : []),
      );
      const page = jsonLines(list.stdout)[0] as { items: Array<{ titleId: string }>; cursor?: string };
      listed.push(...page.items.map((t) => t.titleId));
      cursor = page.cursor;
    } while (cursor);
    expect(listed).toContain(titleId);
    const got = await cli('titles', 'get', titleId);
    expect(got.stdout).toMatch(new RegExp(`${titleId}: .* — PUBLISHED`));
    expect(got.stdout).toMatch(/1080p\s+1920x1080/);

    // Re-publishing refreshes the CDN; unpublishing withdraws it.
    const withdrawn = await cli('unpublish', titleId, '--yes', '--json');
    expect(jsonLines(withdrawn.stdout)[0]).toMatchObject({ status: 'UNPUBLISHED' });
  }, 240_000); // an 8 s 1080p transcode: well over a minute on a busy 2-core machine

  it.each([
    // A master whose header survived and whose body did not (random bytes alone can look like some audio format).
    [
      'corrupt',
      'corrupt.mp4',
      () => Buffer.concat([readFileSync(clip).subarray(0, 4096), Buffer.alloc(100_000)]),
      /not a readable media file/,
    ],
    [
      'audio-only',
      'audio.m4a',
      () => {
        const out = join(dir, 'audio-src.m4a');
        execFileSync('ffmpeg', [
          '-v',
          'error',
          '-y',
          '-f',
          'lavfi',
          '-i',
          'sine=frequency=440',
          '-t',
          '2',
          '-c:a',
          'aac',
          out,
        ]);
        return readFileSync(out);
      },
      /no video stream \(audio-only\)/,
    ],
    ['zero-length', 'empty.mp4', () => Buffer.alloc(0), /empty \(0 bytes\)/],
  ])('refuses a %s file with one line, exit 1, and no title', async (_, name, bytes, reason) => {
    writeFileSync(join(dir, name), bytes());
    const titleId = `bad-${randomUUID().slice(0, 8)}`;
    const run = await cli('ingest', join(dir, name), '--id', titleId, '--json');
    expect(run.code).toBe(1);
    const [error] = jsonLines(run.stdout) as Array<{ error: { code: string; message: string } }>;
    expect(error?.error).toMatchObject({ code: 'MEDIA_INVALID', message: expect.stringMatching(reason) });
    const human = await cli('ingest', join(dir, name), '--id', titleId);
    expect(human.code).toBe(1);
    expect(
      human.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('error:')),
    ).toHaveLength(1);
    expect((await cli('titles', 'get', titleId)).code).toBe(1);
  });

  it('refuses to publish a title that is not READY, and bad flags with exit 2', async () => {
    const missing = await cli('publish', 'no-such-title', '--countries', 'ALL');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Title no-such-title does not exist; run `streamctl titles list`/);
    const bad = await cli('publish', 'x', '--countries', 'USA');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"USA" is not a two-letter country code/);
    const captions = await cli('ingest', clip, '--captions', 'english.vtt');
    expect(captions.code).toBe(2);
    expect(captions.stderr).toMatch(/--captions takes LANG=FILE pairs, got "english.vtt"/);
  });
});
