/**
 * The tracks an ingest carries through besides the picture: every audio
 * track of the master, and captions as WebVTT, from sidecar files and from
 * the master's own text subtitle streams.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, StreamctlError } from '../errors/index.js';
import { type AudioTrackInput, findMediaTools, LanguageSchema, type MediaToolSettings } from '../transcoder/index.js';
import { MediaInvalidError, type MediaProbe } from './probe.js';

/** A caption sidecar given with a master. */
export interface CaptionFile {
  /** ISO 639 / BCP 47 code (`en`, `fra`, `pt-BR`). */
  language: string;
  /** A WebVTT file. */
  file: string;
  /** Menu label; default: the language. */
  name?: string;
}

/** A caption track ready to upload: a local WebVTT file. */
export interface PreparedCaption {
  language: string;
  name?: string;
  file: string;
  /** Where it came from: `sidecar`, or the master's subtitle stream index. */
  origin: 'sidecar' | number;
}

/** Subtitle codecs that are text, so WebVTT can carry them. Bitmap subtitles (PGS, DVD, DVB) cannot be. */
const TEXT_SUBTITLES = new Set(['mov_text', 'subrip', 'srt', 'webvtt', 'ass', 'ssa', 'text']);

const language = (tag: string | undefined) => (tag && LanguageSchema.safeParse(tag).success ? tag : 'und');

/** The master's audio tracks in stream order, with their languages (`und` when untagged). */
export function audioTracksOf(probe: MediaProbe): AudioTrackInput[] {
  // The channel count goes along: MediaConvert downmixes 5.1 and 7.1 for the stereo rendition by it.
  return probe.audio.map((a) => ({
    language: language(a.language),
    ...(a.channels > 0 ? { channels: a.channels } : {}),
  }));
}

/**
 * Checks caption sidecars before anything is written: each one exists, is
 * WebVTT, and names a valid language; no language twice.
 */
export async function checkCaptionFiles(captions: CaptionFile[]): Promise<void> {
  const seen = new Set<string>();
  for (const c of captions) {
    const check = LanguageSchema.safeParse(c.language);
    if (!check.success) {
      throw new StreamctlError(ErrorCode.ValidationFailed, `Caption language "${c.language}" is not valid`, {
        hint: 'write captions as LANG=FILE with an ISO 639 code, e.g. --captions en=en.vtt,fr=fr.vtt',
        details: { language: c.language, file: c.file },
      });
    }
    if (seen.has(c.language)) {
      throw new StreamctlError(ErrorCode.ValidationFailed, `Two caption files for language ${c.language}`, {
        hint: 'give one WebVTT file per language',
        details: { language: c.language },
      });
    }
    seen.add(c.language);
    const info = await stat(c.file).catch(() => undefined);
    if (!info?.isFile()) {
      throw new StreamctlError(ErrorCode.NotFound, `Caption file ${c.file} does not exist`, {
        hint: 'check the path after LANG= in --captions',
        details: { file: c.file },
      });
    }
    const head = (await readFile(c.file, 'utf8')).slice(0, 64).replace(/^\uFEFF/, '');
    if (!/^WEBVTT(?:[ \t]|\r?\n|$)/.test(head)) {
      throw new MediaInvalidError(c.file, 'it is not WebVTT (the first line must be "WEBVTT")');
    }
  }
}

/**
 * Extracts each text subtitle stream of the master to WebVTT in `dir` (one
 * ffmpeg call for all of them); bitmap subtitle streams are reported back
 * as skipped, never silently lost.
 */
export async function extractSubtitles(
  probe: MediaProbe,
  dir: string,
  settings: MediaToolSettings = {},
): Promise<{ captions: PreparedCaption[]; skipped: Array<{ index: number; codec: string }> }> {
  const text = probe.subtitles.filter((s) => TEXT_SUBTITLES.has(s.codec));
  const skipped = probe.subtitles
    .filter((s) => !TEXT_SUBTITLES.has(s.codec))
    .map(({ index, codec }) => ({ index, codec }));
  if (!text.length) return { captions: [], skipped };
  const tools = await findMediaTools(settings);
  const captions = text.map((s) => ({
    language: language(s.language),
    file: join(dir, `subtitle-${s.index}.vtt`),
    origin: s.index,
  }));
  const args = ['-v', 'error', '-nostdin', '-y', '-i', probe.file];
  for (const [i, s] of text.entries())
    args.push('-map', `0:${s.index}`, '-c:s', 'webvtt', '-f', 'webvtt', captions[i]?.file as string);
  await new Promise<void>((resolve, reject) => {
    execFile(tools.ffmpeg, args, { maxBuffer: 4 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      reject(
        new MediaInvalidError(
          probe.file,
          `its subtitles do not convert to WebVTT (${stderr.trim().split('\n').at(-1) ?? err.message})`,
        ),
      );
    });
  });
  return { captions, skipped };
}
