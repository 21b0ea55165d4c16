/**
 * A ladder rendered into a MediaConvert `CreateJob` request.
 *
 * @module
 */
import type { CreateJobCommandInput, Output, VideoCodecSettings } from '@aws-sdk/client-mediaconvert';
import { ValidationError } from '../errors/index.js';
import { type Ladder, type Rung, rungName } from '../ladders/index.js';
import { CMAF_BASE } from '../resources/index.js';
import { type AudioTrackInput, audioModifiers, type CaptionInput, captionModifiers, LanguageSchema } from './tracks.js';

function videoCodecSettings(r: Rung, gopSeconds: number): VideoCodecSettings {
  const common = {
    RateControlMode: 'QVBR' as const,
    QvbrSettings: { QvbrQualityLevel: r.qvbrQuality },
    MaxBitrate: r.maxBitrate,
  };
  const frameRate =
    r.frameRate === 'source'
      ? { FramerateControl: 'INITIALIZE_FROM_SOURCE' as const }
      : {
          FramerateControl: 'SPECIFIED' as const,
          FramerateNumerator: Math.round(r.frameRate * 1000),
          FramerateDenominator: 1000,
        };
  switch (r.codec) {
    case 'h264':
      return {
        Codec: 'H_264',
        H264Settings: {
          ...common,
          ...frameRate,
          CodecProfile: r.height > 720 ? 'HIGH' : 'MAIN',
          GopSize: gopSeconds,
          GopSizeUnits: 'SECONDS',
          SceneChangeDetect: 'TRANSITION_DETECTION',
          ParNumerator: 1,
          ParDenominator: 1,
          ParControl: 'SPECIFIED',
        },
      };
    case 'h265':
      return {
        Codec: 'H_265',
        H265Settings: {
          ...common,
          ...frameRate,
          CodecProfile: 'MAIN_MAIN',
          GopSize: gopSeconds,
          GopSizeUnits: 'SECONDS',
          SceneChangeDetect: 'TRANSITION_DETECTION',
          WriteMp4PackagingType: 'HVC1',
        },
      };
    case 'av1':
      return {
        Codec: 'AV1',
        Av1Settings: {
          ...common,
          ...frameRate,
          GopSize: gopSeconds,
          SceneChangeDetect: 'TRANSITION_DETECTION',
        },
      };
  }
}

/** Inputs of {@link renderMediaConvertJob}. */
export interface MediaConvertTarget {
  /** The master, e.g. `s3://streamctl-prod-raw-eu-west-1/masters/t1.mov`. */
  input: string;
  /** Output prefix, e.g. `s3://streamctl-prod-cdn-eu-west-1/titles/t1/`. */
  output: string;
  /** The MediaConvert service role ARN. */
  role: string;
  titleId?: string;
  /** A queue ARN; the account's default queue otherwise. */
  queue?: string;
  /** The master's audio tracks, in order; default: its first. */
  audio?: AudioTrackInput[];
  /** WebVTT sidecars (`s3://` URIs) carried through as caption tracks. */
  captions?: CaptionInput[];
}

/**
 * Renders a ladder into a MediaConvert `CreateJob` request: one CMAF output
 * group (fMP4 segments, HLS and DASH manifests) with a video output per rung,
 * an audio output per audio track of the master (one audio group, the first
 * track the default) and a WebVTT output per caption sidecar, plus a
 * frame-capture group for thumbnails and the poster.
 *
 * @example
 * ```ts
 * const request = renderMediaConvertJob(await loadLadder('default'), { input, output, role, titleId: 't1' });
 * await mediaconvert.send(new CreateJobCommand(request));
 * ```
 */
