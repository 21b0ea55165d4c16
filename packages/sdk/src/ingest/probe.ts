import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ErrorCode, NotFoundError, StreamctlError } from '../errors/index.js';
import { findMediaTools, type MediaToolSettings } from '../transcoder/index.js';

/** What ffprobe says about a master. */
export interface MediaProbe {
  file: string;
  sizeBytes: number;
  /** ffprobe's format names, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  container: string;
  durationSec: number;
  video: VideoProbe;
  audio: Array<{
    index: number;
    codec: string;
    channels: number;
    /** ffmpeg's name of the layout, e.g. `stereo`, `5.1(side)`, when the master says. */
    channelLayout?: string;
    language?: string;
  }>;
  subtitles: Array<{ index: number; codec: string; language?: string }>;
}

/** What ffprobe says about a master's picture, and what it displays as. */
export interface VideoProbe {
  codec: string;
  /** Codec profile, e.g. `High 4:4:4 Predictive`, `Main 10`, `HQ`. */
  profile?: string;
  /** The stored picture size, in pixels. */
  width: number;
  height: number;
  /**
   * The size the picture is shown at: the stored size with non-square pixels made square
   * (720×576 at SAR 64:45 shows as 1024×576) and turned by the rotation (a portrait phone
   * video stored 1920×1080 shows as 1080×1920). Ladders fit to this size.
   */
  displayWidth: number;
  displayHeight: number;
  /** Sample (pixel) aspect ratio, `num:den`; `1:1` when the master does not say. */
  sampleAspectRatio: string;
  /** Degrees the picture is turned for display (0, 90, 180 or 270), as ffprobe reports the display matrix or the `rotate` tag. */
  rotation: number;
  /** ffmpeg's pixel format, e.g. `yuv422p10le`. */
  pixelFormat: string;
  /** Bits per sample: 8, 10, 12… */
  bitDepth: number;
  /** Chroma subsampling: `4:2:0`, `4:2:2`, `4:4:4` (or `unknown` for RGB and others). */
  chroma: '4:2:0' | '4:2:2' | '4:4:4' | '4:1:1' | 'unknown';
  /** How the fields are ordered: `progressive`, or `tt`/`bb`/`tb`/`bt` when interlaced; `unknown` when the master does not say. */
  fieldOrder: 'progressive' | 'tt' | 'bb' | 'tb' | 'bt' | 'unknown';
  /** True when the master says its fields are interlaced. */
  interlaced: boolean;
  /** Average frames per second (frames over duration). */
  frameRate: number;
  /** The stream's nominal (base) frame rate, which timestamps are multiples of. */
  nominalFrameRate: number;
  /** True when the average and the nominal rate differ: frames come at varying intervals (phones). */
  variableFrameRate: boolean;
  bitRate?: number;
}

/** The master cannot be used; nothing was uploaded or registered. */
export class MediaInvalidError extends StreamctlError {
  constructor(file: string, reason: string) {
    super(ErrorCode.MediaInvalid, `${basename(file)} cannot be ingested: ${reason}`, {
      hint: 'export the master again (an MP4 or MOV with a video track), then re-run the ingest',
      details: { file, reason },
    });
  }
}

/** One stream as `ffprobe -show_streams -of json` prints it (the fields the probe reads). */
export interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  profile?: string;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  field_order?: string;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  bit_rate?: string;
  channels?: number;
  channel_layout?: string;
  duration?: string;
  tags?: { language?: string; rotate?: string };
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
  disposition?: { attached_pic?: number };
}

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr });
    });
  });
}

const rate = (value: string | undefined): number => {
  const [n, d] = (value ?? '0/1').split('/').map(Number);
  return n && d ? Math.round((n / d) * 1000) / 1000 : 0;
};

const FIELD_ORDERS = new Set(['progressive', 'tt', 'bb', 'tb', 'bt']);

/**
 * The picture as the master describes it: stored size, pixel aspect, rotation, pixel format,
 * field order and frame timing, and the size it displays at.
 *
 * @example
 * ```ts
 * describeVideo({ index: 0, width: 720, height: 576, sample_aspect_ratio: '64:45', pix_fmt: 'yuv420p' });
 * // { width: 720, height: 576, displayWidth: 1024, displayHeight: 576, sampleAspectRatio: '64:45', … }
 * ```
 */
