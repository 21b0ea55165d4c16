/**
 * Plan manifests: a plan's tallest rung is enforced by the master playlist
 * its players get. Publishing writes, beside a title's HLS master, one
 * master per plan cap that the title's ladder exceeds, holding only the
 * variants at or below the cap; a grant hands out the one for the viewer's
 * plan. A rung's size is its shorter side, so a portrait 1080×1920 rung is
 * 1080p like a landscape 1920×1080 one.
 *
 * @module
 */

/** A rendition's size as a plan cap compares it: its shorter side. */
export function rungSize(r: { width: number; height: number }): number {
  return Math.min(r.width, r.height);
}

/**
 * The key of a master capped at a size, beside the master.
 *
 * @example
 * ```ts
 * planManifestKey('titles/t1/master.m3u8', 720); // "titles/t1/master.720p.m3u8"
 * planManifestKey('titles/t1/cmaf/master.m3u8', 1080); // "titles/t1/cmaf/master.1080p.m3u8"
 * planManifestKey('titles/t1/manifest.mpd', 720); // "titles/t1/manifest.720p.mpd"
 * ```
 */
export function planManifestKey(masterKey: string, cap: number): string {
  if (masterKey.endsWith('.mpd')) return masterKey.replace(/\.mpd$/, `.${cap}p.mpd`);
  return masterKey.replace(/(\.m3u8)?$/, `.${cap}p.m3u8`);
}

/**
 * The caps a title needs capped masters for: every plan cap below the
 * title's tallest rung, tallest first.
 *
 * @example
 * ```ts
 * planCaps([{ width: 1920, height: 1080 }, { width: 1280, height: 720 }], [720, 1080, 2160]); // [720]
 * ```
 */
export function planCaps(renditions: Array<{ width: number; height: number }>, caps: number[]): number[] {
  const top = Math.max(0, ...renditions.map(rungSize));
  return [...new Set(caps)].filter((cap) => cap < top).sort((a, b) => b - a);
}

/**
 * The HLS master a plan capped at `cap` plays: the master itself when no
 * rung exceeds the cap, else its capped master.
 *
 * @example
 * ```ts
 * manifestForPlan({ manifests: { hls: 'titles/t1/master.m3u8' }, renditions }, 720); // "titles/t1/master.720p.m3u8"
 * ```
 */
export function manifestForPlan(
  title: { manifests: { hls?: string; dash?: string }; renditions: Array<{ width: number; height: number }> },
  cap: number,
  format: 'hls' | 'dash' = 'hls',
): string | undefined {
  const manifest = title.manifests[format];
  if (!manifest) return undefined;
  return planCaps(title.renditions, [cap]).length ? planManifestKey(manifest, cap) : manifest;
}

const REPRESENTATION = /<Representation\b[^>]*?(?:\/>|>[\s\S]*?<\/Representation>)/g;

/**
 * A DASH manifest (MPD) with only the video representations at or below `cap` (by the shorter
 * of `width` and `height`; representations without a size, audio and text, stay). When none
 * fits, the smallest stays, as for HLS.
 *
 * @example
 * ```ts
 * capDashManifest(mpd, 720); // the MPD without its 1080p representations
 * ```
 */
export function capDashManifest(mpd: string, cap: number): string {
  const sizeOfRepresentation = (element: string): number | undefined => {
    const head = element.slice(0, element.indexOf('>') + 1);
    const width = /\swidth="(\d+)"/.exec(head)?.[1];
    const height = /\sheight="(\d+)"/.exec(head)?.[1];
    return width && height ? Math.min(Number(width), Number(height)) : undefined;
  };
  const sizes = [...mpd.matchAll(REPRESENTATION)]
    .map((m) => sizeOfRepresentation(m[0]))
    .filter((s): s is number => s !== undefined);
  if (!sizes.length) return mpd;
  const keepSize = sizes.some((s) => s <= cap) ? cap : Math.min(...sizes);
  return mpd.replace(REPRESENTATION, (element) => {
    const size = sizeOfRepresentation(element);
    return size !== undefined && size > keepSize ? '' : element;
  });
}

const RESOLUTION = /(?:^|,)RESOLUTION=(\d+)x(\d+)/;

function sizeOf(tag: string): number | undefined {
  const m = RESOLUTION.exec(tag.slice(tag.indexOf(':') + 1));
  return m ? Math.min(Number(m[1]), Number(m[2])) : undefined;
}

/**
 * An HLS master playlist with only the variants at or below `cap` (video
 * variants by their `RESOLUTION`'s shorter side; variants without one, such
 * as audio-only ones, stay). I-frame playlists are filtered the same way.
 * When no video variant fits, the smallest one stays, so a plan below a
 * title's whole ladder still plays its lowest rung.
 *
 * @example
 * ```ts
 * capMasterPlaylist(master, 720); // the master without its 1080p and 2160p variants
 * ```
 */
export function capMasterPlaylist(master: string, cap: number): string {
  const lines = master.split(/\r?\n/);
  const variants: Array<{ tagLine: number; uriLine: number; size: number | undefined }> = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!lines[i]?.startsWith('#EXT-X-STREAM-INF:')) continue;
    let j = i + 1;
    while (j < lines.length && (lines[j]?.trim() === '' || lines[j]?.startsWith('#'))) j += 1;
    variants.push({ tagLine: i, uriLine: j, size: sizeOf(lines[i] ?? '') });
  }
  const sized = variants.filter((v) => v.size !== undefined);
  const fits = (size: number | undefined) => size === undefined || size <= cap;
  const smallest = Math.min(...sized.map((v) => v.size as number));
  const keepSize = sized.some((v) => fits(v.size)) ? cap : smallest;
  const drop = new Set<number>();
  for (const v of variants) {
    if (v.size !== undefined && v.size > keepSize) {
      drop.add(v.tagLine);
      drop.add(v.uriLine);
    }
  }
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i]?.startsWith('#EXT-X-I-FRAME-STREAM-INF:')) {
      const size = sizeOf(lines[i] ?? '');
      if (size !== undefined && size > keepSize) drop.add(i);
    }
  }
  return lines.filter((_, i) => !drop.has(i)).join('\n');
}
