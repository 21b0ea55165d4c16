/** `POST /v1/playback/:titleId`: the viewer's playback grant. */
import { createRoute, z } from '@hono/zod-openapi';
import { IdSchema, PlaybackGrantSchema } from '@streamctl/sdk/contract';
import type { HttpApp, HttpPlatform } from '../context.js';
import { json, NoQuery, secured, viewerErrors } from './shared.js';

const grant = createRoute({
  method: 'post',
  path: '/v1/playback/{titleId}',
  summary: 'A signed manifest URL (and cookies) for an entitled viewer',
  ...secured,
  request: { params: z.object({ titleId: IdSchema }), query: NoQuery },
  responses: { 200: { description: 'grant', content: json(PlaybackGrantSchema) }, ...viewerErrors },
});

/** Mounts the playback route. */
export function playbackRoutes(app: HttpApp, platform: HttpPlatform): void {
  app.openapi(grant, async (c) =>
    c.json(await platform.playback.grant(c.get('viewer'), c.req.valid('param').titleId), 200),
  );
}
