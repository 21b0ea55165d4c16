/**
 * The HTTP API (SPEC §7): one Hono app, served by Lambda (API Gateway HTTP
 * API) and by Node. Routes validate, authenticate and map HTTP to SDK calls;
 * the work itself is in the SDK.
 */
import {
  type Catalog,
  type EngagementEvent,
  type HealthReport,
  type Home,
  IdSchema,
  MAX_BATCH,
  type PlaybackSigner,
  type PublishResult,
  parseEvent,
  type Users,
} from '@streamctl/sdk';
import { ErrorCode, isStreamctlError } from '@streamctl/sdk/errors';
import { assertEntitled } from '@streamctl/sdk/playback';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { TokenVerifier, Viewer } from './auth.js';
import { createRateLimiter, type RateLimit } from './rate-limit.js';

/** The body of every error response (SPEC §7). */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** Everything the API calls. `createPlatformServices` wires these from a platform. */
export interface ApiServices {
  health(options?: { timeoutMs?: number }): Promise<HealthReport>;
  catalog: Pick<Catalog, 'findTitle' | 'listAvailable'>;
  users: Users;
  home(viewer: Viewer): Promise<Home>;
  publishEvents(events: EngagementEvent[]): Promise<PublishResult>;
  verifyToken: TokenVerifier;
  playback: {
    signer: PlaybackSigner;
    /** Base URL of the CDN (CloudFront domain, or the local edge). */
    cdnBaseUrl: string;
    /** How long a playback grant lasts at least. Default 6 h. */
    ttlSeconds?: number;
    /** Expiries round up to this bucket so signatures can be shared. Default 15 min. */
    bucketSeconds?: number;
  };
}

/** Options of {@link createHttpApp}. */
export interface ApiOptions {
  /** Per-user and per-IP limits. Default 20/s with bursts of 60 per user, 50/s with 150 per IP. */
  rateLimits?: { user?: RateLimit; ip?: RateLimit };
  /** Allowed CORS origins. Default: any origin. */
  corsOrigins?: string[];
  /** Structured log sink; one JSON object per request. Default: none. */
  log?: (entry: Record<string, unknown>) => void;
  /** Largest request body in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Local stage only: `GET /dev/token?user=U&country=CC` mints a dev JWT with
   * this function, so a browser app can sign in as a dev user. Never set on AWS.
   */
  devTokens?: (userId: string, country: string) => Promise<{ token: string; expiresAt: string }>;
  /** The Region this app serves; every response says it in `x-streamctl-region`. */
  region?: string;
}

type Env = { Variables: { viewer: Viewer; requestId: string } };

const TitleIdParam = z.object({ titleId: IdSchema });
const WatchlistQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).optional(),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();
const NoQuery = z.object({}).strict();
const EventsBody = z.array(z.unknown()).min(1).max(MAX_BATCH);

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const HomeSchema = z.object({
  rails: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      items: z.array(
        z.object({
          titleId: z.string(),
          name: z.string(),
          genres: z.array(z.string()),
          positionSec: z.number().optional(),
          ratio: z.number().optional(),
        }),
      ),
    }),
  ),
  degraded: z.boolean(),
});
const WatchlistSchema = z.object({
  items: z.array(z.object({ titleId: z.string(), addedAt: z.string() })),
  cursor: z.string().optional(),
});
const PlaybackSchema = z.object({
  manifestUrl: z.string(),
  expiresAt: z.string(),
  cookies: z.record(z.string(), z.string()).optional(),
});
const EventsResultSchema = z.object({
  accepted: z.number(),
  rejected: z.array(z.object({ index: z.number(), code: z.string() })),
});

class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new HttpError(400, ErrorCode.ValidationFailed, `Invalid ${what}: ${where}${issue?.message ?? 'invalid'}`);
}

