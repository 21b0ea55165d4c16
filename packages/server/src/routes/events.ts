/** `POST /v1/events`: a viewer's batch of engagement events. */
import { createRoute } from '@hono/zod-openapi';
import { EventsBodySchema, EventsResultSchema, MAX_EVENTS_PER_BATCH } from '@streamctl/sdk/contract';
import { ValidationError } from '@streamctl/sdk/errors';
import type { HttpApp, HttpPlatform } from '../context.js';
import { json, NoQuery, secured, viewerErrors } from './shared.js';

const events = createRoute({
  method: 'post',
  path: '/v1/events',
  summary: `Up to ${MAX_EVENTS_PER_BATCH} engagement events`,
  ...secured,
  request: { query: NoQuery, body: { content: json(EventsBodySchema), required: true } },
  responses: {
    202: { description: 'accepted and rejected by index', content: json(EventsResultSchema) },
    ...viewerErrors,
  },
});

/** Mounts the events route. The body is read here so that a body that is not JSON is a 400. */
export function eventsRoutes(app: HttpApp, platform: HttpPlatform): void {
  app.use(events.getRoutingPath(), async (c, next) => {
    if (c.req.method !== 'POST') return next();
    try {
      await c.req.json();
    } catch {
      throw new ValidationError('The body is not JSON', [{ path: '', message: 'not JSON' }]);
    }
    return next();
  });
  app.openapi(events, async (c) => c.json(await platform.events.accept(c.get('viewer'), c.req.valid('json')), 202));
}
