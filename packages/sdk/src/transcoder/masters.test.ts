/**
 * Masters as studios and phones make them, through the local transcoder as
 * an ingest runs it (probe, ladder fitted to the displayed size, the
 * master's audio tracks): mezzanine codecs in 4:2:2 10-bit, 4:4:4 H.264,
 * 10-bit HEVC, interlaced, variable frame rate, rotated, 5.1, odd and
 * anamorphic sizes, and silence. Each makes renditions that decode, in
 * 8-bit 4:2:0 H.264 with square pixels and even sizes.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { videoFramesDecoded } from '../../../../test/media.js';
import { audioTracksOf, type MediaProbe, probeMedia } from '../ingest/index.js';
import { fitLadderToSource, type Ladder, loadLadder } from '../ladders/index.js';
import { createFfmpegTranscoder, type TranscodeStatus, waitForTranscode } from './index.js';
import { ffmpegFailureMessage, ffmpegFailureReason } from './tools.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'streamctl-masters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ffmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

/** A test picture and a tone, 1 s, small: the suite stays fast. */
const picture = (size = '320x180', rate = 25) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`];
const tone = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast'];

async function master(name: string, args: string[], seconds = 1): Promise<string> {
  const file = join(dir, name);
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args, '-t', String(seconds), file]);
  return file;
}

interface Stream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_aspect_ratio?: string;
  channels?: number;
  side_data_list?: unknown[];
}

async function streams(file: string): Promise<Stream[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]);
  return (JSON.parse(stdout) as { streams: Stream[] }).streams;
}

/** Probe, fit and transcode as the ingest does; the finished job and where it wrote. */
async function transcode(
  file: string,
  ladder?: Ladder,
): Promise<{ probe: MediaProbe; done: TranscodeStatus; out: string; ladder: Ladder }> {
  const probe = await probeMedia(file);
  const fitted = fitLadderToSource(ladder ?? (await loadLadder('mobile')), probe.video).ladder;
  const out = join(dir, `out-${file.split('/').at(-1)}`);
  const transcoder = createFfmpegTranscoder();
  const job = await transcoder.submit({
    titleId: 't',
    ladder: fitted,
    input: file,
    output: out,
    durationSec: probe.durationSec,
    audio: audioTracksOf(probe),
  });
  const done = await waitForTranscode(transcoder, job.jobId, { pollMs: 50 });
  return { probe, done, out, ladder: fitted };
}

/** Every rendition decodes in full, as 8-bit 4:2:0 H.264 with square pixels and even sizes. */
async function expectPlayableH264(out: string, done: TranscodeStatus, frames: number): Promise<Stream[]> {
  const renditions = done.outputs?.renditions ?? [];
  expect(renditions.length).toBeGreaterThan(0);
  const videos: Stream[] = [];
  for (const r of renditions) {
    const playlist = join(out, r.playlist);
    expect(videoFramesDecoded(playlist), r.playlist).toBeGreaterThanOrEqual(frames);
    const video = (await streams(playlist)).find((s) => s.codec_type === 'video') as Stream;
    expect(video, r.playlist).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p' });
    expect(['1:1', undefined]).toContain(video.sample_aspect_ratio);
    expect(((video.width ?? 1) % 2) + ((video.height ?? 1) % 2), `${video.width}x${video.height}`).toBe(0);
    videos.push(video);
  }
  return videos;
}

/** The stereo AAC audio group (one playlist, the default) that every carried track becomes. */
async function expectStereoAudio(out: string): Promise<void> {
  const master = readFileSync(join(out, 'master.m3u8'), 'utf8');
  expect(master).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,.*DEFAULT=YES/);
  const audio = (await streams(join(out, 'audio', 'index.m3u8'))).filter((s) => s.codec_type === 'audio');
  expect(audio).toMatchObject([{ codec_name: 'aac', channels: 2 }]);
}

// Concurrent: most of each case is waiting on small ffmpeg and ffprobe processes.
describe.skipIf(!ffmpeg && process.env.STREAMCTL_REQUIRE_FFMPEG !== '1')(
  'masters studios and phones make',
  {
    concurrent: true,
    timeout: 120_000,
  },
  () => {
    it('ProRes 422 HQ 10-bit: H.264 renditions in 8-bit 4:2:0, an HEVC rung in 10-bit 4:2:0 (Main10)', async () => {
      const file = await master('prores.mov', [
        ...picture(),
        ...tone,
        ...['-c:v', 'prores_ks', '-profile:v', '3', '-pix_fmt', 'yuv422p10le', '-c:a', 'pcm_s24le'],
      ]);
      const small = join(dir, 'small-h264-hevc.json');
      writeFileSync(
        small,
        JSON.stringify({
          name: 'small-h264-hevc',
          segmentSeconds: 2,
          rungs: [
            { width: 256, height: 144, codec: 'h264', qvbrQuality: 6, maxBitrate: 200_000 },
            { width: 320, height: 180, codec: 'h265', qvbrQuality: 7, maxBitrate: 300_000 },
          ],
          outputs: { thumbnailSeconds: 0 },
        }),
      );
      const { probe, done, out } = await transcode(file, await loadLadder(small));
      expect(probe.video).toMatchObject({ codec: 'prores', pixelFormat: 'yuv422p10le', bitDepth: 10, chroma: '4:2:2' });
      const [h264, hevc] = done.outputs?.renditions ?? [];
      expect(videoFramesDecoded(join(out, h264?.playlist ?? ''))).toBeGreaterThanOrEqual(24);
      expect(videoFramesDecoded(join(out, hevc?.playlist ?? ''))).toBeGreaterThanOrEqual(24);
      expect((await streams(join(out, h264?.playlist ?? '')))[0]).toMatchObject({
        codec_name: 'h264',
        pix_fmt: 'yuv420p',
      });
      expect((await streams(join(out, hevc?.playlist ?? '')))[0]).toMatchObject({
        codec_name: 'hevc',
        pix_fmt: 'yuv420p10le',
      });
      await expectStereoAudio(out);
    });

    it.each([
      [
        'DNxHR HQ (4:2:2)',
        'dnxhr.mov',
        () => [
          ...picture(),
          ...tone,
          ...['-c:v', 'dnxhd', '-profile:v', 'dnxhr_hq', '-pix_fmt', 'yuv422p'],
          '-c:a',
          'pcm_s16le',
        ],
        { codec: 'dnxhd', pixelFormat: 'yuv422p', bitDepth: 8, chroma: '4:2:2' },
      ],
      [
        '10-bit HEVC',
        'hevc10.mp4',
        () => [
          ...picture(),
          ...tone,
          ...['-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le', '-x265-params', 'log-level=error'],
        ],
        { codec: 'hevc', pixelFormat: 'yuv420p10le', bitDepth: 10, chroma: '4:2:0' },
      ],
      [
        'H.264 4:4:4',
        'h264-444.mp4',
        () => [...picture(), ...tone, ...x264, '-pix_fmt', 'yuv444p'],
        { codec: 'h264', pixelFormat: 'yuv444p', bitDepth: 8, chroma: '4:4:4', profile: 'High 4:4:4 Predictive' },
      ],
    ])('%s makes 8-bit 4:2:0 H.264 renditions that decode', async (_, name, args, expected) => {
      const { probe, done, out } = await transcode(await master(name, args()));
      expect(probe.video).toMatchObject(expected);
      await expectPlayableH264(out, done, 24);
      await expectStereoAudio(out);
    });

    it('interlaced (top field first) comes out progressive', async () => {
      // 50 pictures a second woven into 25 frames of two fields each: moving edges comb until deinterlaced.
      const file = await master('interlaced.mp4', [
        ...picture('320x180', 50),
        ...['-vf', 'tinterlace=mode=interleave_top,setfield=tff', '-flags', '+ilme+ildct', '-field_order', 'tt'],
        ...x264,
      ]);
      const { probe, done, out } = await transcode(file);
      expect(probe.video).toMatchObject({ fieldOrder: 'tt', interlaced: true, frameRate: 25 });
      await expectPlayableH264(out, done, 24);
      const idet = (f: string) => {
        const log = spawnSync('ffmpeg', ['-hide_banner', '-i', f, '-vf', 'idet', '-f', 'null', '-'], {
          encoding: 'utf8',
        });
        const m = /Multi frame detection: TFF:\s*(\d+) BFF:\s*(\d+) Progressive:\s*(\d+)/.exec(log.stderr);
        return { interlaced: Number(m?.[1]) + Number(m?.[2]), progressive: Number(m?.[3]) };
      };
      expect(idet(file).interlaced).toBeGreaterThan(idet(file).progressive);
      const rendition = idet(join(out, done.outputs?.renditions[0]?.playlist ?? ''));
      expect(rendition.progressive).toBeGreaterThan(rendition.interlaced);
    });

    it('variable frame rate comes out at a constant rate', async () => {
      // 30 frames a second for 1 s, then 15: a phone slowing down in the dark.
      const file = await master(
        'vfr.mp4',
        [
          ...picture('320x180', 30),
          ...['-vf', "setpts='if(lt(N,30),N/30,1+(N-30)/15)/TB'", '-fps_mode', 'vfr', ...x264],
          ...['-video_track_timescale', '90000'],
        ],
        2,
      );
      const { probe, done, out } = await transcode(file);
      expect(probe.video).toMatchObject({ variableFrameRate: true, nominalFrameRate: 30 });
      // 2 s at 30 a second: the 15 frames of the slow second each shown twice.
      await expectPlayableH264(out, done, 58);
      const { stdout } = await run('ffprobe', [
        ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=duration_time', '-of', 'csv=p=0'],
        join(out, done.outputs?.renditions[0]?.playlist ?? ''),
      ]);
      const durations = new Set(stdout.trim().split('\n').filter(Boolean));
      expect([...durations]).toEqual(['0.033333']);
    });

    it('rotated phone video comes out upright, sized as it displays', async () => {
      // A landscape recording held upright: stored 320×180, displayed 180×320 (a quarter turn).
      const stored = await master('landscape.mp4', [...picture(), ...tone, ...x264, '-c:a', 'aac']);
      const file = join(dir, 'rotated.mp4');
      await run('ffmpeg', ['-v', 'error', '-y', '-i', stored, '-c', 'copy', '-metadata:s:v', 'rotate=90', file]);
      const { probe, done, out } = await transcode(file);
      expect(probe.video).toMatchObject({
        width: 320,
        height: 180,
        displayWidth: 180,
        displayHeight: 320,
        rotation: 90,
      });
      const videos = await expectPlayableH264(out, done, 24);
      for (const v of videos) {
        expect(v.height).toBeGreaterThan(v.width ?? 0);
        expect(v.side_data_list ?? []).toEqual([]);
      }
      // The top rung kept: the portrait picture's full height fits in no rung, its full size in the 234p box.
      expect(done.outputs?.renditions.map((r) => `${r.width}x${r.height}`)).toContain('130x232');
      await expectStereoAudio(out);
    });

    it('5.1 audio becomes a stereo AAC rendition', async () => {
      const file = await master('surround.mp4', [
        ...picture(),
        ...tone,
        ...['-af', 'pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0', ...x264, '-c:a', 'aac', '-ac', '6'],
      ]);
      const { probe, done, out } = await transcode(file);
      expect(probe.audio).toMatchObject([{ codec: 'aac', channels: 6 }]);
      await expectPlayableH264(out, done, 24);
      await expectStereoAudio(out);
    });

    it('odd sizes scale to square pixels and even sizes at their displayed aspect: DCI flat 1998×1080, PAL 16:9 anamorphic', async () => {
      // Three of the mobile ladder's rungs, to keep this short.
      const mobile = await loadLadder('mobile');
      const three = { ...mobile, rungs: [0, 4, 5].map((i) => mobile.rungs[i] as Ladder['rungs'][number]) };
      const dci = await transcode(await master('dci.mp4', [...picture('1998x1080', 24), ...x264]), three);
      expect(dci.probe.video).toMatchObject({ width: 1998, height: 1080, displayWidth: 1998, displayHeight: 1080 });
      // Every rung up to 720p: the master is larger in both directions.
      expect(dci.ladder.rungs).toHaveLength(3);
      for (const v of await expectPlayableH264(dci.out, dci.done, 23)) {
        expect(Math.abs((v.width ?? 0) / (v.height ?? 1) - 1998 / 1080)).toBeLessThan(0.02);
      }
      expect(dci.done.outputs?.renditions.at(-1)).toMatchObject({ width: 1280, height: 692 });

      // 720×576 at SAR 64:45 shows 1024×576 (16:9): 720p would upscale it, 540p is the top rung.
      const pal = await transcode(
        await master('pal.mp4', [...picture('720x576'), '-vf', 'setsar=64/45', ...x264]),
        three,
      );
      expect(pal.probe.video).toMatchObject({ sampleAspectRatio: '64:45', displayWidth: 1024, displayHeight: 576 });
      expect(pal.ladder.rungs.map((r) => r.height)).toEqual([234, 540]);
      const sizes = (await expectPlayableH264(pal.out, pal.done, 24)).map((v) => `${v.width}x${v.height}`);
      expect(sizes).toEqual(['416x234', '960x540']);
    });

    it('a silent master makes video-only renditions, with no audio group', async () => {
      const { probe, done, out } = await transcode(await master('silent.mp4', [...picture(), ...x264]));
      expect(probe.audio).toEqual([]);
      expect(audioTracksOf(probe)).toEqual([]);
      await expectPlayableH264(out, done, 24);
      const playlist = readFileSync(join(out, 'master.m3u8'), 'utf8');
      expect(playlist).not.toMatch(/TYPE=AUDIO|AUDIO="/);
      expect(playlist).toMatch(/CODECS="avc1\.[0-9a-f]{6}"/);
      expect(existsSync(join(out, 'audio'))).toBe(false);
      for (const r of done.outputs?.renditions ?? []) {
        expect((await streams(join(out, r.playlist))).map((s) => s.codec_type)).toEqual(['video']);
      }
      expect(done.outputs?.tracks).toBeUndefined();
    });

    it("a master that fails names ffmpeg's reason, not only its last words", async () => {
      // A real master with its index (moov) cut off: ffmpeg says why first, then that the input is invalid.
      const whole = await master('whole.mp4', [...picture(), ...x264, '-movflags', '+faststart']);
      const broken = join(dir, 'broken.mp4');
      writeFileSync(broken, readFileSync(whole).subarray(2048));
      const transcoder = createFfmpegTranscoder();
      const job = await transcoder.submit({
        titleId: 't',
        ladder: await loadLadder('mobile'),
        input: broken,
        output: join(dir, 'out-broken'),
        audio: [],
      });
      const error = await waitForTranscode(transcoder, job.jobId, { pollMs: 50 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'TRANSCODE_FAILED' });
      const reason = (error as { details: { error: { code: string; message: string } } }).details.error;
      expect(reason.code).toBe('FFMPEG_FAILED');
      expect(reason.message).toMatch(
        /^ffmpeg exited with code 1: \[mov,mp4,m4a,3gp,3g2,mj2\] moov atom not found \(last words: .*broken\.mp4: Invalid data found when processing input\)$/,
      );
      expect(reason.message).not.toMatch(/0x[0-9a-f]{6,}/);
      // And an encoder refusing its input: x264's own line, not "Error initializing output stream 0:0".
      const h444 = await master('refused.mp4', [...picture(), ...x264, '-pix_fmt', 'yuv444p']);
      const refused = spawnSync(
        'ffmpeg',
        ['-v', 'error', '-i', h444, '-c:v', 'libx264', '-profile:v', 'high', '-f', 'null', '-'],
        { encoding: 'utf8' },
      );
      expect(refused.stderr).toMatch(/Error initializing output stream 0:0/);
      expect(ffmpegFailureReason(refused.stderr)).toBe("x264 [error]: high profile doesn't support 4:4:4");
    });
  },
);

describe("ffmpeg's reason for failing", () => {
  it("is the encoder library's own error, not the generic lines after it, and never a pointer", () => {
    const stderr = [
      "x264 [error]: high profile doesn't support 4:4:4",
      '[libx264 @ 0x55954c6bb8c0] Error setting profile high.',
      'Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0 - maybe incorrect parameters such as bit_rate, rate, width or height',
      'Conversion failed!',
    ].join('\n');
    expect(ffmpegFailureMessage(stderr, 'exited with code 1')).toBe(
      "ffmpeg exited with code 1: x264 [error]: high profile doesn't support 4:4:4 (last words: Conversion failed!)",
    );
    expect(ffmpegFailureReason(stderr.split('\n').slice(1).join('\n'))).toBe('[libx264] Error setting profile high.');
  });

  it('skips what encoder libraries log on their own, and the hint after a missing stream', () => {
    const stderr = [
      'Svt[info]: -------------------------------------------',
      'Svt[info]: SVT [version]:\tSVT-AV1 Encoder Lib v1.4.1',
      "Stream map '0:a:0' matches no streams.",
      "To ignore this, add a trailing '?' to the map.",
    ].join('\n');
    expect(ffmpegFailureReason(stderr)).toBe("Stream map '0:a:0' matches no streams.");
    expect(ffmpegFailureMessage('Svt[info]: ---', 'was killed by SIGKILL')).toBe('ffmpeg was killed by SIGKILL');
    expect(ffmpegFailureMessage('Conversion failed!', 'exited with code 1')).toBe(
      'ffmpeg exited with code 1: Conversion failed!',
    );
  });
});
