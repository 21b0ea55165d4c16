import { generateKeyPairSync } from 'node:crypto';
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
    process.env.STREAMCTL_JWT_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example';
    process.env.STREAMCTL_CDN_URL = 'https://d111111abcdef8.cloudfront.net';
    process.env.STREAMCTL_CF_KEY_PAIR_ID = 'K2JCJMDEHXQW5F';
    process.env.STREAMCTL_CF_PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
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
    const result = (await handler(httpApiEvent('DELETE', '/v2/unknown'), {} as Context)) as {
      statusCode: number;
      body: string;
    };
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body)).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for DELETE /v2/unknown' },
    });
  });
});
