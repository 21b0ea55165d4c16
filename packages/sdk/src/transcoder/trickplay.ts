/**
 * Trick play: I-frame playlists (RFC 8216 §4.3.3.6, `#EXT-X-I-FRAMES-ONLY`)
 * whose entries are byte ranges of the fMP4 segments a rung already has,
 * and the WebVTT thumbnail track over the sprite sheets ffmpeg tiles.
 *
 * @module
 */
import { type Fragment, type InitTrack, isSyncSample } from './bmff.js';
import { type Bitrates, segmentBitrates } from './hls-master.js';

/** One I-frame: a byte range of a segment that holds a moof and its keyframe's data. */
export interface IFrameRange {
  /** The segment, as the media playlist names it. */
  uri: string;
  offset: number;
  length: number;
  /** Presentation time of the keyframe, in seconds. */
  time: number;
}

/**
 * The I-frames of one media segment: every fragment whose first video sample
 * is a sync sample, as the range from its moof to the end of that sample's
 * bytes (the moof describes the sample; the rest of the mdat is left out).
 * A keyframe in the middle of a fragment cannot be cut out on its own and is
 * not listed.
 *
 * @example
 * ```ts
 * const { fragments } = await readFragments('out/360p/seg_00001.m4s', tracks);
 * keyframeRanges('seg_00001.m4s', fragments, tracks);
 * // [{ uri: 'seg_00001.m4s', offset: 76, length: 7323, time: 2.0667 }]
 * ```
 */
export function keyframeRanges(
  uri: string,
  fragments: readonly Fragment[],
  tracks: readonly InitTrack[],
): IFrameRange[] {
  const video = tracks.find((t) => t.handler === 'vide');
  if (!video) return [];
  const ranges: IFrameRange[] = [];
  for (const fragment of fragments) {
    const run = fragment.tracks.find((t) => t.trackId === video.id);
    const first = run?.samples[0];
    if (!run || !first || !isSyncSample(first.flags)) continue;
    ranges.push({
      uri,
      offset: fragment.moofOffset,
      length: first.offset + first.size - fragment.moofOffset,
      time: (run.baseDecodeTime + first.compositionOffset) / video.timescale,
    });
  }
  return ranges;
}

/**
 * An I-frame playlist over keyframe ranges: each I-frame lasts until the
 * next one (the last until `endTime`), as §4.3.3.6 defines its duration.
 * Returns the text and the playlist's bit rates for the master.
 *
 * @example
 * ```ts
 * const { text, bitrates } = iFramePlaylist(ranges, 8, 'init_1.mp4');
 * ```
 */
export function iFramePlaylist(
  ranges: readonly IFrameRange[],
  endTime: number,
  map: string,
): { text: string; bitrates: Bitrates } {
  const entries = ranges.map((r, i) => ({
    ...r,
    duration: Math.max(0, (ranges[i + 1]?.time ?? endTime) - r.time),
  }));
  const target = Math.max(1, ...entries.map((e) => Math.ceil(e.duration - 1e-6)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-I-FRAMES-ONLY',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI="${map}"`,
  ];
  for (const e of entries)
    lines.push(`#EXTINF:${e.duration.toFixed(6)},`, `#EXT-X-BYTERANGE:${e.length}@${e.offset}`, e.uri);
  lines.push('#EXT-X-ENDLIST', '');
  return {
    text: lines.join('\n'),
    bitrates: segmentBitrates(entries.map((e) => ({ bytes: e.length, duration: e.duration }))),
  };
}

/** How sprite sheets tile their thumbnails (see `FfmpegPlan.sprites`). */
export interface SpriteLayout {
  /** ffmpeg's file pattern of the sheets (`…/sprite_%05d.jpg`); only its base name is used. */
  pattern: string;
  columns: number;
  rows: number;
  width: number;
  height: number;
  intervalSec: number;
}

const timestamp = (sec: number) => {
  const ms = Math.round(sec * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
};

/** The file name of sheet `n` (1-based) of a printf-style pattern such as `sprite_%05d.jpg`. */
export const spriteSheetName = (pattern: string, n: number): string =>
  (pattern.split(/[\\/]/).at(-1) ?? pattern).replace(/%0?(\d*)d/, (_, width: string) =>
    String(n).padStart(Number(width || 0), '0'),
  );

/**
 * The WebVTT thumbnail track of sprite sheets: one cue per interval of the
 * title, naming its sheet (beside the track) and the tile in it, tiles left
 * to right then top to bottom, `rows`×`columns` per sheet.
 *
 * @example
 * ```ts
 * thumbnailTrack({ pattern: 'sprite_%05d.jpg', columns: 10, rows: 10, width: 160, height: 90, intervalSec: 10 }, 25);
 * // WEBVTT\n\n00:00:00.000 --> 00:00:10.000\nsprite_00001.jpg#xywh=0,0,160,90\n\n…
 * ```
 */
export function thumbnailTrack(sprites: SpriteLayout, durationSec: number): string {
  const perSheet = sprites.columns * sprites.rows;
  const count = Math.max(1, Math.ceil(durationSec / sprites.intervalSec - 1e-6));
  const cues = ['WEBVTT', ''];
  for (let i = 0; i < count; i++) {
    const start = i * sprites.intervalSec;
    const end = Math.min((i + 1) * sprites.intervalSec, Math.max(durationSec, start + 0.001));
    const tile = i % perSheet;
    const x = (tile % sprites.columns) * sprites.width;
    const y = Math.floor(tile / sprites.columns) * sprites.height;
    const sheet = spriteSheetName(sprites.pattern, Math.floor(i / perSheet) + 1);
    cues.push(
      `${timestamp(start)} --> ${timestamp(end)}`,
      `${sheet}#xywh=${x},${y},${sprites.width},${sprites.height}`,
      '',
    );
  }
  return cues.join('\n');
}
