import { generateKeyPairSync } from 'node:crypto';
import * as secretsManager from '@aws-sdk/client-secrets-manager';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startRedis } from '../../../scripts/redis.mjs';
import { modelProblems } from '../../../test/aws-model.js';
import type { handler } from './lambda.js';

/** The event type the handler takes (Hono's own v2 event shape). */
type APIGatewayProxyEventV2 = Extract<Parameters<typeof handler>[0], { version: string; rawPath: string }>;

type Result = { statusCode: number; body: string; headers: Record<string, string> };

function httpApiEvent(method: string, path: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.com', 'x-forwarded-proto': 'https', ...headers },
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

const pem = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('Lambda handler secrets: read at run time from Secrets Manager, never from the environment', () => {
  const sm = mockClient(SecretsManagerClient);
  const saved = { ...process.env };
  const SIGNING = 'streamctl/prod/cloudfront-signing';
  const ORIGIN = 'streamctl/prod/origin-secret';
  const key = { keyPairId: 'K2JCJMDEHXQW5F', privateKey: pem() };
  /** A fresh module per test: every execution environment starts with nothing read. */
  const fresh = async () => {
    vi.resetModules();
    return (await import('./lambda.js')).handler;
  };
  const calls = (secretId: string) =>
    sm.commandCalls(GetSecretValueCommand).filter((c) => c.args[0].input.SecretId === secretId);

  beforeEach(() => {
    process.env = { ...saved };
    process.env.STREAMCTL_STAGE = 'prod';
    process.env.AWS_REGION = 'eu-west-1';
    process.env.STREAMCTL_JWT_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example';
    process.env.STREAMCTL_CDN_URL = 'https://d111111abcdef8.cloudfront.net';
    process.env.STREAMCTL_CF_SIGNING_SECRET_ID = SIGNING;
    delete process.env.STREAMCTL_CF_KEY_PAIR_ID;
    delete process.env.STREAMCTL_CF_PRIVATE_KEY;
    delete process.env.STREAMCTL_ORIGIN_SECRET_ID;
    sm.reset();
    sm.on(GetSecretValueCommand, { SecretId: SIGNING }).resolves({ SecretString: JSON.stringify(key) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(() => {
    process.env = saved;
    sm.restore();
  });

  it('reads the signing key once per execution environment, with a request that fits the Secrets Manager model', async () => {
    const handle = await fresh();
    for (let i = 0; i < 3; i++) {
      const result = (await handle(httpApiEvent('GET', '/openapi.json'), {} as Context)) as Result;
      expect(result.statusCode).toBe(200);
    }
    expect(calls(SIGNING)).toHaveLength(1);
    const input = calls(SIGNING)[0]?.args[0].input;
    expect(input).toEqual({ SecretId: SIGNING });
    expect(modelProblems(input, secretsManager.GetSecretValueRequest$)).toEqual([]);
  });

  it('reads a rotated key after five minutes and keeps serving, also when the new value is unusable', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const handle = await fresh();
    expect(((await handle(httpApiEvent('GET', '/live'), {} as Context)) as Result).statusCode).toBe(200);
    sm.on(GetSecretValueCommand, { SecretId: SIGNING }).resolves({ SecretString: '{"keyPairId":"K2"}' });
    vi.setSystemTime(Date.now() + 301_000);
    for (let i = 0; i < 2; i++)
      expect(((await handle(httpApiEvent('GET', '/live'), {} as Context)) as Result).statusCode).toBe(200);
    expect(calls(SIGNING)).toHaveLength(2);
    sm.on(GetSecretValueCommand, { SecretId: SIGNING }).resolves({
      SecretString: JSON.stringify({ keyPairId: 'K3ROTATED', privateKey: pem() }),
    });
    vi.setSystemTime(Date.now() + 301_000);
    expect(((await handle(httpApiEvent('GET', '/live'), {} as Context)) as Result).statusCode).toBe(200);
    expect(calls(SIGNING)).toHaveLength(3);
  });

  it('a new environment without its key fails with an error naming the secret, and asks again only after a minute', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    sm.on(GetSecretValueCommand, { SecretId: SIGNING }).rejects(
      new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }),
    );
    const handle = await fresh();
    for (let i = 0; i < 3; i++) {
      await expect(handle(httpApiEvent('GET', '/live'), {} as Context)).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(SIGNING),
      });
    }
    expect(calls(SIGNING)).toHaveLength(1);
    vi.setSystemTime(Date.now() + 61_000);
    sm.on(GetSecretValueCommand, { SecretId: SIGNING }).resolves({ SecretString: JSON.stringify(key) });
    expect(((await handle(httpApiEvent('GET', '/live'), {} as Context)) as Result).statusCode).toBe(200);
    expect(calls(SIGNING)).toHaveLength(2);
  });

  it('reads a key set as streamctl keys writes it; a set whose active key is not listed is refused, naming the rule', async () => {
    const at = '2026-12-01T00:00:00.000Z';
    const set = {
      keyGroupId: '1f2e3d4c-5b6a-4789-9abc-def012345678',
      active: 'KACTIVE000001',
      keys: [
        { keyPairId: 'KRETIRING0001', privateKey: pem(), createdAt: at, activatedAt: at, retireAfter: at },
        { keyPairId: 'KACTIVE000001', privateKey: pem(), createdAt: at, activatedAt: at },
      ],
    };
    sm.on(GetSecretValueCommand, { SecretId: SIGNING }).resolves({ SecretString: JSON.stringify(set) });
    expect(((await (await fresh())(httpApiEvent('GET', '/live'), {} as Context)) as Result).statusCode).toBe(200);
    sm.on(GetSecretValueCommand, { SecretId: SIGNING }).resolves({
      SecretString: JSON.stringify({ ...set, active: 'KNOTINTHESET1' }),
    });
    const error = (await (
      await fresh()
    )(httpApiEvent('GET', '/live'), {} as Context).catch((err: unknown) => err)) as Error;
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(error.message).toContain(`${SIGNING} is not valid: active: KNOTINTHESET1 is not one of the keys`);
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it('a malformed signing secret is refused without its value in the message', async () => {
    const leaked = 'not-json-but-very-secret';
    sm.on(GetSecretValueCommand, { SecretId: SIGNING }).resolves({ SecretString: leaked });
    const handle = await fresh();
    const error = (await handle(httpApiEvent('GET', '/live'), {} as Context).catch((err: unknown) => err)) as Error;
    expect(error.message).toContain(SIGNING);
    expect(error.message).not.toContain(leaked);
  });

  it('with the origin secret, the per-IP limit keys on the viewer CloudFront names; without it, on the source IP', async () => {
    process.env.STREAMCTL_ORIGIN_SECRET_ID = ORIGIN;
    process.env.STREAMCTL_RATE_LIMIT_IP_PER_SECOND = '0.01';
    process.env.STREAMCTL_RATE_LIMIT_IP_BURST = '1';
    sm.on(GetSecretValueCommand, { SecretId: ORIGIN }).resolves({ SecretString: 'generated-origin-secret' });
    const handle = await fresh();
    const status = async (headers: Record<string, string>) =>
      ((await handle(httpApiEvent('GET', '/live', headers), {} as Context)) as Result).statusCode;
    const edge = (viewer: string) => ({
      'x-streamctl-origin-secret': 'generated-origin-secret',
      'cloudfront-viewer-address': viewer,
    });
    // Every event comes from one source IP (203.0.113.7), as from one CloudFront server.
    expect(await status(edge('198.51.100.1:4000'))).toBe(200);
    expect(await status(edge('198.51.100.2:4000'))).toBe(200);
    expect(await status(edge('198.51.100.1:4001'))).toBe(429);
    expect(calls(ORIGIN)).toHaveLength(1);
    expect(calls(ORIGIN)[0]?.args[0].input).toEqual({ SecretId: ORIGIN });
    // A spoofer calling the API directly shares the source IP's bucket, whatever it claims.
    expect(await status({ 'cloudfront-viewer-address': '192.0.2.9:1' })).toBe(200);
    expect(await status({ 'cloudfront-viewer-address': '192.0.2.10:1', 'x-streamctl-origin-secret': 'guess' })).toBe(
      429,
    );
  });
});

describe('Lambda handler Redis: the AUTH token from Secrets Manager, never from the environment', () => {
  const sm = mockClient(SecretsManagerClient);
  const saved = { ...process.env };
  const SIGNING = 'streamctl/prod/cloudfront-signing';
  const REDIS_AUTH = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:RedisAuth-AbCdEf';
  const TOKEN = 'generatedRedisAuthToken0123456789abcdefABCDEF';
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  let url = '';

  beforeAll(async () => {
    // As ElastiCache with an AUTH token: nothing is answered before AUTH.
    redis = await startRedis({ args: ['--requirepass', TOKEN] });
    url = redis.url;
  });
  beforeEach(() => {
    process.env = { ...saved };
    process.env.STREAMCTL_STAGE = 'prod';
    process.env.AWS_REGION = 'eu-west-1';
    process.env.STREAMCTL_JWT_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example';
    process.env.STREAMCTL_CDN_URL = 'https://d111111abcdef8.cloudfront.net';
    process.env.STREAMCTL_CF_SIGNING_SECRET_ID = SIGNING;
    process.env.REDIS_URL = url;
    process.env.STREAMCTL_REDIS_AUTH_SECRET_ID = REDIS_AUTH;
    sm.reset();
    sm.on(GetSecretValueCommand, { SecretId: SIGNING }).resolves({
      SecretString: JSON.stringify({ keyPairId: 'K2JCJMDEHXQW5F', privateKey: pem() }),
    });
  });
  afterAll(() => {
    process.env = saved;
    sm.restore();
    return redis?.stop();
  });

  const keysInRedis = async () => {
    const inspect = new Redis(url, { password: TOKEN });
    try {
      return await inspect.keys('streamctl:*');
    } finally {
      inspect.disconnect();
    }
  };

  it('connects with the token read from the secret: the rate-limit buckets land in Redis', async () => {
    sm.on(GetSecretValueCommand, { SecretId: REDIS_AUTH }).resolves({ SecretString: TOKEN });
    vi.resetModules();
    const { handler } = await import('./lambda.js');
    const result = (await handler(httpApiEvent('GET', '/live'), {} as Context)) as Result;
    expect(result.statusCode).toBe(200);
    expect((await keysInRedis()).length).toBeGreaterThan(0);
    const reads = sm.commandCalls(GetSecretValueCommand).filter((c) => c.args[0].input.SecretId === REDIS_AUTH);
    expect(reads.map((c) => c.args[0].input)).toEqual([{ SecretId: REDIS_AUTH }]);
    // The token is nowhere in the environment: only the secret's id is.
    expect(Object.values(process.env)).not.toContain(TOKEN);
  });

  it('a new environment that cannot read the token fails, naming the secret', async () => {
    sm.on(GetSecretValueCommand, { SecretId: REDIS_AUTH }).rejects(
      new ResourceNotFoundException({ message: 'no such secret', $metadata: {} }),
    );
    vi.resetModules();
    const { handler } = await import('./lambda.js');
    const error = (await handler(httpApiEvent('GET', '/live'), {} as Context).catch((err: unknown) => err)) as Error;
    expect(error.message).toContain(REDIS_AUTH);
  });
});
