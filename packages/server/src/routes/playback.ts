/** `POST /v1/playback/:titleId`: the viewer's playback grant. */
import { createRoute, z } from '@hono/zod-openapi';
import { DeviceInputSchema, ErrorBodySchema, IdSchema, PlaybackGrantSchema } from '@streamctl/sdk/contract';
import { ValidationError } from '@streamctl/sdk/errors';
import type { HttpApp, HttpPlatform } from '../context.js';
import { grantAnswer, json, NoQuery, secured, viewerErrors } from './shared.js';

const grant = createRoute({
  method: 'post',
  path: '/v1/playback/{titleId}',
  summary:
    'A playback session on the device in the body, and a signed manifest URL (and cookies) for an entitled viewer; 409 STREAM_LIMIT names the active sessions',
  ...secured,
  request: {
    params: z.object({ titleId: IdSchema }),
    query: NoQuery,
    body: { content: json(DeviceInputSchema), required: false },
  },
  responses: {
    200: { description: 'grant', content: json(PlaybackGrantSchema) },
    ...viewerErrors,
    409: { description: 'stream or device limit reached', content: json(ErrorBodySchema) },
  },
});

/**
 * Mounts the playback route. The body (the device) is optional: a client that sends none plays
 * as the account's unnamed device. A body that is sent must be JSON.
 */
export function playbackRoutes(app: HttpApp, platform: HttpPlatform): void {
  app.use(grant.getRoutingPath(), async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const isJson = /^application\/json\b/i.test(c.req.header('content-type') ?? '');
    const length = c.req.header('content-length');
    const sent = length === undefined ? c.req.header('transfer-encoding') !== undefined : Number(length) > 0;
    // No body: the account's unnamed device. A body that would not be read is refused rather than ignored.
    if (!isJson) {
      if (!sent) return next();
      throw new ValidationError('The body must be application/json', [
        { path: '', message: 'send content-type: application/json' },
      ]);
    }
    // Parsed once here (the route's validator reads the same parse): a body that is not JSON,
    // or an empty one, is a 400 in the one error shape.
    try {
      await c.req.json();
    } catch {
      throw new ValidationError('The body is not JSON', [{ path: '', message: 'send a device as JSON, or no body' }]);
    }
    return next();
  });
  app.openapi(grant, async (c) => {
    // Without a body the validator answers an empty object: no device named.
    const body = c.req.valid('json') as Partial<z.infer<typeof DeviceInputSchema>> | undefined;
    const device = body && 'deviceId' in body ? (body as z.infer<typeof DeviceInputSchema>) : undefined;
    const grant = await platform.playback.grant(c.get('viewer'), c.req.valid('param').titleId, device);
    return c.json(grantAnswer(c, grant), 200);
  });
}
