/**
 * The catalog table's single-table layout, and the mapping between its
 * items and the catalog's types.
 *
 * - `PK = VIDEO#<id>`, `SK = METADATA`: the title itself (status, names, manifests).
 * - `SK = SEASON#<nn>` and `SK = EPISODE#S01E01`: series structure.
 * - `SK = GENRE#<genre>`: one projection per genre, indexed by `byGenre`
 *   (`GSI1PK = GENRE#<genre>`, `GSI1SK = <release date>#<id>`).
 * - `SK = AVAILABILITY#<cc|ALL>`: one per country of a published title,
 *   indexed by `byCountry` (`GSI2PK = COUNTRY#<cc|ALL>`, `GSI2SK = <published at>#<id>`).
 *   Each carries the `generation` of the publication that wrote it; the
 *   METADATA item's `availabilityGeneration` names the current one. The
 *   METADATA item is the truth (status, countries, window): a projection is
 *   only an index entry, which readers confirm against it.
 * - `SK = RENDITION#<name>`: one per rung of the transcoded ladder.
 * - The METADATA item carries `GSI1PK = TITLES`, `GSI1SK = <id>`, so `byGenre`
 *   also lists every title in id order (`titles list`).
 *
 * @module
 */
import type { z } from 'zod';
import type { Availability } from '../playback/index.js';
import type { TitleStatus } from './lifecycle.js';
import type {
  Rendition,
  Title,
  TitleInputSchema,
  TitleListItem,
  TitleProtection,
  TitleSource,
  TitleSummary,
  TitleTracks,
} from './types.js';

/** A catalog table item, as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/** The sort key prefix of a title's per-country availability projections. */
export const AVAILABILITY_PREFIX = 'AVAILABILITY#';

/** The `byGenre` partition that lists every title in id order. */
export const ALL_TITLES = 'TITLES';

/** The partition key of a title's items. */
export const titlePartition = (titleId: string) => `VIDEO#${titleId}`;

/** The key of a title's METADATA item. */
export const titleKey = (titleId: string) => ({ PK: titlePartition(titleId), SK: 'METADATA' });

/** The `byGenre` partition of a genre. */
export const genrePartition = (genre: string) => `GENRE#${genre}`;

/** The `byCountry` partition of a country code, or of `ALL`. */
export const countryPartition = (country: string) => `COUNTRY#${country}`;

/** The key of a rendition's item. */
export const renditionKey = (titleId: string, name: string) => ({
  PK: titlePartition(titleId),
  SK: `RENDITION#${name}`,
});

/** The items `putTitle` writes: METADATA, genre projections, seasons and episodes. */
export function titleItems(t: z.output<typeof TitleInputSchema>, now: string): Item[] {
  const pk = titlePartition(t.titleId);
  const summary = {
    titleId: t.titleId,
    name: t.name,
    genres: t.genres,
    ...(t.releaseDate ? { releaseDate: t.releaseDate } : {}),
  };
  return [
    {
      ...titleKey(t.titleId),
      ...summary,
      GSI1PK: ALL_TITLES,
      GSI1SK: t.titleId,
      kind: t.kind,
      manifests: t.manifests,
      status: t.status,
      updatedAt: now,
      ...(t.synopsis ? { synopsis: t.synopsis } : {}),
      ...(t.originalName ? { originalName: t.originalName } : {}),
      ...(t.aliases.length ? { aliases: t.aliases } : {}),
      ...(t.cast.length ? { cast: t.cast } : {}),
      ...(t.crew.length ? { crew: t.crew } : {}),
      ...(t.durationSec ? { durationSec: t.durationSec } : {}),
    },
    ...t.genres.map((genre) => ({
      PK: pk,
      SK: `GENRE#${genre}`,
      ...summary,
      GSI1PK: genrePartition(genre),
      GSI1SK: `${t.releaseDate ?? '0000-00-00'}#${t.titleId}`,
    })),
    ...t.seasons.map((s) => ({
      PK: pk,
      SK: `SEASON#${String(s.number).padStart(2, '0')}`,
      number: s.number,
    })),
    ...t.seasons.flatMap((s) =>
      s.episodes.map((e) => ({ PK: pk, SK: `EPISODE#${e.episodeId}`, season: s.number, ...e })),
    ),
  ];
}

