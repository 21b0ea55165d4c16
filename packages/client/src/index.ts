/**
 * `@streamctl/client`: a typed `fetch` client for the HTTP API (SPEC §7),
 * safe for browsers: no AWS SDK, no Node built-ins. The contract is imported
 * for its types only, so a browser bundle of the client holds no zod.
 * `@streamctl/sdk/client` re-exports this module.
 *
 * @example
 * ```ts
 * import { createClient } from '@streamctl/client';
 *
 * const api = createClient({ baseUrl: 'http://127.0.0.1:4510', token: () => session.token });
 * const { rails } = await api.home();
 * const { manifestUrl } = await api.playback('t1');
 * ```
 *
 * @module
 */

import type { z } from 'zod';
import type {
  ClientEvent,
  ConsentBodySchema,
  ConsentSchema,
  ContinueWatching,
  DeviceInput,
  Devices,
  Ended,
  ErasureAcceptedSchema,
  EventsResult,
  Health,
  HistoryPage,
  HistoryQuery,
  Home,
  PlaybackGrant,
  Removed,
  SearchQuery,
  SearchResult,
  Sessions,
  TitleView,
  ViewerExportSchema,
  WatchlistChange,
  WatchlistPage,
} from './contract.js';
import { type ActiveSession, ErrorCode, errorCodeForStatus, isErrorCode, StreamctlError } from './errors.js';
import { createRegionRouter } from './regions.js';

/**
 * An error answer of the API, with its status and code. It is a
 * `StreamctlError`, so callers branch on `code` as everywhere else.
 *
 * @example
 * ```ts
 * try {
 *   await api.playback('t1');
 * } catch (err) {
 *   if (err instanceof ApiError && err.code === ErrorCode.Forbidden) showNotAvailable();
 * }
 * ```
 */
export class ApiError extends StreamctlError {
  readonly status: number;
  /** The server's error code (`NOT_FOUND`, `UNAUTHORIZED`, `RATE_LIMITED`, …), as it sent it. */
  readonly apiCode: string;
  /** Seconds to wait, from `Retry-After`, on a 429. */
  readonly retryAfter: number | undefined;
  /** On `STREAM_LIMIT`: the account's active sessions, so a client can offer to stop one. */
  readonly sessions: ActiveSession[] | undefined;
  /** On `STREAM_LIMIT`: the streams the viewer's plan plays at once. */
  readonly limit: number | undefined;
  constructor(
    status: number,
    apiCode: string,
    message: string,
    retryAfter?: number,
    streams?: { sessions: ActiveSession[]; limit?: number },
  ) {
    // The server's code is one of ours (one error family); a proxy's bare status maps by status.
    const code: ErrorCode = isErrorCode(apiCode) ? apiCode : errorCodeForStatus(status);
    super(code, message, { details: { status, apiCode, ...(streams ?? {}) } });
    this.status = status;
    this.apiCode = apiCode;
    this.retryAfter = retryAfter;
    this.sessions = streams?.sessions;
    this.limit = streams?.limit;
  }
}

export type {
  ClientEvent,
  ContinueWatching,
  ContinueWatchingItem,
  Device,
  DeviceInput,
  Devices,
  Ended,
  EventsResult,
  Health,
  HistoryPage,
  HistoryQuery,
  Home,
  PlaybackGrant,
  Rail,
  RailItem,
  Removed,
  SearchItem,
  SearchQuery,
  SearchResult,
  Session,
  Sessions,
  TitleView,
  WatchlistChange,
  WatchlistPage,
} from './contract.js';
/** A title as the API shows it to viewers. */
export type Title = TitleView;
// The privacy answers, inferred from the contract's schemas (imported as types: no zod in a bundle).
/** The caller's consent to personalization: their choice, or the default for their country or the stage. */
export type Consent = z.output<typeof ConsentSchema>;
/** The body of `PUT /v1/me/consent`. */
export type ConsentBody = z.input<typeof ConsentBodySchema>;
/** Everything the platform holds about the caller, with a manifest of the stores read. */
export type ViewerExport = z.output<typeof ViewerExportSchema>;
/** The answer of `DELETE /v1/me`: the erasure's id and how it went. */
export type ErasureAccepted = z.output<typeof ErasureAcceptedSchema>;

