import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { videoFramesDecoded } from '../../../../test/media.js';
import { type Ladder, loadLadder } from '../ladders/index.js';
import { renderFfmpegPlan } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'streamctl-ffmpeg-plan-'));

const probeStreams = (file: string) =>
  (
    JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,width,height', '-of', 'json', file], {
        encoding: 'utf8',
      }),
    ) as { streams: Array<{ codec_type: string; width?: number; height?: number }> }
  ).streams;
const streamTypes = (file: string) => [...new Set(probeStreams(file).map((s) => s.codec_type))];
const streamSize = (file: string) => probeStreams(file).map((s) => `${s.width}x${s.height}`)[0];

const ffmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
describe.skipIf(!ffmpeg && process.env.STREAMCTL_REQUIRE_FFMPEG !== '1')('ffmpeg plan', () => {
  it('transcodes a whole ladder in one ffmpeg process into an HLS master with every rung', {
    timeout: 60_000,
  }, async () => {
    const clip = join(dir, 'clip.mp4');
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:rate=25',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-t',
      '3',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-shortest',
      clip,
    ]);
    const file = join(dir, 'small.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'small',
        segmentSeconds: 2,
        rungs: [
          { width: 320, height: 180, codec: 'h264', qvbrQuality: 6, maxBitrate: 300_000 },
          { width: 640, height: 360, codec: 'h264', qvbrQuality: 7, maxBitrate: 800_000 },
        ],
      }),
    );
    const ladder: Ladder = await loadLadder(file);
    const out = join(dir, 'out');
    const plan = renderFfmpegPlan(ladder, { input: clip, outputDir: out });
    for (const d of plan.directories) mkdirSync(d, { recursive: true });
    const run = spawnSync(plan.command, ['-loglevel', 'error', ...plan.args], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const master = readFileSync(plan.master, 'utf8');
    expect(master).toMatch(/RESOLUTION=320x180/);
    expect(master).toMatch(/RESOLUTION=640x360/);
    expect(
      master.match(/#EXT-X-STREAM-INF:.*BANDWIDTH=\d+.*CODECS="avc1\.[0-9a-f]+,mp4a\.40\.2",AUDIO="group_audio"/g),
    ).toHaveLength(2);
    // The audio is a rendition group of its own (DASH reads the same segments): one track, the default.
    expect(master).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",.*DEFAULT=YES,.*URI="audio\/index\.m3u8"/);
    expect(plan.audio).toEqual([
      { language: 'und', name: 'und', playlist: join(out, 'audio', 'index.m3u8'), default: true },
    ]);
    expect(plan.variants).toEqual([join(out, '180p', 'index.m3u8'), join(out, '360p', 'index.m3u8')]);
    expect(streamTypes(join(out, '360p', 'index.m3u8'))).toEqual(['video']);
    expect(streamTypes(join(out, 'audio', 'index.m3u8'))).toEqual(['audio']);
    // 3 s at 25 fps.
    expect(videoFramesDecoded(join(out, '360p', 'index.m3u8'))).toBeGreaterThanOrEqual(70);
    // Thumbnails every 10 s (a 3 s clip: the one at 0 s), their sprite sheet and a poster, from the same process.
    expect(readdirSync(join(out, 'thumbnails')).sort()).toEqual(['sprite_00001.jpg', 'thumb_00001.jpg']);
    expect(plan.sprites).toEqual({
      pattern: join(out, 'thumbnails', 'sprite_%05d.jpg'),
      columns: 10,
      rows: 10,
      width: 160,
      height: 90,
      intervalSec: 10,
    });
    expect(streamSize(join(out, 'thumbnails', 'sprite_00001.jpg'))).toBe('1600x900');
    expect(statSync(plan.poster as string).size).toBeGreaterThan(1000);
  });
});

