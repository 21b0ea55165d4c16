/**
 * The catalog's types: what goes in (schemas) and what comes out.
 *
 * @module
 */
import { z } from 'zod';
import { CountryCodeSchema, IdSchema } from '../contract/index.js';
import type { Availability, EntitlementTitle } from '../playback/index.js';
import type { Page } from '../users/index.js';
import { TITLE_STATUSES, type TitleStatus } from './lifecycle.js';

/** A genre: lowercase words joined by dashes. */
export const Genre = z
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
  /** The name in the title's original language, when it differs (search finds either). */
  originalName: z.string().min(1).max(200).optional(),
  /** Other names viewers know the title by (short names, former titles, translations). */
  aliases: z.array(z.string().min(1).max(200)).max(20).default([]),
  /** Principal cast, billing order. */
  cast: z.array(z.string().min(1).max(120)).max(50).default([]),
  /** Directors, writers and other principal crew. */
  crew: z.array(z.string().min(1).max(120)).max(50).default([]),
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

/**
 * What {@link Catalog.describeTitle} may change: the descriptive fields that
 * only the title's own record holds (search reads them). `null` or an empty
 * list removes a field; an absent one stays as it is.
 */
export const TitleDetailsSchema = z
  .object({
    originalName: z.string().trim().min(1).max(200).nullable(),
    aliases: z.array(z.string().trim().min(1).max(200)).max(20),
    cast: z.array(z.string().trim().min(1).max(120)).max(50),
    crew: z.array(z.string().trim().min(1).max(120)).max(50),
    synopsis: z.string().trim().min(1).max(2000).nullable(),
  })
  .partial()
  .strict()
  .refine((d) => Object.keys(d).length > 0, { message: 'give at least one field to change' });

/** Input of {@link Catalog.describeTitle}. */
export type TitleDetails = z.input<typeof TitleDetailsSchema>;

/** Input of {@link Catalog.putTitle}. */
export type TitleInput = z.input<typeof TitleInputSchema>;

/** A title as read from the catalog. */
export interface Title extends EntitlementTitle {
  titleId: string;
  name: string;
  originalName?: string;
  aliases?: string[];
  cast?: string[];
  crew?: string[];
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
  images?: { poster?: string; thumbnails?: string; thumbnailTrack?: string };
  /** Alternate audio and captions, when the transcode wrote any. */
  tracks?: TitleTracks;
  /** How the renditions are encrypted, when they are (the scheme; keys never leave the key store). */
  protection?: TitleProtection;
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
  /** The running time of a new master (seconds), when ingest replaced the title's master. */
  durationSec?: number;
}

/** The result of a transcode, recorded by {@link Catalog.setRenditions}. */
export interface RenditionsUpdate {
  renditions: Rendition[];
  manifests: { hls?: string; dash?: string };
  images?: { poster?: string; thumbnails?: string; thumbnailTrack?: string };
  tracks?: TitleTracks;
  /** The renditions' protection; absent for clear renditions (a re-ingest in the clear removes it). */
  protection?: TitleProtection;
}

/** How a title's renditions are protected. */
export interface TitleProtection {
  scheme: 'aes-128' | 'drm';
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
  /** The protection it is transcoded with, when not `none`. */
  protection?: 'aes-128' | 'drm';
  /** The transcode job, once submitted. */
  jobId?: string;
  /** The Region whose CDN bucket the transcode wrote: the title's media replicates from there. */
  region?: string;
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
  /** The title's length in seconds, when known. */
  durationSec?: number;
  /** The CDN key of the title's poster, when it has one (published titles). */
  poster?: string;
}

/** Where and when a title may be played, as {@link Catalog.publishTitle} takes it. */
export const AvailabilitySchema = z
  .object({
    countries: z.union([z.literal('ALL'), z.array(CountryCodeSchema).min(1).max(250)]),
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
  /**
   * Of the given titles, those available in a country (its own and `ALL`)
   * and inside their window at `at` (default: now), in the order given:
   * how recommendations, whose candidates come from the models over the
   * whole catalogue, learn which a viewer may play. Unknown ids are left out.
   */
  availableAmong(country: string, titleIds: readonly string[], options?: { at?: Date }): Promise<TitleSummary[]>;
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
  /**
   * Changes a title's descriptive details (original name, aliases, cast,
   * crew, synopsis), in any status: NOT_FOUND when unknown, VALIDATION_FAILED for bad details.
   */
  describeTitle(titleId: string, details: TitleDetails): Promise<Title>;
}
