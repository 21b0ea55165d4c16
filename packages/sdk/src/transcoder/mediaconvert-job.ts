/**
 * A ladder rendered into a MediaConvert `CreateJob` request.
 *
 * @module
 */
import type {
  AudioSelector,
  CmafEncryptionSettings,
  CmafImageBasedTrickPlaySettings,
  CreateJobCommandInput,
  HlsEncryptionSettings,
  Output,
  OutputGroup,
  RemixSettings,
  VideoCodecSettings,
  VideoPreprocessor,
} from '@aws-sdk/client-mediaconvert';
import { ValidationError } from '../errors/index.js';
import { type Ladder, type Rung, rungName } from '../ladders/index.js';
import { CMAF_BASE } from '../resources/index.js';
import { type AudioTrackInput, audioModifiers, type CaptionInput, captionModifiers, LanguageSchema } from './tracks.js';
import type { SpekeSettings } from './types.js';

/**
 * Where the Apple HLS output group of an `aes-128` job writes, relative to a
 * title's prefix: `hls/master.m3u8` and one playlist per output named with its
 * name modifier (`hls/master_1080p.m3u8`), as the CMAF group does under `cmaf/`.
 * A protected layout of its own, so a title re-ingested with protection never
 * leaves a clear `cmaf/` playlist where the encrypted one should be.
 *
 * @example
 * ```ts
 * `${HLS_BASE}_1080p.m3u8`; // "hls/master_1080p.m3u8"
 * ```
 */
export const HLS_BASE = 'hls/master';

/**
 * DRM system ids (dashif.org/identifiers/content_protection) the renderer asks
 * a SPEKE key provider for and signals in the manifests.
 *
 * @example
 * ```ts
 * DRM_SYSTEM_IDS.widevine; // "edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"
 * ```
 */
export const DRM_SYSTEM_IDS = {
  /** HLS AES-128 ("clear key" AES-128 for HLS), as SPEKE names it. */
  aes128: '81376844-f976-481e-a84e-cc25d39b0b33',
  widevine: 'edef8ba9-79d6-4ace-a3c8-27dcd51d21ed',
  playready: '9a04f079-9840-4286-ab92-e65be0885f95',
  fairplay: '94ce86fb-07ff-4f43-adb8-93d2fa968ca2',
} as const;

/**
 * How a MediaConvert job encrypts its renditions.
 *
 * - `aes-128` with `staticKey`: one content key for the whole title (MediaConvert
 *   takes one static key per output group, so there is no rotation). `keyId` names
 *   it in the job's metadata (the key itself never goes there); `url` is the
 *   key URI players fetch it from (`/v1/keys/<titleId>/<keyId>`).
 * - `aes-128` with `speke`: keys from a SPEKE v2 key provider (HLS AES-128 system id).
 * - `drm`: CMAF `cbcs` with Widevine and PlayReady (DASH) and FairPlay (HLS)
 *   from a SPEKE v2 key provider.
 *
 * With `speke`, the job runs as `speke.roleArn`: MediaConvert calls the key provider
 * with the job's own role (its `SpekeKeyProvider` has no role of its own), so that
 * role must also read the master and write the renditions.
 */
export type MediaConvertProtection =
  | {
      scheme: 'aes-128';
      staticKey: { keyId: string /** 32 hex characters. */; keyHex: string; url: string };
      speke?: undefined;
    }
  | { scheme: 'aes-128'; speke: SpekeSettings; staticKey?: undefined }
  | { scheme: 'drm'; speke: SpekeSettings };

/**
 * The trick-play images of a job: 160×90 thumbnails on 10×10 sheets (1600×900 JPEGs), one every
 * `outputs.thumbnailSeconds`, the tile the web player's scrub preview expects.
 *
 * @example
 * ```ts
 * TRICK_PLAY_TILES.width * TRICK_PLAY_TILES.columns; // 1600, the width of a sheet
 * ```
 */
export const TRICK_PLAY_TILES = { width: 160, height: 90, columns: 10, rows: 10 } as const;

/**
 * The group's image-based trick play (`ImageBasedTrickPlay: 'ADVANCED'`), or none when the ladder
 * asks for no thumbnails. The CMAF and Apple HLS groups take the same settings.
 */