describe('the plan for masters as they come', () => {
  const ladder = async (rungs: Array<{ width: number; height: number; codec: 'h264' | 'h265' | 'av1' }>) => {
    const file = join(dir, `mixed-${rungs.length}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        name: 'mixed',
        segmentSeconds: 2,
        rungs: rungs.map((r, i) => ({ ...r, qvbrQuality: 7, maxBitrate: 1_000_000 * (i + 1) })),
      }),
    );
    return loadLadder(file);
  };
  const filter = (args: string[]) => args[args.indexOf('-filter_complex') + 1] ?? '';
  const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

  it('converts each rung to the pixel format of its codec profile, with encoder options for that stream only', async () => {
    const plan = renderFfmpegPlan(
      await ladder([
        { width: 640, height: 360, codec: 'h264' },
        { width: 1280, height: 720, codec: 'h265' },
        { width: 1920, height: 1080, codec: 'av1' },
      ]),
      { input: 'master.mov', outputDir: 'out' },
    );
    const graph = filter(plan.args);
    expect(graph).toMatch(/\[v0\][^;]*,format=yuv420p\[v0out\]/);
    expect(graph).toMatch(/\[v1\][^;]*,format=yuv420p10le\[v1out\]/);
    expect(graph).toMatch(/\[v2\][^;]*,format=yuv420p10le\[v2out\]/);
    expect(after(plan.args, '-profile:v:0')).toBe('high');
    expect(after(plan.args, '-profile:v:1')).toBe('main10');
    expect(after(plan.args, '-tag:v:1')).toBe('hvc1');
    expect(after(plan.args, '-c:v:2')).toBe('libsvtav1');
    // No option without a stream index: one would apply to every rung of a mixed ladder.
    expect(plan.args.filter((a) => /^-(?:profile|preset|tag|x265-params):v$/.test(a))).toEqual([]);
  });

  it('deinterlaces flagged frames, keeps a constant rate, fits the displayed size with square pixels, downmixes to stereo', async () => {
    const plan = renderFfmpegPlan(await ladder([{ width: 640, height: 360, codec: 'h264' }]), {
      input: 'master.mov',
      outputDir: 'out',
      audio: [{ language: 'en' }],
    });
    const graph = filter(plan.args);
    expect(graph).toMatch(/^\[0:v\]bwdif=mode=send_frame:parity=auto:deint=interlaced,split=/);
    // The box, the displayed aspect (dar) and the displayed width (iw*sar) bound the width; even sizes.
    expect(graph).toContain('[v0]scale=w=2*trunc(min(min(640\\,360*dar)\\,iw*sar)/2):h=2*trunc(ow/dar/2+0.5),setsar=1');
    expect(after(plan.args, '-fps_mode:v:0')).toBe('cfr');
    expect(after(plan.args, '-ac:a:0')).toBe('2');
  });

  it('a silent master: no audio mapped, no audio group, video-only variants', async () => {
    const plan = renderFfmpegPlan(await ladder([{ width: 640, height: 360, codec: 'h264' }]), {
      input: 'silent.mov',
      outputDir: 'out',
      audio: [],
    });
    expect(plan.args.some((a) => a.includes('0:a'))).toBe(false);
    expect(after(plan.args, '-var_stream_map')).toBe('v:0,name:360p');
    expect(plan.audio).toEqual([]);
  });

  it('two audio tracks: one group, a playlist each, the first the default', async () => {
    const plan = renderFfmpegPlan(await ladder([{ width: 640, height: 360, codec: 'h264' }]), {
      input: 'master.mov',
      outputDir: 'out',
      audio: [{ language: 'en' }, { language: 'fr', name: 'Français' }],
    });
    expect(after(plan.args, '-var_stream_map')).toBe(
      'v:0,agroup:audio,name:360p a:0,agroup:audio,language:en,name:audio_1_en,default:yes a:1,agroup:audio,language:fr,name:audio_2_fr',
    );
    expect(plan.audio).toEqual([
      { language: 'en', name: 'en', playlist: 'out/audio_1_en/index.m3u8', default: true },
      { language: 'fr', name: 'Français', playlist: 'out/audio_2_fr/index.m3u8' },
    ]);
  });
});
