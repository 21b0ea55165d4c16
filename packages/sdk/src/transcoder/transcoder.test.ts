import * as mediaconvert from '@aws-sdk/client-mediaconvert';
import { CancelJobCommand, CreateJobCommand, GetJobCommand, MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { modelProblems } from '../../../../test/aws-model.js';
import { loadLadder } from '../ladders/index.js';
import {
  createMediaConvertTranscoder,
  parseMasterPlaylist,
  progressPercent,
  statusFromEvent,
  type Transcoder,
  type TranscodeStatus,
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