function trickPlay(ladder: Ladder): {
  ImageBasedTrickPlay?: 'ADVANCED';
  ImageBasedTrickPlaySettings?: CmafImageBasedTrickPlaySettings;
} {
  const seconds = ladder.outputs.thumbnailSeconds;
  if (seconds <= 0) return {};
  return {
    ImageBasedTrickPlay: 'ADVANCED',
    ImageBasedTrickPlaySettings: {
      // FOLLOW_CUSTOM: one thumbnail every ThumbnailInterval seconds, whatever the GOP.
      IntervalCadence: 'FOLLOW_CUSTOM',
      ThumbnailInterval: seconds,
      ThumbnailWidth: TRICK_PLAY_TILES.width,
      ThumbnailHeight: TRICK_PLAY_TILES.height,
      TileWidth: TRICK_PLAY_TILES.columns,
      TileHeight: TRICK_PLAY_TILES.rows,
    },
  };
}

/**
 * Interlaced masters come out progressive: ADAPTIVE finds the interlaced frames itself and NORMAL
 * leaves the frames tagged progressive alone, so a progressive master is not touched.
 * INTERPOLATE keeps edges sharp (BLEND would smear motion).
 */
const deinterlace = (): VideoPreprocessor => ({
  Deinterlacer: { Mode: 'ADAPTIVE', Control: 'NORMAL', Algorithm: 'INTERPOLATE' },
});

/**
 * Pixel formats need nothing here: MediaConvert converts a master's pixel format (4:2:2, 10-bit
 * ProRes, …) to the 8-bit 4:2:0 that H.264 Main/High and HEVC Main take. HEVC stays Main
 * (`MAIN_MAIN`): no rung asks for 10-bit (a rung has no bit depth), and 8-bit Main is what every
 * HEVC decoder plays. Pixels come out square (PAR 1:1), whatever the master's.
 */
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
          InterlaceMode: 'PROGRESSIVE',
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
          InterlaceMode: 'PROGRESSIVE',
          ParNumerator: 1,
          ParDenominator: 1,
          ParControl: 'SPECIFIED',
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

/** Remix levels in dB, MediaConvert's unit: 0 passes a channel, -3 is a gain of 0.707, -60 mutes. */
const PASS = 0;
const MINUS_3DB = -3;
const MUTE = -60;

/**
 * The remix that makes a track's stereo rendition from its `channels`: a mono track goes to both
 * sides; 5.1 and 7.1 are downmixed as ITU-R BS.775 does (L' = L + 0.707·C + 0.707·Ls, and Lb for
 * 7.1; the LFE is dropped), so the centre (the dialogue) and the surrounds reach the stereo
 * rendition whatever the service would pick by itself. Channels are taken in the usual order of
 * such tracks (SMPTE/ITU: L, R, C, LFE, Ls, Rs, then Lb, Rb). Stereo, an unknown count or another
 * layout: no remix.
 */
