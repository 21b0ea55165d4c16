/**
 * The raw bucket's object layout: where ingest puts a master and its
 * caption files. Ingest and the CDK app (which lets MediaConvert read the
 * masters' tree and nothing else) both take the layout from here.
 *
 * @module
 */

/**
 * The key prefix every master (and its caption files) is under; the CDK
 * app's MediaConvert role may read under it only.
 *
 * @example
 * ```ts
 * MASTERS_PREFIX; // "masters/"
 * ```
 */
export const MASTERS_PREFIX = 'masters/';

/**
 * The raw-bucket key of a master: per title, then per content (the start of
 * its SHA-256), so another master for the same title never overwrites one
 * whose upload may resume.
 *
 * @example
 * ```ts
 * masterKey('t1', '3f2a9c1d00112233aabbccddeeff…', 'film.mov'); // "masters/t1/3f2a9c1d00112233/film.mov"
 * ```
 */
export function masterKey(titleId: string, sha256: string, fileName: string): string {
  return `${MASTERS_PREFIX}${titleId}/${sha256.slice(0, 16)}/${fileName}`;
}

/**
 * The raw-bucket key of a caption track beside its master.
 *
 * @example
 * ```ts
 * masterCaptionKey('masters/t1/3f2a9c1d00112233/film.mov', 0, 'en'); // "masters/t1/3f2a9c1d00112233/captions/1_en.vtt"
 * ```
 */
export function masterCaptionKey(master: string, index: number, language: string): string {
  return `${master.slice(0, master.lastIndexOf('/'))}/captions/${index + 1}_${language}.vtt`;
}
