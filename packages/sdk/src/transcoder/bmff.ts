/**
 * Just enough ISO BMFF (ISO/IEC 14496-12) to package what ffmpeg wrote: the
 * tracks of an fMP4 initialization segment (moov/trak: tkhd, mdhd, hdlr,
 * stsd with avcC) and the movie fragments of a media segment (moof/traf:
 * tfhd, tfdt, trun; the mdat after each moof), with byte offsets.
 *
 * @module
 */
import { open } from 'node:fs/promises';

/** One track of an initialization segment. */
export interface InitTrack {
  id: number;
  /** `vide`, `soun`, `text`, … */
  handler: string;
  timescale: number;
  /** The sample entry's four-character code (`avc1`, `hvc1`, `av01`, `mp4a`, …). */
  sampleEntry: string;
  /** RFC 6381 codec string when it can be read from the sample entry alone (avc1/avc3, mp4a). */
  codecs?: string;
  width?: number;
  height?: number;
  /** ISO 639-2/T language from mdhd (`und` when unset). */
  language: string;
  channels?: number;
  sampleRate?: number;
  /** trex defaults (sample duration, size, flags) by which fragments may omit values. */
  defaults: { duration: number; size: number; flags: number };
}

/** One sample of a fragment's track run. */
export interface FragmentSample {
  duration: number;
  size: number;
  flags: number;
  /** Composition time offset (presentation minus decode time), in the track's timescale. */
  compositionOffset: number;
  /** Absolute byte offset of the sample's data in the file. */
  offset: number;
}

/** One track's run in a movie fragment. */
export interface FragmentTrack {
  trackId: number;
  /** tfdt: the decode time of the first sample, in the track's timescale. */
  baseDecodeTime: number;
  samples: FragmentSample[];
}

/** One movie fragment (moof and its mdat) of a media segment. */
export interface Fragment {
  /** Byte offset of the moof box. */
  moofOffset: number;
  /** Byte offset of the mdat box that follows it. */
  mdatOffset: number;
  /** Byte offset just past that mdat. */
  end: number;
  tracks: FragmentTrack[];
}

interface Box {
  type: string;
  start: number;
  /** Where the payload begins (after size, type and any large size). */
  body: number;
  end: number;
}

function* boxes(buf: Buffer, start: number, end: number): Generator<Box> {
  let off = start;
  while (off + 8 <= end) {
    let size = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    let body = off + 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(off + 8));
      body = off + 16;
    } else if (size === 0) size = end - off;
    if (size < body - off || off + size > end) {
      throw new Error(`a truncated or malformed ${JSON.stringify(type)} box at byte ${off}`);
    }
    yield { type, start: off, body, end: off + size };
    off += size;
  }
}

const child = (buf: Buffer, parent: Box, type: string): Box | undefined => {
  for (const b of boxes(buf, parent.body, parent.end)) if (b.type === type) return b;
  return undefined;
};

const path = (buf: Buffer, parent: Box, ...types: string[]): Box | undefined => {
  let at: Box | undefined = parent;
  for (const t of types) {
    if (!at) return undefined;
    at = child(buf, at, t);
  }
  return at;
};

const hex = (n: number) => n.toString(16).padStart(2, '0');

