/**
 * Transcode ladders: named rung sets (`default`, `mobile`, `premium-4k`) and
 * user ladders from JSON, validated with a precise error per bad field, and
 * rendered into a MediaConvert `CreateJob` request and a local ffmpeg plan.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { CreateJobCommandInput, Output, VideoCodecSettings } from '@aws-sdk/client-mediaconvert';
import { z } from 'zod';
import { ErrorCode, StreamctlError, ValidationError } from '../errors/index.js';
import { CMAF_BASE } from '../resources/index.js';
import { parseInput } from '../util/validate.js';

const Even = (what: string) =>
  z
    .number()
    .int()
    .min(96)
    .max(7680)
    .refine((n) => n % 2 === 0, `${what} must be even (encoders need even dimensions)`);

/** One rung: a resolution, a quality target and a bitrate cap. */
export const RungSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9_-]{1,20}$/, 'lowercase letters, digits, - and _')
      .optional(),
    width: Even('width'),
    height: Even('height'),
    codec: z.enum(['h264', 'h265', 'av1']),
    /** QVBR quality level, 1 (smallest) to 10 (best). */
    qvbrQuality: z.number().int().min(1).max(10),
    /** Bitrate cap in bits per second. */
    maxBitrate: z.number().int().min(100_000).max(80_000_000),
    /** Frames per second, or `source` to keep the master's. */
    frameRate: z.union([z.literal('source'), z.number().positive().max(120)]).default('source'),
  })
  .strict();

/** A ladder as written in a JSON file. */
export const LadderSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]{1,40}$/, 'lowercase letters, digits and dashes'),
    description: z.string().max(200).optional(),
    /** Segment length in seconds (2–6). */
    segmentSeconds: z.number().int().min(2).max(6).default(4),
    rungs: z.array(RungSchema).min(1).max(12),
    audio: z
      .object({
        bitrate: z.number().int().min(32_000).max(320_000).default(128_000),
        sampleRate: z.union([z.literal(44_100), z.literal(48_000)]).default(48_000),
      })
      .strict()
      .default({ bitrate: 128_000, sampleRate: 48_000 }),
    outputs: z
      .object({
        dash: z.boolean().default(true),
        /** Seconds between thumbnails; 0 for none. */
        thumbnailSeconds: z.number().int().min(0).max(60).default(10),
      })
      .strict()
      .default({ dash: true, thumbnailSeconds: 10 }),
  })
  .strict()
  .superRefine((ladder, ctx) => {
    const names = new Set<string>();
    ladder.rungs.forEach((rung, i) => {
      const name = rung.name ?? `${rung.height}p`;
      if (names.has(name))
        ctx.addIssue({ code: 'custom', path: ['rungs', i, 'name'], message: `duplicate rung name ${name}` });
      names.add(name);
      const previous = ladder.rungs[i - 1];
      if (previous && rung.height < previous.height) {
        ctx.addIssue({
          code: 'custom',
          path: ['rungs', i, 'height'],
          message: 'rungs go from the lowest to the highest resolution',
        });
      }
      if (previous && rung.height > previous.height && rung.maxBitrate <= previous.maxBitrate) {
        ctx.addIssue({
          code: 'custom',
          path: ['rungs', i, 'maxBitrate'],
          message: `must be above the ${previous.height}p rung's ${previous.maxBitrate} (bitrates rise with resolution)`,
        });
      }
      if (rung.codec === 'h264' && rung.width * rung.height > 4096 * 2304) {
        ctx.addIssue({
          code: 'custom',
          path: ['rungs', i, 'codec'],
          message: 'H.264 stops at 4096x2304; use h265 or av1',
        });
      }
    });
  });

/** A validated ladder (defaults filled in). */
export type Ladder = z.infer<typeof LadderSchema>;
/** A validated rung. */
export type Rung = z.infer<typeof RungSchema>;

const rung = (height: number, width: number, codec: Rung['codec'], qvbrQuality: number, maxBitrate: number) => ({
  width,
  height,
  codec,
  qvbrQuality,
  maxBitrate,
});

/**
 * The built-in ladders. Rungs follow Apple's HLS authoring guidance and the
 * QVBR settings of AWS's VOD solution templates (270p 0.4 Mb/s … 1080p 8.5 Mb/s caps).
 */
