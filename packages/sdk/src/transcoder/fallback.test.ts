/**
 * A machine with Node.js only: no ffmpeg on PATH. The transcoder falls back
 * to the static ffmpeg and ffprobe shipped in npm packages (a 2018 build,
 * ffmpeg 4.1) and still makes a whole ladder with a master playlist.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLadder } from '../ladders/index.js';
import { createFfmpegTranscoder, findMediaTools, waitForTranscode } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'streamctl-fallback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ffmpeg from npm when none is installed', () => {
  it('finds the shipped binaries and transcodes a ladder with them', { timeout: 60_000 }, async () => {
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'empty');
    try {
      const tools = await findMediaTools();
      expect(tools).toMatchObject({ source: 'npm', ffmpegMajorVersion: 4 });
      expect(tools.ffmpeg).toMatch(/@ffmpeg-installer/);
      expect(tools.ffprobe).toMatch(/@ffprobe-installer/);
      const clip = join(dir, 'clip.mp4');
      execFileSync(tools.ffmpeg, [
        ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '2'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', clip],
      ]);
      const ladder = await loadLadder('mobile');
      const transcoder = createFfmpegTranscoder();
      const out = join(dir, 'out');
      const job = await transcoder.submit({ titleId: 't', ladder, input: clip, output: out, durationSec: 2 });
      const done = await waitForTranscode(transcoder, job.jobId);
      expect(done.outputs?.renditions.map((r) => r.name)).toEqual(ladder.rungs.map((r) => r.name ?? `${r.height}p`));
      const master = readFileSync(join(out, 'master.m3u8'), 'utf8');
      expect(
        master.match(/#EXT-X-STREAM-INF:BANDWIDTH=\d+,RESOLUTION=\d+x\d+,CODECS="avc1\.64[0-9a-f]{4},mp4a\.40\.2"/g),
      ).toHaveLength(ladder.rungs.length);
      const programs = JSON.parse(
        execFileSync(
          tools.ffprobe,
          ['-v', 'error', '-show_entries', 'program=program_id', '-of', 'json', join(out, 'master.m3u8')],
          {
            encoding: 'utf8',
          },
        ),
      ) as { programs: unknown[] };
      expect(programs.programs).toHaveLength(ladder.rungs.length);
    } finally {
      process.env.PATH = path;
    }
  });
});
