/**
 * The raw bucket's object layout: where ingest puts a master and its
 * caption files, and what the CDK app's ingest workflow matches and reads
 * back out of a key. Ingest and the CDK app both build keys here.
 *
 * @module
 */

/** The folder of the bucket that holds every master. */
const MASTERS = 'masters';

/**
 * The key prefix every master (and its caption files) is under; the CDK
 * app starts its ingest workflow on objects created here.
 *
 * @example
 * ```ts
 * MASTERS_PREFIX; // "masters/"
 * ```
 */
export const MASTERS_PREFIX = `${MASTERS}/`;

/**
 * A Step Functions `StringMatches` pattern every master key matches.
 *
 * @example
 * ```ts
 * Condition.stringMatches('$.detail.object.key', MASTER_KEY_PATTERN);
 * ```
 */
export const MASTER_KEY_PATTERN = `${MASTERS}/*/*/*`;

/**
 * Which `/`-separated segment of a master key (0-based) is the title id.
 *
 * @example
 * ```ts
 * 'masters/t1/3f2a9c1d00112233/film.mov'.split('/')[MASTER_KEY_TITLE_SEGMENT]; // "t1"
 * ```
 */
export const MASTER_KEY_TITLE_SEGMENT = 1;

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
