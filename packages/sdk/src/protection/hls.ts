/**
 * HLS AES-128 encryption of renditions already written (RFC 8216 §4.3.2.4,
 * §5.2): each media segment encrypted whole with AES-128-CBC and PKCS#7
 * padding, the IV the segment's media sequence number (so playlists carry no
 * IV), an `#EXT-X-KEY` before the first segment of each key period. Segments
 * are aligned across rungs, so segment n of every rung shares a key, and a
 * player switching rungs keeps the key it has. Initialization sections stay
 * in the clear (they carry codec setup, no media): the key tags come after
 * `#EXT-X-MAP`, so they apply to the segments only.
 *
 * @module
 */
import { createCipheriv } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { ErrorCode, StreamctlError } from '../errors/index.js';
import type { ContentKey } from '../transcoder/index.js';

/** How {@link encryptHlsRenditions} encrypts. */
export interface HlsEncryption {
  /** A new key (issued and stored by the caller). */
  nextKey: () => Promise<ContentKey>;
  /** The URI a playlist names a key by. */
  keyUri: (keyId: string) => string;
  /** A new key every this many segments; 0 for one key. */
  rotateEverySegments: number;
  /** Segment files encrypted at once. Default 4. */
  concurrency?: number;
}

/** One media playlist, read. */
interface MediaPlaylist {
  file: string;
  lines: string[];
  mediaSequence: number;
  /** Line index of each segment's URI, in order. */
  segments: number[];
}

function readPlaylist(file: string, text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '#EXTM3U') {
    throw new StreamctlError(ErrorCode.MediaInvalid, `${file} is not an HLS playlist`);
  }
  if (lines.some((l) => l.startsWith('#EXT-X-KEY:') && !/METHOD=NONE/.test(l))) {
    throw new StreamctlError(ErrorCode.MediaInvalid, `${file} is encrypted already`);
  }
  const sequence = lines.find((l) => l.startsWith('#EXT-X-MEDIA-SEQUENCE:'));
  const segments: number[] = [];
  lines.forEach((line, i) => {
    if (line.trim() && !line.startsWith('#')) segments.push(i);
  });
  return { file, lines, mediaSequence: sequence ? Number(sequence.split(':')[1]) : 0, segments };
}

/** The IV of a segment with no IV attribute: its media sequence number, big-endian in 16 bytes. */
export function sequenceIv(sequence: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(sequence), 8);
  return iv;
}

/** Encrypts bytes as an AES-128 HLS segment. */
export function encryptSegment(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

async function inPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Encrypts the segments of media playlists (the rungs and alternate-audio
 * playlists of one title) in place and rewrites the playlists with their key
 * tags. Keys are asked for as periods begin: one key, or one per
 * `rotateEverySegments` segments. Returns the key ids in order.
 *
 * @example
 * ```ts
 * const keyIds = await encryptHlsRenditions(['out/360p/index.m3u8', 'out/720p/index.m3u8'], {
 *   nextKey: () => keys.issue('t1'),
 *   keyUri: (keyId) => keyPath('t1', keyId),
 *   rotateEverySegments: 0,
 * });
 * ```
 */
export async function encryptHlsRenditions(playlists: string[], encryption: HlsEncryption): Promise<string[]> {
  const read = await Promise.all(playlists.map(async (f) => readPlaylist(f, await readFile(f, 'utf8'))));
  const longest = Math.max(0, ...read.map((p) => p.segments.length));
  const every = encryption.rotateEverySegments > 0 ? encryption.rotateEverySegments : Math.max(1, longest);
  const periods = Math.max(1, Math.ceil(longest / every));
  const keys: ContentKey[] = [];
  for (let k = 0; k < periods; k++) keys.push(await encryption.nextKey());

  for (const playlist of read) {
    const dir = dirname(playlist.file);
    const jobs = playlist.segments.map((line, n) => ({ line, n }));
    await inPool(jobs, encryption.concurrency ?? 4, async ({ line, n }) => {
      const uri = (playlist.lines[line] as string).trim();
      const file = join(dir, uri);
      if (/^[a-z]+:/i.test(uri) || isAbsolute(uri) || relative(dir, file).startsWith('..')) {
        throw new StreamctlError(ErrorCode.MediaInvalid, `${playlist.file} names a segment outside its folder: ${uri}`);
      }
      const key = keys[Math.floor(n / every)] as ContentKey;
      const sealed = encryptSegment(await readFile(file), key.key, sequenceIv(playlist.mediaSequence + n));
      // Written beside and renamed over: a crash leaves a whole segment, clear or sealed, never half of one.
      await writeFile(`${file}.enc`, sealed);
      await rename(`${file}.enc`, file);
    });
    const out: string[] = [];
    const uris = new Set(playlist.segments);
    let segment = 0;
    for (const [i, line] of playlist.lines.entries()) {
      if (line.startsWith('#EXTINF') && segment % every === 0) {
        const key = keys[Math.floor(segment / every)] as ContentKey;
        out.push(`#EXT-X-KEY:METHOD=AES-128,URI="${encryption.keyUri(key.keyId)}"`);
      }
      out.push(line);
      if (uris.has(i)) segment++;
    }
    await writeFile(`${playlist.file}.enc`, out.join('\n'));
    await rename(`${playlist.file}.enc`, playlist.file);
  }
  return keys.map((k) => k.keyId);
}
