import { NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { clientSettings, createAwsClients, EMULATOR_CREDENTIALS, fullJitterDelay, RETRY_CAP_MS } from './index.js';

const config = (flags: object) => resolveConfig({ flags, env: {}, configFile: false });

describe('fullJitterDelay', () => {
  it('stays within [0, min(cap, base * 2^attempt))', () => {
    expect(fullJitterDelay(3, () => 0)).toBe(0);
    expect(fullJitterDelay(3, () => 0.999999)).toBe(799);
    expect(fullJitterDelay(30, () => 0.999999)).toBe(RETRY_CAP_MS - 1);
    for (let i = 0; i < 200; i++) {
      const delay = fullJitterDelay(4);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(1600);
    }
  });
});

describe('clientSettings', () => {
  it('gives emulator endpoints fixed credentials, HTTP/1.1 and path-style S3', async () => {
    const c = {
      ...(await config({ region: 'eu-west-1', maxAttempts: 4 })),
      endpoints: { kinesis: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:2' },
    };
    const kinesis = clientSettings(c, 'kinesis');
    expect(kinesis).toMatchObject({
      region: 'eu-west-1',
      maxAttempts: 4,
      endpoint: 'http://127.0.0.1:1',
      credentials: EMULATOR_CREDENTIALS,
    });
    expect(kinesis.requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect(clientSettings(c, 's3').forcePathStyle).toBe(true);
  });

  it('keeps the credential chain for one endpoint override (LocalStack)', async () => {
    const settings = clientSettings(await config({ endpointUrl: 'http://localhost:4566' }), 'dynamodb');
    expect(settings.endpoint).toBe('http://localhost:4566');
    expect(typeof settings.credentials).toBe('function');
    expect(settings.requestHandler).toBeInstanceOf(NodeHttpHandler);
  });

  it('leaves AWS endpoints and transport alone otherwise', async () => {
    const settings = clientSettings(await config({}), 's3');
    expect(settings.endpoint).toBeUndefined();
    expect(settings.requestHandler).toBeUndefined();
    expect(settings.forcePathStyle).toBeUndefined();
  });

  it('creates each client once, and anew after destroy()', async () => {
    const clients = createAwsClients(await config({}));
    const first = clients.kinesis();
    expect(clients.kinesis()).toBe(first);
    clients.destroy();
    expect(clients.kinesis()).not.toBe(first);
    clients.destroy();
  });
});
