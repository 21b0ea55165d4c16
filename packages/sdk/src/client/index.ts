/**
 * `@streamctl/sdk/client`: a typed `fetch` client for the HTTP API (SPEC §7),
 * safe for browsers: no AWS SDK, no Node built-ins.
 *
 * @example
 * ```ts
 * import { createClient } from '@streamctl/sdk/client';
 *
 * const api = createClient({ baseUrl: 'http://127.0.0.1:4510', token: () => session.token });
 * const { rails } = await api.home();
 * const { manifestUrl } = await api.playback('t1');
 * ```
 *
 * @module
 */
import type { Title } from '../catalog/index.js';
import { ErrorCode, StreamctlError } from '../errors/index.js';
import type { Home } from '../recommendations/index.js';

/** An error answer of the API, with its status and code. */
export class ApiError extends StreamctlError {
  readonly status: number;
  /** The server's error code (`NOT_FOUND`, `UNAUTHORIZED`, `RATE_LIMITED`, …). */
  readonly apiCode: string;
  /** Seconds to wait, from `Retry-After`, on a 429. */
  readonly retryAfter: number | undefined;
  constructor(status: number, apiCode: string, message: string, retryAfter?: number) {
    super(
      status === 404
        ? ErrorCode.NotFound
        : status === 403 || status === 401
          ? ErrorCode.Forbidden
          : status === 429
            ? ErrorCode.Throttled
            : status < 500
              ? ErrorCode.ValidationFailed
              : ErrorCode.Internal,
      message,
      {
        details: { status, apiCode },
      },
    );
    this.status = status;
    this.apiCode = apiCode;
    this.retryAfter = retryAfter;
  }
}

export type { Title } from '../catalog/index.js';
export type { Home, Rail, RailItem } from '../recommendations/index.js';
export interface WatchlistPage {
  items: Array<{ titleId: string; addedAt: string }>;
  cursor?: string;
}
export interface ContinueWatchingItem {
  titleId: string;
  name: string;
  positionSec: number;
  durationSec: number;
  ratio: number;
  completed: boolean;
  updatedAt: string;
}
export interface PlaybackGrant {
  manifestUrl: string;
  expiresAt: string;
  cookies?: Record<string, string>;
}
/** An engagement event as a client sends it (the server takes the user from the token). */
export interface ClientEvent {
  v: 1;
  id: string;
  type:
    | 'play'
    | 'pause'
    | 'seek'
    | 'progress'
    | 'complete'
    | 'like'
    | 'dislike'
    | 'skip'
    | 'watchlist_add'
    | 'watchlist_remove'
    | 'quality_switch'
    | 'rebuffer';
  titleId: string;
  ts: string;
  sessionId?: string;
  positionSec?: number;
  durationSec?: number;
  device?: string;
  country?: string;
  region?: string;
}
export interface EventsResult {
  accepted: number;
  rejected: Array<{ index: number; code: string }>;
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The API's base URL. */
  baseUrl: string;
  /** The bearer token, or a function returning the current one. */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** The typed API client. */
export interface Client {
  health(): Promise<{ healthy: boolean; parts: Array<{ name: string; ok: boolean }> }>;
  home(): Promise<Home>;
  title(titleId: string): Promise<Title>;
  watchlist(options?: { limit?: number; cursor?: string }): Promise<WatchlistPage>;
  addToWatchlist(titleId: string): Promise<{ titleId: string; onWatchlist: boolean; changed: boolean }>;
  removeFromWatchlist(titleId: string): Promise<{ titleId: string; onWatchlist: boolean; changed: boolean }>;
  continueWatching(): Promise<{ items: ContinueWatchingItem[] }>;
  playback(titleId: string): Promise<PlaybackGrant>;
  sendEvents(events: ClientEvent[]): Promise<EventsResult>;
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
  const base = options.baseUrl.replace(/\/$/, '');
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  async function call<T>(method: string, path: string, body?: unknown, expected = [200]): Promise<T> {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    const res = await doFetch(`${base}${path}`, {
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
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      const retry = res.headers.get('retry-after');
      throw new ApiError(
        res.status,
        error?.code ?? `HTTP_${res.status}`,
        error?.message ?? `${method} ${path} answered ${res.status}`,
        retry ? Number(retry) : undefined,
      );
    }
    return json as T;
  }
  const id = (titleId: string) => encodeURIComponent(titleId);
  return {
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
    playback: (titleId) => call('POST', `/v1/playback/${id(titleId)}`),
    sendEvents: (events) => call('POST', '/v1/events', events, [202]),
  };
}