export function renderMediaConvertJob(ladder: Ladder, target: MediaConvertTarget): CreateJobCommandInput {
  if (!/^s3:\/\/[^/]+\/.+/.test(target.input)) {
    throw new ValidationError(`Invalid input "${target.input}": expected s3://bucket/key`, [
      { path: 'input', message: 'not an s3:// URI' },
    ]);
  }
  if (!/^s3:\/\/[^/]+\/(.*\/)?$/.test(target.output)) {
    throw new ValidationError(`Invalid output "${target.output}": expected an s3://bucket/prefix/ ending in /`, [
      { path: 'output', message: 'not an s3:// prefix' },
    ]);
  }
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(target.role)) {
    throw new ValidationError(`Invalid role "${target.role}": expected an IAM role ARN`, [
      { path: 'role', message: 'not a role ARN' },
    ]);
  }
  const gop = Math.min(ladder.segmentSeconds, 2);
  const videoOutputs: Output[] = ladder.rungs.map((r) => ({
    NameModifier: `_${rungName(r)}`,
    ContainerSettings: { Container: 'CMFC' },
    VideoDescription: {
      Width: r.width,
      Height: r.height,
      ScalingBehavior: 'DEFAULT',
      AntiAlias: 'ENABLED',
      CodecSettings: videoCodecSettings(r, gop),
    },
  }));
  const audio = target.audio?.length ? target.audio : [{ language: 'und' }];
  const captions = target.captions ?? [];
  for (const [i, track] of [...audio, ...captions].entries()) {
    const check = LanguageSchema.safeParse(track.language);
    if (!check.success) {
      throw new ValidationError(
        `Invalid language "${track.language}" of track ${i + 1}: ${check.error.issues[0]?.message}`,
        [{ path: `tracks.${i}.language`, message: check.error.issues[0]?.message ?? 'invalid' }],
      );
    }
  }
  for (const [i, c] of captions.entries()) {
    if (!/^s3:\/\/[^/]+\/.+\.vtt$/i.test(c.source)) {
      throw new ValidationError(`Invalid caption source "${c.source}": expected s3://bucket/key.vtt`, [
        { path: `captions.${i}.source`, message: 'not an s3:// WebVTT file' },
      ]);
    }
  }
  const language = (code: string) => (code === 'und' ? {} : { CustomLanguageCode: code });
  const audioNames = audioModifiers(audio);
  const audioOutputs: Output[] = audio.map((track, i) => ({
    NameModifier: audioNames[i] as string,
    ContainerSettings: {
      Container: 'CMFC',
      // Several tracks form one alternate-audio group (the default program_audio); players start on the first.
      ...(audio.length > 1
        ? {
            CmfcSettings: {
              AudioTrackType: i === 0 ? 'ALTERNATE_AUDIO_AUTO_SELECT_DEFAULT' : 'ALTERNATE_AUDIO_AUTO_SELECT',
            },
          }
        : {}),
    },
    AudioDescriptions: [
      {
        AudioSourceName: `Audio Selector ${i + 1}`,
        ...(track.language !== 'und' ? { LanguageCodeControl: 'USE_CONFIGURED', ...language(track.language) } : {}),
        ...(audio.length > 1 ? { StreamName: track.name ?? track.language } : {}),
        CodecSettings: {
          Codec: 'AAC',
          AacSettings: {
            Bitrate: ladder.audio.bitrate,
            CodingMode: 'CODING_MODE_2_0',
            SampleRate: ladder.audio.sampleRate,
            CodecProfile: 'LC',
          },
        },
      },
    ],
  }));
  const captionNames = captionModifiers(captions);
  const captionOutputs: Output[] = captions.map((c, i) => ({
    NameModifier: captionNames[i] as string,
    CaptionDescriptions: [
      {
        CaptionSelectorName: `Captions Selector ${i + 1}`,
        ...language(c.language),
        LanguageDescription: c.name ?? c.language,
        DestinationSettings: { DestinationType: 'WEBVTT', WebvttDestinationSettings: { StylePassthrough: 'ENABLED' } },
      },
    ],
  }));
  // An MP4/MOV master's audio tracks by number (1-based, audio tracks only).
  const audioSelectors = Object.fromEntries(
    audio.map((_, i) => [
      `Audio Selector ${i + 1}`,
      target.audio?.length
        ? {
            SelectorType: 'TRACK' as const,
            Tracks: [i + 1],
            DefaultSelection: i === 0 ? ('DEFAULT' as const) : ('NOT_DEFAULT' as const),
          }
        : { DefaultSelection: 'DEFAULT' as const },
    ]),
  );
  const captionSelectors = Object.fromEntries(
    captions.map((c, i) => [
      `Captions Selector ${i + 1}`,
      { SourceSettings: { SourceType: 'WEBVTT' as const, FileSourceSettings: { SourceFile: c.source } } },
    ]),
  );
  const thumbnails =
    ladder.outputs.thumbnailSeconds > 0
      ? [
          {
            Name: 'Thumbnails',
            OutputGroupSettings: {
              Type: 'FILE_GROUP_SETTINGS' as const,
              FileGroupSettings: { Destination: `${target.output}thumbnails/master` },
            },
            Outputs: [
              {
                NameModifier: '_thumb',
                ContainerSettings: { Container: 'RAW' as const },
                VideoDescription: {
                  Width: 640,
                  Height: 360,
                  CodecSettings: {
                    Codec: 'FRAME_CAPTURE' as const,
                    FrameCaptureSettings: {
                      FramerateNumerator: 1,
                      FramerateDenominator: ladder.outputs.thumbnailSeconds,
                      MaxCaptures: 10_000_000,
                      Quality: 80,
                    },
                  },
                },
              },
              {
                // The poster: one full-HD frame from the start of the title.
                NameModifier: '_poster',
                ContainerSettings: { Container: 'RAW' as const },
                VideoDescription: {
                  Width: 1280,
                  Height: 720,
                  CodecSettings: {
                    Codec: 'FRAME_CAPTURE' as const,
                    FrameCaptureSettings: {
                      FramerateNumerator: 1,
                      FramerateDenominator: ladder.outputs.thumbnailSeconds,
                      MaxCaptures: 1,
                      Quality: 90,
                    },
                  },
                },
              },
            ],
          },
        ]
      : [];
  return {
    Role: target.role,
    ...(target.queue ? { Queue: target.queue } : {}),
    StatusUpdateInterval: 'SECONDS_10',
    AccelerationSettings: { Mode: 'PREFERRED' },
    UserMetadata: {
      ladder: ladder.name,
      ...(target.titleId ? { titleId: target.titleId } : {}),
      // The tracks, so the job's end can be recorded by whoever hears of it (EventBridge).
      ...(target.audio && target.audio.length > 1 ? { audio: target.audio.map((a) => a.language).join(',') } : {}),
      ...(captions.length ? { captions: captions.map((c) => c.language).join(',') } : {}),
    },
    Settings: {
      TimecodeConfig: { Source: 'ZEROBASED' },
      Inputs: [
        {
          FileInput: target.input,
          TimecodeSource: 'ZEROBASED',
          VideoSelector: {},
          AudioSelectors: audioSelectors,
          ...(captions.length ? { CaptionSelectors: captionSelectors } : {}),
        },
      ],
      OutputGroups: [
        {
          Name: 'CMAF',
          OutputGroupSettings: {
            Type: 'CMAF_GROUP_SETTINGS',
            CmafGroupSettings: {
              // A base name, so the manifests are the same whatever the master is called.
              Destination: `${target.output}${CMAF_BASE}`,
              SegmentLength: ladder.segmentSeconds,
              FragmentLength: gop,
              SegmentControl: 'SEGMENTED_FILES',
              WriteHlsManifest: 'ENABLED',
              WriteDashManifest: ladder.outputs.dash ? 'ENABLED' : 'DISABLED',
              ManifestDurationFormat: 'FLOATING_POINT',
              StreamInfResolution: 'INCLUDE',
              CodecSpecification: 'RFC_6381',
            },
          },
          Outputs: [...videoOutputs, ...audioOutputs, ...captionOutputs],
        },
        ...thumbnails,
      ],
    },
  };
}
