import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as mediaconvert from '@aws-sdk/client-mediaconvert';
import { CancelJobCommand, CreateJobCommand, GetJobCommand, MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { modelProblems } from '../../../../test/aws-model.js';
import { videoFramesDecoded } from '../../../../test/media.js';
import { type Ladder, LadderSchema, loadLadder } from '../ladders/index.js';
import {
  createFfmpegTranscoder,
  createMediaConvertTranscoder,
  JOB_RECORD_KEY,
  mediaConvertOutputs,
  parseMasterPlaylist,
  progressPercent,
  statusFromEvent,
  type Transcoder,
  type TranscodeStatus,
  titleRecord,
  waitForTranscode,
} from './index.js';

const mc = mockClient(MediaConvertClient);
afterEach(() => mc.reset());

const role = 'arn:aws:iam::123456789012:role/streamctl-mediaconvert';
const request = async (ladder = 'default') => ({
  titleId: 't1',
  ladder: await loadLadder(ladder),
  input: 's3://streamctl-prod-raw-eu-west-1/masters/t1/abc/master.mov',
  output: 's3://streamctl-prod-cdn-eu-west-1/titles/t1/',
});

function transcoder(): Transcoder {
  return createMediaConvertTranscoder({ client: () => new MediaConvertClient({ region: 'eu-west-1' }), role });
}

describe('MediaConvert backend', () => {
  it.each(['default', 'mobile', 'premium-4k'])(
    'submits %s as a CreateJob request that fits the API model',
    async (name) => {
      mc.on(CreateJobCommand).resolves({ Job: { Id: '1700000000000-abc', Role: role, Settings: {} } });
      const job = await transcoder().submit(await request(name));
      expect(job).toMatchObject({ jobId: '1700000000000-abc', backend: 'mediaconvert', titleId: 't1' });
      const sent = mc.commandCalls(CreateJobCommand)[0]?.args[0].input;
      expect(modelProblems(sent, mediaconvert.CreateJobRequest$)).toEqual([]);
      expect(sent).toMatchObject({
        Role: role,
        UserMetadata: { ladder: name, titleId: 't1' },
        ClientRequestToken: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    },
  );

  it('derives the client request token from the request, so a retried submit starts no second job', async () => {
    mc.on(CreateJobCommand).resolves({ Job: { Id: 'j', Role: role, Settings: {} } });
    await transcoder().submit(await request());
    await transcoder().submit(await request());
    await transcoder().submit({ ...(await request()), titleId: 't2' });
    const tokens = mc.commandCalls(CreateJobCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it('maps GetJob states, progress, errors and outputs', async () => {
    const t = transcoder();
    mc.on(CreateJobCommand).resolves({ Job: { Id: 'j1', Role: role, Settings: {} } });
    await t.submit(await request());
    mc.on(GetJobCommand)
      .resolvesOnce({ Job: { Id: 'j1', Role: role, Settings: {}, Status: 'SUBMITTED' } })
      .resolvesOnce({ Job: { Id: 'j1', Role: role, Settings: {}, Status: 'PROGRESSING', JobPercentComplete: 42 } })
      .resolvesOnce({
        Job: {
          Id: 'j1',
          Role: role,
          Settings: {},
          Status: 'COMPLETE',
          OutputGroupDetails: [{ OutputDetails: [{ VideoDetails: { WidthInPx: 640, HeightInPx: 352 } }] }],
        },
      })
      .resolves({
        Job: { Id: 'j1', Role: role, Settings: {}, Status: 'ERROR', ErrorCode: 1030, ErrorMessage: 'Bad input' },
      });
    expect(await t.status('j1')).toMatchObject({ state: 'SUBMITTED', percent: 0 });
    expect(await t.status('j1')).toMatchObject({ state: 'PROGRESSING', percent: 42 });
    const complete = await t.status('j1');
    expect(complete).toMatchObject({
      state: 'COMPLETE',
      percent: 100,
      outputs: { hls: 'cmaf/master.m3u8', dash: 'cmaf/master.mpd' },
    });
    // The service's reported size wins over the rung's nominal one.
    expect(complete.outputs?.renditions[0]).toMatchObject({
      width: 640,
      height: 352,
      playlist: 'cmaf/master_360p.m3u8',
    });
    expect(await t.status('j1')).toMatchObject({
      state: 'ERROR',
      error: { code: 'MEDIACONVERT_1030', message: 'Bad input' },
    });
    expect(
      mc
        .commandCalls(GetJobCommand)
        .every((c) => modelProblems(c.args[0].input, mediaconvert.GetJobRequest$).length === 0),
    ).toBe(true);
  });

  it('cancels a job with CancelJob', async () => {
    mc.on(CancelJobCommand).resolves({});
    await transcoder().cancel('j9');
    const sent = mc.commandCalls(CancelJobCommand)[0]?.args[0].input;
    expect(sent).toEqual({ Id: 'j9' });
    expect(modelProblems(sent, mediaconvert.CancelJobRequest$)).toEqual([]);
  });

  it('wraps service errors in typed errors', async () => {
    mc.on(CreateJobCommand).rejects(Object.assign(new Error('role cannot be assumed'), { name: 'ForbiddenException' }));
    await expect(transcoder().submit(await request())).rejects.toMatchObject({
      code: 'AWS_ERROR',
      message: expect.stringMatching(/mediaconvert:CreateJob/),
    });
  });

  it("a stage's job carries the stage and, as attribute values, what its end records: the same as the SDK records", async () => {
    mc.on(CreateJobCommand).resolves({ Job: { Id: 'js1', Role: role, Settings: {} } });
    const t = createMediaConvertTranscoder({
      client: () => new MediaConvertClient({ region: 'eu-west-1' }),
      role,
      stage: 'prod',
    });
    const base = await request('default');
    await t.submit({ ...base, audio: [{ language: 'eng' }, { language: 'fra' }] });
    const sent = mc.commandCalls(CreateJobCommand)[0]?.args[0].input;
    expect(modelProblems(sent, mediaconvert.CreateJobRequest$)).toEqual([]);
    expect(sent?.UserMetadata).toMatchObject({ ladder: 'default', titleId: 't1', stage: 'prod', audio: 'eng,fra' });
    const record = JSON.parse(sent?.UserMetadata?.[JOB_RECORD_KEY] ?? '{}');
    // What the job's end reads back from the same metadata, as the catalog records it.
    const expected = titleRecord(
      't1',
      mediaConvertOutputs(base.ladder, { Role: role, Settings: {}, UserMetadata: sent?.UserMetadata }),
    );
    expect(record.manifests).toEqual({
      M: { hls: { S: expected.manifests.hls }, dash: { S: expected.manifests.dash } },
    });
    expect(record.tracks.M.audio.L.map((t: { M: { language: { S: string } } }) => t.M.language.S)).toEqual([
      'eng',
      'fra',
    ]);
    expect(record.images.M.poster).toEqual({ S: expected.images?.poster });
    expect(record.renditions.L).toHaveLength(base.ladder.rungs.length);
    expect(record.renditions.L[0].M).toMatchObject({
      PK: { S: 'VIDEO#t1' },
      SK: { S: `RENDITION#${expected.renditions[0]?.name}` },
      width: { N: String(expected.renditions[0]?.width) },
    });
    // Without a stage (ladder render, tests), a job carries neither: no workflow records it.
    mc.reset();
    mc.on(CreateJobCommand).resolves({ Job: { Id: 'js2', Role: role, Settings: {} } });
    await transcoder().submit(base);
    const plain = mc.commandCalls(CreateJobCommand)[0]?.args[0].input;
    expect(plain?.UserMetadata).toEqual({ ladder: 'default', titleId: 't1' });
  });

  it('submits an aes-128 title with one static key from nextKey, and reads the protection back from the job', async () => {
    mc.on(CreateJobCommand).resolves({ Job: { Id: 'jp', Role: role, Settings: {} } });
    const key = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    const keyHex = Buffer.from(key).toString('hex');
    let minted = 0;
    const base = await request('mobile');
    const t = transcoder();
    await t.submit({
      ...base,
      ladder: { ...base.ladder, protection: 'aes-128', keyRotationSegments: 5 },
      protection: {
        scheme: 'aes-128',
        rotateEverySegments: 5,
        nextKey: async () => ({ keyId: `k${++minted}`, key }),
        keyUri: (keyId) => `/v1/keys/t1/${keyId}`,
      },
    });
    // A static key cannot rotate: one key for the title.
    expect(minted).toBe(1);
    const sent = mc.commandCalls(CreateJobCommand)[0]?.args[0].input;
    expect(modelProblems(sent, mediaconvert.CreateJobRequest$)).toEqual([]);
    expect(sent?.Role).toBe(role);
    expect(sent?.UserMetadata).toEqual({ ladder: 'mobile', titleId: 't1', protection: 'aes-128', keyIds: 'k1' });
    const group = sent?.Settings?.OutputGroups?.[0]?.OutputGroupSettings;
    expect(group?.Type).toBe('HLS_GROUP_SETTINGS');
    expect(group?.HlsGroupSettings?.Encryption?.StaticKeyProvider).toMatchObject({
      StaticKeyValue: keyHex,
      Url: '/v1/keys/t1/k1',
    });
    // Only the settings MediaConvert encrypts with carry the key.
    const { Settings: _settings, ...rest } = sent ?? {};
    expect(JSON.stringify(rest)).not.toContain(keyHex);

    // The job ends: GetJob's metadata, or an EventBridge event's, gives the playlists and the key id.
    const job = { Id: 'jp', Role: role, Settings: {}, Status: 'COMPLETE' as const, UserMetadata: sent?.UserMetadata };
    mc.on(GetJobCommand).resolves({ Job: job });
    const done = await t.status('jp');
    expect(done.outputs).toMatchObject({ hls: 'hls/master.m3u8', protection: { scheme: 'aes-128', keyIds: ['k1'] } });
    expect(done.outputs?.dash).toBeUndefined();
    const heard = statusFromEvent(
      { jobId: 'jp', status: 'COMPLETE', userMetadata: sent?.UserMetadata ?? {} },
      await loadLadder('mobile'),
    );
    expect(heard.outputs).toMatchObject({
      hls: 'hls/master.m3u8',
      renditions: expect.arrayContaining([
        expect.objectContaining({ playlist: expect.stringMatching(/^hls\/master_/) }),
      ]),
      protection: { scheme: 'aes-128', keyIds: ['k1'] },
    });
  });

  it('submits a drm title through SPEKE as the SPEKE role, and a bad key from nextKey is refused unseen', async () => {
    mc.on(CreateJobCommand).resolves({ Job: { Id: 'jd', Role: role, Settings: {} } });
    const speke = {
      url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/speke',
      roleArn: 'arn:aws:iam::123456789012:role/streamctl-prod-speke',
      resourceId: 't1',
    };
    const base = await request('default');
    await transcoder().submit({
      ...base,
      ladder: { ...base.ladder, protection: 'drm' },
      protection: { scheme: 'drm', speke },
    });
    const sent = mc.commandCalls(CreateJobCommand)[0]?.args[0].input;
    expect(modelProblems(sent, mediaconvert.CreateJobRequest$)).toEqual([]);
    expect(sent?.Role).toBe(speke.roleArn);
    expect(sent?.UserMetadata).toMatchObject({ protection: 'drm' });
    expect(sent?.Settings?.OutputGroups?.[0]?.OutputGroupSettings?.CmafGroupSettings?.Encryption).toMatchObject({
      EncryptionMethod: 'SAMPLE_AES',
      Type: 'SPEKE',
      SpekeKeyProvider: { Url: speke.url, ResourceId: 't1' },
    });

    const short = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe]);
    await expect(
      transcoder().submit({
        ...base,
        ladder: { ...base.ladder, protection: 'aes-128' },
        protection: {
          scheme: 'aes-128',
          rotateEverySegments: 0,
          nextKey: async () => ({ keyId: 'k', key: short }),
          keyUri: (keyId) => `/v1/keys/t1/${keyId}`,
        },
      }),
    ).rejects.toSatisfy(
      (err: Error & { code?: string }) => err.code === 'VALIDATION_FAILED' && !err.message.includes('deadbeefcafe'),
    );
    expect(mc.commandCalls(CreateJobCommand)).toHaveLength(1);
  });

  it('passes a silent master ([]) and 5.1 tracks through to CreateJob, and maps a silent job back', async () => {
    mc.on(CreateJobCommand).resolves({ Job: { Id: 'js', Role: role, Settings: {} } });
    const t = transcoder();
    await t.submit({ ...(await request('premium-4k')), audio: [] });
    await t.submit({ ...(await request('premium-4k')), audio: [{ language: 'eng', channels: 6 }] });
    await t.submit(await request('premium-4k'));
    const [silent, surround, unsaid] = mc.commandCalls(CreateJobCommand).map((c) => c.args[0].input);
    for (const sent of [silent, surround, unsaid])
      expect(modelProblems(sent, mediaconvert.CreateJobRequest$)).toEqual([]);
    expect(silent?.Settings?.Inputs?.[0]?.AudioSelectors).toBeUndefined();
    expect(silent?.Settings?.OutputGroups?.[0]?.Outputs?.some((o) => o.AudioDescriptions?.length)).toBe(false);
    expect(silent?.UserMetadata).toMatchObject({ audio: 'none' });
    const stereo = surround?.Settings?.OutputGroups?.[0]?.Outputs?.find((o) => o.AudioDescriptions?.length);
    expect(stereo?.AudioDescriptions?.[0]?.RemixSettings).toMatchObject({ ChannelsIn: 6, ChannelsOut: 2 });
    // No list keeps the master's first track, and is another job than a silent one.
    expect(Object.keys(unsaid?.Settings?.Inputs?.[0]?.AudioSelectors ?? {})).toEqual(['Audio Selector 1']);
    expect(silent?.ClientRequestToken).not.toBe(unsaid?.ClientRequestToken);

    const ladder = await loadLadder('premium-4k');
    const heard = statusFromEvent(
      { jobId: 'js', status: 'COMPLETE', userMetadata: silent?.UserMetadata ?? {} },
      ladder,
    );
    expect(heard.outputs?.renditions.map((r) => r.bandwidth)).toEqual(ladder.rungs.map((r) => r.maxBitrate));
    expect(heard.outputs?.renditions[0]).toMatchObject({ name: '360p', playlist: 'cmaf/master_360p.m3u8' });
    expect(heard.outputs?.thumbnailTrack).toBeUndefined();
  });

  it('maps EventBridge job state changes', async () => {
    const ladder = await loadLadder('mobile');
    expect(
      statusFromEvent({
        jobId: 'j',
        status: 'STATUS_UPDATE',
        jobProgress: { jobPercentComplete: 17 },
        userMetadata: { titleId: 't1' },
      }),
    ).toMatchObject({ state: 'PROGRESSING', percent: 17, titleId: 't1' });
    expect(statusFromEvent({ jobId: 'j', status: 'COMPLETE' }, ladder)).toMatchObject({
      state: 'COMPLETE',
      outputs: {
        renditions: expect.arrayContaining([expect.objectContaining({ name: ladder.rungs[0]?.name ?? '234p' })]),
      },
    });
    expect(statusFromEvent({ jobId: 'j', status: 'ERROR', errorCode: 1040, errorMessage: 'No audio' })).toMatchObject({
      state: 'ERROR',
      error: { code: 'MEDIACONVERT_1040', message: 'No audio' },
    });
  });
});

/** A transcoder whose statuses are scripted, with a clock the waiter reads. */
function scripted(statuses: Array<Partial<TranscodeStatus>>) {
  let clock = 0;
  let i = 0;
  const cancelled: string[] = [];
  const t: Transcoder = {
    backend: 'mediaconvert',
    submit: async () => ({ jobId: 'j', backend: 'mediaconvert', titleId: 't', submittedAt: '' }),
    status: async () => {
      const s = statuses[Math.min(i++, statuses.length - 1)];
      return { jobId: 'j', backend: 'mediaconvert', state: 'PROGRESSING', percent: 0, ...s };
    },
    cancel: async (id) => {
      cancelled.push(id);
    },
  };
  const options = {
    pollMs: 1000,
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
  };
  return { t, options, cancelled };
}

describe('waitForTranscode', () => {
  it('follows a job to COMPLETE, reporting each change once', async () => {
    const { t, options } = scripted([
      { state: 'SUBMITTED' },
      { percent: 10 },
      { percent: 10 },
      { percent: 60 },
      { state: 'COMPLETE', percent: 100 },
    ]);
    const seen: number[] = [];
    const done = await waitForTranscode(t, 'j', { ...options, onProgress: (s) => seen.push(s.percent) });
    expect(done.state).toBe('COMPLETE');
    expect(seen).toEqual([0, 10, 60, 100]);
  });

  it('reports a job that never starts, and cancels it', async () => {
    const { t, options, cancelled } = scripted([{ state: 'SUBMITTED' }]);
    await expect(waitForTranscode(t, 'j', { ...options, startTimeoutMs: 30_000 })).rejects.toMatchObject({
      code: 'TRANSCODE_STALLED',
      message: 'Transcode j did not start within 30 s',
    });
    expect(cancelled).toEqual(['j']);
  });

  it('reports a job whose progress stops moving, and cancels it', async () => {
    const { t, options, cancelled } = scripted([{ percent: 5 }, { percent: 20 }, { percent: 20 }]);
    await expect(waitForTranscode(t, 'j', { ...options, stallTimeoutMs: 10_000 })).rejects.toMatchObject({
      code: 'TRANSCODE_STALLED',
      message: expect.stringMatching(/no progress for 10 s \(stuck at 20%\)/),
    });
    expect(cancelled).toEqual(['j']);
  });

  it('turns ERROR into a typed failure carrying the service reason', async () => {
    const { t, options } = scripted([{ state: 'ERROR', error: { code: 'MEDIACONVERT_1030', message: 'Bad input' } }]);
    await expect(waitForTranscode(t, 'j', options)).rejects.toMatchObject({
      code: 'TRANSCODE_FAILED',
      message: 'Transcode j failed: Bad input',
    });
  });
});

describe('ffmpeg output parsing', () => {
  it('reads variants from an HLS master playlist', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-STREAM-INF:BANDWIDTH=1210000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"',
      '360p/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=5500000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2"',
      '1080p/index.m3u8',
    ].join('\n');
    expect(parseMasterPlaylist(master)).toEqual([
      {
        name: '360p',
        width: 640,
        height: 360,
        bandwidth: 1_210_000,
        codecs: 'avc1.64001e,mp4a.40.2',
        playlist: '360p/index.m3u8',
      },
      {
        name: '1080p',
        width: 1920,
        height: 1080,
        bandwidth: 5_500_000,
        codecs: 'avc1.640028,mp4a.40.2',
        playlist: '1080p/index.m3u8',
      },
    ]);
  });

  it('turns -progress blocks into percentages, 100 only at the end', () => {
    expect(progressPercent({ out_time_us: '4000000', progress: 'continue' }, 8)).toBe(50);
    expect(progressPercent({ out_time_us: '8000000', progress: 'continue' }, 8)).toBe(99);
    expect(progressPercent({ out_time_us: 'N/A', progress: 'continue' }, 8)).toBeUndefined();
    expect(progressPercent({ progress: 'end' }, undefined)).toBe(100);
  });
});

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

/** Bits per second of each segment of a media playlist, from the files: peak and average. */
function measured(playlist: string): { peak: number; average: number; segments: string[] } {
  const lines = readFileSync(playlist, 'utf8').split('\n');
  let peak = 0;
  let bits = 0;
  let time = 0;
  const segments: string[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXTINF:')) return;
    const duration = Number.parseFloat(line.slice(8));
    const file = join(dirname(playlist), lines[i + 1] as string);
    segments.push(file);
    const size = statSync(file).size * 8;
    peak = Math.max(peak, size / duration);
    bits += size;
    time += duration;
  });
  return { peak, average: bits / time, segments };
}

const probe = (file: string, ...args: string[]) =>
  spawnSync('ffprobe', ['-v', 'error', ...args, '-of', 'json', file], { encoding: 'utf8' });

describe.skipIf(!hasFfmpeg && process.env.STREAMCTL_REQUIRE_FFMPEG !== '1')('ffmpeg backend packaging', () => {
  const work = mkdtempSync(join(tmpdir(), 'streamctl-packaging-'));
  const clip = join(work, 'clip.mp4');
  const ladder: Ladder = LadderSchema.parse({
    name: 'pack',
    segmentSeconds: 2,
    rungs: [
      { width: 320, height: 180, codec: 'h264', qvbrQuality: 6, maxBitrate: 300_000 },
      { width: 640, height: 360, codec: 'h264', qvbrQuality: 7, maxBitrate: 900_000 },
    ],
    outputs: { dash: true, thumbnailSeconds: 1 },
  });
  const transcode = async (output: string, extra: Record<string, unknown> = {}) => {
    const t = createFfmpegTranscoder({ workDir: work });
    const job = await t.submit({ titleId: 't1', ladder, input: clip, output, durationSec: 7, ...extra });
    return waitForTranscode(t, job.jobId, { pollMs: 50 });
  };

  it('writes a measured master, I-frame playlists, a DASH MPD over the same segments and a thumbnail track', {
    timeout: 120_000,
  }, async () => {
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '7'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', clip],
    ]);
    writeFileSync(join(work, 'en.vtt'), 'WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHello\n');
    const out = join(work, 'clear');
    const done = await transcode(out, {
      captions: [{ language: 'en', name: 'English', source: join(work, 'en.vtt') }],
    });
    expect(done.state).toBe('COMPLETE');
    expect(done.outputs).toMatchObject({ dash: 'manifest.mpd', thumbnailTrack: 'thumbnails/thumbnails.vtt' });

    // 1. The master: BANDWIDTH the measured peak segment bit rate (the audio group's added), AVERAGE-BANDWIDTH the mean.
    const master = readFileSync(join(out, 'master.m3u8'), 'utf8');
    expect(master.split('\n').slice(0, 3)).toEqual(['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS']);
    const audio = measured(join(out, 'audio', 'index.m3u8'));
    const captions = measured(join(out, 'subs', '1_en', 'index.m3u8'));
    const variants = [...master.matchAll(/#EXT-X-STREAM-INF:(.*)\n(.*)/g)];
    expect(variants).toHaveLength(2);
    for (const [i, [, attrs, uri]] of variants.entries()) {
      const video = measured(join(out, uri as string));
      const peak = video.peak + audio.peak + captions.peak;
      const bandwidth = Number(/BANDWIDTH=(\d+)/.exec(attrs as string)?.[1]);
      expect(bandwidth).toBeGreaterThanOrEqual(peak);
      expect(bandwidth).toBeLessThanOrEqual(peak + 3);
      const average = Number(/AVERAGE-BANDWIDTH=(\d+)/.exec(attrs as string)?.[1]);
      expect(Math.abs(average - (video.average + audio.average + captions.average))).toBeLessThanOrEqual(3);
      expect(average).toBeLessThan(bandwidth);
      expect(attrs).toMatch(/FRAME-RATE=25\.000/);
      expect(attrs).toMatch(/CLOSED-CAPTIONS=NONE/);
      expect(attrs).toMatch(/CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
      expect(attrs).toMatch(/AUDIO="[^"]+"/);
      expect(attrs).toMatch(/SUBTITLES="subs"/);
      // The catalog's renditions carry the same measured figure.
      expect(done.outputs?.renditions[i]?.bandwidth).toBe(bandwidth);
    }

    // Segments start on aligned keyframes across rungs: the first frame of each is a keyframe at the same time.
    const starts = variants.map(([, , uri]) => {
      const { segments } = measured(join(out, uri as string));
      const init = readFileSync(
        join(
          dirname(join(out, uri as string)),
          readdirSync(dirname(join(out, uri as string))).find((f) => f.startsWith('init_')) as string,
        ),
      );
      return segments.map((segment) => {
        const joined = join(work, 'segment.mp4');
        writeFileSync(joined, Buffer.concat([init, readFileSync(segment)]));
        const frames = JSON.parse(
          probe(
            joined,
            '-select_streams',
            'v:0',
            '-show_frames',
            '-read_intervals',
            '%+#1',
            '-show_entries',
            'frame=key_frame,pict_type,pts_time',
          ).stdout,
        ).frames as Array<{ key_frame: number; pict_type: string; pts_time: string }>;
        expect(frames[0]).toMatchObject({ key_frame: 1, pict_type: 'I' });
        return frames[0]?.pts_time;
      });
    });
    expect(starts[0]?.length).toBe(4);
    expect(starts[1]).toEqual(starts[0]);

    // 3. I-frame playlists, listed in the master: each byte range is one decodable keyframe.
    const iFrameLines = [...master.matchAll(/#EXT-X-I-FRAME-STREAM-INF:(.*)/g)].map((m) => m[1] as string);
    expect(iFrameLines).toHaveLength(2);
    for (const attrs of iFrameLines) {
      expect(attrs).toMatch(
        /^BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,RESOLUTION=\d+x\d+,CODECS="avc1\.[0-9a-f]{6}",URI="[^"]+"$/,
      );
      const uri = /URI="([^"]+)"/.exec(attrs)?.[1] as string;
      const playlist = readFileSync(join(out, uri), 'utf8');
      expect(playlist).toMatch(/#EXT-X-I-FRAMES-ONLY/);
      const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1] as string;
      const init = readFileSync(join(out, dirname(uri), map));
      const entries = [...playlist.matchAll(/#EXTINF:([\d.]+),\n#EXT-X-BYTERANGE:(\d+)@(\d+)\n(.*)/g)];
      expect(entries.length).toBe(4);
      for (const [, duration, length, offset, segment] of entries) {
        expect(Number(duration)).toBeGreaterThan(0);
        const bytes = readFileSync(join(out, dirname(uri), segment as string));
        const cut = join(work, 'iframe.mp4');
        writeFileSync(cut, Buffer.concat([init, bytes.subarray(Number(offset), Number(offset) + Number(length))]));
        const frames = JSON.parse(
          probe(cut, '-select_streams', 'v:0', '-show_frames', '-show_entries', 'frame=key_frame,pict_type').stdout,
        ).frames;
        expect(frames.map((f: { key_frame: number; pict_type: string }) => [f.key_frame, f.pict_type])).toEqual([
          [1, 'I'],
        ]);
      }
    }

    // 2. DASH: well-formed XML with one video set (a representation per rung), an audio set with its language, a text set.
    const mpdFile = join(out, 'manifest.mpd');
    const shape = spawnSync(
      'python3',
      [
        '-c',
        `import json,sys,xml.etree.ElementTree as E
ns={'d':'urn:mpeg:dash:schema:mpd:2011'}
r=E.parse(sys.argv[1]).getroot()
print(json.dumps({'type':r.get('type'),'profiles':r.get('profiles'),'sets':[{'contentType':a.get('contentType'),'lang':a.get('lang'),'reps':[dict(x.attrib) for x in a.findall('d:Representation',ns)],'templates':[dict(t.attrib) for t in a.findall('d:Representation/d:SegmentTemplate',ns)]} for a in r.findall('d:Period/d:AdaptationSet',ns)]}))`,
        mpdFile,
      ],
      { encoding: 'utf8' },
    );
    expect(shape.stderr).toBe('');
    const mpd = JSON.parse(shape.stdout);
    expect(mpd).toMatchObject({ type: 'static', profiles: 'urn:mpeg:dash:profile:isoff-live:2011' });
    expect(mpd.sets.map((s: { contentType: string }) => s.contentType)).toEqual(['video', 'audio', 'text']);
    const [videoSet, audioSet, textSet] = mpd.sets;
    expect(videoSet.reps.map((r: Record<string, string>) => [r.id, r.width, r.height, r.frameRate])).toEqual([
      ['180p', '320', '180', '25'],
      ['360p', '640', '360', '25'],
    ]);
    // The very files the HLS playlists name, and the measured video bandwidth.
    expect(videoSet.templates[1]).toMatchObject({
      initialization: '360p/init_1.mp4',
      media: '360p/seg_$Number%05d$.m4s',
    });
    expect(Number(videoSet.reps[1].bandwidth)).toBe(Math.ceil(measured(join(out, '360p', 'index.m3u8')).peak));
    expect(audioSet.reps[0].codecs).toBe('mp4a.40.2');
    expect(textSet).toMatchObject({ lang: 'en' });
    // ffprobe reads the MPD (its dash demuxer wants an absolute path, and .vtt allowed) and decodes each
    // stream: every rung and the audio (one stream at a time: with the text stream it stops early).
    const decoded = (stream: string) =>
      Number(
        JSON.parse(
          probe(
            mpdFile,
            ...['-allowed_extensions', 'ALL', '-select_streams', stream, '-count_frames'],
            ...['-show_entries', 'stream=nb_read_frames'],
          ).stdout,
        ).streams[0]?.nb_read_frames,
      );
    expect([decoded('v:0'), decoded('v:1')]).toEqual([175, 175]);
    expect(decoded('a:0')).toBeGreaterThan(300);
    expect(videoFramesDecoded(join(out, 'master.m3u8'))).toBe(175);

    // The thumbnail track: a cue per second, each a tile of an existing sprite sheet, as many as the thumbnails.
    const vtt = readFileSync(join(out, 'thumbnails', 'thumbnails.vtt'), 'utf8');
    const cues = [
      ...vtt.matchAll(
        /(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(sprite_\d{5}\.jpg)#xywh=(\d+),(\d+),160,90/g,
      ),
    ];
    const thumbs = readdirSync(join(out, 'thumbnails')).filter((f) => f.startsWith('thumb_'));
    expect(cues).toHaveLength(thumbs.length);
    expect(cues.map((c) => [c[1], c[2], c[3], c[4], c[5]]).slice(0, 3)).toEqual([
      ['00:00:00.000', '00:00:01.000', 'sprite_00001.jpg', '0', '0'],
      ['00:00:01.000', '00:00:02.000', 'sprite_00001.jpg', '160', '0'],
      ['00:00:02.000', '00:00:03.000', 'sprite_00001.jpg', '320', '0'],
    ]);
    expect(cues.at(-1)?.[2]).toBe('00:00:07.000');
    const sheet = JSON.parse(
      probe(join(out, 'thumbnails', 'sprite_00001.jpg'), '-show_entries', 'stream=width,height').stdout,
    );
    expect(sheet.streams[0]).toEqual({ width: 1600, height: 900 });
  });

  it('a sealed ladder gets no I-frame playlists and no MPD, and keeps its thumbnail track', {
    timeout: 60_000,
  }, async () => {
    const out = join(work, 'sealed');
    const done = await transcode(out, {
      protection: {
        scheme: 'aes-128',
        rotateEverySegments: 0,
        nextKey: async () => ({ keyId: 'k1', key: new Uint8Array(16).fill(7) }),
        keyUri: (keyId: string) => `/v1/keys/t1/${keyId}`,
      },
    });
    expect(done.state).toBe('COMPLETE');
    expect(done.outputs?.dash).toBeUndefined();
    expect(done.outputs?.thumbnailTrack).toBe('thumbnails/thumbnails.vtt');
    const master = readFileSync(join(out, 'master.m3u8'), 'utf8');
    expect(master).not.toMatch(/I-FRAME/);
    expect(readdirSync(join(out, '360p'))).not.toContain('iframes.m3u8');
    // BANDWIDTH counts the sealed (padded) segments.
    const bandwidth = Number(/BANDWIDTH=(\d+)/.exec(master)?.[1]);
    const video = measured(join(out, '180p', 'index.m3u8'));
    const audio = measured(join(out, 'audio', 'index.m3u8'));
    expect(bandwidth).toBeGreaterThanOrEqual(video.peak + audio.peak);
    expect(bandwidth).toBeLessThanOrEqual(video.peak + audio.peak + 3);
  });
});
