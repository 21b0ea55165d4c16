/**
 * The HTTP API (SPEC §7): one Hono app, served by Lambda (API Gateway HTTP
 * API) and by Node. Routes are defined with their schemas from the SDK's
 * contract; each parses, calls one platform use case and answers its result.
 * `GET /openapi.json` is generated from the route definitions.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_RATE_LIMITS } from '@streamctl/sdk/config';
import { ErrorCode, errorCodeForStatus, isStreamctlError, StreamctlError } from '@streamctl/sdk/errors';
import { requestId } from 'hono/request-id';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type Env, type HttpApp, type HttpPlatform, validationHook } from './context.js';
import {
  authenticate,
  bodySizeLimit,
  clientAddress,
  corsHeaders,
  ipRateLimit,
  requestLog,
  servedBy,
} from './middleware.js';
import type { RateLimit, RateLimitStore } from './rate-limit.js';
import { eventsRoutes } from './routes/events.js';
import { keyRoutes } from './routes/keys.js';
import { type DevTokenMinter, opsRoutes } from './routes/ops.js';
import { playbackRoutes } from './routes/playback.js';
import { privacyRoutes } from './routes/privacy.js';
import { sessionRoutes } from './routes/sessions.js';
import { viewerRoutes } from './routes/viewer.js';
import { createOriginCheck, type OriginSecret } from './viewer-address.js';

export type { ErrorBody } from '@streamctl/sdk/contract';
export type { HttpApp, HttpPlatform } from './context.js';

/** Options of {@link createHttpApp}. */
export interface ApiOptions {
  /**
   * Per-user and per-IP limits. Default: the SDK's `DEFAULT_RATE_LIMITS` (20/s with bursts of 60 per
   * user, 50/s with 150 per IP); a stage's own come from its config (`config.rateLimits`).
   */
  rateLimits?: { user?: RateLimit; ip?: RateLimit };
  /**
   * Where the rate-limit buckets live so that every instance of the API counts against the same
   * ones: a cache with `takeToken` (the SDK's Redis cache; the platform's `cache` may be passed as
   * it is). Without one, or while it fails, each instance keeps its own buckets. Default: none.
   */
  rateLimitStore?: RateLimitStore;
  /** Allowed CORS origins. Default: any origin. */
  corsOrigins?: string[];
  /** Structured log sink; one JSON object per request. Default: none. */
  log?: (entry: Record<string, unknown>) => void;
  /** Largest request body in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Local stage only: `GET /dev/token?user=U&country=CC` mints a dev JWT with
   * this function, so a browser app can sign in as a dev user; only pages on a
   * loopback origin may read the answer. Never set on AWS.
   */
  devTokens?: DevTokenMinter;
  /** The Region this app serves; every response says it in `x-streamctl-region`. */
  region?: string;
  /**
   * How many proxies in front of the app append to `X-Forwarded-For` and are trusted to. Default 0:
   * the header is ignored and the per-IP limit keys on the transport's peer address.
   */
  trustedProxyHops?: number;
  /**
   * The stage's origin secret, which CloudFront sends to the API in `x-streamctl-origin-secret`
   * (a value, or a function asked per request that caches it). A request presenting it came through
   * the distribution, so its `CloudFront-Viewer-Address` keys the per-IP limit instead of the
   * transport's address (a CloudFront server). Default: none, and that header is ignored.
   */
  originSecret?: OriginSecret;
}

/** The OpenAPI document's header. */
const DOCUMENT = { openapi: '3.1.0', info: { title: 'streamctl API', version: '1' } } as const;

/**
 * Creates the HTTP app over a platform's use cases.
 *
 * @example
 * ```ts
 * const platform = createPlatform(config, { verifyToken, playback: { signer, cdnBaseUrl } });
 * const app = createHttpApp(platform);
 * const res = await app.request('/health');
 * ```
 */
