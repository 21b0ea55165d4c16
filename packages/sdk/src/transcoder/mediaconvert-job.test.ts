import * as mediaconvert from '@aws-sdk/client-mediaconvert';
import { describe, expect, it } from 'vitest';
import { checkAgainstModel } from '../../../../test/aws-model.js';
import { type Ladder, loadLadder, rungName } from '../ladders/index.js';
import { mediaConvertOutputs, renderMediaConvertJob } from './index.js';
import { DRM_SYSTEM_IDS, type MediaConvertProtection, TRICK_PLAY_TILES } from './mediaconvert-job.js';
import type { AudioTrackInput } from './tracks.js';

const target = {
  input: 's3://streamctl-prod-raw-eu-west-1/masters/t1.mov',
  output: 's3://streamctl-prod-cdn-eu-west-1/titles/t1/',
  role: 'arn:aws:iam::123456789012:role/streamctl-mediaconvert',
  titleId: 't1',
};

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
  [/HlsGroupSettings\.SegmentControl$/, mediaconvert.HlsSegmentControl],
  [/HlsGroupSettings\.DirectoryStructure$/, mediaconvert.HlsDirectoryStructure],
  [/HlsGroupSettings\.OutputSelection$/, mediaconvert.HlsOutputSelection],
  [/HlsGroupSettings\.ManifestDurationFormat$/, mediaconvert.HlsManifestDurationFormat],
  [/HlsGroupSettings\.StreamInfResolution$/, mediaconvert.HlsStreamInfResolution],
  [/HlsGroupSettings\.CodecSpecification$/, mediaconvert.HlsCodecSpecification],
  [/HlsGroupSettings\.Encryption\.EncryptionMethod$/, mediaconvert.HlsEncryptionType],
  [/HlsGroupSettings\.Encryption\.Type$/, mediaconvert.HlsKeyProviderType],
  [/HlsGroupSettings\.Encryption\.InitializationVectorInManifest$/, mediaconvert.HlsInitializationVectorInManifest],
  [/CmafGroupSettings\.Encryption\.EncryptionMethod$/, mediaconvert.CmafEncryptionType],
  [/CmafGroupSettings\.Encryption\.Type$/, mediaconvert.CmafKeyProviderType],
  [/CmafGroupSettings\.Encryption\.InitializationVectorInManifest$/, mediaconvert.CmafInitializationVectorInManifest],
  [/\.SpekeVideoPreset$/, mediaconvert.PresetSpeke20Video],
  [/\.SpekeAudioPreset$/, mediaconvert.PresetSpeke20Audio],
  [/CmfcSettings\.AudioTrackType$/, mediaconvert.CmfcAudioTrackType],
  [/CmafGroupSettings\.ImageBasedTrickPlay$/, mediaconvert.CmafImageBasedTrickPlay],
  [/HlsGroupSettings\.ImageBasedTrickPlay$/, mediaconvert.HlsImageBasedTrickPlay],
  [/CmafGroupSettings\.ImageBasedTrickPlaySettings\.IntervalCadence$/, mediaconvert.CmafIntervalCadence],
  [/HlsGroupSettings\.ImageBasedTrickPlaySettings\.IntervalCadence$/, mediaconvert.HlsIntervalCadence],
  [/\.Deinterlacer\.Algorithm$/, mediaconvert.DeinterlaceAlgorithm],
  [/\.Deinterlacer\.Control$/, mediaconvert.DeinterlacerControl],
  [/\.Deinterlacer\.Mode$/, mediaconvert.DeinterlacerMode],
  [/VideoSelector\.Rotate$/, mediaconvert.InputRotate],
  [/VideoDescription\.ScalingBehavior$/, mediaconvert.ScalingBehavior],
  [/VideoDescription\.AntiAlias$/, mediaconvert.AntiAlias],
  [/H264Settings\.InterlaceMode$/, mediaconvert.H264InterlaceMode],
  [/H265Settings\.InterlaceMode$/, mediaconvert.H265InterlaceMode],
  [/H264Settings\.ParControl$/, mediaconvert.H264ParControl],
  [/H265Settings\.ParControl$/, mediaconvert.H265ParControl],
  [/AudioSelectors\.[^.]+\.SelectorType$/, mediaconvert.AudioSelectorType],
  [/AudioSelectors\.[^.]+\.DefaultSelection$/, mediaconvert.AudioDefaultSelection],
  [/AudioDescriptions\[\d+\]\.LanguageCodeControl$/, mediaconvert.AudioLanguageCodeControl],
];