/** A Region's API endpoint, for a client that fails over between Regions. */
export interface RegionEndpoint {
  region: string;
  baseUrl: string;
}

/** Options of {@link createClient}: one API (`baseUrl`), or the Regions' APIs (`regions`). */
export interface ClientOptions {
  /** The API's base URL: one Region's API, or an edge that fails over by itself. */
  baseUrl?: string;
  /**
   * The Regions' API endpoints, the preferred (nearest) Region first. Each call goes to the first
   * Region whose circuit is closed and moves to the next when a Region cannot answer (a network
   * error, a timeout, a 5xx); after `failover.threshold` such failures in a row a Region is skipped
   * for `failover.coolDownMs`, then one call probes it and a success brings it back first. An
   * answer about the request itself (any 4xx) is the same in every Region and is thrown at once.
   */
  regions?: RegionEndpoint[];
  /** The Region breakers' settings (with `regions`): failures in a row, cool-down. Defaults 3 and 5 s. */
  failover?: { threshold?: number; coolDownMs?: number; now?: () => number };
  /** Gives up on a request after this long (a 5xx for failing over). Default: none with `baseUrl`, 10 s with `regions`. */
  timeoutMs?: number;
  /** The bearer token, or a function returning the current one. */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** Where a Region client's calls go: the Region that answered last, and each Region's circuit. */
export interface ClientRouting {
  region: string | undefined;
  circuits: Record<string, 'closed' | 'open' | 'half-open'>;
}

/** The typed API client. */
export interface Client {
  health(): Promise<Health>;
  home(): Promise<Home>;
  title(titleId: string): Promise<TitleView>;
  watchlist(options?: { limit?: number; cursor?: string }): Promise<WatchlistPage>;
  addToWatchlist(titleId: string): Promise<WatchlistChange>;
  removeFromWatchlist(titleId: string): Promise<WatchlistChange>;
  continueWatching(): Promise<ContinueWatching>;
  /**
   * Starts playback on a device (sent as the body; without one, the account's unnamed device):
   * a grant with its session. `STREAM_LIMIT` (an `ApiError` with `sessions`) when the plan's
   * streams are all playing.
   */
  playback(titleId: string, device?: DeviceInput): Promise<PlaybackGrant>;
  /**
   * How to ask for a content key an AES-128 manifest names (`#EXT-X-KEY` URI): the key route's
   * URL on this API and the bearer header, for a URI whose path is a key of the grant's title
   * (its `protection.keyUrl`). Undefined for any other URI, so the token never goes to another
   * host or path. A player's HTTP layer sends the request (hls.js: `xhrSetup`).
   */
  keyRequest(
    uri: string,
    protection: PlaybackGrant['protection'],
  ): Promise<{ url: string; headers: Record<string, string> } | undefined>;
  /** A content key's 16 bytes (`GET /v1/keys/:titleId/:keyId`). */
  contentKey(titleId: string, keyId: string): Promise<Uint8Array>;
  /** The heartbeat: keeps a session alive and answers its renewed grant (`NOT_FOUND` once it ended). */
  heartbeat(sessionId: string): Promise<PlaybackGrant>;
  /** Ends one of the caller's sessions (idempotent). */
  endSession(sessionId: string): Promise<Ended>;
  /** The caller's active sessions. */
  sessions(): Promise<Sessions>;
  /** The caller's registered devices. */
  devices(): Promise<Devices>;
  /** Removes a device; its sessions end at once. */
  removeDevice(deviceId: string): Promise<Removed>;
  /** The caller's viewing history of a month (`YYYY-MM`), paged. */
  history(query: HistoryQuery): Promise<HistoryPage>;
  sendEvents(events: ClientEvent[]): Promise<EventsResult>;
  /** Titles matching a query that the viewer may play, best first; pass `nextCursor` back for more. */
  search(query: SearchQuery): Promise<SearchResult>;
  /** The caller's consent to personalization (their choice, or the default that applies to them). */
  consent(): Promise<Consent>;
  /** Turns personalization on or off; off forgets what was learnt, and the home page follows within seconds. */
  setConsent(personalization: boolean): Promise<Consent>;
  /** Everything the platform holds about the caller, store by store and Region by Region. */
  exportMe(): Promise<ViewerExport>;
  /**
   * Erases the caller's data from every store, in every Region (answered 202): the erasure's id and
   * how it went. The viewer's late events are dropped from then on.
   */
  eraseMe(): Promise<ErasureAccepted>;
  /** With `regions`: the Region that answered last and each Region's circuit. Undefined with `baseUrl`. */
  routing(): ClientRouting | undefined;
}

/**
 * Whether a failure is the Region's, so the next Region may take the call: no answer at all (the
 * network, a timeout) or a server error. Any 4xx is about the request (a bad token, a missing
 * title, a limit) and another Region would answer the same.
 */
function regionFault(err: unknown): boolean {
  return !(err instanceof ApiError) || err.status >= 500;
}

/** The Region endpoints of the options, checked: one API or several, never neither or both. */
function endpointsOf(options: ClientOptions): RegionEndpoint[] {
  if (options.regions && options.baseUrl !== undefined) {
    throw new StreamctlError(ErrorCode.ConfigInvalid, 'createClient takes baseUrl or regions, not both', {
      hint: 'pass `regions` (preferred first) to fail over between Regions, or one `baseUrl`',
    });
  }
  const endpoints =
    options.regions ?? (options.baseUrl !== undefined ? [{ region: '', baseUrl: options.baseUrl }] : []);
  const seen = new Set<string>();
  for (const e of options.regions ?? []) {
    if (!e.region || seen.has(e.region)) {
      throw new StreamctlError(
        ErrorCode.ConfigInvalid,
        `regions: ${e.region ? `${e.region} twice` : 'a Region without a name'}`,
        {
          hint: 'give each Region once, by name: [{ region: "us-east-1", baseUrl }, …]',
        },
      );
    }
    seen.add(e.region);
  }
  if (!endpoints.length) {
    throw new StreamctlError(ErrorCode.ConfigInvalid, 'createClient needs the API: baseUrl or regions', {
      hint: 'pass `baseUrl`, or `regions` (preferred first) to fail over between Regions',
    });
  }
  return endpoints.map((e) => ({ region: e.region, baseUrl: e.baseUrl.replace(/\/$/, '') }));
}

/**
 * Creates an API client.
 *
 * @example
 * ```ts
 * const api = createClient({ baseUrl, token });
 * await api.addToWatchlist('t1');
 * ```
 */
export function createClient(options: ClientOptions): Client {
  const endpoints = endpointsOf(options);
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const timeoutMs = options.timeoutMs ?? (options.regions ? 10_000 : undefined);
  const router = options.regions
    ? createRegionRouter({
        targets: endpoints.map((e) => ({ region: e.region, client: e.baseUrl })),
        preferred: endpoints[0]?.region ?? '',
        failsOver: regionFault,
        threshold: options.failover?.threshold ?? 3,
        coolDownMs: options.failover?.coolDownMs ?? 5_000,
        ...(options.failover?.now ? { now: options.failover.now } : {}),
        unreachableHint: 'no Region of the API answered: check the network, or try again shortly',
      })
    : undefined;
  /** The base URL of the Region that answered last (the preferred one before any call). */
  let current = endpoints[0] as RegionEndpoint;
  /** A request to the API, in the Region whose turn it is: `send` gets the base URL. */
  async function routed<T>(send: (base: string) => Promise<T>): Promise<T> {
    if (!router) return send(current.baseUrl);
    const { value, region } = await router.run((base) => send(base));
    current = endpoints.find((e) => e.region === region) ?? current;
    return value;
  }
  const fetchApi = (url: string, init: RequestInit = {}) =>
    doFetch(url, timeoutMs === undefined ? init : { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const call = <T>(method: string, path: string, body?: unknown, expected = [200]): Promise<T> =>
    routed((base) => callIn<T>(base, method, path, body, expected));
  async function callIn<T>(base: string, method: string, path: string, body: unknown, expected: number[]): Promise<T> {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    const res = await fetchApi(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!expected.includes(res.status)) {
      const error = (
        json as { error?: { code?: string; message?: string; sessions?: ActiveSession[]; limit?: number } } | undefined
      )?.error;
      const retry = res.headers.get('retry-after');
      throw new ApiError(
        res.status,
        error?.code ?? `HTTP_${res.status}`,
        error?.message ?? `${method} ${path} answered ${res.status}`,
        retry ? Number(retry) : undefined,
        Array.isArray(error?.sessions)
          ? { sessions: error.sessions, ...(typeof error.limit === 'number' ? { limit: error.limit } : {}) }
          : undefined,
      );
    }
    return json as T;
  }
  const id = (titleId: string) => encodeURIComponent(titleId);
  const bearer = async (): Promise<Record<string, string>> => {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  return {
    keyRequest: async (uri, protection) => {
      if (protection?.scheme !== 'aes-128') return undefined;
      let path: string;
      try {
        path = new URL(uri, `${current.baseUrl}/`).pathname;
      } catch {
        return undefined;
      }
      const keyId = path.startsWith(protection.keyUrl) ? path.slice(protection.keyUrl.length) : '';
      if (!/^\/v1\/keys\/[A-Za-z0-9_-]{1,128}\/$/.test(protection.keyUrl) || !/^[0-9a-f]{32}$/.test(keyId)) {
        return undefined;
      }
      return { url: `${current.baseUrl}${protection.keyUrl}${keyId}`, headers: await bearer() };
    },
    contentKey: (titleId, keyId) =>
      routed(async (base) => {
        const path = `/v1/keys/${id(titleId)}/${encodeURIComponent(keyId)}`;
        const res = await fetchApi(`${base}${path}`, { headers: await bearer() });
        if (res.ok) return new Uint8Array(await res.arrayBuffer());
        const body = (await res.json().catch(() => undefined)) as
          | { error?: { code?: string; message?: string } }
          | undefined;
        throw new ApiError(
          res.status,
          body?.error?.code ?? `HTTP_${res.status}`,
          body?.error?.message ?? `GET ${path} answered ${res.status}`,
        );
      }),
    routing: () => (router ? { region: current.region, circuits: router.states() } : undefined),
    health: () => call('GET', '/health', undefined, [200, 503]),
    home: () => call('GET', '/v1/home'),
    title: (titleId) => call('GET', `/v1/titles/${id(titleId)}`),
    watchlist: (o = {}) => {
      const query = new URLSearchParams();
      if (o.limit !== undefined) query.set('limit', String(o.limit));
      if (o.cursor) query.set('cursor', o.cursor);
      const qs = query.toString();
      return call('GET', `/v1/watchlist${qs ? `?${qs}` : ''}`);
    },
    addToWatchlist: (titleId) => call('PUT', `/v1/watchlist/${id(titleId)}`),
    removeFromWatchlist: (titleId) => call('DELETE', `/v1/watchlist/${id(titleId)}`),
    continueWatching: () => call('GET', '/v1/continue-watching'),
    playback: (titleId, device) => call('POST', `/v1/playback/${id(titleId)}`, device),
    heartbeat: (sessionId) => call('PUT', `/v1/sessions/${encodeURIComponent(sessionId)}`),
    endSession: (sessionId) => call('DELETE', `/v1/sessions/${encodeURIComponent(sessionId)}`),
    sessions: () => call('GET', '/v1/sessions'),
    devices: () => call('GET', '/v1/devices'),
    removeDevice: (deviceId) => call('DELETE', `/v1/devices/${encodeURIComponent(deviceId)}`),
    history: (q) => {
      const query = new URLSearchParams({ month: q.month });
      if (q.limit !== undefined) query.set('limit', String(q.limit));
      if (q.cursor) query.set('cursor', q.cursor);
      return call('GET', `/v1/history?${query.toString()}`);
    },
    sendEvents: (events) => call('POST', '/v1/events', events, [202]),
    search: (q) => {
      const query = new URLSearchParams({ q: q.q });
      if (q.genre) query.set('genre', q.genre);
      if (q.limit !== undefined) query.set('limit', String(q.limit));
      if (q.cursor) query.set('cursor', q.cursor);
      return call('GET', `/v1/search?${query.toString()}`);
    },
    consent: () => call('GET', '/v1/me/consent'),
    setConsent: (personalization) => call('PUT', '/v1/me/consent', { personalization } satisfies ConsentBody),
    exportMe: () => call('GET', '/v1/me/export'),
    eraseMe: () => call('DELETE', '/v1/me', undefined, [202]),
  };
}
