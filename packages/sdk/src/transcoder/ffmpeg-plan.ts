/**
 * A ladder rendered into one local ffmpeg invocation.
 *
 * @module
 */
import { ErrorCode, StreamctlError } from '../errors/index.js';
import { type Ladder, type Rung, rungName } from '../ladders/index.js';
import { type AudioTrackInput, audioModifiers } from './tracks.js';

/** A local transcode: one ffmpeg process for the whole ladder. */
export interface FfmpegPlan {
  command: 'ffmpeg';
  args: string[];
  /** The HLS master playlist. */
  master: string;
  /** True when ffmpeg does not write the master itself (ffmpeg 4.1 and older); the caller must. */
  writeMaster: boolean;
  /** Each rung's media playlist, in ladder order: video only (with ffmpeg 5+), the audio in `audio`. */
  variants: string[];
  /**
   * The audio playlists: one rendition group (`#EXT-X-MEDIA:TYPE=AUDIO`), a playlist per
   * carried track, the first the default; empty for a silent master. With ffmpeg 4 (the
   * npm-shipped fallback) the one audio track rides in each variant and this is empty.
   */
  audio: Array<{ language: string; name: string; playlist: string; default?: true }>;
  /** Directories ffmpeg expects to exist before it starts (image outputs do not create theirs). */
  directories: string[];
  /** Thumbnail file pattern, when the ladder asks for thumbnails. */
  thumbnails?: string;
  /** The poster image, when the ladder asks for thumbnails. */
  poster?: string;
  /**
   * Thumbnail sprite sheets for trick play, when the ladder asks for thumbnails: a frame every
   * `intervalSec` seconds fitted into `width`×`height` (letterboxed), tiled `columns`×`rows`
   * per sheet, left to right then top to bottom; `pattern` numbers the sheets from 00001.
   */
  sprites?: SpriteSheets;
}

/** Where the sprite sheets are and how their tiles are laid out. */
export interface SpriteSheets {
  /** ffmpeg image pattern, e.g. `out/thumbnails/sprite_%05d.jpg`. */
  pattern: string;
  columns: 10;
  rows: 10;
  width: 160;
  height: 90;
  intervalSec: number;
}

/**
 * Encoder settings per codec, with the pixel format its profile takes: masters come in 4:2:2
 * and 4:4:4, 8 to 12 bits (ProRes, DNxHR, phone HEVC), and an encoder handed one its profile
 * cannot carry refuses to start (`x264 [error]: high profile doesn't support 4:2:2`).
 */
const ENCODERS: Record<Rung['codec'], { encoder: string; options: Record<string, string>; pixelFormat: string }> = {
  // H.264 High: 8-bit 4:2:0, what every device decodes.
  h264: { encoder: 'libx264', options: { preset: 'veryfast', profile: 'high' }, pixelFormat: 'yuv420p' },
  // HEVC Main10: 10-bit 4:2:0, tagged hvc1 so that Apple players take it.
  h265: {
    encoder: 'libx265',
    options: { preset: 'fast', profile: 'main10', tag: 'hvc1', 'x265-params': 'log-level=error' },
    pixelFormat: 'yuv420p10le',
  },
  // AV1 Main: 4:2:0 at 8 or 10 bits, the two formats SVT-AV1 takes; 10 bits as for HEVC.
  av1: { encoder: 'libsvtav1', options: { preset: '8' }, pixelFormat: 'yuv420p10le' },
};

/** A rung's encoder and its options, each for that output stream only (a ladder may mix codecs). */
const encoderArgs = (codec: Rung['codec'], i: number): string[] => [
  `-c:v:${i}`,
  ENCODERS[codec].encoder,
  ...Object.entries(ENCODERS[codec].options).flatMap(([k, v]) => [`-${k}:v:${i}`, v]),
];

/**
 * A scale into a w×h frame that keeps the picture's displayed aspect ratio, never upscales
 * and makes square pixels of even size: anamorphic masters (720×576 at SAR 64:45) are sized
 * by what they display (1024×576), odd ones (1998×1080) round to even sizes encoders take.
 * Expressions instead of force_original_aspect_ratio, which fits the stored pixels, not the
 * displayed picture.
 */
const fitDisplayed = (w: number, h: number): string =>
  `scale=w=2*trunc(min(min(${w}\\,${h}*dar)\\,iw*sar)/2):h=2*trunc(ow/dar/2+0.5),setsar=1`;

/** Sprite sheet layout: 10×10 tiles of 160×90, the sizes WebVTT thumbnail tracks commonly use. */
const SPRITE = { columns: 10, rows: 10, width: 160, height: 90 } as const;

