import * as mediaconvert from '@aws-sdk/client-mediaconvert';
import { describe, expect, it } from 'vitest';
import { checkAgainstModel } from '../../../../test/aws-model.js';
import { loadLadder } from '../ladders/index.js';
import { mediaConvertOutputs, renderMediaConvertJob } from './index.js';

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
