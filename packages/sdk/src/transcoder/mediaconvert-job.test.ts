import * as mediaconvert from '@aws-sdk/client-mediaconvert';
import { describe, expect, it } from 'vitest';
import { checkAgainstModel } from '../../../../test/aws-model.js';
import { type Ladder, loadLadder, rungName } from '../ladders/index.js';
import { mediaConvertOutputs, renderMediaConvertJob } from './index.js';
import { DRM_SYSTEM_IDS, type MediaConvertProtection } from './mediaconvert-job.js';

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
];

/** Every enum-valued field the checks above cover must be checked somewhere: an unmatched encryption field is a gap. */
const ENCRYPTION_ENUM_FIELDS = /\.(EncryptionMethod|Type|InitializationVectorInManifest|Speke(Video|Audio)Preset)$/;

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