/** A title from all the items of its partition; undefined without a METADATA item. */
export function titleFromItems(titleId: string, items: Item[]): Title | undefined {
  const meta = items.find((i) => i.SK === 'METADATA');
  if (!meta) return undefined;
  const episodes = items.filter((i) => String(i.SK).startsWith('EPISODE#'));
  const seasons = items
    .filter((i) => String(i.SK).startsWith('SEASON#'))
    .map((s) => Number(s.number))
    .sort((a, b) => a - b)
    .map((number) => ({
      number,
      episodes: episodes
        .filter((e) => Number(e.season) === number)
        .map((e) => ({
          episodeId: String(e.episodeId),
          name: String(e.name),
          ...(e.durationSec !== undefined ? { durationSec: Number(e.durationSec) } : {}),
        }))
        .sort((a, b) => a.episodeId.localeCompare(b.episodeId)),
    }));
  const renditions = items
    .filter((i) => String(i.SK).startsWith('RENDITION#'))
    .map((r) => ({
      name: String(r.name),
      width: Number(r.width),
      height: Number(r.height),
      bandwidth: Number(r.bandwidth),
      ...(r.codecs ? { codecs: String(r.codecs) } : {}),
      playlist: String(r.playlist),
    }))
    .sort((a, b) => a.bandwidth - b.bandwidth || a.name.localeCompare(b.name));
  const title: Title = {
    titleId,
    name: String(meta.name),
    kind: meta.kind === 'series' ? 'series' : 'movie',
    genres: (meta.genres as string[] | undefined) ?? [],
    manifests: (meta.manifests as Title['manifests'] | undefined) ?? {},
    status: meta.status as TitleStatus,
    seasons,
    renditions,
  };
  if (meta.statusReason !== undefined) title.statusReason = String(meta.statusReason);
  if (meta.images !== undefined) title.images = meta.images as NonNullable<Title['images']>;
  if (meta.tracks !== undefined) title.tracks = meta.tracks as TitleTracks;
  if (meta.protection !== undefined) title.protection = { scheme: (meta.protection as TitleProtection).scheme };
  if (meta.source !== undefined) title.source = meta.source as TitleSource;
  if (meta.updatedAt !== undefined) title.updatedAt = String(meta.updatedAt);
  if (meta.synopsis !== undefined) title.synopsis = String(meta.synopsis);
  if (meta.originalName !== undefined) title.originalName = String(meta.originalName);
  for (const list of ['aliases', 'cast', 'crew'] as const) {
    if (Array.isArray(meta[list])) title[list] = (meta[list] as unknown[]).map(String);
  }
  if (meta.releaseDate !== undefined) title.releaseDate = String(meta.releaseDate);
  if (meta.durationSec !== undefined) title.durationSec = Number(meta.durationSec);
  if (meta.availability !== undefined) title.availability = meta.availability as Availability;
  if (meta.publishedAt !== undefined) title.publishedAt = String(meta.publishedAt);
  return title;
}

/** The countries of an availability as projections name them: the codes, or `ALL`. */
export function projectionCountries(availability: Availability): string[] {
  return availability.countries === 'ALL' ? ['ALL'] : [...availability.countries];
}

/** The generation of a title's availability its METADATA item names: 0 before its first publication. */
export function metaGeneration(meta: Item): number {
  return typeof meta.availabilityGeneration === 'number' ? meta.availabilityGeneration : 0;
}

/** The generation of the publication that wrote a projection: 0 for one written before generations. */
export function projectionGeneration(projection: Item): number {
  return typeof projection.generation === 'number' ? projection.generation : 0;
}

/** The country (or `ALL`) of an availability projection. */
export const projectionCountry = (projection: Item): string => String(projection.SK).slice(AVAILABILITY_PREFIX.length);

/**
 * What must change so that a title's projections say what its METADATA item
 * says, no more: the projections to delete (a country the record does not
 * allow, or any when the title is not PUBLISHED), and the allowed countries
 * whose projection is missing or older than the record. A projection newer
 * than the record belongs to a publication still running (or one that never
 * finished): it is left to that publication, or to the next one, and readers
 * ignore it because the record does not list its country.
 *
 * @example
 * ```ts
 * availabilityRepairs(meta, projections); // { remove: [AVAILABILITY#FR item], rewrite: ['US'] }
 * ```
 */
export function availabilityRepairs(meta: Item, projections: Item[]): { remove: Item[]; rewrite: string[] } {
  const generation = metaGeneration(meta);
  const published = meta.status === 'PUBLISHED' && meta.availability !== undefined;
  const allowed = new Set(published ? projectionCountries(meta.availability as Availability) : []);
  const remove = projections.filter((p) => !allowed.has(projectionCountry(p)) && projectionGeneration(p) <= generation);
  const rewrite = [...allowed].filter((cc) => {
    const p = projections.find((i) => projectionCountry(i) === cc);
    return !p || projectionGeneration(p) < generation;
  });
  return { remove, rewrite };
}

/**
 * Whether a title's METADATA item lets it be shown in a country at `at`
 * (epoch ms): PUBLISHED, available there (or everywhere), inside its window.
 * Readers of the `byCountry` projections confirm each against this, since a
 * projection may outlive its country for as long as a re-publish runs (or
 * after one was interrupted).
 *
 * @example
 * ```ts
 * shownIn(meta, 'GB', Date.now()); // false once a re-publish left GB out
 * ```
 */
