/**
 * Seek previews: a WebVTT thumbnail track (cues whose text is `sprite_00001.jpg#xywh=x,y,w,h`,
 * relative to the track's URL) read into tiles, and the tile for a time.
 */

/** One cue of a thumbnail track: from `start` to `end` (s), this part of this image. */
export interface Tile {
  start: number;
  end: number;
  /** The image's absolute URL. */
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** `hh:mm:ss.ttt` or `mm:ss.ttt` in seconds. */
function vttTime(text: string): number {
  const parts = text.trim().split(':').map(Number);
  return parts.reduce((sum, p) => sum * 60 + p, 0);
}

/**
 * The tiles of a WebVTT thumbnail track. A cue without `#xywh=` is the whole image (size 0: the
 * preview uses the image as it is).
 *
 * @example
 * ```ts
 * parseThumbnailTrack('WEBVTT\n\n00:00.000 --> 00:05.000\nsprite_00001.jpg#xywh=0,0,160,90\n', 'https://cdn/t/thumbs.vtt');
 * // [{ start: 0, end: 5, url: 'https://cdn/t/sprite_00001.jpg', x: 0, y: 0, w: 160, h: 90 }]
 * ```
 */
export function parseThumbnailTrack(text: string, baseUrl: string): Tile[] {
  const tiles: Tile[] = [];
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    const timing = lines.findIndex((l) => l.includes('-->'));
    const target = lines[timing + 1];
    if (timing < 0 || !target) continue;
    const [from, to] = (lines[timing] as string).split('-->');
    const start = vttTime(from ?? '');
    const end = vttTime((to ?? '').trim().split(/\s+/)[0] ?? '');
    if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
    const [path, fragment] = target.trim().split('#');
    const xywh = /xywh=(\d+),(\d+),(\d+),(\d+)/.exec(fragment ?? '');
    const [x, y, w, h] = xywh ? xywh.slice(1).map(Number) : [0, 0, 0, 0];
    let url: string;
    try {
      url = new URL(path ?? '', baseUrl).href;
    } catch {
      continue;
    }
    tiles.push({ start, end, url, x: x ?? 0, y: y ?? 0, w: w ?? 0, h: h ?? 0 });
  }
  return tiles;
}

/**
 * The tile showing `time` (s): the cue covering it, else the last one starting before it.
 *
 * @example
 * ```ts
 * tileAt(tiles, 7.5)?.url;
 * ```
 */
export function tileAt(tiles: readonly Tile[], time: number): Tile | undefined {
  let best: Tile | undefined;
  for (const tile of tiles) {
    if (time >= tile.start && time < tile.end) return tile;
    if (tile.start <= time) best = tile;
  }
  return best ?? tiles[0];
}

/**
 * Reads a grant's thumbnail track through the edge (with the grant's cookies). No track, or one
 * that fails to load, gives no tiles: the seek bar works without previews.
 */
export async function loadThumbnails(url: string | undefined): Promise<Tile[]> {
  if (!url) return [];
  try {
    const res = await fetch(url, { credentials: 'include' });
    if (!res.ok) return [];
    return parseThumbnailTrack(await res.text(), res.url || url);
  } catch {
    return [];
  }
}
