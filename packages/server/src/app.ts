/**
 * The HTTP app: one Hono app, served by Lambda (API Gateway HTTP API) and by
 * Node. Routes map HTTP to SDK calls and nothing more.
 */
import type { HealthReport, Platform } from '@streamctl/sdk';
import { ErrorCode, isStreamctlError } from '@streamctl/sdk/errors';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The body of every error response (SPEC §7). */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** What the app needs from the platform. */
export type HttpPlatform = Pick<Platform, 'health'>;

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'streamctl API', version: '1' },
  paths: {
    '/health': {
      get: {
        summary: 'Health of every dependency of this Region',
        responses: {
          '200': { description: 'every dependency healthy' },
          '503': { description: 'at least one dependency unhealthy' },
        },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
  },
  components: {
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * Creates the HTTP app over a platform.
 *
 * @example
 * ```ts
 * const app = createHttpApp(await loadPlatform());
 * const res = await app.request('/health');
 * ```
 */
export function createHttpApp(platform: HttpPlatform): Hono {
  const app = new Hono();

  app.get('/health', async (c) => {
    const report: HealthReport = await platform.health({ timeoutMs: 2_000 });
    return c.json(report, report.healthy ? 200 : 503);
  });

  app.get('/openapi.json', (c) => c.json(OPENAPI));

  app.notFound((c) => c.json(errorBody(ErrorCode.NotFound, `No route for ${c.req.method} ${c.req.path}`), 404));

  app.onError((err, c) => {
    if (isStreamctlError(err)) {
      return c.json(errorBody(err.code, err.message), err.httpStatus as ContentfulStatusCode);
    }
    const status = (err as { status?: number }).status;
    // Hono's own HTTPExceptions (malformed JSON and the like) are the caller's mistakes.
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return c.json(errorBody(ErrorCode.ValidationFailed, err.message), status as ContentfulStatusCode);
    }
    console.error(JSON.stringify({ level: 'ERROR', message: 'unhandled error', error: String(err), path: c.req.path }));
    return c.json(errorBody(ErrorCode.Internal, 'Internal error'), 500);
  });

  return app;
}
