/**
 * `@streamctl/client/contract`: the HTTP API's contract (SPEC §7), the shape
 * of every request and answer, as zod schemas (re-exported by
 * `@streamctl/sdk/contract`). The server defines its routes with these
 * schemas (and `GET /openapi.json` is generated from the routes); the typed
 * client's types are inferred from the same schemas, so neither can drift.
 *
 * This module depends on zod only: no AWS SDK, no Node built-ins.
 *
 * @module
 */
import { z } from 'zod';
import { isCountryCode, suggestCountry } from './countries.js';

export { COUNTRY_CODES, isCountryCode, suggestCountry } from './countries.js';

/** Ids of users and titles: letters, digits and `._:-`, as they appear in keys and paths. */
export const IdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')
  // `.` and `..` are path segments, not names: in a key or a CDN path they would walk the tree.
  .refine((value) => !/^\.+$/.test(value), 'not only dots');

/**
 * A country as stored and sent on the wire: an ISO 3166-1 alpha-2 code in upper
 * case that the standard assigns (events, availability windows, rails). The
 * one spelling of the rule: `XX` or `UK` are refused, the latter with the code
 * that was meant.
 */
export const CountryCodeSchema = z
  .string()
  .regex(/^[A-Z]{2}$/, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a two-letter country code (ISO 3166-1 alpha-2 in upper case, such as GB)`,
  })
  .superRefine((code, ctx) => {
    if (!/^[A-Z]{2}$/.test(code) || isCountryCode(code)) return;
    const meant = suggestCountry(code);
    ctx.addIssue({
      code: 'custom',
      message: meant
        ? `${code} is not an ISO 3166-1 country code; did you mean ${meant}?`
        : `${code} is not an ISO 3166-1 country code (such as US, GB, DE)`,
    });
  });

/** A country as people type it (tokens, flags, queries): two letters in any case, upper-cased. */
export const CountrySchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(CountryCodeSchema);

/** Every error answer: `{"error":{"code","message"}}`. */
/** An active session as a `STREAM_LIMIT` answer names it. */
export const ActiveSessionSchema = z.object({
  sessionId: z.string(),
  deviceId: z.string(),
  deviceName: z.string().optional(),
  titleId: z.string(),
  startedAt: z.string(),
});

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** `STREAM_LIMIT` only: the account's active sessions, so a client can offer to stop one. */
    sessions: z.array(ActiveSessionSchema).optional(),
    /** `STREAM_LIMIT` only: the plan's streams at once. */
    limit: z.number().optional(),
  }),
});

export const HealthSchema = z.object({
  stage: z.string(),
  region: z.string(),
  healthy: z.boolean(),
  checkedAt: z.string(),
  parts: z.array(
    z.object({
      name: z.string(),
      ok: z.boolean(),
      /** Where it was checked; absent for AWS's own endpoint. */
      endpoint: z.string().optional(),
      latencyMs: z.number(),
      resources: z.array(z.object({ name: z.string(), ok: z.boolean(), status: z.string() })),
      error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
    }),
  ),
});

export const LiveSchema = z.object({ status: z.literal('ok') });

/** A title's artwork as the edge serves it: signed URLs, good until the grant period ends. */
export const ArtworkSchema = z.object({
  /** The poster (a 16:9 frame of the title, 1280×720 at most). */
  poster: z.string().optional(),
  /** A frame from early in the title (640×360 at most), for small cards. */
  thumbnail: z.string().optional(),
});

export const RailItemSchema = z.object({
  titleId: z.string(),
  name: z.string(),
  genres: z.array(z.string()),
  /** Resume position, on Continue Watching. */
  positionSec: z.number().optional(),
  ratio: z.number().optional(),
  /** Why the title is on the rail. */
  reason: z.string().optional(),
  /** The title's length, so a client can draw progress (Continue Watching). */
  durationSec: z.number().optional(),
  /** Artwork through the edge: signed URLs that need no cookie (absent for a title without images). */
  artwork: ArtworkSchema.optional(),
});

export const HomeSchema = z.object({
  rails: z.array(z.object({ id: z.string(), title: z.string(), items: z.array(RailItemSchema) })),
  /** True when a source failed or ran out of time and its rail was left out. */
  degraded: z.boolean(),
});

const TrackSchema = z.object({
  language: z.string(),
  name: z.string(),
  playlist: z.string(),
  default: z.boolean().optional(),
});

/**
 * Every status a title can be in, in lifecycle order (which may follow which
 * is the SDK's transition table).
 */
export const TITLE_STATUSES = ['UPLOADING', 'TRANSCODING', 'READY', 'PUBLISHED', 'FAILED', 'UNPUBLISHED'] as const;

export const TitleSchema = z.object({
  titleId: z.string(),
  name: z.string(),
  originalName: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  cast: z.array(z.string()).optional(),
  crew: z.array(z.string()).optional(),
  kind: z.enum(['movie', 'series']),
  genres: z.array(z.string()),
  synopsis: z.string().optional(),
  releaseDate: z.string().optional(),
  durationSec: z.number().optional(),
  manifests: z.object({ hls: z.string().optional(), dash: z.string().optional() }),
  status: z.enum(TITLE_STATUSES),
  availability: z
    .object({
      countries: z.union([z.array(z.string()), z.literal('ALL')]),
      from: z.string().optional(),
      until: z.string().optional(),
    })
    .optional(),
  publishedAt: z.string().optional(),
  seasons: z.array(
    z.object({
      number: z.number(),
      episodes: z.array(z.object({ episodeId: z.string(), name: z.string(), durationSec: z.number().optional() })),
    }),
  ),
  renditions: z.array(
    z.object({
      name: z.string(),
      width: z.number(),
      height: z.number(),
      bandwidth: z.number(),
      codecs: z.string().optional(),
      playlist: z.string(),
    }),
  ),
  images: z
    .object({ poster: z.string().optional(), thumbnails: z.string().optional(), thumbnailTrack: z.string().optional() })
    .optional(),
  /** Artwork through the edge (signed URLs), for the title page. */
  artwork: ArtworkSchema.optional(),
  tracks: z.object({ audio: z.array(TrackSchema), captions: z.array(TrackSchema) }).optional(),
  updatedAt: z.string().optional(),
});

export const WatchlistQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).optional(),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();

export const WatchlistPageSchema = z.object({
  items: z.array(z.object({ titleId: z.string(), addedAt: z.string() })),
  /** Pass back to get the next page; absent on the last page. */
  cursor: z.string().optional(),
});

export const WatchlistChangeSchema = z.object({
  titleId: z.string(),
  onWatchlist: z.boolean(),
  /** False when the list already was that way (the call is idempotent). */
  changed: z.boolean(),
});

export const ContinueWatchingSchema = z.object({
  items: z.array(
    z.object({
      titleId: z.string(),
      name: z.string(),
      positionSec: z.number(),
      durationSec: z.number(),
      ratio: z.number(),
      completed: z.boolean(),
      updatedAt: z.string(),
    }),
  ),
});

/** The kinds of device a client may say it is. */
export const DEVICE_KINDS = ['browser', 'tv', 'phone', 'tablet', 'console', 'desktop', 'other'] as const;

/** What a client says about the device it plays on (`POST /v1/playback/:titleId`'s body). */
export const DeviceInputSchema = z
  .object({
    deviceId: IdSchema,
    name: z.string().trim().min(1).max(80).optional(),
    kind: z.enum(DEVICE_KINDS).optional(),
  })
  .strict();

/** A session id: 16 random characters, a dot, the account's id in base64url. */
export const SessionIdSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{1,172}$/, 'a session id as a playback grant returned it');

/**
 * What a player sets up before it plays a protected title: for `aes-128`, where the keys are
 * (`keyUrl` + the key id; a path on the API, resolved against the API's base URL, asked with the
 * viewer's bearer token: the manifests name the same path); for `drm`, the licence servers.
 */
export const PlaybackProtectionSchema = z.discriminatedUnion('scheme', [
  z.object({ scheme: z.literal('aes-128'), keyUrl: z.string() }),
  z.object({
    scheme: z.literal('drm'),
    widevine: z.object({ licenseUrl: z.string() }).optional(),
    playready: z.object({ licenseUrl: z.string() }).optional(),
    fairplay: z.object({ licenseUrl: z.string(), certificateUrl: z.string().optional() }).optional(),
  }),
]);

export const PlaybackGrantSchema = z.object({
  manifestUrl: z.string(),
  expiresAt: z.string(),
  cookies: z.record(z.string(), z.string()).optional(),
  /** Present for a protected title: how its keys or licences are obtained. */
  protection: PlaybackProtectionSchema.optional(),
  /** The DASH manifest (MPD) of the viewer's plan, signed like `manifestUrl`, when the title has one. */
  dashManifestUrl: z.string().optional(),
  /** The WebVTT thumbnail track (seek previews), signed like `manifestUrl`, when the title has one. */
  thumbnailTrackUrl: z.string().optional(),
  /** The playback session: heartbeat it every `heartbeatSec` with `PUT /v1/sessions/:id` (which renews the grant). */
  session: z.object({
    id: z.string(),
    heartbeatSec: z.number(),
    expiresAt: z.string(),
    deviceId: z.string(),
  }),
});

export const DeviceSchema = z.object({
  deviceId: z.string(),
  name: z.string(),
  kind: z.enum(DEVICE_KINDS),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
});

export const DevicesSchema = z.object({ items: z.array(DeviceSchema) });

export const SessionSchema = z.object({
  sessionId: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  titleId: z.string(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  expiresAt: z.string(),
});

export const SessionsSchema = z.object({ items: z.array(SessionSchema) });

/** The answer of ending a session: whether it was active (ending an ended session is a no-op). */
export const EndedSchema = z.object({ ended: z.boolean() });

/** The answer of removing a device: whether it was registered (its sessions end with it). */
export const RemovedSchema = z.object({ removed: z.boolean() });

export const HistoryQuerySchema = z
  .object({
    month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM'),
    limit: z.coerce.number().int().min(1).max(100).optional(),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();

export const HistoryPageSchema = z.object({
  items: z.array(
    z.object({ titleId: z.string(), month: z.string(), lastWatchedAt: z.string(), completed: z.boolean() }),
  ),
  /** Pass back to get the next page; absent on the last page. */
  cursor: z.string().optional(),
});

/** A viewer's consent to personalization (`PUT /v1/me/consent`). */
export const ConsentBodySchema = z.object({ personalization: z.boolean() }).strict();

/** The consent that applies to the caller: their own choice, or the country's or stage's default. */
export const ConsentSchema = z.object({
  personalization: z.boolean(),
  source: z.enum(['viewer', 'country', 'stage']),
  updatedAt: z.string().optional(),
});

/** Everything the platform holds about the caller (`GET /v1/me/export`). */
export const ViewerExportSchema = z.object({
  format: z.literal('streamctl.viewer-export/1'),
  userId: z.string(),
  stage: z.string(),
  exportedAt: z.string(),
  consent: ConsentSchema,
  manifest: z.array(
    z.object({
      store: z.string(),
      region: z.string().optional(),
      read: z.boolean(),
      items: z.number().int().optional(),
      holds: z.string(),
      note: z.string().optional(),
    }),
  ),
  stores: z.array(
    z.object({ store: z.string(), region: z.string(), items: z.array(z.record(z.string(), z.unknown())) }),
  ),
});

/** The answer of `DELETE /v1/me`: the erasure's id, and how it went. */
export const ErasureAcceptedSchema = z.object({
  erasureId: z.string(),
  status: z.enum(['running', 'done', 'failed']),
});

/** The largest events batch (Kinesis PutRecords' limit). */
export const MAX_EVENTS_PER_BATCH = 500;

export const EVENT_TYPE_NAMES = [
  'play',
  'pause',
  'seek',
  'progress',
  'complete',
  'like',
  'dislike',
  'skip',
  'watchlist_add',
  'watchlist_remove',
  'quality_switch',
  'rebuffer',
] as const;

/** The event types of schema version 2: version 1's and the player's QoE measurements. */
export const EVENT_TYPE_NAMES_V2 = [...EVENT_TYPE_NAMES, 'startup', 'error'] as const;

/** Bounds of the QoE fields of schema version 2 (a value outside them is refused, not clamped). */
export const QOE_FIELD_LIMITS = {
  /** Time to first frame, ms: ten minutes at most. */
  startupMs: 600_000,
  /** One stall, ms: an hour at most. */
  stallMs: 3_600_000,
  /** Playing time an event reports since the session's previous one, ms: a day at most. */
  watchMs: 86_400_000,
  /** A rendition's bitrate, bits per second. */
  bitrate: 1_000_000_000,
} as const;

/** An engagement event as a client sends it (the server takes the user from the token). */
export const ClientEventSchema = z.object({
  v: z.union([z.literal(1), z.literal(2)]),
  id: z.string(),
  type: z.enum(EVENT_TYPE_NAMES_V2),
  titleId: z.string(),
  ts: z.string(),
  sessionId: z.string().optional(),
  positionSec: z.number().optional(),
  durationSec: z.number().optional(),
  device: z.string().optional(),
  country: z.string().optional(),
  region: z.string().optional(),
  /** v2, `startup`: time from the play request to the first frame. */
  startupMs: z.number().optional(),
  /** v2, `rebuffer`: how long this stall lasted. */
  stallMs: z.number().optional(),
  /** v2: time spent playing since the session's previous event. */
  watchMs: z.number().optional(),
  /** v2, `quality_switch`: the bitrates switched from and to (bits per second). */
  fromBitrate: z.number().optional(),
  toBitrate: z.number().optional(),
  /** v2, `error`: what failed (e.g. `networkError/fragLoadError`). */
  errorCode: z.string().optional(),
});

/**
 * The body of `POST /v1/events`: 1–500 entries. Entries are checked one by one by the server (a
 * bad entry is rejected by index, not the whole batch), so the body schema takes any entries.
 */
export const EventsBodySchema = z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH);

export const EventsResultSchema = z.object({
  accepted: z.number(),
  /** Refused entries; `retryable` ones (the stream was busy) may be sent again as they are, after a backoff. */
  rejected: z.array(z.object({ index: z.number(), code: z.string(), retryable: z.boolean().optional() })),
});

/** The longest search query, in characters. */
export const MAX_SEARCH_QUERY_LENGTH = 200;
/** The most results one search page holds. */
export const MAX_SEARCH_LIMIT = 50;

/** The query of `GET /v1/search`. */
export const SearchQuerySchema = z
  .object({
    q: z
      .string()
      .trim()
      .min(1, 'say what to search for')
      .max(MAX_SEARCH_QUERY_LENGTH, `at most ${MAX_SEARCH_QUERY_LENGTH} characters`),
    genre: z
      .string()
      .max(40)
      .regex(/^[a-z0-9-]+$/, 'a genre: lowercase letters, digits and dashes')
      .optional(),
    limit: z.coerce.number().int().min(1).max(MAX_SEARCH_LIMIT).optional(),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();

const FacetCountSchema = <T extends z.ZodType>(value: T) => z.object({ value, count: z.number() });

/** The answer of `GET /v1/search`: a page of titles best first, facets over every match, and the next page's cursor. */
export const SearchResultSchema = z.object({
  items: z.array(
    z.object({
      titleId: z.string(),
      name: z.string(),
      genres: z.array(z.string()),
      year: z.number().optional(),
      /** Text relevance blended with popularity in the viewer's country; higher is better. */
      score: z.number(),
    }),
  ),
  facets: z.object({
    /** Matches per genre, whatever genre the query asked for (so a client can switch). */
    genres: z.array(FacetCountSchema(z.string())),
    /** Matches per release year, within the genre asked for. */
    years: z.array(FacetCountSchema(z.number())),
  }),
  /** Matches in all (within the genre asked for), up to the engine's candidate cap. */
  total: z.number(),
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor: z.string().optional(),
});

/** A plan's name as the `plan` claim carries it. */
export const PlanNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'a plan name is 1–32 lowercase letters, digits or dashes, starting with a letter');

/** The plan a dev token names when the sign-in form picks none. */
export const DEFAULT_DEV_PLAN = 'standard';

export const DevTokenQuerySchema = z
  .object({
    user: IdSchema,
    country: CountrySchema,
    plan: PlanNameSchema.default(DEFAULT_DEV_PLAN),
  })
  .strict();

export const DevTokenSchema = z.object({ token: z.string(), expiresAt: z.string() });

/** Answer types, inferred from the schemas. */
export type Health = z.output<typeof HealthSchema>;
export type Home = z.output<typeof HomeSchema>;
export type Rail = Home['rails'][number];
export type RailItem = z.output<typeof RailItemSchema>;
export type TitleView = z.output<typeof TitleSchema>;
export type WatchlistPage = z.output<typeof WatchlistPageSchema>;
export type WatchlistChange = z.output<typeof WatchlistChangeSchema>;
export type ContinueWatching = z.output<typeof ContinueWatchingSchema>;
export type ContinueWatchingItem = ContinueWatching['items'][number];
export type PlaybackGrant = z.output<typeof PlaybackGrantSchema>;
export type PlaybackProtection = z.output<typeof PlaybackProtectionSchema>;
export type Artwork = z.output<typeof ArtworkSchema>;
export type DeviceInput = z.input<typeof DeviceInputSchema>;
export type Device = z.output<typeof DeviceSchema>;
export type Devices = z.output<typeof DevicesSchema>;
export type Session = z.output<typeof SessionSchema>;
export type Sessions = z.output<typeof SessionsSchema>;
export type Ended = z.output<typeof EndedSchema>;
export type Removed = z.output<typeof RemovedSchema>;
export type HistoryQuery = z.input<typeof HistoryQuerySchema>;
export type HistoryPage = z.output<typeof HistoryPageSchema>;
export type ClientEvent = z.input<typeof ClientEventSchema>;
export type EventsResult = z.output<typeof EventsResultSchema>;
export type ErrorBody = z.output<typeof ErrorBodySchema>;
export type SearchQuery = z.input<typeof SearchQuerySchema>;
export type SearchResult = z.output<typeof SearchResultSchema>;
export type SearchItem = SearchResult['items'][number];