export function createHttpApp(platform: HttpPlatform, options: ApiOptions = {}): HttpApp {
  const app: HttpApp = new OpenAPIHono<Env>({ defaultHook: validationHook });
  app.use('*', requestId());
  if (options.region) app.use('*', servedBy(options.region));
  app.use('*', corsHeaders(options.corsOrigins ?? '*', options.devTokens ? ['/dev/token'] : []));
  if (options.log)
    app.use(
      '*',
      requestLog(options.log, (userId) => platform.privacy.pseudonym(userId)),
    );
  app.use(
    '*',
    ipRateLimit(
      options.rateLimits?.ip ?? DEFAULT_RATE_LIMITS.ip,
      clientAddress({
        ...(options.trustedProxyHops !== undefined ? { trustedProxyHops: options.trustedProxyHops } : {}),
        ...(options.originSecret !== undefined ? { originSecret: options.originSecret } : {}),
      }),
      options.rateLimitStore,
    ),
  );
  app.use('/v1/*', bodySizeLimit(options.maxBodyBytes ?? 1024 * 1024));
  if (options.originSecret !== undefined) {
    const fromEdge = createOriginCheck(options.originSecret);
    app.use('/v1/*', async (c, next) => {
      c.set('viaEdge', await fromEdge(c.req.header('x-streamctl-origin-secret')));
      await next();
    });
  }
  app.use(
    '/v1/*',
    authenticate(platform, options.rateLimits?.user ?? DEFAULT_RATE_LIMITS.user, options.rateLimitStore),
  );

  opsRoutes(app, platform, options.devTokens);
  viewerRoutes(app, platform);
  playbackRoutes(app, platform);
  keyRoutes(app, platform);
  sessionRoutes(app, platform);
  privacyRoutes(app, platform);
  eventsRoutes(app, platform);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  const document = describe(app);
  app.get('/openapi.json', (c) => c.json(document));

  app.notFound((c) =>
    c.json({ error: { code: ErrorCode.NotFound, message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((err, c) => {
    const error = toStreamctlError(err);
    if (error.code === ErrorCode.RateLimited) c.header('Retry-After', String(error.details?.retryAfterSeconds ?? 1));
    if (error.code === ErrorCode.Internal || error.httpStatus >= 500) {
      options.log?.({
        level: 'ERROR',
        message: 'unhandled error',
        requestId: c.get('requestId'),
        error: String(err),
        path: c.req.path,
      });
    }
    // Internals never leave the process: a 5xx says only what kind of failure it was.
    const message = error.code === ErrorCode.Internal ? 'Internal error' : error.message;
    // The stream limit names the active sessions, so a client can offer to stop one.
    const limit =
      error.code === ErrorCode.StreamLimit ? { sessions: error.details?.sessions, limit: error.details?.limit } : {};
    return c.json({ error: { code: error.code, message, ...limit } }, error.httpStatus as ContentfulStatusCode);
  });
  return app;
}

/** Any thrown value as one of the SDK's errors (the one family the API answers with). */
function toStreamctlError(err: unknown): StreamctlError {
  if (isStreamctlError(err)) return err;
  const status = (err as { status?: number }).status;
  // Malformed percent-encoding and Hono's own HTTPExceptions are the caller's mistakes.
  if (err instanceof URIError) return new StreamctlError(ErrorCode.ValidationFailed, err.message, { cause: err });
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new StreamctlError(errorCodeForStatus(status), (err as Error).message, { cause: err });
  }
  return new StreamctlError(ErrorCode.Internal, 'Internal error', { cause: err });
}

/** The app's OpenAPI 3.1 document, generated from its route definitions (and this one route). */
function describe(app: HttpApp): Record<string, unknown> {
  const document = app.getOpenAPI31Document(DOCUMENT);
  document.paths = {
    ...document.paths,
    '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
  };
  return document as unknown as Record<string, unknown>;
}

/**
 * The OpenAPI 3.1 document of the API, generated from its route definitions.
 *
 * @example
 * ```ts
 * writeFileSync('openapi.json', JSON.stringify(openApiDocument(), null, 2));
 * ```
 */
export function openApiDocument(): Record<string, unknown> {
  const routesOnly = new Proxy({} as HttpPlatform, {
    get: () => {
      throw new Error('openApiDocument only describes the routes');
    },
  });
  return describe(createHttpApp(routesOnly));
}
