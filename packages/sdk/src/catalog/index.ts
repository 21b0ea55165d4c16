/**
 * The catalog: titles, seasons, episodes and availability in the catalog
 * table's single-table layout.
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

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AwsClients } from '../aws/index.js';
import type { Cache } from '../cache/index.js';
import type { ResourceNames } from '../config/names.js';
import { ConflictError, NotFoundError, wrapAwsError } from '../errors/index.js';
import type { Availability, EntitlementTitle } from '../playback/index.js';
import { IdSchema, type Page } from '../users/index.js';
import { BATCH_RETRY, retry } from '../util/backoff.js';
import { decodeCursor, encodeCursor } from '../util/cursor.js';
import { queryAll } from '../util/dynamo.js';
import { parseInput } from '../util/validate.js';
import { assertTransition, TITLE_STATUSES, type TitleStatus, transitionCondition } from './lifecycle.js';

export * from './lifecycle.js';

const Country = z.string().regex(/^[A-Z]{2}$/, 'a two-letter ISO 3166 country code such as US');
const Genre = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes');

/** An episode of a series. */
export const EpisodeSchema = z.object({
  episodeId: z.string().regex(/^S\d{2}E\d{2,3}$/, 'like S01E01'),
  name: z.string().min(1).max(200),
  durationSec: z.number().int().positive().optional(),
});

/** What a title is made of when it is put into the catalog. */
export const TitleInputSchema = z.object({
  titleId: IdSchema,
  name: z.string().min(1).max(200),
  kind: z.enum(['movie', 'series']).default('movie'),
  genres: z.array(Genre).max(10).default([]),
  synopsis: z.string().max(2000).optional(),
  releaseDate: z.iso.date().optional(),
  durationSec: z.number().int().positive().optional(),
  /** Manifest keys in the CDN bucket, e.g. `titles/t1/master.m3u8`. */
  manifests: z.object({ hls: z.string().optional(), dash: z.string().optional() }).default({}),
  status: z.enum(TITLE_STATUSES).default('READY'),
  seasons: z
    .array(z.object({ number: z.number().int().min(1).max(99), episodes: z.array(EpisodeSchema).max(200) }))
    .max(50)
    .default([]),
});

/** Input of {@link Catalog.putTitle}. */
export type TitleInput = z.input<typeof TitleInputSchema>;

/** A title as read from the catalog. */
export interface Title extends EntitlementTitle {
  titleId: string;
  name: string;
  kind: 'movie' | 'series';
  genres: string[];
  synopsis?: string;
  releaseDate?: string;
  durationSec?: number;
  manifests: { hls?: string; dash?: string };
  status: TitleStatus;
  availability?: Availability;
  publishedAt?: string;
  seasons: Array<{ number: number; episodes: Array<z.infer<typeof EpisodeSchema>> }>;
  renditions: Rendition[];
  /** Why the title is FAILED (or any note on its last status change). */
  statusReason?: string;
  images?: { poster?: string; thumbnails?: string };
  /** Alternate audio and captions, when the transcode wrote any. */
  tracks?: TitleTracks;
  source?: TitleSource;
  updatedAt?: string;
}

/** A title in the operator's list. */
export interface TitleListItem {
  titleId: string;
  name: string;
  status: TitleStatus;
  genres: string[];
  updatedAt?: string;
}

/** What {@link Catalog.setStatus} may change besides the status. */
export interface StatusChange {
  /** Recorded as `statusReason`; cleared when absent. */
  reason?: string;
  /**
   * Only change a title currently in one of these states (CONFLICT otherwise);
   * the lifecycle's transition table applies either way.
   */
  expect?: TitleStatus[];
  /** Replaces the title's source record. */
  source?: TitleSource;
}

/** The result of a transcode, recorded by {@link Catalog.setRenditions}. */
export interface RenditionsUpdate {
  renditions: Rendition[];
  manifests: { hls?: string; dash?: string };
  images?: { poster?: string; thumbnails?: string };
  tracks?: TitleTracks;
}

