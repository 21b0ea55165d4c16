/**
 * Ingest when things go wrong, against the embedded platform with real
 * ffmpeg: a master smaller than the ladder, a Ctrl-C in the middle of a
 * transcode, the temporary folders of a killed run, a FAILED title retried
 * with a fixed master (`--replace`), and a failing step reported once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isLocalPlatform } from '../../../../test/e2e/target.js';
import { jsonLines, runCli } from '../run-cli.js';

const target = inject('target');
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const runnable = isLocalPlatform(target) && (hasFfmpeg || process.env.STREAMCTL_REQUIRE_FFMPEG === '1');
const dir = mkdtempSync(join(tmpdir(), 'streamctl-ingest-recovery-'));
// This file's own temporary folder: the transcoder's work folders land here, where the test can watch them.
const scratch = join(dir, 'tmp');
mkdirSync(scratch);
const workDirs = () => readdirSync(scratch).filter((name) => name.startsWith('streamctl-transcode-'));

/** A short lavfi clip. */
function clip(name: string, source: string, size: string, seconds: number): string {
  const file = join(dir, name);
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `${source}=size=${size}:rate=30`],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file],
  ]);
  return file;
}

interface IngestJson {
  titleId: string;
  status: string;
  renditions: Array<{ name: string; height: number }>;
  leftOutRungs?: Array<{ name: string; width: number; height: number; reason: string }>;
}

describe.skipIf(!runnable)('streamctl ingest: recovery and small masters', () => {
  const env = { STREAMCTL_DATA_DIR: target.dataDir };
  const cli = (argv: string[], options: { shutdown?: Promise<string> } = {}) =>
    runCli([...argv, '--stage', 'local'], { env, cwd: dir, ...options });
  const previousTmp = process.env.TMPDIR;
  let small: string;
  let fixed: string;
  let hd: string;

  beforeAll(() => {
    process.env.TMPDIR = scratch;
    small = clip('small.mp4', 'testsrc2', '640x360', 1);
    fixed = clip('fixed.mp4', 'smptebars', '640x360', 1);
    hd = clip('hd.mp4', 'testsrc2', '1280x720', 2);
  });
  afterAll(() => {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a 640×360 master gets no upscaled rungs, and says which were left out and why', async () => {
    const titleId = `small-${randomUUID().slice(0, 8)}`;
    const run = await cli(['ingest', small, '--id', titleId]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.replaceAll(titleId, '<id>')).toMatchInlineSnapshot(`
      "Title <id> is READY: 1 rendition (360p).
      HLS manifest: s3://streamctl-local-cdn-us-east-1/titles/<id>/master.m3u8
      Left out 432p, 540p, 720p, 900p, 1080p: the master is 640×360 and they would upscale it.
      Next: streamctl publish <id> --countries ALL
      "
    `);
  });

  /** A SIGINT as soon as a transcode has its work folder. */
  const interruptOnceTranscoding = () =>
    new Promise<string>((resolve) => {
      const poll = setInterval(() => {
        if (workDirs().length) {
          clearInterval(poll);
          resolve('SIGINT');
        }
      }, 10);
    });

  it('Ctrl-C in a transcode: one line with the command that resumes, exit 130, title FAILED, no files left', async () => {
    const titleId = `stop-${randomUUID().slice(0, 8)}`;
    const shutdown = interruptOnceTranscoding();
    const run = await cli(['ingest', hd, '--id', titleId, '--genres', 'drama'], { shutdown });
    expect(run.code).toBe(130);
    const lines = run.stderr.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('Interrupted:'))).toEqual([
      `Interrupted: title ${titleId} is FAILED (interrupted) and its temporary files are removed. Resume with: streamctl ingest ${hd} --id ${titleId} --genres drama --stage local`,
    ]);
    expect(lines.filter((l) => l.startsWith('error:'))).toEqual([]);
    expect(workDirs()).toEqual([]);
    const got = await cli(['titles', 'get', titleId, '--json']);
    expect(jsonLines(got.stdout)[0]).toMatchObject({ titleId, status: 'FAILED', statusReason: 'interrupted' });

    // The printed command picks it up again.
    const resumed = await cli(['ingest', hd, '--id', titleId, '--genres', 'drama', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonLines(resumed.stdout)[0]).toMatchObject({ titleId, status: 'READY' });
  });

  it("removes the work folders of a killed run on the next ingest, and leaves a running process's alone", async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const killed = join(scratch, `streamctl-transcode-${dead}-aB3dE6`);
    const alive = join(scratch, `streamctl-transcode-${process.ppid}-zY9xW8`);
    for (const folder of [killed, alive]) {
      mkdirSync(join(folder, 'out'), { recursive: true });
      writeFileSync(join(folder, 'out', 'segment.m4s'), Buffer.alloc(1024));
    }
    const run = await cli(['ingest', small, '--id', `sweep-${randomUUID().slice(0, 8)}`, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(workDirs()).toEqual([`streamctl-transcode-${process.ppid}-zY9xW8`]);
    rmSync(alive, { recursive: true });
  });

  it('a FAILED title takes a fixed master with --replace; a PUBLISHED one refuses it', async () => {
    const titleId = `retry-${randomUUID().slice(0, 8)}`;
    // A FAILED title: an ingest stopped before its transcode.
    const shutdown = interruptOnceTranscoding();
    expect((await cli(['ingest', hd, '--id', titleId], { shutdown })).code).toBe(130);

    const refused = await cli(['ingest', fixed, '--id', titleId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `error: Title ${titleId} was ingested from a different master; pass --replace to ingest this file in its place (the title is FAILED)`,
    );

    const replaced = await cli(['ingest', fixed, '--id', titleId, '--replace', '--json']);
    expect(replaced.code, replaced.stderr).toBe(0);
    const result = jsonLines(replaced.stdout)[0] as IngestJson;
    expect(result).toMatchObject({ titleId, status: 'READY', renditions: [{ height: 360 }] });
    expect(result.leftOutRungs?.map((r) => r.name)).toEqual(['432p', '540p', '720p', '900p', '1080p']);
    expect(result.leftOutRungs?.[0]).toEqual({
      name: '432p',
      width: 768,
      height: 432,
      reason: 'the master is 640×360; a 768×432 rung would upscale it',
    });

    expect((await cli(['publish', titleId, '--countries', 'ALL'])).code).toBe(0);
    const published = await cli(['ingest', small, '--id', titleId, '--replace']);
    expect(published.code).toBe(1);
    expect(published.stderr).toContain(
      `error: Title ${titleId} is PUBLISHED; its master cannot be replaced; viewers are watching it: unpublish it first (\`streamctl unpublish ${titleId}\`), then replace it`,
    );
    const still = await cli(['titles', 'get', titleId, '--json']);
    expect(jsonLines(still.stdout)[0]).toMatchObject({ status: 'PUBLISHED' });
  });

  it('reports a failing step once: the task list marks it, the error line says why', async () => {
    writeFileSync(join(dir, 'notes.mp4'), 'plain text, no video in here');
    const run = await cli(['ingest', join(dir, 'notes.mp4'), '--id', `bad-${randomUUID().slice(0, 8)}`]);
    expect(run.code).toBe(1);
    expect(run.stderr.replaceAll(dir, '<dir>')).toMatchInlineSnapshot(`
      "❯ Probe the master
      error: notes.mp4 cannot be ingested: not a readable media file (moov atom not found); export the master again (an MP4 or MOV with a video track), then re-run the ingest
      "
    `);
  });
});