export const BUILT_IN_LADDERS: Record<string, z.input<typeof LadderSchema>> = {
  default: {
    name: 'default',
    description: 'H.264, 360p to 1080p in 6 rungs, for every screen',
    segmentSeconds: 4,
    rungs: [
      rung(360, 640, 'h264', 7, 1_000_000),
      rung(432, 768, 'h264', 7, 1_600_000),
      rung(540, 960, 'h264', 7, 2_400_000),
      rung(720, 1280, 'h264', 8, 4_000_000),
      rung(900, 1600, 'h264', 8, 6_000_000),
      rung(1080, 1920, 'h264', 8, 8_500_000),
    ],
  },
  mobile: {
    name: 'mobile',
    description: 'H.264, low rungs first for cellular networks, 234p to 720p',
    segmentSeconds: 4,
    rungs: [
      rung(234, 416, 'h264', 6, 300_000),
      rung(270, 480, 'h264', 7, 400_000),
      rung(360, 640, 'h264', 7, 800_000),
      rung(432, 768, 'h264', 7, 1_200_000),
      rung(540, 960, 'h264', 7, 1_800_000),
      rung(720, 1280, 'h264', 8, 3_000_000),
    ],
    audio: { bitrate: 96_000, sampleRate: 48_000 },
  },
  'premium-4k': {
    name: 'premium-4k',
    description: 'H.265, 540p to 2160p for large screens',
    segmentSeconds: 6,
    rungs: [
      rung(540, 960, 'h265', 7, 1_500_000),
      rung(720, 1280, 'h265', 8, 3_000_000),
      rung(1080, 1920, 'h265', 8, 5_500_000),
      rung(1440, 2560, 'h265', 9, 9_000_000),
      rung(2160, 3840, 'h265', 9, 16_000_000),
    ],
    audio: { bitrate: 192_000, sampleRate: 48_000 },
  },
};

/** Names of the built-in ladders. */
export function listLadders(): Ladder[] {
  return Object.values(BUILT_IN_LADDERS).map((l) => LadderSchema.parse(l));
}

/**
 * A ladder by name, or from a JSON file when the name ends in `.json`.
 * Every bad field of a file is named in one error.
 *
 * @example
 * ```ts
 * const ladder = await loadLadder('premium-4k');
 * const custom = await loadLadder('./ladders/anime.json');
 * ```
 */
export async function loadLadder(nameOrFile: string): Promise<Ladder> {
  if (nameOrFile.endsWith('.json')) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(nameOrFile, 'utf8'));
    } catch (cause) {
      throw new ValidationError(`Cannot read ladder file ${nameOrFile}: ${(cause as Error).message}`, [], { cause });
    }
    return parseInput(LadderSchema, raw, `ladder file ${nameOrFile}`);
  }
  const builtIn = BUILT_IN_LADDERS[nameOrFile];
  if (!builtIn) {
    throw new StreamctlError(ErrorCode.NotFound, `No ladder named "${nameOrFile}"`, {
      hint: `use one of ${Object.keys(BUILT_IN_LADDERS).join(', ')}, or a .json ladder file`,
    });
  }
  return LadderSchema.parse(builtIn);
}

/** The name of a rung: its own, or its height (`1080p`). */
export const rungName = (r: Rung) => r.name ?? `${r.height}p`;

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

/** One audio track of the master to carry through. */
export interface AudioTrackInput {
  /** ISO 639 / BCP 47 code; `und` when the master does not say. */
  language: string;
  /** Menu label; default: the language. */
  name?: string;
}

/** One WebVTT caption file to carry through. */
export interface CaptionInput {
  /** ISO 639 / BCP 47 code. */
  language: string;
  /** Menu label; default: the language. */
  name?: string;
  /** `s3://bucket/key.vtt` (MediaConvert), or a path (local ffmpeg). */
  source: string;
}

/** A language code as players and MediaConvert's `CustomLanguageCode` take it. */
export const LanguageSchema = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'an ISO 639 / BCP 47 code such as en, fra or pt-BR');

/**
 * Output name modifiers of a job's audio tracks: `_audio` for a single
 * track (the layout without alternate audio), `_audio_<n>_<language>` for several.
 */