/** An alternate audio or caption (WebVTT) rendition of a title. Keys are CDN bucket keys. */
export interface Track {
  /** ISO 639 / BCP 47 code (`eng`, `fr`, `pt-BR`); `und` when the master does not say. */
  language: string;
  /** What players show in their menu. */
  name: string;
  /** Its HLS media playlist. */
  playlist: string;
  /** The track a player picks when the viewer has chosen none. */
  default?: boolean;
}

/** A title's audio tracks (when it has more than one) and captions. */
export interface TitleTracks {
  audio: Track[];
  captions: Track[];
}

/** One rendition of a title, as the transcoder wrote it. Keys are CDN bucket keys. */
export interface Rendition {
  name: string;
  width: number;
  height: number;
  bandwidth: number;
  codecs?: string;
  playlist: string;
}

/** Where a title's master came from and how it was transcoded. */
export interface TitleSource {
  /** SHA-256 of the master file. */
  sha256: string;
  /** The master in the raw bucket. */
  key: string;
  bytes: number;
  ladder: string;
  /** The transcode job, once submitted. */
  jobId?: string;
  backend?: 'mediaconvert' | 'ffmpeg';
}

/** A title in a browse list (genre or country). */
export interface TitleSummary {
  titleId: string;
  name: string;
  genres: string[];
  releaseDate?: string;
  publishedAt?: string;
  /** The availability window of a published title, when it has one (ISO). */
  availableFrom?: string;
  availableUntil?: string;
}

