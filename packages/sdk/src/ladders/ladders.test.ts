import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mediaconvert from '@aws-sdk/client-mediaconvert';
import { describe, expect, it } from 'vitest';
import { checkAgainstModel } from '../../../../test/aws-model.js';
import { mediaConvertOutputs } from '../transcoder/index.js';
import { type Ladder, listLadders, loadLadder, renderFfmpegPlan, renderMediaConvertJob } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'streamctl-ladders-'));
const target = {
  input: 's3://streamctl-prod-raw-eu-west-1/masters/t1.mov',
  output: 's3://streamctl-prod-cdn-eu-west-1/titles/t1/',
  role: 'arn:aws:iam::123456789012:role/streamctl-mediaconvert',
  titleId: 't1',
};

describe('built-in ladders', () => {
  it('default spans at most 360p to at least 1080p in at least 5 rungs, bitrates rising', async () => {
    const ladder = await loadLadder('default');
    const heights = ladder.rungs.map((r) => r.height);
    expect(Math.min(...heights)).toBeLessThanOrEqual(360);
    expect(Math.max(...heights)).toBeGreaterThanOrEqual(1080);
    expect(ladder.rungs.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < ladder.rungs.length; i++) {
      expect(ladder.rungs[i]?.maxBitrate).toBeGreaterThan(ladder.rungs[i - 1]?.maxBitrate ?? 0);
    }
  });

  it('premium-4k reaches 2160p in H.265; mobile favours low rungs; segments are 2–6 s', async () => {
    const premium = await loadLadder('premium-4k');
    expect(premium.rungs.at(-1)).toMatchObject({ height: 2160, codec: 'h265' });
    const mobile = await loadLadder('mobile');
    expect(mobile.rungs.filter((r) => r.height <= 432).length).toBeGreaterThan(mobile.rungs.length / 2);
    for (const ladder of listLadders()) {
      expect(ladder.segmentSeconds).toBeGreaterThanOrEqual(2);
      expect(ladder.segmentSeconds).toBeLessThanOrEqual(6);
    }
    expect(listLadders().map((l) => l.name)).toEqual(['default', 'mobile', 'premium-4k']);
  });

  it('an unknown name says which ladders exist', async () => {
    await expect(loadLadder('ultra')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      hint: expect.stringContaining('default, mobile, premium-4k'),
    });
  });
});

describe('ladder files', () => {
  it('name every bad field precisely', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'Bad Name',
        segmentSeconds: 10,
        rungs: [
          { width: 1280, height: 720, codec: 'h264', qvbrQuality: 7, maxBitrate: 3_000_000 },
          { width: 1920, height: 1081, codec: 'vp9', qvbrQuality: 11, maxBitrate: 2_000_000 },
          { width: 640, height: 360, codec: 'h264', qvbrQuality: 7, maxBitrate: 900_000, colour: 'red' },
        ],
      }),
    );
    const error = await loadLadder(file).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    const paths = (error as { issues: Array<{ path: string }> }).issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      ['name', 'rungs.1.codec', 'rungs.1.height', 'rungs.1.qvbrQuality', 'rungs.2', 'segmentSeconds'].sort(),
    );
    expect((error as Error).message).toContain(file);
  });

  it('check rung order and rising bitrates once the fields are right', async () => {
    const file = join(dir, 'order.json');
    const r = (height: number, maxBitrate: number) => ({
      width: Math.round((height * 16) / 9 / 2) * 2,
      height,
      codec: 'h264',
      qvbrQuality: 7,
      maxBitrate,
    });
    writeFileSync(
      file,
      JSON.stringify({ name: 'order', rungs: [r(360, 1_000_000), r(720, 900_000), r(540, 2_000_000)] }),
    );
    const error = await loadLadder(file).catch((err: unknown) => err);
    expect((error as Error).message).toMatch(/rungs\.1\.maxBitrate: must be above the 360p rung's 1000000/);
    expect((error as Error).message).toMatch(/rungs\.2\.height: rungs go from the lowest to the highest resolution/);
  });
});

