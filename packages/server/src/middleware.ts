/**
 * The app's middleware: request ids, the serving Region, CORS, request logs,
 * rate limits, the body limit and bearer authentication. Each turns HTTP
 * into SDK calls or SDK errors; none decides a product rule.
 */

import { IncomingMessage } from 'node:http';
import { ORIGIN_SECRET_HEADER } from '@streamctl/sdk/config';
import { PayloadTooLargeError, RateLimitedError, UnauthorizedError, ValidationError } from '@streamctl/sdk/errors';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Env, HttpPlatform } from './context.js';
import { createSharedRateLimiter, type RateLimit, type RateLimitStore } from './rate-limit.js';
import { createOriginCheck, type OriginSecret, parseViewerAddress, VIEWER_ADDRESS_HEADER } from './viewer-address.js';

/**
 * The client's address: what the transport vouches for. `X-Forwarded-For` is
 * anyone's to write, so it counts only behind proxies the operator declared:
 * with `trustedProxyHops` N, the address N entries from its right end (the one
 * the nearest trusted proxy saw). Otherwise the socket's peer (Node) or API
 * Gateway's source IP (Lambda).
 */
export function clientIp(c: Context, trustedProxyHops = 0): string {
  if (trustedProxyHops > 0) {
    const chain = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const vouched = chain[chain.length - trustedProxyHops];
    if (vouched) return vouched;
  }
  const env = c.env as
    | { incoming?: { socket?: { remoteAddress?: string } }; requestContext?: { http?: { sourceIp?: string } } }
    | undefined;
  return env?.requestContext?.http?.sourceIp ?? env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/**
 * How the per-IP limit finds a request's client: behind CloudFront, the
 * viewer address CloudFront forwards (`CloudFront-Viewer-Address`), but only
 * on a request that presents the stage's origin secret in
 * `x-streamctl-origin-secret` (checked in constant time); on any other
 * request, and when the header is malformed, {@link clientIp}.
 *
 * @example
 * ```ts
 * const address = clientAddress({ originSecret: process.env.ORIGIN_SECRET });
 * const ip = await address(c);
 * ```
 */
export function clientAddress(
  options: { trustedProxyHops?: number; originSecret?: OriginSecret } = {},
): (c: Context) => string | Promise<string> {
  const transport = (c: Context) => clientIp(c, options.trustedProxyHops);
  if (options.originSecret === undefined) return transport;
  const fromEdge = createOriginCheck(options.originSecret);
  return async (c) => {
    const presented = c.req.header(ORIGIN_SECRET_HEADER);
    if (!presented) return transport(c);
    const viewer = (await fromEdge(presented)) ? parseViewerAddress(c.req.header(VIEWER_ADDRESS_HEADER)) : undefined;
    return viewer ?? transport(c);
  };
}

/**
 * Sets a header on the response a handler made. `c.header` after the handler
 * remakes the response around its body as a stream (the Node adapter then
 * copies every answer through it); the handler's own headers are mutable,
 * so they are set in place, and only a response whose headers are not (one
 * fetched, or a redirect) is remade.
 */
function headerAfter(c: Context, name: string, value: string, append = false): void {
  try {
    if (append) c.res.headers.append(name, value);
    else c.res.headers.set(name, value);
  } catch {
    c.header(name, value, { append });
  }
}

/** Says which Region served each response (`x-streamctl-region`). */
export const servedBy =
  (region: string): MiddlewareHandler<Env> =>
  async (c, next) => {
    await next();
    headerAfter(c, 'x-streamctl-region', region);
  };

/** An origin on this machine: http on a loopback address, any port. */
const LOOPBACK_ORIGIN = /^http:\/\/(127(?:\.\d{1,3}){3}|localhost|\[::1\])(?::\d{1,5})?$/;

/**
 * CORS: preflights answered by Hono's middleware; on every other request the
 * headers are added to the handler's response in place (see headerAfter),
 * so it is sent as it was made.
 */
export const corsHeaders = (origins: string[] | '*', loopbackOnly: readonly string[] = []): MiddlewareHandler<Env> => {
  const preflight = cors({ origin: origins, allowHeaders: ['Authorization', 'Content-Type'], maxAge: 600 });
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    await next();
    const origin = c.req.header('origin');
    if (loopbackOnly.includes(c.req.path)) {
      // Only pages on this machine may read these answers (a dev token), never any web page.
      if (origin && LOOPBACK_ORIGIN.test(origin)) headerAfter(c, 'Access-Control-Allow-Origin', origin);
      headerAfter(c, 'Vary', 'Origin', true);
    } else if (origins === '*') headerAfter(c, 'Access-Control-Allow-Origin', '*');
    else {
      if (origin && origins.includes(origin)) headerAfter(c, 'Access-Control-Allow-Origin', origin);
      headerAfter(c, 'Vary', 'Origin', true);
    }
  };
};

