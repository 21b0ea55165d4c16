/** Health, liveness, the OpenAPI document and (local stage only) dev tokens. */
import { createRoute } from '@hono/zod-openapi';
import { DevTokenQuerySchema, DevTokenSchema, HealthSchema, LiveSchema } from '@streamctl/sdk/contract';
import type { HttpApp, HttpPlatform } from '../context.js';
import { json } from './shared.js';

const health = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Health of every dependency',
  responses: {
    200: { description: 'healthy', content: json(HealthSchema) },
    503: { description: 'unhealthy', content: json(HealthSchema) },
  },
});

const live = createRoute({
  method: 'get',
  path: '/live',
  summary: 'Liveness: the process answers, nothing behind it is checked',
  responses: { 200: { description: 'alive', content: json(LiveSchema) } },
});

/** Mints a dev token (the local stage's `streamctl token`, for a browser app's sign-in). */
export type DevTokenMinter = (
  userId: string,
  country: string,
  plan: string,
) => Promise<{ token: string; expiresAt: string }>;

/** Mounts health and liveness; `/dev/token` only when a minter is given (never on AWS). */
export function opsRoutes(app: HttpApp, platform: HttpPlatform, devTokens?: DevTokenMinter): void {
  app.openapi(health, async (c) => {
    // Anyone may ask: answer a report up to 5 s old rather than check every part per request.
    const report = await platform.health({ timeoutMs: 2_000, maxAgeMs: 5_000 });
    return report.healthy ? c.json(report, 200) : c.json(report, 503);
  });
  app.openapi(live, (c) => c.json({ status: 'ok' as const }, 200));
  if (devTokens) {
    const route = createRoute({
      method: 'get',
      path: '/dev/token',
      summary: 'Local stage only: a dev JWT for a user, country and plan',
      request: { query: DevTokenQuerySchema },
      responses: { 200: { description: 'token', content: json(DevTokenSchema) } },
    });
    app.openapi(route, async (c) => {
      const q = c.req.valid('query');
      return c.json(await devTokens(q.user, q.country, q.plan), 200);
    });
  }
}