/** Enum-valued fields and the client's enums they must come from. */
const ENUMS: Array<[RegExp, Record<string, string>]> = [
  [/\.Codec$/, { ...mediaconvert.VideoCodec, ...mediaconvert.AudioCodec }],
  [/H264Settings\.RateControlMode$/, mediaconvert.H264RateControlMode],
  [/H265Settings\.RateControlMode$/, mediaconvert.H265RateControlMode],
  [/Av1Settings\.RateControlMode$/, mediaconvert.Av1RateControlMode],
  [/\.Container$/, mediaconvert.ContainerType],
  [/OutputGroupSettings\.Type$/, mediaconvert.OutputGroupType],
  [/CmafGroupSettings\.SegmentControl$/, mediaconvert.CmafSegmentControl],
  [/CmafGroupSettings\.WriteHlsManifest$/, mediaconvert.CmafWriteHLSManifest],
  [/CmafGroupSettings\.WriteDashManifest$/, mediaconvert.CmafWriteDASHManifest],
  [/AacSettings\.CodingMode$/, mediaconvert.AacCodingMode],
  [/H264Settings\.CodecProfile$/, mediaconvert.H264CodecProfile],
  [/H265Settings\.CodecProfile$/, mediaconvert.H265CodecProfile],
  [/\.GopSizeUnits$/, mediaconvert.H264GopSizeUnits],
  [/AccelerationSettings\.Mode$/, mediaconvert.AccelerationMode],
  [/^\.StatusUpdateInterval$/, mediaconvert.StatusUpdateInterval],
];

function checkEnums(value: unknown, path: string, problems: string[]): void {
  if (Array.isArray(value))
    value.forEach((v, i) => {
      checkEnums(v, `${path}[${i}]`, problems);
    });
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) checkEnums(v, `${path}.${k}`, problems);
  else if (typeof value === 'string') {
    for (const [pattern, values] of ENUMS) {
      if (pattern.test(path) && !Object.values(values).includes(value))
        problems.push(`${path}: ${value} is not an enum value`);
    }
  }
}

