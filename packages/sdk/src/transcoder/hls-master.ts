/**
 * The HLS master playlist as the HLS authoring specification asks for it,
 * from what was actually encoded: BANDWIDTH the measured peak segment bit
 * rate of each variant (its alternate renditions' peaks added, RFC 8216
 * §4.3.4.2), AVERAGE-BANDWIDTH its average, FRAME-RATE to three decimals,
 * CLOSED-CAPTIONS=NONE when there are none, #EXT-X-INDEPENDENT-SEGMENTS,
 * and the I-frame playlists of trick play. Pure functions over playlist text
 * and measured sizes.
 *
 * @module
 */

/** One media segment of a media playlist. */
export interface PlaylistSegment {
  uri: string;
  /** EXTINF, in seconds. */
  duration: number;
  /** An `#EXT-X-BYTERANGE` sub-range of `uri`. */
  byteRange?: { length: number; offset: number };
}

/** A media playlist, read. */
export interface MediaPlaylistInfo {
  /** The `#EXT-X-MAP` URI (the initialization section), when there is one. */
  map?: string;
  targetDuration: number;
  segments: PlaylistSegment[];
}

/** Peak and average segment bit rates, in bits per second. */
export interface Bitrates {
  peak: number;
  average: number;
}

/** An I-frame playlist to list in the master. */
export interface IFrameStream {
  uri: string;
  bitrates: Bitrates;
  resolution?: string;
  codecs?: string;
}

/**
 * Reads the segments of an HLS media playlist.
 *
 * @example
 * ```ts
 * readMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="init_0.mp4"\n#EXTINF:4.000,\nseg_00000.m4s\n');
 * // { map: 'init_0.mp4', targetDuration: 4, segments: [{ uri: 'seg_00000.m4s', duration: 4 }] }
 * ```
 */
export function readMediaPlaylist(text: string): MediaPlaylistInfo {
  const info: MediaPlaylistInfo = { targetDuration: 0, segments: [] };
  let duration = 0;
  let range: PlaylistSegment['byteRange'];
  let nextOffset = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#EXT-X-MAP:')) {
      const uri = /URI="([^"]*)"/.exec(line)?.[1];
      if (uri) info.map = uri;
    } else if (line.startsWith('#EXT-X-TARGETDURATION:')) info.targetDuration = Number(line.split(':')[1]);
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line.startsWith('#EXT-X-BYTERANGE:')) {
      const [length, offset] = line.slice('#EXT-X-BYTERANGE:'.length).split('@');
      range = { length: Number(length), offset: offset === undefined ? nextOffset : Number(offset) };
    } else if (!line.startsWith('#')) {
      const segment: PlaylistSegment = { uri: line, duration };
      if (range) {
        segment.byteRange = range;
        nextOffset = range.offset + range.length;
      }
      info.segments.push(segment);
      range = undefined;
      duration = 0;
    }
  }
  return info;
}

/**
 * Peak and average segment bit rates of a media playlist's segments. The
 * peak is the largest bytes×8/duration of any one segment: never below the
 * peak segment bit rate of RFC 8216bis (the largest bit rate of contiguous
 * segments lasting 0.5–1.5 target durations, each a weighted mean of single
 * segments), so a BANDWIDTH built from it is never exceeded. The average is
 * all bytes over all time.
 *
 * @example
 * ```ts
 * segmentBitrates([{ bytes: 500_000, duration: 4 }, { bytes: 1_000_000, duration: 4 }]);
 * // { peak: 2_000_000, average: 1_500_000 }
 * ```
 */
export function segmentBitrates(segments: ReadonlyArray<{ bytes: number; duration: number }>): Bitrates {
  let peak = 0;
  let bytes = 0;
  let time = 0;
  for (const s of segments) {
    bytes += s.bytes;
    time += s.duration;
    if (s.duration > 0) peak = Math.max(peak, (s.bytes * 8) / s.duration);
  }
  return { peak: Math.ceil(peak), average: time > 0 ? Math.ceil((bytes * 8) / time) : 0 };
}

/** The size of a segment after AES-128-CBC with PKCS#7 padding (1 to 16 bytes added). */
export const sealedSize = (bytes: number): number => bytes + 16 - (bytes % 16);

/** Splits an attribute list on the commas outside quoted strings. */
export function parseAttributes(list: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const m of list.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) out.push([m[1] as string, m[2] as string]);
  return out;
}

const writeAttributes = (attrs: Array<[string, string]>) => attrs.map(([k, v]) => `${k}=${v}`).join(',');

/** Sets an attribute, keeping its place when present; a new one goes after `after` (or last). */
function setAttribute(attrs: Array<[string, string]>, name: string, value: string, after?: string): void {
  const at = attrs.findIndex(([k]) => k === name);
  if (at >= 0) {
    attrs[at] = [name, value];
    return;
  }
  const prev = after ? attrs.findIndex(([k]) => k === after) : -1;
  if (prev >= 0) attrs.splice(prev + 1, 0, [name, value]);
  else attrs.push([name, value]);
}

const unquote = (v: string | undefined) => v?.replace(/^"|"$/g, '');

