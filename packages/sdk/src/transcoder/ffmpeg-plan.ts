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
