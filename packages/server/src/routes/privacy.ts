/**
 * The caller's privacy: their consent to personalization, the export of
 * everything held about them, and the erasure of their account's data.
 * Each route calls one use case of the SDK's privacy capability with the
 * viewer the token names; there is no way to name anyone else.
 */
import { createRoute } from '@hono/zod-openapi';
import { ConsentBodySchema, ConsentSchema, ErasureAcceptedSchema, ViewerExportSchema } from '@streamctl/sdk/contract';
import type { HttpApp, HttpPlatform } from '../context.js';
import { json, NoQuery, secured, viewerErrors } from './shared.js';

const consent = createRoute({
  method: 'get',
  path: '/v1/me/consent',
  summary: "The caller's consent to personalization (their choice, or the default for their country)",
  ...secured,
  request: { query: NoQuery },
  responses: { 200: { description: 'consent', content: json(ConsentSchema) }, ...viewerErrors },
});

const setConsent = createRoute({
  method: 'put',
  path: '/v1/me/consent',
  summary: 'Turn personalization on or off; off forgets what was learnt, and the home page follows within seconds',
  ...secured,
  request: {
    query: NoQuery,
    body: { required: true, content: json(ConsentBodySchema) },
  },
  responses: { 200: { description: 'consent', content: json(ConsentSchema) }, ...viewerErrors },
});

const exportMe = createRoute({
  method: 'get',
  path: '/v1/me/export',
  summary: 'Everything the platform holds about the caller, with a manifest of the stores read',
  ...secured,
  request: { query: NoQuery },
  responses: { 200: { description: 'the export', content: json(ViewerExportSchema) }, ...viewerErrors },
});

const eraseMe = createRoute({
  method: 'delete',
  path: '/v1/me',
  summary: "Erase the caller's data from every store; late events are dropped by a tombstone",
  ...secured,
  request: { query: NoQuery },
  responses: { 202: { description: 'erasure accepted', content: json(ErasureAcceptedSchema) }, ...viewerErrors },
});

/** Mounts the privacy routes. */
export function privacyRoutes(app: HttpApp, platform: HttpPlatform): void {
  app.openapi(consent, async (c) => c.json(await platform.privacy.consent(c.get('viewer')), 200));
  app.openapi(setConsent, async (c) =>
    c.json(await platform.privacy.setConsent(c.get('viewer'), c.req.valid('json').personalization), 200),
  );
  app.openapi(exportMe, async (c) => {
    c.header('content-disposition', 'attachment; filename="streamctl-export.json"');
    const viewer = c.get('viewer');
    return c.json(await platform.privacy.export(viewer.userId, { country: viewer.country }), 200);
  });
  app.openapi(eraseMe, async (c) => {
    const record = await platform.privacy.erase(c.get('viewer').userId);
    return c.json({ erasureId: record.erasureId, status: record.status }, 202);
  });
}