/**
 * Rewrites a master playlist with measured figures: each variant's BANDWIDTH
 * and AVERAGE-BANDWIDTH (its own playlist's plus the largest of each
 * rendition group it names, the largest sum any playable combination
 * makes), FRAME-RATE, CLOSED-CAPTIONS=NONE unless the master declares
 * closed captions, #EXT-X-INDEPENDENT-SEGMENTS, and one
 * #EXT-X-I-FRAME-STREAM-INF per I-frame playlist. Everything else (CODECS,
 * RESOLUTION, rendition groups, names) is kept. URIs are as the master
 * names them.
 *
 * @example
 * ```ts
 * rewriteMaster(master, {
 *   bitrates: new Map([['360p/index.m3u8', { peak: 950_000, average: 700_000 }]]),
 *   frameRates: new Map([['360p/index.m3u8', 25]]),
 * });
 * ```
 */
export function rewriteMaster(
  master: string,
  facts: {
    bitrates: ReadonlyMap<string, Bitrates>;
    frameRates?: ReadonlyMap<string, number>;
    iFrames?: readonly IFrameStream[];
  },
): string {
  const lines = master.split(/\r?\n/);
  // Rendition groups: TYPE and GROUP-ID to the URIs of their renditions.
  const groups = new Map<string, string[]>();
  let closedCaptions = false;
  for (const line of lines) {
    if (!line.startsWith('#EXT-X-MEDIA:')) continue;
    const attrs = new Map(parseAttributes(line.slice('#EXT-X-MEDIA:'.length)));
    const type = attrs.get('TYPE');
    if (type === 'CLOSED-CAPTIONS') closedCaptions = true;
    const uri = unquote(attrs.get('URI'));
    const key = `${type}:${unquote(attrs.get('GROUP-ID'))}`;
    if (uri) groups.set(key, [...(groups.get(key) ?? []), uri]);
  }
  const groupBest = (key: string): Bitrates => {
    const members = (groups.get(key) ?? []).map((u) => facts.bitrates.get(u)).filter((b): b is Bitrates => !!b);
    return {
      peak: Math.max(0, ...members.map((b) => b.peak)),
      average: Math.max(0, ...members.map((b) => b.average)),
    };
  };
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.startsWith('#EXT-X-INDEPENDENT-SEGMENTS') || line.startsWith('#EXT-X-I-FRAME-STREAM-INF:')) continue;
    if (!line.startsWith('#EXT-X-STREAM-INF:')) {
      out.push(line);
      if (line.startsWith('#EXT-X-VERSION:')) out.push('#EXT-X-INDEPENDENT-SEGMENTS');
      continue;
    }
    const attrs = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length));
    const uri = lines[i + 1]?.trim() ?? '';
    // Added attributes go after CODECS when it ends the list, else after RESOLUTION: the first
    // three stay in the order ffmpeg writes them, the rendition-group references stay last.
    const codecsAt = attrs.findIndex(([k]) => k === 'CODECS');
    let after =
      codecsAt === attrs.length - 1 ? 'CODECS' : attrs.some(([k]) => k === 'RESOLUTION') ? 'RESOLUTION' : 'BANDWIDTH';
    const add = (name: string, value: string) => {
      setAttribute(attrs, name, value, after);
      after = name;
    };
    const own = facts.bitrates.get(uri);
    if (own) {
      let { peak, average } = own;
      const named = new Map(attrs);
      for (const type of ['AUDIO', 'SUBTITLES']) {
        const group = unquote(named.get(type));
        if (!group) continue;
        const best = groupBest(`${type}:${group}`);
        peak += best.peak;
        average += best.average;
      }
      setAttribute(attrs, 'BANDWIDTH', String(peak));
      add('AVERAGE-BANDWIDTH', String(average));
    }
    const fps = facts.frameRates?.get(uri);
    if (fps) add('FRAME-RATE', fps.toFixed(3));
    if (!closedCaptions && !attrs.some(([k]) => k === 'CLOSED-CAPTIONS')) add('CLOSED-CAPTIONS', 'NONE');
    out.push(`#EXT-X-STREAM-INF:${writeAttributes(attrs)}`);
  }
  if (!out.some((l) => l.startsWith('#EXT-X-INDEPENDENT-SEGMENTS'))) out.splice(1, 0, '#EXT-X-INDEPENDENT-SEGMENTS');
  while (out.length && !out.at(-1)?.trim()) out.pop();
  for (const f of facts.iFrames ?? []) {
    const attrs: Array<[string, string]> = [
      ['BANDWIDTH', String(f.bitrates.peak)],
      ['AVERAGE-BANDWIDTH', String(f.bitrates.average)],
    ];
    if (f.resolution) attrs.push(['RESOLUTION', f.resolution]);
    if (f.codecs) attrs.push(['CODECS', `"${f.codecs}"`]);
    attrs.push(['URI', `"${f.uri}"`]);
    out.push(`#EXT-X-I-FRAME-STREAM-INF:${writeAttributes(attrs)}`);
  }
  return `${out.join('\n')}\n`;
}
