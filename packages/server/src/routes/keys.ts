/** `GET /v1/keys/:titleId/:keyId`: a content key of an AES-128 title, for a viewer who is playing it. */
import { createRoute, z } from '@hono/zod-openapi';
import { IdSchema } from '@streamctl/sdk/contract';
import type { HttpApp, HttpPlatform } from '../context.js';
import { NoQuery, secured, viewerErrors } from './shared.js';

const key = createRoute({
  method: 'get',
  path: '/v1/keys/{titleId}/{keyId}',
  summary:
    "A 16-byte AES-128 content key, as the title's HLS playlists name it (`#EXT-X-KEY`), for a viewer entitled to the title with an active playback session of it; never cached",
  ...secured,
  request: {
    params: z.object({
      titleId: IdSchema,
      keyId: z.string().regex(/^[0-9a-f]{32}$/, 'a key id: 32 lowercase hex characters, as the playlist names it'),
    }),
    query: NoQuery,
  },
  responses: {
    200: {
      description: 'the key (16 bytes)',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...viewerErrors,
  },
});

/** Mounts the key route. The answer is the key's bytes, `Cache-Control: no-store`. */
export function keyRoutes(app: HttpApp, platform: HttpPlatform): void {
  app.openapi(key, async (c) => {
    const { titleId, keyId } = c.req.valid('param');
    const bytes = await platform.protection.delivery.deliver(c.get('viewer'), titleId, keyId);
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': 'application/octet-stream',
      'cache-control': 'no-store',
      pragma: 'no-cache',
    });
  });
}