/**
 * Every enum-valued field of these kinds must be checked somewhere: an unmatched encryption,
 * trick-play, scan, rotation, scaling or pixel-aspect field is a gap.
 */
const ENCRYPTION_ENUM_FIELDS =
  /\.(EncryptionMethod|Type|InitializationVectorInManifest|Speke(Video|Audio)Preset|ImageBasedTrickPlay|IntervalCadence|Algorithm|Control|Mode|Rotate|ScalingBehavior|InterlaceMode|ParControl|SelectorType|DefaultSelection|LanguageCodeControl)$/;

function checkEnums(value: unknown, path: string, problems: string[]): void {
  if (typeof value === 'string' && ENCRYPTION_ENUM_FIELDS.test(path) && !ENUMS.some(([pattern]) => pattern.test(path)))
    problems.push(`${path}: no enum check covers this field`);
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

const KEY_HEX = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const speke = {
  url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/speke/v2.0/copyProtection',
  roleArn: 'arn:aws:iam::123456789012:role/streamctl-prod-mediaconvert-eu-west-1',
  resourceId: 't1',
  certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666',
};
const PROTECTIONS: Record<string, MediaConvertProtection> = {
  'aes-128 static key': {
    scheme: 'aes-128',
    staticKey: { keyId: 'k-0001', keyHex: KEY_HEX, url: '/v1/keys/t1/k-0001' },
  },
  'aes-128 SPEKE': { scheme: 'aes-128', speke },
  drm: { scheme: 'drm', speke },
};

const protectedLadder = async (name: string, scheme: Ladder['protection']): Promise<Ladder> => ({
  ...(await loadLadder(name)),
  protection: scheme,
});

describe('MediaConvert rendering with protection', () => {
  const cases = ['default', 'mobile', 'premium-4k'].flatMap((ladder) =>
    Object.keys(PROTECTIONS).map((protection) => [ladder, protection] as const),
  );

  it.each(cases)('%s with %s renders a CreateJob request that fits the API model', async (name, kind) => {
    const protection = PROTECTIONS[kind] as MediaConvertProtection;
    const ladder = await protectedLadder(name, protection.scheme);
    const request = renderMediaConvertJob(ladder, {
      ...target,
      protection,
      audio: [{ language: 'eng' }, { language: 'fra' }],
      captions: [{ language: 'en', source: 's3://raw/masters/t1/captions/1_en.vtt' }],
    });
    const problems: string[] = [];
    checkAgainstModel(request, mediaconvert.CreateJobRequest$, '', problems);
    checkEnums(request, '', problems);
    expect(problems).toEqual([]);
    const groups = request.Settings?.OutputGroups ?? [];
    // The renditions' group, then the (clear) frame captures.
    expect(groups.map((g) => g.OutputGroupSettings?.Type)).toEqual([
      protection.scheme === 'aes-128' ? 'HLS_GROUP_SETTINGS' : 'CMAF_GROUP_SETTINGS',
      'FILE_GROUP_SETTINGS',
    ]);
    const outputs = groups[0]?.Outputs ?? [];
    expect(outputs.map((o) => o.NameModifier)).toEqual([
      ...ladder.rungs.map((r) => `_${rungName(r)}`),
      '_audio_1_eng',
      '_audio_2_fra',
      '_captions_1_en',
    ]);
    expect(request.UserMetadata).toEqual({
      ladder: name,
      titleId: 't1',
      audio: 'eng,fra',
      captions: 'en',
      protection: protection.scheme,
      ...(kind === 'aes-128 static key' ? { keyIds: 'k-0001' } : {}),
    });
    // The key is in the job's settings (MediaConvert needs it) and nowhere else of the request.
    expect(JSON.stringify(request.UserMetadata)).not.toContain(KEY_HEX);
    const { Settings: _settings, ...rest } = request;
    expect(JSON.stringify(rest)).not.toContain(KEY_HEX);
    // With SPEKE the job runs as the role MediaConvert calls the key provider with.
    expect(request.Role).toBe(kind === 'aes-128 static key' ? target.role : speke.roleArn);
  });

  it('aes-128 with a static key: an Apple HLS group of fMP4 segments, AES-128, the key and its URI', async () => {
    const ladder = await protectedLadder('default', 'aes-128');
    const request = renderMediaConvertJob(ladder, { ...target, protection: PROTECTIONS['aes-128 static key'] });
    const group = request.Settings?.OutputGroups?.[0];
    const settings = group?.OutputGroupSettings?.HlsGroupSettings;
    expect(settings).toMatchObject({
      Destination: 's3://streamctl-prod-cdn-eu-west-1/titles/t1/hls/master',
      SegmentControl: 'SEGMENTED_FILES',
      SegmentLength: ladder.segmentSeconds,
    });
    expect(settings?.Encryption).toEqual({
      EncryptionMethod: 'AES128',
      InitializationVectorInManifest: 'INCLUDE',
      Type: 'STATIC_KEY',
      StaticKeyProvider: {
        StaticKeyValue: KEY_HEX,
        Url: '/v1/keys/t1/k-0001',
        KeyFormat: 'identity',
        KeyFormatVersions: '1',
      },
    });
    expect(new Set(group?.Outputs?.map((o) => o.ContainerSettings?.Container).filter(Boolean))).toEqual(
      new Set(['CMFC']),
    );
    // One named audio group that every video variant refers to.
    expect(group?.Outputs?.[0]?.ContainerSettings?.CmfcSettings).toEqual({ AudioRenditionSets: 'program_audio' });
    expect(group?.Outputs?.at(-1)?.ContainerSettings?.CmfcSettings).toEqual({
      AudioGroupId: 'program_audio',
      AudioTrackType: 'ALTERNATE_AUDIO_AUTO_SELECT_DEFAULT',
    });
    // The job's end maps to the HLS group's playlists, no DASH, and the key's id.
    const outputs = mediaConvertOutputs(ladder, {
      Role: target.role,
      Settings: {},
      UserMetadata: request.UserMetadata,
    });
    expect(outputs.hls).toBe('hls/master.m3u8');
    expect(outputs.dash).toBeUndefined();
    expect(outputs.renditions.map((r) => r.playlist)).toEqual(
      ladder.rungs.map((r) => `hls/master_${rungName(r)}.m3u8`),
    );
    expect(outputs.protection).toEqual({ scheme: 'aes-128', keyIds: ['k-0001'] });
  });

  it('aes-128 through SPEKE: the HLS AES-128 system id and SPEKE v2 presets, one shared key', async () => {
    const ladder = await protectedLadder('mobile', 'aes-128');
    const request = renderMediaConvertJob(ladder, { ...target, protection: PROTECTIONS['aes-128 SPEKE'] });
    expect(request.Settings?.OutputGroups?.[0]?.OutputGroupSettings?.HlsGroupSettings?.Encryption).toEqual({
      EncryptionMethod: 'AES128',
      InitializationVectorInManifest: 'INCLUDE',
      Type: 'SPEKE',
      SpekeKeyProvider: {
        Url: speke.url,
        ResourceId: 't1',
        SystemIds: ['81376844-f976-481e-a84e-cc25d39b0b33'],
        CertificateArn: speke.certificateArn,
        EncryptionContractConfiguration: { SpekeVideoPreset: 'SHARED', SpekeAudioPreset: 'SHARED' },
      },
    });
    const outputs = mediaConvertOutputs(ladder, {
      Role: speke.roleArn,
      Settings: {},
      UserMetadata: request.UserMetadata,
    });
    expect(outputs.protection).toEqual({ scheme: 'aes-128' });
  });

  it('drm: the CMAF group encrypted cbcs through SPEKE v2, Widevine and PlayReady in DASH, FairPlay in HLS', async () => {
    const ladder = await protectedLadder('premium-4k', 'drm');
    const { certificateArn: _none, ...withoutCertificate } = speke;
    const request = renderMediaConvertJob(ladder, {
      ...target,
      protection: { scheme: 'drm', speke: withoutCertificate },
    });
    const cmaf = request.Settings?.OutputGroups?.[0]?.OutputGroupSettings?.CmafGroupSettings;
    expect(cmaf?.Destination).toBe('s3://streamctl-prod-cdn-eu-west-1/titles/t1/cmaf/master');
    expect(cmaf?.Encryption).toEqual({
      EncryptionMethod: 'SAMPLE_AES',
      Type: 'SPEKE',
      InitializationVectorInManifest: 'INCLUDE',
      SpekeKeyProvider: {
        Url: speke.url,
        ResourceId: 't1',
        DashSignaledSystemIds: ['edef8ba9-79d6-4ace-a3c8-27dcd51d21ed', '9a04f079-9840-4286-ab92-e65be0885f95'],
        HlsSignaledSystemIds: ['94ce86fb-07ff-4f43-adb8-93d2fa968ca2'],
        EncryptionContractConfiguration: { SpekeVideoPreset: 'PRESET_VIDEO_1', SpekeAudioPreset: 'PRESET_AUDIO_1' },
      },
    });
    expect(DRM_SYSTEM_IDS.fairplay).toBe('94ce86fb-07ff-4f43-adb8-93d2fa968ca2');
    const outputs = mediaConvertOutputs(ladder, {
      Role: speke.roleArn,
      Settings: {},
      UserMetadata: request.UserMetadata,
    });
    expect(outputs).toMatchObject({ hls: 'cmaf/master.m3u8', protection: { scheme: 'drm' } });
    expect(outputs.protection?.keyIds).toBeUndefined();
  });

  it('refuses a bad static key without echoing it', async () => {
    const ladder = await protectedLadder('default', 'aes-128');
    const staticKey = { keyId: 'k-0001', keyHex: KEY_HEX, url: '/v1/keys/t1/k-0001' };
    for (const keyHex of [KEY_HEX.slice(0, 30), `${KEY_HEX}00`, `${KEY_HEX.slice(0, 31)}g`, '']) {
      let error: unknown;
      try {
        renderMediaConvertJob(ladder, {
          ...target,
          protection: { scheme: 'aes-128', staticKey: { ...staticKey, keyHex } },
        });
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/32 hex characters/) });
      const seen = JSON.stringify({
        message: (error as Error).message,
        issues: (error as { issues?: unknown }).issues,
      });
      if (keyHex) expect(seen).not.toContain(keyHex);
      expect(seen).not.toContain(KEY_HEX.slice(0, 30));
    }
  });

  it('refuses aes-128 with both or neither key source, SPEKE over http, and a protected ladder rendered in the clear', async () => {
    const ladder = await protectedLadder('default', 'aes-128');
    const staticKey = { keyId: 'k', keyHex: KEY_HEX, url: '/v1/keys/t1/k' };
    expect(() =>
      renderMediaConvertJob(ladder, { ...target, protection: { scheme: 'aes-128', staticKey, speke } as never }),
    ).toThrow(/exactly one of them/);
    expect(() => renderMediaConvertJob(ladder, { ...target, protection: { scheme: 'aes-128' } as never })).toThrow(
      /exactly one of them/,
    );
    expect(() =>
      renderMediaConvertJob(ladder, {
        ...target,
        protection: { scheme: 'aes-128', speke: { ...speke, url: 'http://keys.example.com/speke' } },
      }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/https:\/\//) }));
    expect(() => renderMediaConvertJob(ladder, target)).toThrow(/ladder default asks for aes-128/);
    expect(() => renderMediaConvertJob(ladder, { ...target, protection: { scheme: 'drm', speke } })).toThrow(
      /is drm, but ladder default asks for aes-128/,
    );
  });
});

/** The masters a built-in ladder must render for: no audio, one 5.1 track, several tracks of mixed layouts. */
const MASTERS: Record<string, AudioTrackInput[]> = {
  'a silent master': [],
  'a 5.1 master': [{ language: 'eng', channels: 6 }],
  'several audio tracks': [
    { language: 'eng', channels: 6 },
    { language: 'fra', name: 'Français', channels: 2 },
    { language: 'spa', channels: 1 },
    { language: 'deu' },
  ],
};

const SCHEMES: Record<string, MediaConvertProtection | undefined> = { clear: undefined, ...PROTECTIONS };

const problemsOf = (request: unknown): string[] => {
  const problems: string[] = [];
  checkAgainstModel(request, mediaconvert.CreateJobRequest$, '', problems);
  checkEnums(request, '', problems);
  return problems;
};

const renditionsGroup = (request: mediaconvert.CreateJobCommandInput) => request.Settings?.OutputGroups?.[0];

/** The 5.1 downmix, ITU-R BS.775: L' = L + 0.707·C + 0.707·Ls (and R' likewise), the LFE dropped. */
const DOWNMIX_5_1 = {
  ChannelsIn: 6,
  ChannelsOut: 2,
  ChannelMapping: {
    OutputChannels: [{ InputChannels: [0, -60, -3, -60, -3, -60] }, { InputChannels: [-60, 0, -3, -60, -60, -3] }],
  },
};

describe('MediaConvert rendering for every master', () => {
  const cases = ['default', 'mobile', 'premium-4k'].flatMap((ladder) =>
    Object.keys(SCHEMES).flatMap((scheme) => Object.keys(MASTERS).map((master) => [ladder, scheme, master] as const)),
  );

  it.each(cases)('%s, %s, %s: a request that fits the model', async (name, scheme, master) => {
    const protection = SCHEMES[scheme];
    const ladder = protection ? await protectedLadder(name, protection.scheme) : await loadLadder(name);
    const audio = MASTERS[master] as AudioTrackInput[];
    const request = renderMediaConvertJob(ladder, {
      ...target,
      audio,
      ...(protection ? { protection } : {}),
      captions: [{ language: 'en', source: 's3://raw/masters/t1/captions/1_en.vtt' }],
    });
    expect(problemsOf(request)).toEqual([]);
    const group = renditionsGroup(request);
    const outputs = group?.Outputs ?? [];
    const audioOutputs = outputs.filter((o) => o.AudioDescriptions?.length);
    const input = request.Settings?.Inputs?.[0];
    expect(audioOutputs).toHaveLength(audio.length);
    expect(outputs).toHaveLength(ladder.rungs.length + audio.length + 1);
    if (audio.length === 0) {
      expect(input?.AudioSelectors).toBeUndefined();
      expect(request.UserMetadata?.audio).toBe('none');
      // No video output points at an audio group that is not there.
      expect(JSON.stringify(outputs)).not.toMatch(/AudioRenditionSets|AudioSourceName/);
    } else {
      expect(Object.keys(input?.AudioSelectors ?? {})).toHaveLength(audio.length);
    }
    // A 5.1 track is downmixed into its stereo rendition; a stereo or unknown one is taken as it comes.
    audio.forEach((track, i) => {
      const description = audioOutputs[i]?.AudioDescriptions?.[0];
      expect(description?.CodecSettings?.AacSettings?.CodingMode).toBe('CODING_MODE_2_0');
      if (track.channels === 6) expect(description?.RemixSettings).toEqual(DOWNMIX_5_1);
      if (track.channels === 2 || track.channels === undefined) expect(description?.RemixSettings).toBeUndefined();
    });
    // Trick play in the renditions' group, whichever it is.
    const settings = group?.OutputGroupSettings;
    const trick = settings?.CmafGroupSettings ?? settings?.HlsGroupSettings;
    expect(trick?.ImageBasedTrickPlay).toBe('ADVANCED');
    expect(trick?.ImageBasedTrickPlaySettings?.ThumbnailInterval).toBe(ladder.outputs.thumbnailSeconds);
  });
});

describe('MediaConvert rendering of awkward masters', () => {
  it('a silent master: no audio selector, no audio output, no audio in the bandwidth; no list at all keeps the first track', async () => {
    const ladder = await loadLadder('default');
    const silent = renderMediaConvertJob(ladder, { ...target, audio: [] });
    expect(problemsOf(silent)).toEqual([]);
    expect(silent.Settings?.Inputs?.[0]).not.toHaveProperty('AudioSelectors');
    expect(renditionsGroup(silent)?.Outputs?.map((o) => o.NameModifier)).toEqual(
      ladder.rungs.map((r) => `_${rungName(r)}`),
    );
    expect(silent.UserMetadata).toEqual({ ladder: 'default', titleId: 't1', audio: 'none' });
    const outputs = mediaConvertOutputs(ladder, { Role: target.role, Settings: {}, UserMetadata: silent.UserMetadata });
    expect(outputs.renditions.map((r) => r.bandwidth)).toEqual(ladder.rungs.map((r) => r.maxBitrate));
    expect(outputs.tracks).toBeUndefined();

    // Without a list, the first track as before: one selector that falls back to the default.
    const unsaid = renderMediaConvertJob(ladder, target);
    expect(unsaid.Settings?.Inputs?.[0]?.AudioSelectors).toEqual({
      'Audio Selector 1': { DefaultSelection: 'DEFAULT' },
    });
    const heard = mediaConvertOutputs(ladder, { Role: target.role, Settings: {}, UserMetadata: unsaid.UserMetadata });
    expect(heard.renditions[0]?.bandwidth).toBe((ladder.rungs[0]?.maxBitrate ?? 0) + ladder.audio.bitrate);
  });

  it('a silent master with captions maps its captions back and no audio track', async () => {
    const ladder = await protectedLadder('mobile', 'aes-128');
    const request = renderMediaConvertJob(ladder, {
      ...target,
      audio: [],
      protection: PROTECTIONS['aes-128 static key'],
      captions: [{ language: 'en', source: 's3://raw/masters/t1/captions/1_en.vtt' }],
    });
    expect(problemsOf(request)).toEqual([]);
    // The HLS group names no audio group on its variants when there is no audio.
    expect(renditionsGroup(request)?.Outputs?.[0]?.ContainerSettings).toEqual({ Container: 'CMFC' });
    const outputs = mediaConvertOutputs(ladder, {
      Role: target.role,
      Settings: {},
      UserMetadata: request.UserMetadata,
    });
    expect(outputs.tracks).toEqual({
      audio: [],
      captions: [{ language: 'en', name: 'en', playlist: 'hls/master_captions_1_en.m3u8' }],
    });
  });

  it('downmixes 5.1 and 7.1 to stereo (centre and surrounds at -3 dB, LFE muted) and spreads mono to both sides', async () => {
    const ladder = await loadLadder('default');
    const request = renderMediaConvertJob(ladder, {
      ...target,
      audio: [
        { language: 'eng', channels: 6 },
        { language: 'fra', channels: 8 },
        { language: 'deu', channels: 1 },
        { language: 'ita', channels: 2 },
        { language: 'spa', channels: 4 },
      ],
    });
    expect(problemsOf(request)).toEqual([]);
    const remixes = renditionsGroup(request)
      ?.Outputs?.filter((o) => o.AudioDescriptions?.length)
      .map((o) => o.AudioDescriptions?.[0]?.RemixSettings);
    expect(remixes).toEqual([
      DOWNMIX_5_1,
      {
        ChannelsIn: 8,
        ChannelsOut: 2,
        ChannelMapping: {
          OutputChannels: [
            { InputChannels: [0, -60, -3, -60, -3, -60, -3, -60] },
            { InputChannels: [-60, 0, -3, -60, -60, -3, -60, -3] },
          ],
        },
      },
      {
        ChannelsIn: 1,
        ChannelsOut: 2,
        ChannelMapping: { OutputChannels: [{ InputChannels: [0] }, { InputChannels: [0] }] },
      },
      // Stereo needs no remix; a layout the renderer does not know is left to the service.
      undefined,
      undefined,
    ]);
    // Every output channel has one level per input channel, within MediaConvert's -60…6 dB.
    for (const remix of remixes ?? []) {
      for (const channel of remix?.ChannelMapping?.OutputChannels ?? []) {
        expect(channel.InputChannels).toHaveLength(remix?.ChannelsIn ?? 0);
        expect(channel.InputChannels?.every((db) => db >= -60 && db <= 6)).toBe(true);
      }
    }
  });

  it('refuses a channel count that is not one', async () => {
    const ladder = await loadLadder('default');
    for (const channels of [0, -2, 2.5, 65, Number.NaN]) {
      expect(() => renderMediaConvertJob(ladder, { ...target, audio: [{ language: 'eng', channels }] })).toThrow(
        expect.objectContaining({
          code: 'VALIDATION_FAILED',
          message: expect.stringMatching(/channel count .* of audio track 1: expected 1–64/),
        }),
      );
    }
  });

  it.each(['default', 'mobile', 'premium-4k'])(
    '%s: rotated, interlaced and anamorphic masters come out upright, progressive, square-pixelled and never upscaled',
    async (name) => {
      const ladder = await loadLadder(name);
      const request = renderMediaConvertJob(ladder, target);
      expect(request.Settings?.Inputs?.[0]?.VideoSelector).toEqual({ Rotate: 'AUTO' });
      const video = (renditionsGroup(request)?.Outputs ?? []).filter((o) => o.VideoDescription);
      expect(video).toHaveLength(ladder.rungs.length);
      for (const [i, output] of video.entries()) {
        const description = output.VideoDescription;
        expect(description).toMatchObject({
          Width: ladder.rungs[i]?.width,
          Height: ladder.rungs[i]?.height,
          ScalingBehavior: 'FIT_NO_UPSCALE',
          VideoPreprocessors: { Deinterlacer: { Mode: 'ADAPTIVE', Control: 'NORMAL', Algorithm: 'INTERPOLATE' } },
        });
        const codec = description?.CodecSettings;
        const settings = codec?.H264Settings ?? codec?.H265Settings;
        expect(settings).toMatchObject({
          InterlaceMode: 'PROGRESSIVE',
          ParControl: 'SPECIFIED',
          ParNumerator: 1,
          ParDenominator: 1,
        });
      }
      // premium-4k is H.265 Main (8-bit, what every HEVC decoder plays; no rung asks for 10-bit).
      if (name === 'premium-4k') {
        expect(video.map((o) => o.VideoDescription?.CodecSettings?.H265Settings?.CodecProfile)).toEqual(
          ladder.rungs.map(() => 'MAIN_MAIN'),
        );
      }
      // The thumbnails and the poster are deinterlaced too.
      const captures = request.Settings?.OutputGroups?.[1]?.Outputs ?? [];
      expect(captures.every((o) => o.VideoDescription?.VideoPreprocessors?.Deinterlacer?.Mode === 'ADAPTIVE')).toBe(
        true,
      );
    },
  );
});

describe('MediaConvert trick play', () => {
  const tiles = (seconds: number) => ({
    ImageBasedTrickPlay: 'ADVANCED',
    ImageBasedTrickPlaySettings: {
      IntervalCadence: 'FOLLOW_CUSTOM',
      ThumbnailInterval: seconds,
      ThumbnailWidth: 160,
      ThumbnailHeight: 90,
      TileWidth: 10,
      TileHeight: 10,
    },
  });

  it('the CMAF group writes 160×90 thumbnails on 10×10 sheets every outputs.thumbnailSeconds', async () => {
    const ladder = await loadLadder('default');
    const cmaf = renditionsGroup(renderMediaConvertJob(ladder, target))?.OutputGroupSettings?.CmafGroupSettings;
    expect(cmaf).toMatchObject(tiles(ladder.outputs.thumbnailSeconds));
    expect(TRICK_PLAY_TILES).toEqual({ width: 160, height: 90, columns: 10, rows: 10 });
    // MediaConvert's limits: a thumbnail width divisible by 8, a height by 2, a sheet no taller than 4096.
    expect(TRICK_PLAY_TILES.width % 8).toBe(0);
    expect(TRICK_PLAY_TILES.height % 2).toBe(0);
    expect(TRICK_PLAY_TILES.height * TRICK_PLAY_TILES.rows).toBeLessThanOrEqual(4096);

    const every4 = { ...ladder, outputs: { ...ladder.outputs, thumbnailSeconds: 4 } };
    expect(
      renditionsGroup(renderMediaConvertJob(every4, target))?.OutputGroupSettings?.CmafGroupSettings,
    ).toMatchObject(tiles(4));
  });

  it('the aes-128 Apple HLS group writes the same, and drm keeps it in its CMAF group', async () => {
    const aes = await protectedLadder('premium-4k', 'aes-128');
    const hls = renditionsGroup(renderMediaConvertJob(aes, { ...target, protection: PROTECTIONS['aes-128 SPEKE'] }));
    expect(hls?.OutputGroupSettings?.HlsGroupSettings).toMatchObject(tiles(aes.outputs.thumbnailSeconds));
    const drm = await protectedLadder('mobile', 'drm');
    const cmaf = renditionsGroup(renderMediaConvertJob(drm, { ...target, protection: PROTECTIONS.drm }));
    expect(cmaf?.OutputGroupSettings?.CmafGroupSettings).toMatchObject(tiles(drm.outputs.thumbnailSeconds));
  });

  it('a ladder without thumbnails asks for no trick play and no frame captures', async () => {
    const ladder = await loadLadder('default');
    const none = { ...ladder, outputs: { ...ladder.outputs, thumbnailSeconds: 0 } };
    const request = renderMediaConvertJob(none, target);
    expect(problemsOf(request)).toEqual([]);
    expect(request.Settings?.OutputGroups).toHaveLength(1);
    expect(renditionsGroup(request)?.OutputGroupSettings?.CmafGroupSettings).not.toHaveProperty('ImageBasedTrickPlay');
  });

  it('the job reports no WebVTT thumbnail track: MediaConvert writes image playlists, not WebVTT', async () => {
    const ladder = await loadLadder('default');
    const request = renderMediaConvertJob(ladder, target);
    const outputs = mediaConvertOutputs(ladder, {
      Role: target.role,
      Settings: {},
      UserMetadata: request.UserMetadata,
    });
    expect(outputs.thumbnailTrack).toBeUndefined();
    expect(outputs).toMatchObject({ thumbnails: 'thumbnails/', poster: 'thumbnails/master_poster.0000000.jpg' });
  });

  it('the model check catches a bad value in the new fields (the check is not a rubber stamp)', async () => {
    const ladder = await loadLadder('default');
    const request = renderMediaConvertJob(ladder, target);
    const input = request.Settings?.Inputs?.[0] as { VideoSelector: { Rotate: string } };
    input.VideoSelector.Rotate = 'SIDEWAYS';
    const cmaf = renditionsGroup(request)?.OutputGroupSettings?.CmafGroupSettings as { ImageBasedTrickPlay: string };
    cmaf.ImageBasedTrickPlay = 'SPRITES';
    const deinterlacer = renditionsGroup(request)?.Outputs?.[0]?.VideoDescription?.VideoPreprocessors?.Deinterlacer as {
      Mode: string;
    };
    deinterlacer.Mode = 'WEAVE';
    expect(problemsOf(request)).toEqual([
      expect.stringMatching(/VideoSelector\.Rotate: SIDEWAYS is not an enum value/),
      expect.stringMatching(/ImageBasedTrickPlay: SPRITES is not an enum value/),
      expect.stringMatching(/Outputs\[0\]\.VideoDescription\.VideoPreprocessors\.Deinterlacer\.Mode: WEAVE is not/),
    ]);
  });
});
