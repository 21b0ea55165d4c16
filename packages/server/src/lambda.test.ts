import type { Context } from 'aws-lambda';
import type { handler } from './lambda.js';

/** The event type the handler takes (Hono's own v2 event shape). */
type APIGatewayProxyEventV2 = Extract<Parameters<typeof handler>[0], { version: string; rawPath: string }>;

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function httpApiEvent(method: string, path: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.com', 'x-forwarded-proto': 'https' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '24/Nov/2026:12:00:00 +0000',
      timeEpoch: 1_795_000_000_000,
      authentication: null,
      authorizer: {},
    },
    body: null,
    isBase64Encoded: false,
  };
}

describe('Lambda handler (API Gateway HTTP API, payload v2)', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    // As the CDK app configures the function: a deployed stage, not the local one.
    process.env.STREAMCTL_STAGE = 'prod';
    process.env.AWS_REGION = 'eu-west-1';
  });
  afterAll(() => {
    process.env = saved;
  });

  it('serves routes through the same app', async () => {
    const { handler } = await import('./lambda.js');
    const result = (await handler(httpApiEvent('GET', '/openapi.json'), {} as Context)) as {
      statusCode: number;
      body: string;
      headers: Record<string, string>;
    };
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(result.body).openapi).toBe('3.1.0');
  });

  it('answers unknown routes with the error body', async () => {
    const { handler } = await import('./lambda.js');
    const result = (await handler(httpApiEvent('DELETE', '/v1/unknown'), {} as Context)) as {
      statusCode: number;
      body: string;
    };
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body)).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for DELETE /v1/unknown' },
    });
  });
});