function stereoRemix(channels: number | undefined): RemixSettings | undefined {
  const mix = (left: number[], right: number[]): RemixSettings => ({
    ChannelsIn: left.length,
    ChannelsOut: 2,
    ChannelMapping: { OutputChannels: [{ InputChannels: left }, { InputChannels: right }] },
  });
  switch (channels) {
    case 1:
      return mix([PASS], [PASS]);
    case 6:
      return mix([PASS, MUTE, MINUS_3DB, MUTE, MINUS_3DB, MUTE], [MUTE, PASS, MINUS_3DB, MUTE, MUTE, MINUS_3DB]);
    case 8:
      return mix(
        [PASS, MUTE, MINUS_3DB, MUTE, MINUS_3DB, MUTE, MINUS_3DB, MUTE],
        [MUTE, PASS, MINUS_3DB, MUTE, MUTE, MINUS_3DB, MUTE, MINUS_3DB],
      );
    default:
      return undefined;
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
  /**
   * The master's audio tracks, in order; default: its first. `[]`: the master has no audio, and
   * the job has no audio selector and no audio output. A track with more than two `channels`
   * (5.1, 7.1) is downmixed to the stereo rendition.
   */
  audio?: AudioTrackInput[];
  /** WebVTT sidecars (`s3://` URIs) carried through as caption tracks. */
  captions?: CaptionInput[];
  /** How the renditions are encrypted (see {@link MediaConvertProtection}); default: not at all. */
  protection?: MediaConvertProtection;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/;

/** Refuses a protection the service would reject or that would leak; the messages never carry a key. */
function checkProtection(ladder: Ladder, protection: MediaConvertProtection | undefined): void {
  const fail = (path: string, message: string): never => {
    throw new ValidationError(`Invalid protection: ${path} ${message}`, [{ path: `protection.${path}`, message }]);
  };
  if (ladder.protection !== 'none' && protection?.scheme !== ladder.protection) {
    // A protected ladder rendered without its keys would publish clear renditions.
    fail('scheme', `is ${protection?.scheme ?? 'missing'}, but ladder ${ladder.name} asks for ${ladder.protection}`);
  }
  if (!protection) return;
  if (protection.scheme === 'aes-128' && Boolean(protection.staticKey) === Boolean(protection.speke)) {
    fail('staticKey', 'or speke: aes-128 takes exactly one of them');
  }
  if (protection.scheme === 'aes-128' && protection.staticKey) {
    const { keyId, keyHex, url } = protection.staticKey;
    // The message names the rule, never the value: a near-miss key is still a key.
    if (typeof keyHex !== 'string' || !/^[0-9a-fA-F]{32}$/.test(keyHex))
      fail('staticKey.keyHex', 'must be 32 hex characters (a 16-byte AES-128 key)');
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(keyId))
      fail('staticKey.keyId', 'must be 1–128 letters, digits, ".", "_" or "-"');
    if (!(url.startsWith('/') || url.startsWith('https://')))
      fail('staticKey.url', 'must be a path (/v1/keys/…) or an https:// URL');
    return;
  }
  const speke = protection.speke as SpekeSettings;
  let https = false;
  try {
    https = new URL(speke.url).protocol === 'https:';
  } catch {
    https = false;
  }
  if (!https) fail('speke.url', `"${speke.url}" must be an https:// URL`);
  if (!ROLE_ARN.test(speke.roleArn)) fail('speke.roleArn', `"${speke.roleArn}" must be an IAM role ARN`);
  if (!speke.resourceId) fail('speke.resourceId', 'must not be empty');
  if (speke.certificateArn !== undefined && !ACM_ARN.test(speke.certificateArn))
    fail('speke.certificateArn', `"${speke.certificateArn}" must be an ACM certificate ARN`);
}

/** `HlsGroupSettings.Encryption` of an aes-128 job: whole segments, AES-128-CBC. */
function hlsEncryption(protection: Extract<MediaConvertProtection, { scheme: 'aes-128' }>): HlsEncryptionSettings {
  const common = {
    EncryptionMethod: 'AES128' as const,
    // No ConstantInitializationVector: the model has no IV-source field, and leaving it out makes the IV
    // follow the segment number. INCLUDE writes it in each EXT-X-KEY, so players need not derive it.
    InitializationVectorInManifest: 'INCLUDE' as const,
  };
  if (protection.staticKey) {
    return {
      ...common,
      Type: 'STATIC_KEY',
      StaticKeyProvider: {
        StaticKeyValue: protection.staticKey.keyHex,
        Url: protection.staticKey.url,
        KeyFormat: 'identity',
        KeyFormatVersions: '1',
      },
    };
  }
  const speke = protection.speke as SpekeSettings;
  return {
    ...common,
    Type: 'SPEKE',
    SpekeKeyProvider: {
      Url: speke.url,
      ResourceId: speke.resourceId,
      SystemIds: [DRM_SYSTEM_IDS.aes128],
      ...(speke.certificateArn ? { CertificateArn: speke.certificateArn } : {}),
      // SPEKE v2: one key for audio and video alike, as a static key would be (whole segments, one key URI).
      EncryptionContractConfiguration: { SpekeVideoPreset: 'SHARED', SpekeAudioPreset: 'SHARED' },
    },
  };
}

/** `CmafGroupSettings.Encryption` of a drm job: `cbcs` (SAMPLE-AES), the one scheme all three DRMs play. */
function cmafEncryption(speke: SpekeSettings): CmafEncryptionSettings {
  return {
    EncryptionMethod: 'SAMPLE_AES',
    Type: 'SPEKE',
    InitializationVectorInManifest: 'INCLUDE',
    SpekeKeyProvider: {
      Url: speke.url,
      ResourceId: speke.resourceId,
      ...(speke.certificateArn ? { CertificateArn: speke.certificateArn } : {}),
      DashSignaledSystemIds: [DRM_SYSTEM_IDS.widevine, DRM_SYSTEM_IDS.playready],
      HlsSignaledSystemIds: [DRM_SYSTEM_IDS.fairplay],
      // SPEKE v2: one key for every video track, one for every audio track.
      EncryptionContractConfiguration: { SpekeVideoPreset: 'PRESET_VIDEO_1', SpekeAudioPreset: 'PRESET_AUDIO_1' },
    },
  };
}

/**
 * Renders a ladder into a MediaConvert `CreateJob` request: one CMAF output
 * group (fMP4 segments, HLS and DASH manifests) with a video output per rung,
 * an audio output per audio track of the master (one audio group, the first
 * track the default; none for a silent master, `audio: []`) and a WebVTT output
 * per caption sidecar, plus a frame-capture group for thumbnails and the poster.
 *
 * Whatever the master: rotated phone video is turned upright, interlaced video
 * comes out progressive, pixels come out square and no rendition is larger than
 * the master; a 5.1 or 7.1 track is downmixed to its stereo rendition. With
 * `outputs.thumbnailSeconds`, the renditions' group also writes image-based trick
 * play ({@link TRICK_PLAY_TILES}).
 *
 * With `protection` (see {@link MediaConvertProtection}): `drm` encrypts the
 * CMAF group (`cbcs`, SPEKE v2). `aes-128` renders an Apple HLS group under
 * {@link HLS_BASE} instead of the CMAF group, because MediaConvert encrypts
 * whole segments with AES-128 only there; the same outputs, fMP4 segments, and
 * no DASH manifest (DASH has no whole-segment AES-128). The job's `UserMetadata`
 * names the scheme and the key id (never the key), so whoever hears of the
 * job's end (EventBridge) reads the protection back with `mediaConvertOutputs`.
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
  if (!ROLE_ARN.test(target.role)) {
    throw new ValidationError(`Invalid role "${target.role}": expected an IAM role ARN`, [
      { path: 'role', message: 'not a role ARN' },
    ]);
  }
  const protection = target.protection;
  checkProtection(ladder, protection);
  // aes-128: an Apple HLS group (fMP4) in place of the CMAF group; its audio outputs form one named group.
  const hls = protection?.scheme === 'aes-128';
  const gop = Math.min(ladder.segmentSeconds, 2);
  // `[]` is a silent master; no list at all, its first track (whatever the service finds there).
  const audio: AudioTrackInput[] = target.audio ?? [{ language: 'und' }];
  const silent = audio.length === 0;
  const videoOutputs: Output[] = ladder.rungs.map((r) => ({
    NameModifier: `_${rungName(r)}`,
    ContainerSettings: {
      Container: 'CMFC',
      ...(hls && !silent ? { CmfcSettings: { AudioRenditionSets: AUDIO_GROUP } } : {}),
    },
    VideoDescription: {
      Width: r.width,
      Height: r.height,
      // Fit inside the rung's frame keeping the master's shape, never larger than the master and
      // never padded: a scope or portrait master comes out its own shape (the service reports the
      // size it wrote), and the ladder is already fitted to the master (fitLadderToSource).
      ScalingBehavior: 'FIT_NO_UPSCALE',
      AntiAlias: 'ENABLED',
      VideoPreprocessors: deinterlace(),
      CodecSettings: videoCodecSettings(r, gop),
    },
  }));
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
  for (const [i, track] of audio.entries()) {
    const { channels } = track;
    if (channels !== undefined && !(Number.isInteger(channels) && channels >= 1 && channels <= 64)) {
      throw new ValidationError(`Invalid channel count ${channels} of audio track ${i + 1}: expected 1–64`, [
        { path: `audio.${i}.channels`, message: 'not a channel count (1–64)' },
      ]);
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
  const audioOutputs: Output[] = audio.map((track, i) => {
    const remix = stereoRemix(track.channels);
    return {
      NameModifier: audioNames[i] as string,
      ContainerSettings: {
        Container: 'CMFC',
        // Several tracks form one alternate-audio group (the default program_audio); players start on the first.
        // An HLS group names the group itself, or each track would be a group of its own.
        ...(audio.length > 1 || hls
          ? {
              CmfcSettings: {
                ...(hls ? { AudioGroupId: AUDIO_GROUP } : {}),
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
          ...(remix ? { RemixSettings: remix } : {}),
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
    };
  });
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
  const audioSelectors: Record<string, AudioSelector> = Object.fromEntries(
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
                  VideoPreprocessors: deinterlace(),
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
                  VideoPreprocessors: deinterlace(),
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
  const outputs = [...videoOutputs, ...audioOutputs, ...captionOutputs];
  return {
    // MediaConvert calls a SPEKE key provider with the job's role: with SPEKE, the job runs as that role.
    Role: protection?.speke ? protection.speke.roleArn : target.role,
    ...(target.queue ? { Queue: target.queue } : {}),
    StatusUpdateInterval: 'SECONDS_10',
    AccelerationSettings: { Mode: 'PREFERRED' },
    UserMetadata: {
      ladder: ladder.name,
      ...(target.titleId ? { titleId: target.titleId } : {}),
      // The tracks, so the job's end can be recorded by whoever hears of it (EventBridge).
      // `none`: a silent master (no language code is four letters), so the job's end maps no audio.
      ...(silent ? { audio: SILENT_AUDIO } : {}),
      ...(audio.length > 1 ? { audio: audio.map((a) => a.language).join(',') } : {}),
      ...(captions.length ? { captions: captions.map((c) => c.language).join(',') } : {}),
      // The protection, so the job's end reads it back: the scheme and the key's id, never the key.
      ...(protection ? { protection: protection.scheme } : {}),
      ...(protection?.scheme === 'aes-128' && protection.staticKey ? { keyIds: protection.staticKey.keyId } : {}),
    },
    Settings: {
      TimecodeConfig: { Source: 'ZEROBASED' },
      Inputs: [
        {
          FileInput: target.input,
          TimecodeSource: 'ZEROBASED',
          // Phone video carries its rotation as metadata: AUTO turns the picture upright (MediaConvert
          // ignores the metadata otherwise), so portrait video comes out portrait.
          VideoSelector: { Rotate: 'AUTO' },
          ...(silent ? {} : { AudioSelectors: audioSelectors }),
          ...(captions.length ? { CaptionSelectors: captionSelectors } : {}),
        },
      ],
      OutputGroups: [
        protection?.scheme === 'aes-128'
          ? hlsGroup(ladder, target.output, protection, outputs)
          : cmafGroup(ladder, target.output, gop, protection, outputs),
        ...thumbnails,
      ],
    },
  };
}

/**
 * `UserMetadata.audio` of a job whose master has no audio (otherwise the languages of several tracks).
 *
 * @example
 * ```ts
 * job.UserMetadata?.audio === SILENT_AUDIO; // the renditions are video only
 * ```
 */
export const SILENT_AUDIO = 'none';

/** The alternate-audio group of an HLS group's outputs (the name a CMAF group gives its own). */
const AUDIO_GROUP = 'program_audio';

/** The CMAF group: fMP4 segments, HLS and DASH manifests; `drm` encrypts it (`cbcs`). */
function cmafGroup(
  ladder: Ladder,
  output: string,
  gop: number,
  protection: MediaConvertProtection | undefined,
  outputs: Output[],
): OutputGroup {
  return {
    Name: 'CMAF',
    OutputGroupSettings: {
      Type: 'CMAF_GROUP_SETTINGS',
      CmafGroupSettings: {
        // A base name, so the manifests are the same whatever the master is called.
        Destination: `${output}${CMAF_BASE}`,
        SegmentLength: ladder.segmentSeconds,
        FragmentLength: gop,
        SegmentControl: 'SEGMENTED_FILES',
        WriteHlsManifest: 'ENABLED',
        WriteDashManifest: ladder.outputs.dash ? 'ENABLED' : 'DISABLED',
        ManifestDurationFormat: 'FLOATING_POINT',
        StreamInfResolution: 'INCLUDE',
        CodecSpecification: 'RFC_6381',
        ...trickPlay(ladder),
        ...(protection?.scheme === 'drm' ? { Encryption: cmafEncryption(protection.speke) } : {}),
      },
    },
    Outputs: outputs,
  };
}

/**
 * The Apple HLS group of an aes-128 job: fMP4 (CMFC) segments of the same length, the same
 * outputs and name modifiers as the CMAF group, under {@link HLS_BASE}; HLS only (no DASH).
 */
function hlsGroup(
  ladder: Ladder,
  output: string,
  protection: Extract<MediaConvertProtection, { scheme: 'aes-128' }>,
  outputs: Output[],
): OutputGroup {
  return {
    Name: 'HLS',
    OutputGroupSettings: {
      Type: 'HLS_GROUP_SETTINGS',
      HlsGroupSettings: {
        Destination: `${output}${HLS_BASE}`,
        SegmentLength: ladder.segmentSeconds,
        MinSegmentLength: 0,
        SegmentControl: 'SEGMENTED_FILES',
        DirectoryStructure: 'SINGLE_DIRECTORY',
        OutputSelection: 'MANIFESTS_AND_SEGMENTS',
        ManifestDurationFormat: 'FLOATING_POINT',
        StreamInfResolution: 'INCLUDE',
        CodecSpecification: 'RFC_6381',
        ...trickPlay(ladder),
        Encryption: hlsEncryption(protection),
      },
    },
    Outputs: outputs,
  };
}