const AvailabilitySchema = z
  .object({
    countries: z.union([z.literal('ALL'), z.array(Country).min(1).max(250)]),
    from: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((a) => !a.from || !a.until || Date.parse(a.from) < Date.parse(a.until), {
    message: 'from must be before until',
    path: ['until'],
  });

/** The catalog capability. */
export interface Catalog {
  /** Writes a title with its seasons, episodes and genre projections. */
  putTitle(input: TitleInput): Promise<Title>;
  /** A title with seasons, episodes and availability; NOT_FOUND when unknown. */
  getTitle(titleId: string): Promise<Title>;
  /** A title, or undefined when unknown. */
  findTitle(titleId: string): Promise<Title | undefined>;
  /** Makes a title PUBLISHED where and when given. */
  publishTitle(titleId: string, availability: Availability, at?: string): Promise<Title>;
  /**
   * Published titles available in a country (its own and `ALL`) and inside
   * their window at `at` (default: now), newest publication first.
   */
  listAvailable(country: string, options?: { limit?: number; at?: Date }): Promise<TitleSummary[]>;
  /** Titles of a genre, newest release first. */
  listByGenre(genre: string, options?: { limit?: number }): Promise<TitleSummary[]>;
  /** Titles of a genre, newest release first, a page at a time. */
  pageByGenre(genre: string, options?: { limit?: number; cursor?: string }): Promise<Page<TitleSummary>>;
  /** Every title in id order, a page at a time, optionally only those in one status. */
  listTitles(options?: { limit?: number; cursor?: string; status?: TitleStatus }): Promise<Page<TitleListItem>>;
  /**
   * Moves a title to a status, conditionally on its current one (the
   * lifecycle's transition table): NOT_FOUND when unknown, CONFLICT when
   * the title may not move there.
   */
  setStatus(titleId: string, status: TitleStatus, change?: StatusChange): Promise<Title>;
  /** Records a finished transcode: rendition items, manifests, images, and status READY. */
  setRenditions(titleId: string, update: RenditionsUpdate): Promise<Title>;
  /** Withdraws a published title everywhere: availability removed, status UNPUBLISHED. */
  unpublishTitle(titleId: string): Promise<Title>;
}

/** Cursors are the index's LastEvaluatedKey: the table and index keys, all strings here. */
const IndexKey = (keys: string[]) => z.object(Object.fromEntries(keys.map((k) => [k, z.string()]))).strict();
const toCursor = (key: Record<string, unknown> | undefined) => (key ? encodeCursor(key) : undefined);
const fromCursor = (cursor: string | undefined, keys: string[]) =>
  cursor ? (decodeCursor(cursor, IndexKey(keys)) as Record<string, unknown>) : undefined;

/**
 * Creates the catalog capability over the catalog table.
 *
 * @example
 * ```ts
 * const catalog = createCatalog(platform.clients, platform.config.resources);
 * await catalog.putTitle({ titleId: 't1', name: 'Big Buck Bunny', genres: ['animation'] });
 * await catalog.publishTitle('t1', { countries: ['US', 'GB'] });
 * ```
 */
export function createCatalog(clients: AwsClients, names: ResourceNames): Catalog {
  const TableName = names.catalogTable;
  const docs = () => clients.documents();
  const pk = (titleId: string) => `VIDEO#${titleId}`;

  async function writeAll(items: Record<string, unknown>[], what: string): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let pending: Record<string, unknown>[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      // Throttled writes come back as unprocessed items: those are written again, backing off.
      pending = await retry(
        async () => {
          try {
            const out = await docs().send(new BatchWriteCommand({ RequestItems: { [TableName]: pending as never } }));
            pending = (out.UnprocessedItems?.[TableName] ?? []) as Record<string, unknown>[];
            return pending;
          } catch (err) {
            throw wrapAwsError(err, 'dynamodb:BatchWriteItem', what);
          }
        },
        { attempts: 9, policy: BATCH_RETRY, retryable: () => false, retryResult: (left) => left.length > 0 },
      );
      if (pending.length) throw wrapAwsError(new Error('unprocessed items'), 'dynamodb:BatchWriteItem', what);
    }
  }

  async function findTitle(titleId: string): Promise<Title | undefined> {
    parseInput(IdSchema, titleId, 'titleId');
    const items = await queryAll(
      clients,
      { TableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk(titleId) } },
      `title ${titleId}`,
    );
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
    if (meta.source !== undefined) title.source = meta.source as TitleSource;
    if (meta.updatedAt !== undefined) title.updatedAt = String(meta.updatedAt);
    if (meta.synopsis !== undefined) title.synopsis = String(meta.synopsis);
    if (meta.releaseDate !== undefined) title.releaseDate = String(meta.releaseDate);
    if (meta.durationSec !== undefined) title.durationSec = Number(meta.durationSec);
    if (meta.availability !== undefined) title.availability = meta.availability as Availability;
    if (meta.publishedAt !== undefined) title.publishedAt = String(meta.publishedAt);
    return title;
  }

  const summaryPage = async (
    index: 'byGenre' | 'byCountry',
    key: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<TitleSummary>> => {
    const pkName = index === 'byGenre' ? 'GSI1PK' : 'GSI2PK';
    const skName = index === 'byGenre' ? 'GSI1SK' : 'GSI2SK';
    const start = fromCursor(cursor, ['PK', 'SK', pkName, skName]);
    try {
      const out = await docs().send(
        new QueryCommand({
          TableName,
          IndexName: index,
          KeyConditionExpression: '#pk = :key',
          ExpressionAttributeNames: { '#pk': pkName },
          ExpressionAttributeValues: { ':key': key },
          ScanIndexForward: false,
          Limit: limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const items = (out.Items ?? []).map((i) => ({
        titleId: String(i.titleId),
        name: String(i.name),
        genres: (i.genres as string[] | undefined) ?? [],
        ...(i.releaseDate ? { releaseDate: String(i.releaseDate) } : {}),
        ...(i.publishedAt ? { publishedAt: String(i.publishedAt) } : {}),
        ...(i.availableFrom ? { availableFrom: String(i.availableFrom) } : {}),
        ...(i.availableUntil ? { availableUntil: String(i.availableUntil) } : {}),
      }));
      const next = toCursor(out.LastEvaluatedKey);
      return next ? { items, cursor: next } : { items };
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:Query', `${index} ${key}`);
    }
  };
  const summaries = async (index: 'byGenre' | 'byCountry', key: string, limit: number) =>
    (await summaryPage(index, key, limit)).items;

  /** Why a conditional write failed: the title is gone, may not make this move, or moved meanwhile. */
  const conflict = async (titleId: string, to: TitleStatus, what: string): Promise<never> => {
    const title = await findTitle(titleId);
    if (!title) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
    assertTransition(titleId, title.status, to);
    throw new ConflictError(`Cannot ${what}: title ${titleId} is ${title.status}`, {
      details: { titleId, status: title.status },
    });
  };

  /** Updates a title's METADATA item, moving it to `to` only along the lifecycle's transition table. */
  const update = async (
    titleId: string,
    to: TitleStatus,
    input: {
      UpdateExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
    },
    what: string,
    only?: readonly TitleStatus[],
  ): Promise<void> => {
    const transition = transitionCondition(to, only);
    if (!transition) return conflict(titleId, to, what);
    try {
      await docs().send(
        new UpdateCommand({
          TableName,
          Key: { PK: pk(titleId), SK: 'METADATA' },
          UpdateExpression: input.UpdateExpression,
          ConditionExpression: `attribute_exists(PK) AND (${transition.ConditionExpression})`,
          ExpressionAttributeNames: { ...input.ExpressionAttributeNames, ...transition.ExpressionAttributeNames },
          ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ...transition.ExpressionAttributeValues },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') {
        return conflict(titleId, to, what);
      }
      throw wrapAwsError(err, 'dynamodb:UpdateItem', `title ${titleId}`);
    }
  };

  return {
    async putTitle(input) {
      const t = parseInput(TitleInputSchema, input, 'title');
      const now = new Date().toISOString();
      const summary = {
        titleId: t.titleId,
        name: t.name,
        genres: t.genres,
        ...(t.releaseDate ? { releaseDate: t.releaseDate } : {}),
      };
      const items: Record<string, unknown>[] = [
        {
          PK: pk(t.titleId),
          SK: 'METADATA',
          ...summary,
          GSI1PK: 'TITLES',
          GSI1SK: t.titleId,
          kind: t.kind,
          manifests: t.manifests,
          status: t.status,
          updatedAt: now,
          ...(t.synopsis ? { synopsis: t.synopsis } : {}),
          ...(t.durationSec ? { durationSec: t.durationSec } : {}),
        },
        ...t.genres.map((genre) => ({
          PK: pk(t.titleId),
          SK: `GENRE#${genre}`,
          ...summary,
          GSI1PK: `GENRE#${genre}`,
          GSI1SK: `${t.releaseDate ?? '0000-00-00'}#${t.titleId}`,
        })),
        ...t.seasons.map((s) => ({
          PK: pk(t.titleId),
          SK: `SEASON#${String(s.number).padStart(2, '0')}`,
          number: s.number,
        })),
        ...t.seasons.flatMap((s) =>
          s.episodes.map((e) => ({ PK: pk(t.titleId), SK: `EPISODE#${e.episodeId}`, season: s.number, ...e })),
        ),
      ];
      await writeAll(items, `title ${t.titleId}`);
      return (await findTitle(t.titleId)) as Title;
    },

    async getTitle(titleId) {
      const title = await findTitle(titleId);
      if (!title) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      return title;
    },

    findTitle,

    async publishTitle(titleId, availability, at) {
      const a = parseInput(AvailabilitySchema, availability, 'availability');
      const title = await findTitle(titleId);
      if (!title) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      // Checked before the projections are written; the update below checks again, atomically.
      assertTransition(titleId, title.status, 'PUBLISHED');
      const publishedAt = at ?? new Date().toISOString();
      const countries = a.countries === 'ALL' ? ['ALL'] : a.countries;
      const summary = {
        titleId,
        name: title.name,
        genres: title.genres,
        publishedAt,
        ...(title.releaseDate ? { releaseDate: title.releaseDate } : {}),
        // The window rides on each country's projection, so browsing leaves out what may not play yet (or any more).
        ...(a.from ? { availableFrom: a.from } : {}),
        ...(a.until ? { availableUntil: a.until } : {}),
      };
      await writeAll(
        countries.map((cc) => ({
          PK: pk(titleId),
          SK: `AVAILABILITY#${cc}`,
          ...summary,
          GSI2PK: `COUNTRY#${cc}`,
          GSI2SK: `${publishedAt}#${titleId}`,
        })),
        `availability of ${titleId}`,
      );
      await update(
        titleId,
        'PUBLISHED',
        {
          UpdateExpression: 'SET #s = :s, availability = :a, publishedAt = :p',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'PUBLISHED', ':a': a, ':p': publishedAt },
        },
        'publish it',
      );
      return (await findTitle(titleId)) as Title;
    },

    async listAvailable(country, options = {}) {
      const cc = parseInput(Country, country.toUpperCase(), 'country');
      const limit = parseInput(z.number().int().min(1).max(200), options.limit ?? 50, 'limit');
      const [own, all] = await Promise.all([
        summaries('byCountry', `COUNTRY#${cc}`, limit),
        summaries('byCountry', 'COUNTRY#ALL', limit),
      ]);
      const seen = new Set<string>();
      const now = (options.at ?? new Date()).getTime();
      const inWindow = (t: TitleSummary) =>
        (!t.availableFrom || Date.parse(t.availableFrom) <= now) &&
        (!t.availableUntil || now < Date.parse(t.availableUntil));
      return [...own, ...all]
        .filter((t) => !seen.has(t.titleId) && seen.add(t.titleId) && inWindow(t))
        .sort((a, b) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '') || a.titleId.localeCompare(b.titleId))
        .slice(0, limit);
    },

    async listByGenre(genre, options = {}) {
      const g = parseInput(Genre, genre, 'genre');
      const limit = parseInput(z.number().int().min(1).max(200), options.limit ?? 50, 'limit');
      return summaries('byGenre', `GENRE#${g}`, limit);
    },

    async pageByGenre(genre, options = {}) {
      const g = parseInput(Genre, genre, 'genre');
      const limit = parseInput(z.number().int().min(1).max(200), options.limit ?? 50, 'limit');
      return summaryPage('byGenre', `GENRE#${g}`, limit, options.cursor);
    },

    async listTitles(options = {}) {
      const limit = parseInput(z.number().int().min(1).max(200), options.limit ?? 50, 'limit');
      const status = options.status ? parseInput(z.enum(TITLE_STATUSES), options.status, 'status') : undefined;
      const items: TitleListItem[] = [];
      let start = fromCursor(options.cursor, ['PK', 'SK', 'GSI1PK', 'GSI1SK']);
      // A status filter may leave pages short: keep reading until the page is full or the index ends.
      do {
        let out: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> };
        try {
          out = await docs().send(
            new QueryCommand({
              TableName,
              IndexName: 'byGenre',
              KeyConditionExpression: 'GSI1PK = :titles',
              ExpressionAttributeValues: { ':titles': 'TITLES', ...(status ? { ':s': status } : {}) },
              ...(status ? { FilterExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' } } : {}),
              Limit: limit - items.length,
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
        } catch (err) {
          throw wrapAwsError(err, 'dynamodb:Query', 'titles');
        }
        for (const i of out.Items ?? []) {
          items.push({
            titleId: String(i.titleId),
            name: String(i.name),
            status: i.status as TitleStatus,
            genres: (i.genres as string[] | undefined) ?? [],
            ...(i.updatedAt ? { updatedAt: String(i.updatedAt) } : {}),
          });
        }
        start = out.LastEvaluatedKey;
      } while (start && items.length < limit);
      const cursor = toCursor(start);
      return cursor ? { items, cursor } : { items };
    },

    async setStatus(titleId, status, change = {}) {
      parseInput(IdSchema, titleId, 'titleId');
      const values: Record<string, unknown> = { ':s': status, ':now': new Date().toISOString() };
      const sets = ['#s = :s', 'updatedAt = :now'];
      const removes: string[] = [];
      if (change.reason) {
        sets.push('statusReason = :r');
        values[':r'] = change.reason.slice(0, 1000);
      } else removes.push('statusReason');
      if (change.source) {
        sets.push('#src = :src');
        values[':src'] = change.source;
      }
      await update(
        titleId,
        status,
        {
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ExpressionAttributeNames: { '#s': 'status', ...(change.source ? { '#src': 'source' } : {}) },
          ExpressionAttributeValues: values,
        },
        `move it to ${status}`,
        change.expect?.length ? change.expect : undefined,
      );
      return (await findTitle(titleId)) as Title;
    },

    async setRenditions(titleId, result) {
      const existing = await findTitle(titleId);
      if (!existing) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      assertTransition(titleId, existing.status, 'READY');
      const keep = new Set(result.renditions.map((r) => r.name));
      const stale = existing.renditions.filter((r) => !keep.has(r.name));
      if (stale.length) {
        for (let i = 0; i < stale.length; i += 25) {
          try {
            await docs().send(
              new BatchWriteCommand({
                RequestItems: {
                  [TableName]: stale
                    .slice(i, i + 25)
                    .map((r) => ({ DeleteRequest: { Key: { PK: pk(titleId), SK: `RENDITION#${r.name}` } } })),
                },
              }),
            );
          } catch (err) {
            throw wrapAwsError(err, 'dynamodb:BatchWriteItem', `renditions of ${titleId}`);
          }
        }
      }
      await writeAll(
        result.renditions.map((r) => ({ PK: pk(titleId), SK: `RENDITION#${r.name}`, ...r })),
        `renditions of ${titleId}`,
      );
      await update(
        titleId,
        'READY',
        {
          UpdateExpression:
            'SET #s = :s, manifests = :m, images = :i, tracks = :t, updatedAt = :now REMOVE statusReason',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':s': 'READY',
            ':m': result.manifests,
            ':i': result.images ?? {},
            ':t': result.tracks ?? { audio: [], captions: [] },
            ':now': new Date().toISOString(),
          },
        },
        'record its renditions',
      );
      return (await findTitle(titleId)) as Title;
    },

    async unpublishTitle(titleId) {
      const title = await findTitle(titleId);
      if (!title) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      assertTransition(titleId, title.status, 'UNPUBLISHED');
      const items = await queryAll(
        clients,
        {
          TableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :a)',
          ExpressionAttributeValues: { ':pk': pk(titleId), ':a': 'AVAILABILITY#' },
        },
        `availability of ${titleId}`,
      );
      for (let i = 0; i < items.length; i += 25) {
        try {
          await docs().send(
            new BatchWriteCommand({
              RequestItems: {
                [TableName]: items
                  .slice(i, i + 25)
                  .map((item) => ({ DeleteRequest: { Key: { PK: item.PK, SK: item.SK } } })),
              },
            }),
          );
        } catch (err) {
          throw wrapAwsError(err, 'dynamodb:BatchWriteItem', `availability of ${titleId}`);
        }
      }
      await update(
        titleId,
        'UNPUBLISHED',
        {
          UpdateExpression: 'SET #s = :s, updatedAt = :now REMOVE availability, publishedAt',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'UNPUBLISHED', ':now': new Date().toISOString() },
        },
        'unpublish it',
      );
      return (await findTitle(titleId)) as Title;
    },
  };
}

/**
 * A catalog whose title reads go through a cache for `ttlSeconds` (hot
 * titles are read by every play request). Cache failures fall through to
 * the table; writes go to the table and drop the cached copy.
 *
 * @example
 * ```ts
 * const catalog = withCatalogCache(createCatalog(clients, names), cache, 30);
 * ```
 */
export function withCatalogCache(catalog: Catalog, cache: Cache, ttlSeconds = 30): Catalog {
  const key = (titleId: string) => `title:${titleId}`;
  const drop = (titleId: string) => cache.delete(key(titleId)).catch(() => undefined);
  const findTitle = async (titleId: string): Promise<Title | undefined> => {
    const hit = await cache.get<{ title: Title | null }>(key(titleId)).catch(() => undefined);
    if (hit) return hit.title ?? undefined;
    const title = await catalog.findTitle(titleId);
    // Unknown titles are cached too, so a flood of bad ids does not reach the table.
    await cache.set(key(titleId), { title: title ?? null }, ttlSeconds).catch(() => undefined);
    return title;
  };
  return {
    ...catalog,
    findTitle,
    async getTitle(titleId) {
      const title = await findTitle(titleId);
      if (!title) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      return title;
    },
    async putTitle(input) {
      const title = await catalog.putTitle(input);
      await drop(title.titleId);
      return title;
    },
    async publishTitle(titleId, availability, at) {
      const title = await catalog.publishTitle(titleId, availability, at);
      await drop(titleId);
      return title;
    },
    async setStatus(titleId, status, change) {
      const title = await catalog.setStatus(titleId, status, change);
      await drop(titleId);
      return title;
    },
    async setRenditions(titleId, update) {
      const title = await catalog.setRenditions(titleId, update);
      await drop(titleId);
      return title;
    },
    async unpublishTitle(titleId) {
      const title = await catalog.unpublishTitle(titleId);
      await drop(titleId);
      return title;
    },
  };
}
