/**
 * How search reads text, the same for documents and queries and on every
 * engine: Unicode folded to lowercase ASCII-like letters (`Amélie` and
 * `amelie` are one word, `Straße` matches `strasse`), invisible and control
 * characters dropped, words split on anything that is not a letter or digit,
 * and the typo budget of a word by its length.
 *
 * @module
 */

/** Letters that Unicode decomposition leaves whole but readers type as ASCII. */
const LIGATURES: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  þ: 'th',
  ı: 'i',
};
const LIGATURE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'g');
/** Combining marks (accents), left over once a letter is decomposed. */
const MARKS = /\p{M}+/gu;
/** Control, format (zero-width, bidi overrides), unassigned and private-use characters, and lone surrogates. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}]+/gu;
/** What separates words: anything but a letter or a digit. */
const SEPARATOR = /[^\p{L}\p{N}]+/u;

/** The longest word search keeps (longer runs are noise or an attack, not a title's word). */
export const MAX_TERM_LENGTH = 40;
/** The most words of a query that count; the rest are ignored. */
export const MAX_QUERY_TERMS = 12;

/**
 * Text folded for matching: compatibility-decomposed, accents and invisible
 * characters removed, ligatures spelled out, lowercase.
 *
 * @example
 * ```ts
 * foldText('Amélie'); // "amelie"
 * foldText('STRAẞE'); // "strasse"
 * ```
 */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(INVISIBLE, '')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(LIGATURE, (c) => LIGATURES[c] ?? c);
}

/**
 * The words of a text, folded: what both engines index and look up.
 *
 * @example
 * ```ts
 * searchTerms("Amélie's  café-bar"); // ["amelie", "s", "cafe", "bar"]
 * ```
 */
export function searchTerms(text: string): string[] {
  return foldText(text)
    .split(SEPARATOR)
    .filter((t) => t.length > 0 && t.length <= MAX_TERM_LENGTH);
}

/**
 * The words of a query that count: folded, at most {@link MAX_QUERY_TERMS},
 * duplicates once. Empty when nothing searchable is left (only punctuation,
 * emoji or invisible characters), which answers no results rather than an error.
 *
 * @example
 * ```ts
 * queryTerms('  the Matrix  the '); // ["the", "matrix"]
 * ```
 */
export function queryTerms(query: string): string[] {
  return [...new Set(searchTerms(query))].slice(0, MAX_QUERY_TERMS);
}

/**
 * The typos a word may have and still match: none under 4 letters, one from
 * 4, two from 8 (OpenSearch's `AUTO:4,8`).
 *
 * @example
 * ```ts
 * editsAllowed('cat'); // 0
 * editsAllowed('harbor'); // 1
 * editsAllowed('midnight'); // 2
 * ```
 */
export function editsAllowed(term: string): 0 | 1 | 2 {
  const length = [...term].length;
  return length >= 8 ? 2 : length >= 4 ? 1 : 0;
}

/**
 * The shortest word matched as a prefix of longer words: two letters would
 * match a large part of any catalog and say little about which title is meant.
 */
export const PREFIX_MIN_LENGTH = 3;

/**
 * Whether a query word also matches the words it begins: the last word (the
 * one being typed) from {@link PREFIX_MIN_LENGTH} letters, any other from four (a stem).
 *
 * @example
 * ```ts
 * prefixAllowed('harb', 0, 2); // true: a stem
 * prefixAllowed('ha', 1, 2); // false: too short to say anything
 * ```
 */
export function prefixAllowed(term: string, index: number, count: number): boolean {
  const length = [...term].length;
  return length >= 4 || (index === count - 1 && length >= PREFIX_MIN_LENGTH);
}

/** The same rule as OpenSearch's `fuzziness` setting. */
export const FUZZINESS = 'AUTO:4,8';