export const audioModifiers = (audio: readonly AudioTrackInput[]): string[] =>
  audio.length <= 1 ? ['_audio'] : audio.map((a, i) => `_audio_${i + 1}_${a.language}`);

/** Output name modifiers of a job's caption tracks: `_captions_<n>_<language>`. */
export const captionModifiers = (captions: readonly CaptionInput[]): string[] =>
  captions.map((c, i) => `_captions_${i + 1}_${c.language}`);

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

/** A local transcode: one ffmpeg process for the whole ladder. */
export interface FfmpegPlan {
  command: 'ffmpeg';
  args: string[];
  /** The HLS master playlist. */
  master: string;
  /** True when ffmpeg does not write the master itself (ffmpeg 4.1 and older); the caller must. */
  writeMaster: boolean;
  /** Each rung's media playlist, in ladder order. */
  variants: string[];
  /** The alternate-audio playlists, when the master has several audio tracks (none otherwise: audio rides in each variant). */
  audio: Array<{ language: string; name: string; playlist: string; default?: true }>;
  /** Directories ffmpeg expects to exist before it starts (image outputs do not create theirs). */
  directories: string[];
  /** Thumbnail file pattern, when the ladder asks for thumbnails. */
  thumbnails?: string;
  /** The poster image, when the ladder asks for thumbnails. */
  poster?: string;
}

const ENCODERS: Record<Rung['codec'], string[]> = {
  h264: ['libx264', '-preset', 'veryfast', '-profile:v', 'high'],
  h265: ['libx265', '-preset', 'fast', '-tag:v', 'hvc1'],
  av1: ['libsvtav1', '-preset', '8'],
};

/**
 * Renders a ladder into one ffmpeg invocation: the video split once per
 * rung, each scaled and encoded with a quality target capped at the rung's
 * bitrate (ffmpeg's stand-in for QVBR), audio in AAC, HLS fMP4 segments per
 * rung and a master playlist with CODECS, RESOLUTION and BANDWIDTH; the same
 * process writes thumbnails every `thumbnailSeconds` and a poster.
 *
 * @example
 * ```ts
 * const plan = renderFfmpegPlan(await loadLadder('mobile'), { input: 'clip.mp4', outputDir: 'out' });
 * spawn(plan.command, plan.args);
 * ```
 */