function clientIp(c: Context): string {
  const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  if (forwarded) return forwarded;
  const env = c.env as
    | { incoming?: { socket?: { remoteAddress?: string } }; requestContext?: { http?: { sourceIp?: string } } }
    | undefined;
  return env?.requestContext?.http?.sourceIp ?? env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/** The OpenAPI 3.1 document, generated from the route schemas. */
export function openApiDocument(): Record<string, unknown> {
  const json = (schema: z.ZodType) => ({ 'application/json': { schema: z.toJSONSchema(schema, { io: 'output' }) } });
  const errors = {
    '400': { description: 'bad input', content: json(ErrorSchema) },
    '401': { description: 'missing or invalid token', content: json(ErrorSchema) },
    '429': { description: 'rate limited; see Retry-After', content: json(ErrorSchema) },
  };
  const secured = { security: [{ bearer: [] }] };
  const titleParam = [{ name: 'titleId', in: 'path', required: true, schema: z.toJSONSchema(IdSchema) }];
  return {
    openapi: '3.1.0',
    info: { title: 'streamctl API', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths: {
      '/health': {
        get: {
          summary: 'Health of every dependency',
          responses: { '200': { description: 'healthy' }, '503': { description: 'unhealthy' } },
        },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/live': { get: { summary: 'Liveness: the process answers', responses: { '200': { description: 'alive' } } } },
      '/v1/home': {
        get: {
          ...secured,
          summary: 'Personalized rails',
          responses: { '200': { description: 'rails', content: json(HomeSchema) }, ...errors },
        },
      },
      '/v1/titles/{titleId}': {
        get: {
          ...secured,
          parameters: titleParam,
          summary: 'A published title',
          responses: {
            '200': { description: 'title' },
            '404': { description: 'unknown', content: json(ErrorSchema) },
            ...errors,
          },
        },
      },
      '/v1/watchlist': {
        get: {
          ...secured,
          summary: "The caller's watchlist, newest first",
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'a page', content: json(WatchlistSchema) }, ...errors },
        },
      },
      '/v1/watchlist/{titleId}': {
        put: {
          ...secured,
          parameters: titleParam,
          summary: 'Add a title',
          responses: {
            '200': { description: 'added (idempotent)' },
            '404': { description: 'unknown title' },
            ...errors,
          },
        },
        delete: {
          ...secured,
          parameters: titleParam,
          summary: 'Remove a title',
          responses: { '200': { description: 'removed (idempotent)' }, ...errors },
        },
      },
      '/v1/continue-watching': {
        get: {
          ...secured,
          summary: 'Titles with resume positions',
          responses: { '200': { description: 'titles' }, ...errors },
        },
      },
      '/v1/playback/{titleId}': {
        post: {
          ...secured,
          parameters: titleParam,
          summary: 'A signed manifest URL (and cookies) for an entitled viewer',
          responses: {
            '200': { description: 'grant', content: json(PlaybackSchema) },
            '403': { description: 'not entitled', content: json(ErrorSchema) },
            '404': { description: 'unknown title', content: json(ErrorSchema) },
            ...errors,
          },
        },
      },
      '/v1/events': {
        post: {
          ...secured,
          summary: `Up to ${MAX_BATCH} engagement events`,
          requestBody: {
            content: {
              'application/json': { schema: { type: 'array', maxItems: MAX_BATCH, items: { type: 'object' } } },
            },
          },
          responses: {
            '202': { description: 'accepted and rejected by index', content: json(EventsResultSchema) },
            ...errors,
          },
        },
      },
    },
  };
}

/**
 * Creates the HTTP app over its services.
 *
 * @example
 * ```ts
 * const app = createHttpApp(createPlatformServices(platform, { verifyToken, playback }));
 * const res = await app.request('/health');
 * ```
 */
export function createHttpApp(services: ApiServices, options: ApiOptions = {}): Hono<Env> {
  const app = new Hono<Env>();
  const userLimiter = createRateLimiter(options.rateLimits?.user ?? { perSecond: 20, burst: 60 });
  const ipLimiter = createRateLimiter(options.rateLimits?.ip ?? { perSecond: 50, burst: 150 });
  const ttl = services.playback.ttlSeconds ?? 6 * 3600;
  const bucket = services.playback.bucketSeconds ?? 900;
  const grants = new Map<string, { manifestUrl: string; expiresAt: string; cookies: Record<string, string> }>();
  const document = openApiDocument();

  app.use('*', requestId());
  const servedBy = options.region;
  if (servedBy) {
    app.use('*', async (c, next) => {
      await next();
      c.header('x-streamctl-region', servedBy);
    });
  }
  app.use(
    '*',
    cors({ origin: options.corsOrigins ?? '*', allowHeaders: ['Authorization', 'Content-Type'], maxAge: 600 }),
  );
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    options.log?.({
      level: c.res.status >= 500 ? 'ERROR' : 'INFO',
      message: 'request',
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round(performance.now() - started),
      userId: c.get('viewer')?.userId,
    });
  });
  app.use('*', async (c, next) => {
    const retry = ipLimiter.take(clientIp(c));
    if (retry > 0)
      throw new HttpError(429, 'RATE_LIMITED', 'Too many requests from this address', { 'Retry-After': String(retry) });
    await next();
  });
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 1024 * 1024,
      onError: (c) =>
        c.json(
          {
            error: {
              code: 'PAYLOAD_TOO_LARGE',
              message: `The body is larger than ${options.maxBodyBytes ?? 1024 * 1024} bytes`,
            },
          },
          413,
        ),
    }),
  );
  app.use('/v1/*', async (c, next) => {
    const auth = c.req.header('authorization');
    const token = auth?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) throw new HttpError(401, 'UNAUTHORIZED', 'A bearer token is required');
    let viewer: Viewer;
    try {
      viewer = await services.verifyToken(token);
    } catch (err) {
      throw new HttpError(401, 'UNAUTHORIZED', `Invalid token: ${(err as Error).message}`);
    }
    const retry = userLimiter.take(viewer.userId);
    if (retry > 0)
      throw new HttpError(429, 'RATE_LIMITED', 'Too many requests for this user', { 'Retry-After': String(retry) });
    c.set('viewer', viewer);
    await next();
  });

  const country = (c: Context<Env>) => c.get('viewer').country ?? 'US';
  const noQuery = (c: Context<Env>) => check(NoQuery, c.req.query(), 'query');
  const titleId = (c: Context<Env>) => check(TitleIdParam, { titleId: c.req.param('titleId') }, 'title id').titleId;

  const devTokens = options.devTokens;
  if (devTokens) {
    const DevTokenQuery = z
      .object({
        user: IdSchema,
        country: z
          .string()
          .regex(/^[A-Za-z]{2}$/, 'a two-letter country code')
          .default('US'),
      })
      .strict();
    app.get('/dev/token', async (c) => {
      const q = check(DevTokenQuery, c.req.query(), 'query');
      return c.json(await devTokens(q.user, q.country.toUpperCase()));
    });
  }

  app.get('/health', async (c) => {
    const report = await services.health({ timeoutMs: 2_000 });
    return c.json(report, report.healthy ? 200 : 503);
  });
  // Liveness: the process answers, nothing checked behind it (readiness is /health).
  app.get('/live', (c) => c.json({ status: 'ok' }));
  app.get('/openapi.json', (c) => c.json(document));

  app.get('/v1/home', async (c) => {
    noQuery(c);
    return c.json(await services.home({ ...c.get('viewer'), country: country(c) }));
  });

  app.get('/v1/titles/:titleId', async (c) => {
    noQuery(c);
    const id = titleId(c);
    const title = await services.catalog.findTitle(id);
    // Viewers see published titles only; anything else does not exist for them.
    if (title?.status !== 'PUBLISHED') throw new HttpError(404, ErrorCode.NotFound, `Title ${id} does not exist`);
    return c.json(title);
  });

  app.get('/v1/watchlist', async (c) => {
    const query = check(WatchlistQuery, c.req.query(), 'query');
    return c.json(
      await services.users.listWatchlist(c.get('viewer').userId, {
        ...(query.limit ? { limit: query.limit } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      }),
    );
  });

  app.put('/v1/watchlist/:titleId', async (c) => {
    noQuery(c);
    const id = titleId(c);
    const title = await services.catalog.findTitle(id);
    if (title?.status !== 'PUBLISHED') throw new HttpError(404, ErrorCode.NotFound, `Title ${id} does not exist`);
    const changed = await services.users.addToWatchlist(c.get('viewer').userId, id);
    return c.json({ titleId: id, onWatchlist: true, changed });
  });

  app.delete('/v1/watchlist/:titleId', async (c) => {
    noQuery(c);
    const id = titleId(c);
    const changed = await services.users.removeFromWatchlist(c.get('viewer').userId, id);
    return c.json({ titleId: id, onWatchlist: false, changed });
  });

  app.get('/v1/continue-watching', async (c) => {
    noQuery(c);
    const progress = await services.users.continueWatching(c.get('viewer').userId);
    const names = new Map(
      (await services.catalog.listAvailable(country(c), { limit: 200 })).map((t) => [t.titleId, t.name]),
    );
    return c.json({
      items: progress.flatMap((p) => {
        const name = names.get(p.titleId);
        return name ? [{ ...p, name }] : [];
      }),
    });
  });

  app.post('/v1/playback/:titleId', async (c) => {
    noQuery(c);
    const id = titleId(c);
    const title = await services.catalog.findTitle(id);
    assertEntitled(title, { country: country(c) }, id);
    const manifest = title?.manifests.hls;
    if (!manifest) throw new HttpError(404, ErrorCode.NotFound, `Title ${id} has no HLS manifest`);
    const base = services.playback.cdnBaseUrl.replace(/\/$/, '');
    const now = Math.floor(Date.now() / 1000);
    // The policy has no per-viewer condition: round its expiry up to a bucket
    // so everyone starting the title in that bucket shares one signature.
    const expires = Math.ceil((now + ttl) / bucket) * bucket;
    const key = `${id}|${manifest}|${expires}`;
    let grant = grants.get(key);
    if (!grant) {
      const manifestUrl = `${base}/${manifest}`;
      const signOptions = { expiresAt: expires, resource: `${base}/titles/${id}/*` };
      grant = {
        manifestUrl: services.playback.signer.signUrl(manifestUrl, signOptions),
        expiresAt: new Date(expires * 1000).toISOString(),
        cookies: { ...services.playback.signer.signCookies(manifestUrl, signOptions) },
      };
      for (const [k, v] of grants) if (Date.parse(v.expiresAt) / 1000 - now < ttl) grants.delete(k);
      if (grants.size > 10_000) grants.clear();
      grants.set(key, grant);
    }
    return c.json(grant);
  });

  app.post('/v1/events', async (c) => {
    noQuery(c);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new HttpError(400, ErrorCode.ValidationFailed, 'The body is not JSON');
    }
    const batch = check(EventsBody, body, `events (an array of 1–${MAX_BATCH})`);
    const userId = c.get('viewer').userId;
    const rejected: Array<{ index: number; code: string }> = [];
    const valid: Array<{ index: number; event: EngagementEvent }> = [];
    batch.forEach((raw, index) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        rejected.push({ index, code: ErrorCode.ValidationFailed });
        return;
      }
      const claimed = (raw as { userId?: unknown }).userId;
      if (claimed !== undefined && claimed !== userId) {
        rejected.push({ index, code: ErrorCode.Forbidden });
        return;
      }
      try {
        valid.push({ index, event: parseEvent({ ...raw, userId }) });
      } catch {
        rejected.push({ index, code: ErrorCode.ValidationFailed });
      }
    });
    const result = await services.publishEvents(valid.map((v) => v.event));
    for (const failure of result.failed)
      rejected.push({ index: valid[failure.index]?.index ?? -1, code: failure.code });
    rejected.sort((a, b) => a.index - b.index);
    return c.json({ accepted: result.accepted, rejected }, 202);
  });

  app.notFound((c) =>
    c.json({ error: { code: ErrorCode.NotFound, message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );

  app.onError((err, c) => {
    if (err instanceof HttpError) {
      for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
      return c.json({ error: { code: err.code, message: err.message } }, err.status);
    }
    if (isStreamctlError(err)) {
      return c.json({ error: { code: err.code, message: err.message } }, err.httpStatus as ContentfulStatusCode);
    }
    const status = (err as { status?: number }).status;
    // Malformed percent-encoding and Hono's own HTTPExceptions are the caller's mistakes.
    if (err instanceof URIError || (typeof status === 'number' && status >= 400 && status < 500)) {
      return c.json(
        { error: { code: ErrorCode.ValidationFailed, message: err.message } },
        (status ?? 400) as ContentfulStatusCode,
      );
    }
    options.log?.({
      level: 'ERROR',
      message: 'unhandled error',
      requestId: c.get('requestId'),
      error: String(err),
      path: c.req.path,
    });
    return c.json({ error: { code: ErrorCode.Internal, message: 'Internal error' } }, 500);
  });

  return app;
}

/** @internal exported for tests. */
export { HttpError };
