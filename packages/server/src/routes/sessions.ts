/**
 * The viewer's devices, playback sessions and viewing history. Each route
 * parses, calls one use case with the viewer, and answers its result; who
 * may see or end what is decided in the SDK.
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  DevicesSchema,
  EndedSchema,
  HistoryPageSchema,
  HistoryQuerySchema,
  IdSchema,
  PlaybackGrantSchema,
  RemovedSchema,
  SessionIdSchema,
  SessionsSchema,
} from '@streamctl/sdk/contract';
import type { HttpApp, HttpPlatform } from '../context.js';
import { grantAnswer, json, NoQuery, secured, viewerErrors } from './shared.js';

const SessionParams = z.object({ sessionId: SessionIdSchema });
const DeviceParams = z.object({ deviceId: IdSchema });

const devices = createRoute({
  method: 'get',
  path: '/v1/devices',
  summary: "The caller's registered devices, most recently seen first",
  ...secured,
  request: { query: NoQuery },
  responses: { 200: { description: 'devices', content: json(DevicesSchema) }, ...viewerErrors },
});

const removeDevice = createRoute({
  method: 'delete',
  path: '/v1/devices/{deviceId}',
  summary: 'Remove a device; its sessions end at once (idempotent)',
  ...secured,
  request: { params: DeviceParams, query: NoQuery },
  responses: { 200: { description: 'removed', content: json(RemovedSchema) }, ...viewerErrors },
});

const sessions = createRoute({
  method: 'get',
  path: '/v1/sessions',
  summary: "The caller's active playback sessions, oldest first",
  ...secured,
  request: { query: NoQuery },
  responses: { 200: { description: 'sessions', content: json(SessionsSchema) }, ...viewerErrors },
});

const heartbeat = createRoute({
  method: 'put',
  path: '/v1/sessions/{sessionId}',
  summary: 'Heartbeat: keeps the session alive and renews its grant (404 once it ended)',
  ...secured,
  request: { params: SessionParams, query: NoQuery },
  responses: { 200: { description: 'the renewed grant', content: json(PlaybackGrantSchema) }, ...viewerErrors },
});

const endSession = createRoute({
  method: 'delete',
  path: '/v1/sessions/{sessionId}',
  summary: "End one of the caller's sessions (idempotent)",
  ...secured,
  request: { params: SessionParams, query: NoQuery },
  responses: { 200: { description: 'ended', content: json(EndedSchema) }, ...viewerErrors },
});

const history = createRoute({
  method: 'get',
  path: '/v1/history',
  summary: "The caller's viewing history of a month, most recent first",
  ...secured,
  request: { query: HistoryQuerySchema },
  responses: { 200: { description: 'a page', content: json(HistoryPageSchema) }, ...viewerErrors },
});

/** Mounts the devices, sessions and history routes. */
export function sessionRoutes(app: HttpApp, platform: HttpPlatform): void {
  app.openapi(devices, async (c) => c.json({ items: await platform.sessions.devices(c.get('viewer').userId) }, 200));
  app.openapi(removeDevice, async (c) =>
    c.json(
      { removed: await platform.sessions.removeDevice(c.get('viewer').userId, c.req.valid('param').deviceId) },
      200,
    ),
  );
  app.openapi(sessions, async (c) => {
    const items = await platform.sessions.list(c.get('viewer').userId);
    return c.json({ items: items.map(({ userId: _owner, ...session }) => session) }, 200);
  });
  app.openapi(heartbeat, async (c) =>
    c.json(grantAnswer(c, await platform.playback.renew(c.get('viewer'), c.req.valid('param').sessionId)), 200),
  );
  app.openapi(endSession, async (c) =>
    c.json({ ended: await platform.sessions.end(c.get('viewer'), c.req.valid('param').sessionId) }, 200),
  );
  app.openapi(history, async (c) => c.json(await platform.lists.history(c.get('viewer'), c.req.valid('query')), 200));
}