/** The mp4a codec string: the object type and, for MPEG-4 audio, the audio object type of the esds. */
function mp4aCodecs(buf: Buffer, esds: Box | undefined): string {
  if (!esds) return 'mp4a.40.2';
  // Walk the descriptors (tag, variable-length size) to the DecoderConfigDescriptor (0x04) and its DecoderSpecificInfo (0x05).
  let off = esds.body + 4;
  const readDescriptor = (at: number) => {
    const tag = buf[at] as number;
    let size = 0;
    let p = at + 1;
    for (let i = 0; i < 4; i++) {
      const b = buf[p++] as number;
      size = (size << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return { tag, body: p, end: p + size };
  };
  const es = readDescriptor(off);
  if (es.tag !== 0x03) return 'mp4a.40.2';
  const flags = buf[es.body + 2] as number;
  off =
    es.body +
    3 +
    (flags & 0x80 ? 2 : 0) +
    (flags & 0x20 ? 1 + (buf[es.body + 3] as number) : 0) +
    (flags & 0x40 ? 2 : 0);
  const dc = readDescriptor(off);
  if (dc.tag !== 0x04) return 'mp4a.40.2';
  const objectType = buf[dc.body] as number;
  const dsi = readDescriptor(dc.body + 13);
  if (objectType !== 0x40 || dsi.tag !== 0x05) return `mp4a.${hex(objectType)}`;
  const aot = (buf[dsi.body] as number) >> 3;
  return `mp4a.40.${aot}`;
}

/**
 * Reads the tracks of an fMP4 initialization segment.
 *
 * @example
 * ```ts
 * const [video] = parseInitSegment(await readFile('out/360p/init_1.mp4'));
 * video.codecs; // "avc1.64001e"
 * ```
 */
export function parseInitSegment(buf: Buffer): InitTrack[] {
  const all = { type: 'file', start: 0, body: 0, end: buf.length };
  const moov = child(buf, all, 'moov');
  if (!moov) throw new Error('no moov box: not an initialization segment');
  const defaults = new Map<number, InitTrack['defaults']>();
  const mvex = child(buf, moov, 'mvex');
  if (mvex) {
    for (const b of boxes(buf, mvex.body, mvex.end)) {
      if (b.type !== 'trex') continue;
      defaults.set(buf.readUInt32BE(b.body + 4), {
        duration: buf.readUInt32BE(b.body + 12),
        size: buf.readUInt32BE(b.body + 16),
        flags: buf.readUInt32BE(b.body + 20),
      });
    }
  }
  const tracks: InitTrack[] = [];
  for (const trak of boxes(buf, moov.body, moov.end)) {
    if (trak.type !== 'trak') continue;
    const tkhd = child(buf, trak, 'tkhd');
    const mdhd = path(buf, trak, 'mdia', 'mdhd');
    const hdlr = path(buf, trak, 'mdia', 'hdlr');
    const stsd = path(buf, trak, 'mdia', 'minf', 'stbl', 'stsd');
    if (!tkhd || !mdhd || !hdlr || !stsd) continue;
    const tkhdV1 = buf[tkhd.body] === 1;
    const id = buf.readUInt32BE(tkhd.body + (tkhdV1 ? 20 : 12));
    const mdhdV1 = buf[mdhd.body] === 1;
    const timescale = buf.readUInt32BE(mdhd.body + (mdhdV1 ? 20 : 12));
    const lang = buf.readUInt16BE(mdhd.body + (mdhdV1 ? 32 : 20));
    const language = [10, 5, 0].map((s) => String.fromCharCode(((lang >> s) & 0x1f) + 0x60)).join('');
    const handler = buf.toString('latin1', hdlr.body + 8, hdlr.body + 12);
    const entry = [...boxes(buf, stsd.body + 8, stsd.end)][0];
    const track: InitTrack = {
      id,
      handler,
      timescale,
      sampleEntry: entry?.type ?? '',
      language: lang === 0 || language === 'und' ? 'und' : language,
      defaults: defaults.get(id) ?? { duration: 0, size: 0, flags: 0 },
    };
    if (entry && handler === 'vide') {
      // VisualSampleEntry: 6 reserved + 2 index + 16 predefined, then width and height.
      track.width = buf.readUInt16BE(entry.body + 24);
      track.height = buf.readUInt16BE(entry.body + 26);
      const config = [...boxes(buf, entry.body + 78, entry.end)];
      const avcC = config.find((b) => b.type === 'avcC');
      if (avcC && (entry.type === 'avc1' || entry.type === 'avc3')) {
        track.codecs = `${entry.type}.${hex(buf[avcC.body + 1] as number)}${hex(buf[avcC.body + 2] as number)}${hex(buf[avcC.body + 3] as number)}`;
      }
    }
    if (entry && handler === 'soun') {
      // AudioSampleEntry: 6 reserved + 2 index + 8 reserved, channel count, sample size, 4 reserved, rate 16.16.
      track.channels = buf.readUInt16BE(entry.body + 16);
      track.sampleRate = buf.readUInt32BE(entry.body + 24) >>> 16;
      if (entry.type === 'mp4a') {
        const esds = [...boxes(buf, entry.body + 28, entry.end)].find((b) => b.type === 'esds');
        track.codecs = mp4aCodecs(buf, esds);
      }
    }
    tracks.push(track);
  }
  return tracks;
}

/** The track runs of one moof box; `shift` is the moof's offset in the file when `buf` holds only the moof. */
function parseMoof(buf: Buffer, box: Box, shift: number, init: InitTrack[]): FragmentTrack[] {
  const tracks: FragmentTrack[] = [];
  for (const traf of boxes(buf, box.body, box.end)) {
    if (traf.type !== 'traf') continue;
    const tfhd = child(buf, traf, 'tfhd');
    if (!tfhd) continue;
    const tfFlags = buf.readUInt32BE(tfhd.body) & 0xffffff;
    const trackId = buf.readUInt32BE(tfhd.body + 4);
    const trex = init.find((t) => t.id === trackId)?.defaults ?? { duration: 0, size: 0, flags: 0 };
    let p = tfhd.body + 8;
    // default-base-is-moof (what CMAF asks for), and the moof for a first traf without a base offset.
    let base = box.start + shift;
    if (tfFlags & 0x1) {
      base = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    if (tfFlags & 0x2) p += 4;
    let duration = trex.duration;
    let size = trex.size;
    let flags = trex.flags;
    if (tfFlags & 0x8) {
      duration = buf.readUInt32BE(p);
      p += 4;
    }
    if (tfFlags & 0x10) {
      size = buf.readUInt32BE(p);
      p += 4;
    }
    if (tfFlags & 0x20) flags = buf.readUInt32BE(p);
    const tfdt = child(buf, traf, 'tfdt');
    const baseDecodeTime = !tfdt
      ? 0
      : buf[tfdt.body] === 1
        ? Number(buf.readBigUInt64BE(tfdt.body + 4))
        : buf.readUInt32BE(tfdt.body + 4);
    const samples: FragmentSample[] = [];
    let cursor = base;
    for (const trun of boxes(buf, traf.body, traf.end)) {
      if (trun.type !== 'trun') continue;
      const version = buf[trun.body] as number;
      const trFlags = buf.readUInt32BE(trun.body) & 0xffffff;
      const count = buf.readUInt32BE(trun.body + 4);
      let q = trun.body + 8;
      if (trFlags & 0x1) {
        cursor = base + buf.readInt32BE(q);
        q += 4;
      }
      let firstFlags: number | undefined;
      if (trFlags & 0x4) {
        firstFlags = buf.readUInt32BE(q);
        q += 4;
      }
      for (let i = 0; i < count; i++) {
        const sample: FragmentSample = {
          duration,
          size,
          flags: i === 0 && firstFlags !== undefined ? firstFlags : flags,
          compositionOffset: 0,
          offset: cursor,
        };
        if (trFlags & 0x100) {
          sample.duration = buf.readUInt32BE(q);
          q += 4;
        }
        if (trFlags & 0x200) {
          sample.size = buf.readUInt32BE(q);
          q += 4;
        }
        if (trFlags & 0x400) {
          sample.flags = buf.readUInt32BE(q);
          q += 4;
        }
        if (trFlags & 0x800) {
          sample.compositionOffset = version === 0 ? buf.readUInt32BE(q) : buf.readInt32BE(q);
          q += 4;
        }
        cursor += sample.size;
        samples.push(sample);
      }
    }
    tracks.push({ trackId, baseDecodeTime, samples });
  }
  return tracks;
}

/**
 * Reads the movie fragments of an fMP4 media segment: each moof with its
 * mdat, each track run's samples with absolute byte offsets.
 *
 * @example
 * ```ts
 * const fragments = parseFragments(await readFile('out/360p/seg_00001.m4s'), parseInitSegment(init));
 * fragments[0].tracks[0].samples[0].offset; // where the first sample's bytes begin
 * ```
 */
export function parseFragments(buf: Buffer, init: InitTrack[] = []): Fragment[] {
  const fragments: Fragment[] = [];
  let moof: { start: number; tracks: FragmentTrack[] } | undefined;
  for (const box of boxes(buf, 0, buf.length)) {
    if (box.type === 'moof') moof = { start: box.start, tracks: parseMoof(buf, box, 0, init) };
    if (box.type === 'mdat' && moof) {
      fragments.push({ moofOffset: moof.start, mdatOffset: box.start, end: box.end, tracks: moof.tracks });
      moof = undefined;
    }
  }
  return fragments;
}

/**
 * {@link parseFragments} over a file, reading only the boxes' headers and
 * the moofs: the media data (nearly all of a segment) is never read.
 *
 * @example
 * ```ts
 * const { fragments, bytes } = await readFragments('out/360p/seg_00001.m4s', parseInitSegment(init));
 * ```
 */
export async function readFragments(
  file: string,
  init: InitTrack[] = [],
): Promise<{ fragments: Fragment[]; bytes: number }> {
  const handle = await open(file, 'r');
  try {
    const bytes = (await handle.stat()).size;
    const fragments: Fragment[] = [];
    const head = Buffer.alloc(16);
    let moof: { start: number; tracks: FragmentTrack[] } | undefined;
    let off = 0;
    while (off + 8 <= bytes) {
      await handle.read(head, 0, 16, off);
      let size = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (size === 1) size = Number(head.readBigUInt64BE(8));
      else if (size === 0) size = bytes - off;
      if (size < 8 || off + size > bytes)
        throw new Error(`a truncated or malformed ${JSON.stringify(type)} box at byte ${off} of ${file}`);
      if (type === 'moof') {
        const buf = Buffer.alloc(size);
        await handle.read(buf, 0, size, off);
        const box = [...boxes(buf, 0, size)][0] as Box;
        moof = { start: off, tracks: parseMoof(buf, box, off, init) };
      } else if (type === 'mdat' && moof) {
        fragments.push({ moofOffset: moof.start, mdatOffset: off, end: off + size, tracks: moof.tracks });
        moof = undefined;
      }
      off += size;
    }
    return { fragments, bytes };
  } finally {
    await handle.close();
  }
}

/** True when a sample's flags say it is a sync sample (sample_is_non_sync_sample clear, depends on no other). */
export const isSyncSample = (flags: number): boolean => (flags & 0x10000) === 0 && ((flags >> 24) & 0x3) !== 1;