export function shownIn(meta: Item, country: string, at: number): boolean {
  if (meta.status !== 'PUBLISHED' || meta.availability === undefined) return false;
  const a = meta.availability as Availability;
  if (a.countries !== 'ALL' && !a.countries.includes(country)) return false;
  return availableAt(
    { ...(a.from ? { availableFrom: a.from } : {}), ...(a.until ? { availableUntil: a.until } : {}) },
    at,
  );
}

/** A browse-list entry from a title's METADATA item (the record readers confirm projections against). */
export function summaryFromMeta(meta: Item): TitleSummary {
  const a = meta.availability as Availability | undefined;
  const images = meta.images as Title['images'] | undefined;
  return {
    titleId: String(meta.titleId),
    name: String(meta.name),
    genres: (meta.genres as string[] | undefined) ?? [],
    ...(meta.releaseDate ? { releaseDate: String(meta.releaseDate) } : {}),
    ...(meta.publishedAt ? { publishedAt: String(meta.publishedAt) } : {}),
    ...(a?.from ? { availableFrom: a.from } : {}),
    ...(a?.until ? { availableUntil: a.until } : {}),
    ...(meta.durationSec !== undefined ? { durationSec: Number(meta.durationSec) } : {}),
    ...(images?.poster ? { poster: images.poster } : {}),
  };
}

/** The attributes of a METADATA item that {@link shownIn} and {@link summaryFromMeta} read. */
export const SUMMARY_ATTRIBUTES = [
  'titleId',
  'name',
  'genres',
  'releaseDate',
  'publishedAt',
  'availability',
  'durationSec',
  'images',
  'status',
] as const;

/**
 * The availability projections of a published title: one per country (or
 * `ALL`), each marked with the publication's generation.
 */
export function availabilityItems(
  title: Title,
  availability: Availability,
  publishedAt: string,
  generation: number,
  only?: readonly string[],
): Item[] {
  const countries = projectionCountries(availability).filter((cc) => !only || only.includes(cc));
  const summary = {
    titleId: title.titleId,
    name: title.name,
    genres: title.genres,
    publishedAt,
    ...(title.releaseDate ? { releaseDate: title.releaseDate } : {}),
    // The window rides on each country's projection, so browsing leaves out what may not play yet (or any more).
    ...(availability.from ? { availableFrom: availability.from } : {}),
    ...(availability.until ? { availableUntil: availability.until } : {}),
    // What a card needs: the length (progress bars) and the poster's key (artwork).
    ...(title.durationSec !== undefined ? { durationSec: title.durationSec } : {}),
    ...(title.images?.poster ? { poster: title.images.poster } : {}),
  };
  return countries.map((cc) => ({
    PK: titlePartition(title.titleId),
    SK: `${AVAILABILITY_PREFIX}${cc}`,
    ...summary,
    GSI2PK: countryPartition(cc),
    GSI2SK: `${publishedAt}#${title.titleId}`,
    generation,
  }));
}

/** A rendition's item. */
export function renditionItem(titleId: string, rendition: Rendition): Item {
  return { ...renditionKey(titleId, rendition.name), ...rendition };
}

/** Whether a title's availability window is open at `at` (epoch ms): the one rule of browsing and recommending. */
export function availableAt(t: Pick<TitleSummary, 'availableFrom' | 'availableUntil'>, at: number): boolean {
  return (
    (!t.availableFrom || Date.parse(t.availableFrom) <= at) && (!t.availableUntil || at < Date.parse(t.availableUntil))
  );
}

/** A browse-list entry from a genre or availability projection. */
export function summaryFromItem(i: Item): TitleSummary {
  return {
    titleId: String(i.titleId),
    name: String(i.name),
    genres: (i.genres as string[] | undefined) ?? [],
    ...(i.releaseDate ? { releaseDate: String(i.releaseDate) } : {}),
    ...(i.publishedAt ? { publishedAt: String(i.publishedAt) } : {}),
    ...(i.availableFrom ? { availableFrom: String(i.availableFrom) } : {}),
    ...(i.availableUntil ? { availableUntil: String(i.availableUntil) } : {}),
    ...(i.durationSec !== undefined ? { durationSec: Number(i.durationSec) } : {}),
    ...(i.poster ? { poster: String(i.poster) } : {}),
  };
}

/** An operator's list entry from a METADATA item. */
export function listItemFromItem(i: Item): TitleListItem {
  return {
    titleId: String(i.titleId),
    name: String(i.name),
    status: i.status as TitleStatus,
    genres: (i.genres as string[] | undefined) ?? [],
    ...(i.updatedAt ? { updatedAt: String(i.updatedAt) } : {}),
  };
}