export function renderFfmpegPlan(
  ladder: Ladder,
  target: { input: string; outputDir: string; audio?: AudioTrackInput[] },
  options: { ffmpegMajorVersion?: number } = {},
): FfmpegPlan {
  const n = ladder.rungs.length;
  const audio = target.audio ?? [];
  // Several audio tracks: video-only variants over one alternate-audio group, a playlist per track.
  const group = audio.length > 1;
  const images = ladder.outputs.thumbnailSeconds > 0;
  const modern = (options.ffmpegMajorVersion ?? 5) >= 5;
  if (group && !modern) {
    throw new StreamctlError(
      ErrorCode.ToolMissing,
      `This master has ${audio.length} audio tracks; carrying them all needs ffmpeg 5 or newer (found ${options.ffmpegMajorVersion})`,
      { hint: 'install ffmpeg 5+ (apt-get install ffmpeg) and put it on PATH, then re-run the ingest' },
    );
  }
  // Encoders need even sizes; force_divisible_by arrived in ffmpeg 4.3, older builds round with a second scale.
  const fit = (w: number, h: number) =>
    `scale=w=${w}:h=${h}:force_original_aspect_ratio=decrease${modern ? ':force_divisible_by=2' : ',scale=trunc(iw/2)*2:trunc(ih/2)*2'}`;
  const branches = n + (images ? 2 : 0);
  const split = `[0:v]split=${branches}${Array.from({ length: branches }, (_, i) => `[v${i}]`).join('')}`;
  const scales = ladder.rungs.map((r, i) => `[v${i}]${fit(r.width, r.height)}[v${i}out]`);
  const imageFilters = images
    ? [
        `[v${n}]select=isnan(prev_selected_t)+gte(t-prev_selected_t\\,${ladder.outputs.thumbnailSeconds}),${fit(640, 360)}[thumbs]`,
        `[v${n + 1}]select=eq(n\\,0),${fit(1280, 720)}[poster]`,
      ]
    : [];
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-i',
    target.input,
    '-filter_complex',
    [split, ...scales, ...imageFilters].join(';'),
  ];
  ladder.rungs.forEach((r, i) => {
    // QVBR quality 1–10 mapped onto a constant-quality factor, capped like QVBR.
    const crf = String(Math.round(38 - 1.6 * r.qvbrQuality));
    args.push(
      '-map',
      `[v${i}out]`,
      `-c:v:${i}`,
      ...ENCODERS[r.codec],
      `-crf:v:${i}`,
      crf,
      `-maxrate:v:${i}`,
      String(r.maxBitrate),
      `-bufsize:v:${i}`,
      String(r.maxBitrate * 2),
      ...(r.frameRate === 'source' ? [] : [`-r:v:${i}`, String(r.frameRate)]),
    );
  });
  const encodeAudio = (i: number, source: string): void => {
    args.push(
      '-map',
      source,
      `-c:a:${i}`,
      'aac',
      `-b:a:${i}`,
      String(ladder.audio.bitrate),
      `-ar:a:${i}`,
      String(ladder.audio.sampleRate),
    );
  };
  // One encode per track for a group; otherwise the first track muxed into every variant.
  const audioCount = group ? audio.length : ladder.rungs.length;
  for (let i = 0; i < audioCount; i++) encodeAudio(i, group ? `0:a:${i}` : '0:a:0?');
  const audioNames = audioModifiers(audio).map((m) => m.slice(1));
  const streamMap = group
    ? [
        ...ladder.rungs.map((r, i) => `v:${i},agroup:audio,name:${rungName(r)}`),
        ...audio.map(
          (a, i) => `a:${i},agroup:audio,language:${a.language},name:${audioNames[i]}${i === 0 ? ',default:yes' : ''}`,
        ),
      ]
    : // Variant names (`name:`) arrived in ffmpeg 4.2; older builds number the variant directories.
      ladder.rungs.map((r, i) => `v:${i},a:${i}${modern ? `,name:${rungName(r)}` : ''}`);
  const gop = ['-force_key_frames', `expr:gte(t,n_forced*${Math.min(ladder.segmentSeconds, 2)})`, '-sc_threshold', '0'];
  args.push(
    ...gop,
    '-f',
    'hls',
    '-hls_time',
    String(ladder.segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'independent_segments',
    // ffmpeg before 4.2 crashes writing a master playlist for several variants: the transcoder writes it then.
    ...(modern ? ['-master_pl_name', 'master.m3u8'] : []),
    '-var_stream_map',
    streamMap.join(' '),
    '-hls_segment_filename',
    `${target.outputDir}/%v/seg_%05d.m4s`,
    `${target.outputDir}/%v/index.m3u8`,
  );
  const plan: FfmpegPlan = {
    command: 'ffmpeg',
    args,
    master: `${target.outputDir}/master.m3u8`,
    writeMaster: !modern,
    variants: ladder.rungs.map((r, i) => `${target.outputDir}/${modern ? rungName(r) : i}/index.m3u8`),
    audio: group
      ? audio.map((a, i) => ({
          language: a.language,
          name: a.name ?? a.language,
          playlist: `${target.outputDir}/${audioNames[i]}/index.m3u8`,
          ...(i === 0 ? { default: true } : {}),
        }))
      : [],
    directories: [target.outputDir],
  };
  if (images) {
    plan.thumbnails = `${target.outputDir}/thumbnails/thumb_%05d.jpg`;
    plan.poster = `${target.outputDir}/poster.jpg`;
    plan.directories.push(`${target.outputDir}/thumbnails`);
    // Each selected frame exactly once: image outputs otherwise repeat frames to a constant rate.
    // ffmpeg 5.1 sets this per output; older builds (the npm-shipped 4.x) only globally.
    const vfr = modern ? ['-fps_mode:v', 'vfr'] : ['-vsync', 'vfr'];
    args.push('-map', '[thumbs]', ...vfr, '-q:v', '4', '-f', 'image2', plan.thumbnails);
    args.push('-map', '[poster]', '-frames:v', '1', '-update', '1', '-q:v', '2', '-f', 'image2', plan.poster);
  }
  return plan;
}
