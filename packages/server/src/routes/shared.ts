/** Pieces every route definition uses: JSON content, the error answers, security. */
import { z } from '@hono/zod-openapi';
import { ErrorBodySchema } from '@streamctl/sdk/contract';
import { grantSetCookies, type PlaybackGrant } from '@streamctl/sdk/playback';
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import type { Env } from '../context.js';

/** A JSON body of a schema. */
export const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

/** Routes that take no query parameters refuse any. */
export const NoQuery = z.object({}).strict();

const error = (description: string) => ({ description, content: json(ErrorBodySchema) });

/** The error answers of every `/v1/*` route. */
export const viewerErrors = {
  400: error('bad input'),
  401: error('missing or invalid token'),
  403: error('not entitled'),
  404: error('unknown (or not visible to the viewer)'),
  413: error('body too large'),
  429: error('rate limited; see Retry-After'),
} as const;

/** Bearer-token routes. */
export const secured = { security: [{ bearer: [] }] };

/** Bodies of values served again and again, by the value. */
const serialized = new WeakMap<object, string>();

/**
 * A 200 JSON answer of a value the SDK hands out unchanged to many requests (a cached home
 * page: the SDK's caches hold values that are never changed), serialized once per value
 * rather than once per request. A new value is a new body.
 */
export function sharedJson<T extends object>(
  c: Context,
  value: T,
): Response & TypedResponse<JSONParsed<T>, 200, 'json'> {
  let text = serialized.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    serialized.set(value, text);
  }
  // The same answer c.json makes of the value, typed as that.
  return c.body(text, 200, { 'content-type': 'application/json' }) as unknown as Response &
    TypedResponse<JSONParsed<T>, 200, 'json'>;
}

/**
 * A grant as its caller should get it: through the edge (the page, the API and the media share
 * one origin), its CloudFront cookies go in `Set-Cookie` headers a script cannot read and leave
 * the JSON; any other caller (a native player, a script) gets them in the JSON.
 */
export function grantAnswer<G extends Pick<PlaybackGrant, 'cookies' | 'expiresAt' | 'manifestUrl'>>(
  c: Context<Env>,
  grant: G,
): G | Omit<G, 'cookies'> {
  if (!c.get('viaEdge')) return grant;
  const https =
    new URL(c.req.url).protocol === 'https:' ||
    c.req.header('cloudfront-forwarded-proto') === 'https' ||
    c.req.header('x-forwarded-proto') === 'https';
  for (const header of grantSetCookies(grant, { secure: https })) c.header('Set-Cookie', header, { append: true });
  c.header('Cache-Control', 'no-store');
  const { cookies: _sent, ...rest } = grant;
  return rest;
}
