/**
 * A published title as a search document: its names, people, genres and
 * description for matching, and where and when it may play for filtering.
 *
 * @module
 */
import { availableAt, type Title } from '../catalog/index.js';
import type { SearchDocument } from './types.js';

/**
 * The search document of a title, or undefined when the title is not
 * published (a title nobody may play is never in the index).
 *
 * @example
 * ```ts
 * const doc = toSearchDocument(await catalog.getTitle('t1'));
 * if (doc) await engine.upsert(doc);
 * ```
 */
export function toSearchDocument(title: Title): SearchDocument | undefined {
  if (title.status !== 'PUBLISHED' || !title.availability) return undefined;
  const { countries, from, until } = title.availability;
  const year = title.releaseDate ? Number.parseInt(title.releaseDate.slice(0, 4), 10) : Number.NaN;
  return {
    titleId: title.titleId,
    name: title.name,
    ...(title.originalName ? { originalName: title.originalName } : {}),
    aliases: title.aliases ?? [],
    genres: title.genres,
    cast: title.cast ?? [],
    crew: title.crew ?? [],
    ...(title.synopsis ? { description: title.synopsis } : {}),
    ...(Number.isFinite(year) ? { year } : {}),
    countries: countries === 'ALL' ? ['ALL'] : [...countries],
    ...(from ? { availableFrom: new Date(from).toISOString() } : {}),
    ...(until ? { availableUntil: new Date(until).toISOString() } : {}),
  };
}

/**
 * Whether a document may be shown to a viewer in `country` at `at` (epoch
 * ms): the country or `ALL` (any country when none is given), inside the window (the catalog's own rule, {@link availableAt}).
 *
 * @example
 * ```ts
 * playableAt(doc, 'GB', Date.now());
 * ```
 */
export function playableAt(
  doc: Pick<SearchDocument, 'countries' | 'availableFrom' | 'availableUntil'>,
  country: string | undefined,
  at: number,
): boolean {
  const where = country === undefined || doc.countries.includes('ALL') || doc.countries.includes(country);
  return where && availableAt(doc, at);
}
