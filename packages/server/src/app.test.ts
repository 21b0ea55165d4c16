import type { HealthReport } from '@streamctl/sdk';
import { NotFoundError, ValidationError } from '@streamctl/sdk/errors';
import { describe, expect, it } from 'vitest';
import { createHttpApp } from './app.js';
import { serveNode } from './node.js';

function report(healthy: boolean): HealthReport {
  return {
    stage: 'test',
    region: 'us-east-1',
    healthy,
    checkedAt: '2026-11-24T00:00:00.000Z',
    parts: [{ name: 'dynamodb', ok: healthy, endpoint: undefined, latencyMs: 1, resources: [] }],
  };
}

describe('createHttpApp', () => {
  it('GET /health answers 200 with the report when healthy and 503 when not', async () => {
    const healthy = createHttpApp({ health: async () => report(true) });
    const ok = await healthy.request('/health');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(report(true));
    const sick = createHttpApp({ health: async () => report(false) });
    expect((await sick.request('/health')).status).toBe(503);
  });

  it('unknown routes answer a 404 error body', async () => {
    const app = createHttpApp({ health: async () => report(true) });
    const res = await app.request('/v1/nope', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for POST /v1/nope' } });
  });

  it('maps StreamctlErrors to their status and other errors to a 500 without details', async () => {
    const cases: Array<[() => never, number, string]> = [
      [
        () => {
          throw new ValidationError('bad input');
        },
        400,
        'VALIDATION_FAILED',
      ],
      [
        () => {
          throw new NotFoundError('no such title');
        },
        404,
        'NOT_FOUND',
      ],
      [
        () => {
          throw new Error('secret internals');
        },
        500,
        'INTERNAL',
      ],
    ];
    for (const [fail, status, code] of cases) {
      const app = createHttpApp({ health: async () => fail() });
      const original = console.error;
      console.error = () => {};
      const res = await app.request('/health');
      console.error = original;
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).not.toContain('secret');
    }
  });

  it('GET /openapi.json lists the routes it serves', async () => {
    const app = createHttpApp({ health: async () => report(true) });
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: object };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(['/health', '/openapi.json']);
  });

  it('serves on Node and stops', async () => {
    const server = await serveNode(createHttpApp({ health: async () => report(true) }));
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    await server.stop();
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
});
