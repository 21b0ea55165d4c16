import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findMediaTools } from '../transcoder/index.js';
import { describeVideo, probeMedia } from './probe.js';

const tools = await findMediaTools().catch(() => undefined);

describe.skipIf(!tools && process.env.STREAMCTL_REQUIRE_FFMPEG !== '1')('probeMedia', () => {
  const cwd = process.cwd();
  afterEach(() => process.chdir(cwd));

  it('never lets a file name be read as a tool option (a master called -version)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamctl-probe-'));
    writeFileSync(join(dir, '-version'), randomBytes(4096));
    process.chdir(dir);
    // ffprobe given `-version` as an argument prints its version and succeeds; given the file, it
    // finds no media in it. The master is refused as media, by its name.
    await expect(probeMedia('-version')).rejects.toMatchObject({
      code: 'MEDIA_INVALID',
      message: expect.stringMatching(/^-version cannot be ingested: not a readable media file/),
    });
  });

  it('reports what a transcode plan needs: pixel format and depth, field order, rotation, displayed size, rates, channels', {
    timeout: 30_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamctl-probe-'));
    const make = (name: string, args: string[]) => {
      const file = join(dir, name);
      execFileSync(tools?.ffmpeg ?? 'ffmpeg', ['-v', 'error', '-y', ...args, '-t', '1', file]);
      return file;
    };
    const tone = ['-f', 'lavfi', '-i', 'sine=sample_rate=48000'];
    // A 4:2:2 10-bit mezzanine, interlaced top field first, anamorphic 16:9 PAL, with 5.1 sound.
    const pal = make('pal.mov', [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=720x576:rate=25', ...tone, '-vf', 'setsar=64/45,setfield=tff'],
      ...['-c:v', 'prores_ks', '-profile:v', '3', '-pix_fmt', 'yuv422p10le', '-flags', '+ilme+ildct'],
      ...['-field_order', 'tt', '-c:a', 'pcm_s16le', '-ac', '6'],
    ]);
    const probe = await probeMedia(pal);
    expect(probe.video).toMatchObject({
      codec: 'prores',
      width: 720,
      height: 576,
      sampleAspectRatio: '64:45',
      displayWidth: 1024,
      displayHeight: 576,
      rotation: 0,
      pixelFormat: 'yuv422p10le',
      bitDepth: 10,
      chroma: '4:2:2',
      fieldOrder: 'tt',
      interlaced: true,
      frameRate: 25,
      variableFrameRate: false,
    });
    expect(probe.audio).toMatchObject([
      { codec: 'pcm_s16le', channels: 6, channelLayout: expect.stringMatching(/^5\.1/) },
    ]);

    // A phone video held upright: stored landscape, displayed portrait; progressive 8-bit 4:2:0.
    const landscape = make('landscape.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-c:v', 'libx264']);
    const phone = join(dir, 'phone.mp4');
    execFileSync(tools?.ffmpeg ?? 'ffmpeg', [
      ...['-v', 'error', '-y', '-i', landscape, '-c', 'copy', '-metadata:s:v', 'rotate=90', phone],
    ]);
    expect((await probeMedia(phone)).video).toMatchObject({
      width: 320,
      height: 180,
      displayWidth: 180,
      displayHeight: 320,
      rotation: 90,
      pixelFormat: 'yuv420p',
      bitDepth: 8,
      chroma: '4:2:0',
      fieldOrder: 'progressive',
      interlaced: false,
      frameRate: 30,
    });
  });

  it('reads variable frame rates, half turns and pictures without a pixel aspect from ffprobe fields', () => {
    const base = { index: 0, codec_name: 'h264', width: 1920, height: 1080, pix_fmt: 'yuv420p' };
    expect(describeVideo({ ...base, r_frame_rate: '30/1', avg_frame_rate: '2655/100' })).toMatchObject({
      frameRate: 26.55,
      nominalFrameRate: 30,
      variableFrameRate: true,
    });
    expect(describeVideo({ ...base, r_frame_rate: '30000/1001', avg_frame_rate: '30000/1001' })).toMatchObject({
      frameRate: 29.97,
      variableFrameRate: false,
    });
    expect(
      describeVideo({ ...base, side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] }),
    ).toMatchObject({ rotation: 270, displayWidth: 1080, displayHeight: 1920 });
    expect(describeVideo({ ...base, tags: { rotate: '180' }, sample_aspect_ratio: '0:1' })).toMatchObject({
      rotation: 180,
      displayWidth: 1920,
      displayHeight: 1080,
      sampleAspectRatio: '1:1',
      fieldOrder: 'unknown',
      interlaced: false,
    });
  });
});
