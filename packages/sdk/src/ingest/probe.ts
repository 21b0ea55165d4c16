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
  video: { codec: string; width: number; height: number; frameRate: number; bitRate?: number };
  audio: Array<{ index: number; codec: string; channels: number; language?: string }>;
  subtitles: Array<{ index: number; codec: string; language?: string }>;
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

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  bit_rate?: string;
  channels?: number;
  duration?: string;
  tags?: { language?: string };
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
    video: {
      codec: video.codec_name ?? 'unknown',
      width: video.width,
      height: video.height,
      frameRate: rate(video.avg_frame_rate) || rate(video.r_frame_rate),
      ...(video.bit_rate ? { bitRate: Number(video.bit_rate) } : {}),
    },
    audio: audio.map((a) => ({
      index: a.index,
      codec: a.codec_name ?? 'unknown',
      channels: a.channels ?? 0,
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
