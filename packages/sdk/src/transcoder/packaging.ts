/**
 * Packaging of a local transcode's outputs, after ffmpeg and before any
 * sealing or upload: the master playlist rewritten with measured figures,
 * I-frame playlists, a DASH MPD over the same CMAF segments and the WebVTT
 * thumbnail track. Reads playlists, initialization segments and the moof
 * boxes of media segments (never their media data).
 *
 * @module
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { Track } from '../catalog/index.js';
import { type Fragment, type InitTrack, parseInitSegment, readFragments } from './bmff.js';
import { type DashAudio, type DashSegments, type DashVideo, dashFrameRate, renderMpd } from './dash.js';
import {
  type Bitrates,
  type IFrameStream,
  type MediaPlaylistInfo,
  parseAttributes,
  readMediaPlaylist,
  rewriteMaster,
  sealedSize,
  segmentBitrates,
} from './hls-master.js';
import { iFramePlaylist, keyframeRanges, type SpriteLayout, thumbnailTrack } from './trickplay.js';

/** What a transcode wrote, as the packager reads it. Paths are file paths unless said otherwise. */
export interface PackagingInput {
  /** The master playlist ffmpeg wrote (with its tracks added). */
  master: string;
  /** Each rung's media playlist, in ladder order. */
  variants: string[];
  /** The audio playlists of the audio rendition group (empty when audio rides in the variants, or there is none). */
  audio: ReadonlyArray<{ language: string; name: string; playlist: string; default?: true }>;
  /** Caption tracks, playlists relative to the master (each beside its `captions.vtt`). */
  captions: readonly Track[];
  /**
   * The segments are sealed with AES-128 after packaging: their sizes are
   * counted padded, and neither I-frame playlists nor a DASH manifest are
   * written (a byte range inside a segment encrypted whole cannot be
   * decrypted, and DASH has no whole-segment AES-128).
   */
  sealed: boolean;
  /** Write `manifest.mpd` beside the master. */
  dash: boolean;
  /** The sprite sheets ffmpeg tiled, for the thumbnail track. */
  sprites?: SpriteLayout;
}

/** What packaging wrote, relative to the master's folder. */
export interface PackagingResult {
  dash?: string;
  thumbnailTrack?: string;
  iFramePlaylists: string[];
}

interface Rendition {
  /** The playlist as the master names it. */
  uri: string;
  dir: string;
  info: MediaPlaylistInfo;
  tracks: InitTrack[];
  segments: Array<{ uri: string; duration: number; bytes: number; fragments: Fragment[] }>;
}

const AUDIO_CODECS = /^(mp4a|ac-3|ec-3|ac-4|opus|flac|fLaC|alac)/i;

/** `work` over `items`, at most `limit` at a time (a long title has thousands of segments: file handles run out). */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A track's segments as a DASH timeline: each segment's earliest presentation time, durations closing the gaps. */
function timeline(r: Rendition, track: InitTrack): DashSegments['timeline'] {
  const spans = r.segments.map((s) => {
    let earliest = Number.POSITIVE_INFINITY;
    let total = 0;
    for (const f of s.fragments) {
      for (const run of f.tracks) {
        if (run.trackId !== track.id) continue;
        let dts = run.baseDecodeTime;
        for (const sample of run.samples) {
          earliest = Math.min(earliest, dts + sample.compositionOffset);
          dts += sample.duration;
          total += sample.duration;
        }
      }
    }
    return { t: Number.isFinite(earliest) ? earliest : 0, d: total };
  });
  return spans.map((s, i) => {
    const next = spans[i + 1];
    return next && next.t > s.t ? { t: s.t, d: next.t - s.t } : s;
  });
}

/** The most common sample duration of a track: its frame duration. */
function frameDuration(r: Rendition, track: InitTrack): number | undefined {
  const counts = new Map<number, number>();
  for (const s of r.segments)
    for (const f of s.fragments)
      for (const run of f.tracks)
        if (run.trackId === track.id)
          for (const sample of run.samples) counts.set(sample.duration, (counts.get(sample.duration) ?? 0) + 1);
  let best: number | undefined;
  for (const [d, n] of counts) if (d > 0 && (best === undefined || n > (counts.get(best) ?? 0))) best = d;
  return best;
}

/**
 * Packages what ffmpeg wrote: rewrites the master (measured BANDWIDTH and
 * AVERAGE-BANDWIDTH, FRAME-RATE, CLOSED-CAPTIONS, independent segments,
 * I-frame streams), writes each rung's `iframes.m3u8`, `manifest.mpd` and
 * `thumbnails/thumbnails.vtt`.
 *
 * @example
 * ```ts
 * const packaged = await packageRenditions({
 *   master: plan.master, variants: plan.variants, audio: plan.audio, captions: [],
 *   sealed: false, dash: ladder.outputs.dash, sprites: plan.sprites,
 * });
 * packaged.dash; // "manifest.mpd"
 * ```
 */
