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

/** The availability projections of a published title: one per country (or `ALL`). */
export function availabilityItems(title: Title, availability: Availability, publishedAt: string): Item[] {
  const countries = availability.countries === 'ALL' ? ['ALL'] : availability.countries;
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
