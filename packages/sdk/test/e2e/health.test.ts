import { checkHealth, createAwsClients, type StreamctlConfig } from '@streamctl/sdk';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

describe(`health (${target.kind})`, () => {
  let config: StreamctlConfig;
  beforeAll(async () => {
    config = await targetConfig(target);
  });

  it('reports every part of the stage healthy, with each resource', async () => {
    const clients = createAwsClients(config);
    const report = await checkHealth(config, clients);
    clients.destroy();
    expect(report.healthy).toBe(true);
    // Every local Region reaches the one store that holds the control table.
    expect(report.routingRecordFrom).toEqual([config.region]);
    expect(report.parts.map((p) => p.name)).toEqual(['dynamodb', 'kinesis', 's3']);
    const resources = report.parts.flatMap((p) => p.resources.map((r) => r.name));
    expect(resources).toEqual([
      config.resources.catalogTable,
      config.resources.userStateTable,
      config.resources.platformTable,
      config.resources.controlTable,
      config.resources.eventsStream,
      config.resources.rawBucket,
      config.resources.cdnBucket,
    ]);
  });

  it('names a missing resource and keeps the rest of the report', async () => {
    const missing = { ...config, resources: { ...config.resources, userStateTable: 'streamctl-missing-user-state' } };
    const clients = createAwsClients(missing);
    const report = await checkHealth(missing, clients);
    clients.destroy();
    expect(report.healthy).toBe(false);
    const dynamodb = report.parts.find((p) => p.name === 'dynamodb');
    expect(dynamodb?.ok).toBe(false);
    expect(dynamodb?.error?.code).toBe('RESOURCE_NOT_FOUND');
    expect(dynamodb?.resources.find((r) => !r.ok)?.name).toBe('streamctl-missing-user-state');
    expect(report.parts.filter((p) => p.name !== 'dynamodb').every((p) => p.ok)).toBe(true);
  });

  it('reports an unreachable endpoint quickly instead of hanging', async () => {
    const dead = {
      ...config,
      endpoints: { dynamodb: 'http://127.0.0.1:9', kinesis: 'http://127.0.0.1:9', s3: 'http://127.0.0.1:9' },
    };
    const clients = createAwsClients(dead);
    const started = Date.now();
    const report = await checkHealth(dead, clients, { timeoutMs: 3_000 });
    clients.destroy();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(report.healthy).toBe(false);
    expect(report.parts.every((p) => p.error?.code === 'ENDPOINT_UNREACHABLE')).toBe(true);
  });
});