describe('MediaConvert rendering', () => {
  it.each(['default', 'mobile', 'premium-4k'])(
    '%s renders a CreateJob request that fits the API model',
    async (name) => {
      const ladder = await loadLadder(name);
      const request = renderMediaConvertJob(ladder, target);
      const problems: string[] = [];
      checkAgainstModel(request, mediaconvert.CreateJobRequest$, '', problems);
      checkEnums(request, '', problems);
      expect(problems).toEqual([]);
      const cmaf = request.Settings?.OutputGroups?.[0];
      expect(cmaf?.Outputs).toHaveLength(ladder.rungs.length + 1);
      expect(request.UserMetadata).toEqual({ ladder: name, titleId: 't1' });
      expect(request.AccelerationSettings?.Mode).toBe('PREFERRED');
    },
  );

  it('carries every audio track and WebVTT sidecars through, in a request that fits the model', async () => {
    const ladder = await loadLadder('default');
    const request = renderMediaConvertJob(ladder, {
      ...target,
      audio: [{ language: 'eng' }, { language: 'fra', name: 'Français' }, { language: 'und' }],
      captions: [
        { language: 'en', source: 's3://raw/masters/t1/captions/1_en.vtt' },
        { language: 'pt-BR', name: 'Português', source: 's3://raw/masters/t1/captions/2_pt-BR.vtt' },
      ],
    });
    const problems: string[] = [];
    checkAgainstModel(request, mediaconvert.CreateJobRequest$, '', problems);
    checkEnums(request, '', problems);
    expect(problems).toEqual([]);
    const input = request.Settings?.Inputs?.[0];
    expect(Object.keys(input?.AudioSelectors ?? {})).toEqual([
      'Audio Selector 1',
      'Audio Selector 2',
      'Audio Selector 3',
    ]);
    expect(input?.AudioSelectors?.['Audio Selector 2']).toMatchObject({ SelectorType: 'TRACK', Tracks: [2] });
    expect(input?.CaptionSelectors?.['Captions Selector 2']?.SourceSettings).toEqual({
      SourceType: 'WEBVTT',
      FileSourceSettings: { SourceFile: 's3://raw/masters/t1/captions/2_pt-BR.vtt' },
    });
    const outputs = request.Settings?.OutputGroups?.[0]?.Outputs ?? [];
    expect(outputs).toHaveLength(ladder.rungs.length + 3 + 2);
    const audio = outputs.filter((o) => o.AudioDescriptions?.length);
    expect(audio.map((o) => o.NameModifier)).toEqual(['_audio_1_eng', '_audio_2_fra', '_audio_3_und']);
    expect(audio.map((o) => o.ContainerSettings?.CmfcSettings?.AudioTrackType)).toEqual([
      'ALTERNATE_AUDIO_AUTO_SELECT_DEFAULT',
      'ALTERNATE_AUDIO_AUTO_SELECT',
      'ALTERNATE_AUDIO_AUTO_SELECT',
    ]);
    expect(audio[1]?.AudioDescriptions?.[0]).toMatchObject({ CustomLanguageCode: 'fra', StreamName: 'Français' });
    // An undetermined language is left for the service to read from the master, not written as a code.
    expect(audio[2]?.AudioDescriptions?.[0]?.CustomLanguageCode).toBeUndefined();
    const captions = outputs.filter((o) => o.CaptionDescriptions?.length);
    expect(captions.map((o) => o.CaptionDescriptions?.[0])).toMatchObject([
      {
        CaptionSelectorName: 'Captions Selector 1',
        CustomLanguageCode: 'en',
        DestinationSettings: { DestinationType: 'WEBVTT' },
      },
      { CaptionSelectorName: 'Captions Selector 2', CustomLanguageCode: 'pt-BR', LanguageDescription: 'Português' },
    ]);
    expect(request.UserMetadata).toMatchObject({ audio: 'eng,fra,und', captions: 'en,pt-BR' });
    // The job's end maps back to the same playlists.
    const outputsOf = mediaConvertOutputs(ladder, {
      Role: target.role,
      Settings: {},
      UserMetadata: request.UserMetadata,
    });
    expect(outputsOf.tracks).toEqual({
      audio: [
        { language: 'eng', name: 'eng', playlist: 'cmaf/master_audio_1_eng.m3u8', default: true },
        { language: 'fra', name: 'fra', playlist: 'cmaf/master_audio_2_fra.m3u8' },
        { language: 'und', name: 'und', playlist: 'cmaf/master_audio_3_und.m3u8' },
      ],
      captions: [
        { language: 'en', name: 'en', playlist: 'cmaf/master_captions_1_en.m3u8' },
        { language: 'pt-BR', name: 'pt-BR', playlist: 'cmaf/master_captions_2_pt-BR.m3u8' },
      ],
    });
  });

  it('names a bad caption language or source precisely', async () => {
    const ladder = await loadLadder('default');
    expect(() =>
      renderMediaConvertJob(ladder, { ...target, captions: [{ language: 'English', source: 's3://b/k.vtt' }] }),
    ).toThrow(/Invalid language "English" of track 2: an ISO 639/);
    expect(() =>
      renderMediaConvertJob(ladder, { ...target, captions: [{ language: 'en', source: 's3://b/k.srt' }] }),
    ).toThrow(/expected s3:\/\/bucket\/key\.vtt/);
  });

  it('refuses bad targets with typed errors', async () => {
    const ladder = await loadLadder('default');
    expect(() => renderMediaConvertJob(ladder, { ...target, input: '/local/file.mov' })).toThrow(
      /expected s3:\/\/bucket\/key/,
    );
    expect(() => renderMediaConvertJob(ladder, { ...target, output: 's3://bucket/no-slash' })).toThrow(/ending in \//);
    expect(() => renderMediaConvertJob(ladder, { ...target, role: 'streamctl' })).toThrow(/IAM role ARN/);
  });
});

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
    expect(master.match(/#EXT-X-STREAM-INF:.*BANDWIDTH=\d+.*CODECS="avc1\.[0-9a-f]+,mp4a\.40\.2"/g)).toHaveLength(2);
    const probe = spawnSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_frames',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_frames',
        '-of',
        'csv=p=0',
        join(out, '360p', 'index.m3u8'),
      ],
      { encoding: 'utf8' },
    );
    // 3 s at 25 fps; ffprobe prints the count once per HLS program.
    expect(Number(probe.stdout.trim().split('\n')[0])).toBeGreaterThanOrEqual(70);
    // Thumbnails every 10 s (a 3 s clip: the one at 0 s) and a poster, from the same process.
    expect(readdirSync(join(out, 'thumbnails'))).toEqual(['thumb_00001.jpg']);
    expect(statSync(plan.poster as string).size).toBeGreaterThan(1000);
  });
});