export function describeVideo(stream: FfprobeStream & { width: number; height: number }): VideoProbe {
  const [sarNum, sarDen] = (stream.sample_aspect_ratio ?? '').split(':').map(Number);
  const sar = sarNum && sarDen ? sarNum / sarDen : 1;
  // ffprobe prints the display matrix's angle as `rotation` (ffprobe 5 as the `rotate` tag
  // means it, later versions with the opposite sign: a quarter turn either way swaps the sides).
  const matrix = stream.side_data_list?.find((d) => d.side_data_type === 'Display Matrix')?.rotation;
  const angle = matrix ?? Number(stream.tags?.rotate ?? 0);
  const rotation = (((Math.round((Number.isFinite(angle) ? angle : 0) / 90) * 90) % 360) + 360) % 360;
  // Non-square pixels widen (or narrow) the picture; its height stays, as players show it.
  const shownWidth = Math.round(stream.width * sar);
  const turned = rotation === 90 || rotation === 270;
  const pixelFormat = stream.pix_fmt ?? 'unknown';
  const depth = /p(\d+)(?:le|be)$/.exec(pixelFormat)?.[1];
  const chroma = /^yuvj?a?(420|422|444|411)p/.exec(pixelFormat)?.[1];
  const fieldOrder = (
    FIELD_ORDERS.has(stream.field_order ?? '') ? stream.field_order : 'unknown'
  ) as VideoProbe['fieldOrder'];
  const average = rate(stream.avg_frame_rate);
  const nominal = rate(stream.r_frame_rate);
  return {
    codec: stream.codec_name ?? 'unknown',
    ...(stream.profile ? { profile: stream.profile } : {}),
    width: stream.width,
    height: stream.height,
    displayWidth: turned ? stream.height : shownWidth,
    displayHeight: turned ? shownWidth : stream.height,
    sampleAspectRatio: sarNum && sarDen ? `${sarNum}:${sarDen}` : '1:1',
    rotation,
    pixelFormat,
    bitDepth: depth ? Number(depth) : Number(stream.bits_per_raw_sample) || 8,
    chroma: chroma ? (`${chroma[0]}:${chroma[1]}:${chroma[2]}` as VideoProbe['chroma']) : 'unknown',
    fieldOrder,
    interlaced: fieldOrder !== 'progressive' && fieldOrder !== 'unknown',
    frameRate: average || nominal,
    nominalFrameRate: nominal || average,
    // A percent apart: CFR masters' averages differ from their base rate by rounding only.
    variableFrameRate: Boolean(average && nominal && Math.abs(average - nominal) / nominal > 0.01),
    ...(stream.bit_rate ? { bitRate: Number(stream.bit_rate) } : {}),
  };
}

/** ffmpeg's first error line without its `[demuxer @ 0x…]` or `file:` prefix. */
const firstLine = (text: string, file: string) =>
  text
    .trim()
    .split('\n')
    .map((l) =>
      l
        .replace(/^\[[^\]]*\]\s*/, '')
        .replace(`${file}: `, '')
        .trim(),
    )
    .find(Boolean) ?? 'unknown error';

/**
 * Probes a master with ffprobe and decodes its first seconds, refusing
 * what cannot make a title: an empty file, one ffprobe cannot read
 * (corrupt, truncated, not media), one without a video stream (audio-only),
 * one with no duration, or one whose video does not decode.
 *
 * @example
 * ```ts
 * const probe = await probeMedia('master.mp4');
 * probe.video.height; // 1080
 * ```
 */
export async function probeMedia(file: string, settings: MediaToolSettings = {}): Promise<MediaProbe> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw new NotFoundError(`${file} does not exist or is not a file`, {
      hint: 'check the path of the master',
      details: { file },
    });
  }
  if (info.size === 0) throw new MediaInvalidError(file, 'the file is empty (0 bytes)');
  // The tools get an absolute path, so a name such as `-version` can never be read as an option.
  const path = resolve(file);
  const tools = await findMediaTools(settings);
  const probe = await run(tools.ffprobe, [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    path,
  ]);
  if (probe.code !== 0)
    throw new MediaInvalidError(file, `not a readable media file (${firstLine(probe.stderr, file)})`);
  const parsed = JSON.parse(probe.stdout) as {
    streams?: FfprobeStream[];
    format?: { format_name?: string; duration?: string };
  };
  const streams = parsed.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.filter((s) => s.codec_type === 'audio');
  if (!video) {
    throw new MediaInvalidError(file, audio.length ? 'it has no video stream (audio-only)' : 'it has no video stream');
  }
  const durationSec = Number(parsed.format?.duration ?? video.duration ?? 0);
  if (!Number.isFinite(durationSec) || durationSec <= 0) throw new MediaInvalidError(file, 'it has zero duration');
  if (!video.width || !video.height) throw new MediaInvalidError(file, 'its video stream has no picture size');
  // Headers can be intact while the pictures are not: decode the first seconds.
  const decode = await run(tools.ffmpeg, [
    '-v',
    'error',
    '-nostdin',
    '-t',
    '2',
    '-i',
    path,
    '-map',
    `0:${video.index}`,
    '-f',
    'null',
    '-',
  ]);
  if (decode.code !== 0 || decode.stderr.trim()) {
    throw new MediaInvalidError(file, `its video does not decode (${firstLine(decode.stderr, file)})`);
  }
  return {
    file: path,
    sizeBytes: info.size,
    container: parsed.format?.format_name ?? 'unknown',
    durationSec,
    video: describeVideo({ ...video, width: video.width, height: video.height }),
    audio: audio.map((a) => ({
      index: a.index,
      codec: a.codec_name ?? 'unknown',
      channels: a.channels ?? 0,
      ...(a.channel_layout ? { channelLayout: a.channel_layout } : {}),
      ...(a.tags?.language ? { language: a.tags.language } : {}),
    })),
    subtitles: streams
      .filter((s) => s.codec_type === 'subtitle')
      .map((s) => ({
        index: s.index,
        codec: s.codec_name ?? 'unknown',
        ...(s.tags?.language ? { language: s.tags.language } : {}),
      })),
  };
}