export async function packageRenditions(input: PackagingInput): Promise<PackagingResult> {
  const root = dirname(input.master);
  const rel = (file: string) => relative(root, file).split('\\').join('/');
  const read = async (playlist: string): Promise<Rendition> => {
    const dir = dirname(playlist);
    const info = readMediaPlaylist(await readFile(playlist, 'utf8'));
    const tracks = info.map ? parseInitSegment(await readFile(join(dir, info.map))) : [];
    const segments = await mapLimited(info.segments, 16, async (s) => {
      const { fragments, bytes } = await readFragments(join(dir, s.uri), tracks);
      return { uri: s.uri, duration: s.duration, bytes: s.byteRange?.length ?? bytes, fragments };
    });
    return { uri: rel(playlist), dir, info, tracks, segments };
  };
  const variants = await Promise.all(input.variants.map(read));
  const audio = await Promise.all(input.audio.map((a) => read(a.playlist)));

  const bitrates = new Map<string, Bitrates>();
  for (const r of [...variants, ...audio]) {
    bitrates.set(
      r.uri,
      segmentBitrates(
        r.segments.map((s) => ({ bytes: input.sealed ? sealedSize(s.bytes) : s.bytes, duration: s.duration })),
      ),
    );
  }
  const captions = await Promise.all(
    input.captions.map(async (c) => {
      const playlist = join(root, c.playlist);
      const info = readMediaPlaylist(await readFile(playlist, 'utf8'));
      const sizes = await Promise.all(
        info.segments.map(async (s) => ({
          bytes: (await stat(join(dirname(playlist), s.uri))).size,
          duration: s.duration,
        })),
      );
      const rates = segmentBitrates(sizes);
      bitrates.set(c.playlist, rates);
      return { track: c, vtt: rel(join(dirname(playlist), info.segments[0]?.uri ?? 'captions.vtt')), rates };
    }),
  );

  const masterText = await readFile(input.master, 'utf8');
  const masterCodecs = new Map<string, string>();
  const lines = masterText.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return;
    const codecs = new Map(parseAttributes(line.slice(18))).get('CODECS')?.replace(/"/g, '');
    if (codecs) masterCodecs.set(lines[i + 1]?.trim() ?? '', codecs);
  });
  const videoCodecs = (r: Rendition, track: InitTrack) =>
    track.codecs ??
    (masterCodecs.get(r.uri) ?? track.sampleEntry)
      .split(',')
      .filter((c) => !AUDIO_CODECS.test(c))
      .join(',');

  const frameRates = new Map<string, number>();
  const iFrames: IFrameStream[] = [];
  const dashVideo: DashVideo[] = [];
  let endSec = 0;
  let maxSegmentSec = 0;
  // The title's length as the playlists say it (the media timeline may begin a frame or two late).
  const titleSec = Math.max(0, ...variants.map((r) => r.segments.reduce((sum, s) => sum + s.duration, 0)));
  for (const r of variants) {
    const video = r.tracks.find((t) => t.handler === 'vide');
    if (!video) continue;
    const frame = frameDuration(r, video);
    if (frame) frameRates.set(r.uri, video.timescale / frame);
    const spans = timeline(r, video);
    const last = spans.at(-1);
    const end = last ? (last.t + last.d) / video.timescale : 0;
    endSec = Math.max(endSec, end);
    maxSegmentSec = Math.max(maxSegmentSec, ...r.segments.map((s) => s.duration));
    const codecs = videoCodecs(r, video);
    const resolution = `${video.width ?? 0}x${video.height ?? 0}`;
    // Sealed segments are encrypted whole: a byte range inside one cannot be decrypted on its own.
    if (!input.sealed && r.info.map) {
      const ranges = r.segments.flatMap((s) => keyframeRanges(s.uri, s.fragments, r.tracks));
      const playlist = iFramePlaylist(ranges, end, r.info.map);
      const file = join(r.dir, 'iframes.m3u8');
      await writeFile(file, playlist.text);
      iFrames.push({ uri: rel(file), bitrates: playlist.bitrates, resolution, codecs });
    }
    // Audio muxed into the variant (ffmpeg 4): a multiplexed representation.
    const muxed = r.tracks.find((t) => t.handler === 'soun');
    dashVideo.push({
      id: basename(r.dir),
      bandwidth: bitrates.get(r.uri)?.peak ?? 0,
      width: video.width ?? 0,
      height: video.height ?? 0,
      frameRate: frame ? dashFrameRate(video.timescale, frame) : '25',
      codecs: muxed ? `${codecs},${muxed.codecs ?? 'mp4a.40.2'}` : codecs,
      init: rel(join(r.dir, r.info.map ?? '')),
      media: r.segments.map((s) => rel(join(r.dir, s.uri))),
      timescale: video.timescale,
      timeline: spans,
    });
  }

  await writeFile(input.master, rewriteMaster(masterText, { bitrates, frameRates, iFrames }));

  const result: PackagingResult = { iFramePlaylists: iFrames.map((f) => f.uri) };
  if (input.dash && !input.sealed && dashVideo.length) {
    const dashAudio: DashAudio[] = [];
    audio.forEach((r, i) => {
      const track = r.tracks.find((t) => t.handler === 'soun');
      const meta = input.audio[i];
      if (!track || !meta) return;
      dashAudio.push({
        id: basename(r.dir),
        language: meta.language,
        label: meta.name,
        ...(meta.default ? { main: true } : {}),
        bandwidth: bitrates.get(r.uri)?.peak ?? 0,
        codecs: track.codecs ?? 'mp4a.40.2',
        sampleRate: track.sampleRate ?? 48_000,
        channels: track.channels ?? 2,
        init: rel(join(r.dir, r.info.map ?? '')),
        media: r.segments.map((s) => rel(join(r.dir, s.uri))),
        timescale: track.timescale,
        timeline: timeline(r, track),
      });
    });
    const mpd = renderMpd({
      durationSec: endSec,
      maxSegmentSec,
      video: dashVideo,
      audio: dashAudio,
      text: captions.map((c, i) => ({
        id: `text_${i + 1}`,
        language: c.track.language,
        label: c.track.name,
        url: c.vtt,
        bandwidth: Math.max(1, c.rates.peak),
      })),
    });
    await writeFile(join(root, 'manifest.mpd'), mpd);
    result.dash = 'manifest.mpd';
  }
  if (input.sprites) {
    const file = join(dirname(input.sprites.pattern), 'thumbnails.vtt');
    await writeFile(file, thumbnailTrack(input.sprites, titleSec));
    result.thumbnailTrack = rel(file);
  }
  return result;
}