/**
 * Renders a ladder into one ffmpeg invocation: the video split once per
 * rung, each scaled and encoded with a quality target capped at the rung's
 * bitrate (ffmpeg's stand-in for QVBR), HLS fMP4 segments per rung and a
 * master playlist with CODECS, RESOLUTION and BANDWIDTH. Audio is its own
 * rendition group (AAC, a playlist per carried track) so that DASH can use
 * the same segments; a silent master (`audio: []`) makes video-only
 * renditions. The same process writes thumbnails every `thumbnailSeconds`,
 * sprite sheets of them for trick play, and a poster.
 *
 * `audio` left out means the master's first audio track.
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
  const audio = target.audio ?? [{ language: 'und' }];
  const images = ladder.outputs.thumbnailSeconds > 0;
  const modern = (options.ffmpegMajorVersion ?? 5) >= 5;
  if (audio.length > 1 && !modern) {
    throw new StreamctlError(
      ErrorCode.ToolMissing,
      `This master has ${audio.length} audio tracks; carrying them all needs ffmpeg 5 or newer (found ${options.ffmpegMajorVersion})`,
      { hint: 'install ffmpeg 5+ (apt-get install ffmpeg) and put it on PATH, then re-run the ingest' },
    );
  }
  // Audio as its own rendition group: ffmpeg 4 writes no master (the transcoder does, without
  // EXT-X-MEDIA), so there its one track stays muxed into each variant.
  const group = modern && audio.length > 0;
  const fit = fitDisplayed;
  const branches = n + (images ? 2 : 0);
  // Interlaced frames (as the decoder flags them) deinterlaced once for every output, a frame per
  // frame so the rate stays; progressive frames pass untouched. Rotated phone video arrives upright:
  // ffmpeg applies the display matrix before the graph (autorotate), so every size below is the displayed one.
  const split = `[0:v]bwdif=mode=send_frame:parity=auto:deint=interlaced,split=${branches}${Array.from({ length: branches }, (_, i) => `[v${i}]`).join('')}`;
  const scales = ladder.rungs.map(
    (r, i) => `[v${i}]${fit(r.width, r.height)},format=${ENCODERS[r.codec].pixelFormat}[v${i}out]`,
  );
  const every = ladder.outputs.thumbnailSeconds;
  const imageFilters = images
    ? [
        // One pick of frames for the thumbnails and the sprite sheets, so their tiles match the files.
        `[v${n}]select=isnan(prev_selected_t)+gte(t-prev_selected_t\\,${every}),split=2[picked][tiles]`,
        `[picked]${fit(640, 360)}[thumbs]`,
        `[tiles]${fit(SPRITE.width, SPRITE.height)},pad=${SPRITE.width}:${SPRITE.height}:(ow-iw)/2:(oh-ih)/2,setsar=1,tile=${SPRITE.columns}x${SPRITE.rows}[sprites]`,
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
      ...encoderArgs(r.codec, i),
      `-crf:v:${i}`,
      crf,
      `-maxrate:v:${i}`,
      String(r.maxBitrate),
      `-bufsize:v:${i}`,
      String(r.maxBitrate * 2),
      // A constant rate, whatever the master's timing (phones record variable frame rates): the
      // rung's, or the master's as ffmpeg reads it (its nominal rate, the average when that is implausible).
      ...(r.frameRate === 'source' ? [] : [`-r:v:${i}`, String(r.frameRate)]),
      ...(modern ? [`-fps_mode:v:${i}`, 'cfr'] : []),
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
      // Stereo AAC: 5.1 and wider masters downmixed, as every device plays stereo.
      `-ac:a:${i}`,
      '2',
    );
  };
  // One encode per track for the group; with ffmpeg 4 the first track muxed into every variant.
  if (group) for (let i = 0; i < audio.length; i++) encodeAudio(i, `0:a:${i}`);
  else if (audio.length) for (let i = 0; i < n; i++) encodeAudio(i, '0:a:0?');
  const audioNames = audioModifiers(audio).map((m) => m.slice(1));
  const streamMap = group
    ? [
        ...ladder.rungs.map((r, i) => `v:${i},agroup:audio,name:${rungName(r)}`),
        ...audio.map(
          (a, i) => `a:${i},agroup:audio,language:${a.language},name:${audioNames[i]}${i === 0 ? ',default:yes' : ''}`,
        ),
      ]
    : // Variant names (`name:`) arrived in ffmpeg 4.2; older builds number the variant directories.
      ladder.rungs.map((r, i) => `v:${i}${audio.length ? `,a:${i}` : ''}${modern ? `,name:${rungName(r)}` : ''}`);
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
          ...(i === 0 ? { default: true as const } : {}),
        }))
      : [],
    directories: [target.outputDir],
  };
  if (images) {
    plan.thumbnails = `${target.outputDir}/thumbnails/thumb_%05d.jpg`;
    plan.poster = `${target.outputDir}/poster.jpg`;
    plan.sprites = { pattern: `${target.outputDir}/thumbnails/sprite_%05d.jpg`, ...SPRITE, intervalSec: every };
    plan.directories.push(`${target.outputDir}/thumbnails`);
    // Each selected frame exactly once: image outputs otherwise repeat frames to a constant rate.
    // ffmpeg 5.1 sets this per output; older builds (the npm-shipped 4.x) only globally.
    const vfr = modern ? ['-fps_mode:v', 'vfr'] : ['-vsync', 'vfr'];
    args.push('-map', '[thumbs]', ...vfr, '-q:v', '4', '-f', 'image2', plan.thumbnails);
    args.push('-map', '[sprites]', ...(modern ? vfr : []), '-q:v', '4', '-f', 'image2', plan.sprites.pattern);
    args.push('-map', '[poster]', '-frames:v', '1', '-update', '1', '-q:v', '2', '-f', 'image2', plan.poster);
  }
  return plan;
}