/**
 * One JSON log entry per request. Logs outlive an erasure, so they name no viewer: the viewer is
 * a pseudonym (`pseudonym(userId)`, a hash) and the route its pattern (`/v1/sessions/:sessionId`),
 * never the ids in the path.
 */
export const requestLog =
  (log: (entry: Record<string, unknown>) => void, pseudonym: (userId: string) => string): MiddlewareHandler<Env> =>
  async (c, next) => {
    const started = performance.now();
    await next();
    const userId = c.get('viewer')?.userId;
    log({
      level: c.res.status >= 500 ? 'ERROR' : 'INFO',
      message: 'request',
      requestId: c.get('requestId'),
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      durationMs: Math.round(performance.now() - started),
      ...(userId ? { viewer: pseudonym(userId) } : {}),
    });
  };

/** Per-IP token buckets keyed on `address` (see {@link clientAddress}), shared through `store` when there is one. */
export const ipRateLimit = (
  limit: RateLimit,
  address: (c: Context) => string | Promise<string>,
  store?: RateLimitStore,
): MiddlewareHandler<Env> => {
  const limiter = createSharedRateLimiter(limit, 'ip', store);
  return async (c, next) => {
    const retry = await limiter.take(await address(c));
    if (retry > 0) throw new RateLimitedError('Too many requests from this address', retry);
    await next();
  };
};

/** A JSON or text body: the only kinds the API reads. */
const TEXT_BODY = /^(application\/(?:[\w.+-]+\+)?json|text\/)/i;

/**
 * Reads a body from Node's request as text, refusing it once it passes `maxBytes` (the declared
 * length is checked before anything is read).
 */
async function readNodeBody(incoming: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(incoming.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new PayloadTooLargeError(`The body is larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of incoming) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw new PayloadTooLargeError(`The body is larger than ${maxBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof PayloadTooLargeError) throw err;
    throw new ValidationError('The body did not arrive whole', [{ path: '', message: 'send the request again' }]);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/**
 * Bodies over the limit get a 413 in the one error shape. Requests that carry
 * no body (GET, HEAD) pass untouched: looking for a body makes the Node
 * adapter build a full Request for every call. On Node a JSON or text body
 * is read here, straight from the socket's stream, into the request's body
 * cache (what `c.req.json()` and the validators read): the adapter's full
 * Request, a web stream over Node's, costs more than the rest of a small
 * call. Other bodies, and every body on Lambda, are limited by Hono's
 * middleware.
 */
export const bodySizeLimit = (maxBytes: number): MiddlewareHandler<Env> => {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(`The body is larger than ${maxBytes} bytes`);
    },
  });
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
    if (!(incoming instanceof IncomingMessage) || !TEXT_BODY.test(c.req.header('content-type') ?? '')) {
      return limit(c, next);
    }
    // The cache holds promises (Hono's own body limit fills it the same way; its type says values).
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(await readNodeBody(incoming, maxBytes));
    return next();
  };
};

/** Bearer authentication: the platform makes the viewer; then per-user token buckets, shared through `store`. */
export const authenticate = (
  platform: HttpPlatform,
  userLimit: RateLimit,
  store?: RateLimitStore,
): MiddlewareHandler<Env> => {
  const limiter = createSharedRateLimiter(userLimit, 'user', store);
  return async (c, next) => {
    const token = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) throw new UnauthorizedError('A bearer token is required');
    const viewer = await platform.authenticate(token);
    const retry = await limiter.take(viewer.userId);
    if (retry > 0) throw new RateLimitedError('Too many requests for this user', retry);
    c.set('viewer', viewer);
    await next();
  };
};
