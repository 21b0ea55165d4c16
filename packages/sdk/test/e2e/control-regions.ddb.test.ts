/**
 * The routing record read and written from a Region without a replica of the control table, on a
 * real DynamoDB engine: a stage in us-east-1 and eu-west-1 whose control table lives in us-east-1
 * and us-east-2 (a witness elsewhere). From eu-west-1 the SDK asks us-east-1 first; here us-east-1
 * is a closed port, so every call falls over to us-east-2 (the engine), where the record is
 * created, flipped, and refused on a stale version without being sent anywhere else.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClients,
  controlTableStore,
  createAwsClients,
  ensureRouting,
  ensureTables,
  readRouting,
  resolveConfig,
  type StreamctlConfig,
  setPrimary,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const target = inject('target');

describe.skipIf(!target.endpoints.dynamodb)(`the control Regions on ${target.kind}`, () => {
  let config: StreamctlConfig;
  let engine: AwsClients;
  const asked: string[] = [];

  /** us-east-1 refuses connections; us-east-2 is the engine (signing for the engine's Region: DynamoDB Local keeps a database per Region). */
  const clientsFor = (region: string): AwsClients => {
    const clients =
      region === 'us-east-1'
        ? createAwsClients({ ...config, region, endpoints: { dynamodb: 'http://127.0.0.1:9' }, maxAttempts: 1 })
        : createAwsClients({
            ...config,
            region: target.region,
            endpoints: { dynamodb: target.endpoints.dynamodb as string },
          });
    clients.documents().middlewareStack.add(
      (next) => async (args) => {
        asked.push(region);
        return next(args);
      },
      { step: 'initialize', name: 'recordControlRegion' },
    );
    return clients;
  };

  beforeAll(async () => {
    config = await resolveConfig({
      flags: { stage: `cr${randomUUID().slice(0, 6)}`, region: 'eu-west-1', regions: 'us-east-1,eu-west-1' },
      env: { STREAMCTL_CONTROL_REGIONS: 'us-east-1,us-east-2' },
      configFile: false,
    });
    engine = createAwsClients({
      ...config,
      region: target.region,
      endpoints: { dynamodb: target.endpoints.dynamodb as string },
    });
    await ensureTables(engine.dynamodb(), config.resources);
  });
  afterAll(() => engine?.destroy());

  it('falls over from the unreachable first control Region to the next, and keeps to it', async () => {
    const control = controlTableStore(config, { clientsFor });
    try {
      expect(control.regions).toEqual(['us-east-1', 'us-east-2']);
      const created = await ensureRouting(control, config.resources, config.regions, 'alice');
      expect(created).toMatchObject({ primary: 'us-east-1', version: 1 });
      // The first call found us-east-1 unreachable; every later one went straight to us-east-2.
      expect(asked[0]).toBe('us-east-1');
      expect(asked.slice(1).every((r) => r === 'us-east-2')).toBe(true);
      const flipped = await setPrimary(control, config.resources, { to: 'eu-west-1', expectedVersion: 1, by: 'alice' });
      expect(flipped).toMatchObject({ primary: 'eu-west-1', version: 2 });
      const stored = await engine.documents().send(
        new GetCommand({
          TableName: config.resources.controlTable,
          Key: { PK: 'ROUTING', SK: 'RECORD' },
          ConsistentRead: true,
        }),
      );
      expect(stored.Item).toMatchObject({ primary: 'eu-west-1', version: 2, changedBy: 'alice' });
    } finally {
      control.destroy();
    }
  });

  it('answers a stale flip with CONFLICT from the Region that refused it', async () => {
    const control = controlTableStore(config, { clientsFor });
    try {
      asked.length = 0;
      const err = await setPrimary(control, config.resources, {
        to: 'us-east-1',
        expectedVersion: 1,
        by: 'bob',
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining('alice set the primary to eu-west-1'),
      });
      // us-east-1 once (unreachable), then us-east-2 only: the refused write went nowhere else.
      expect(asked).toEqual(['us-east-1', 'us-east-2', 'us-east-2', 'us-east-2']);
      expect(await readRouting(control, config.resources)).toMatchObject({ primary: 'eu-west-1', version: 2 });
    } finally {
      control.destroy();
    }
  });

  it('names both control Regions when neither answers', async () => {
    const control = controlTableStore(config, {
      clientsFor: (region) =>
        createAwsClients({ ...config, region, endpoints: { dynamodb: 'http://127.0.0.1:9' }, maxAttempts: 1 }),
    });
    try {
      const err = await readRouting(control, config.resources).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'ENDPOINT_UNREACHABLE',
        message: expect.stringMatching(
          /^No control Region answered for the routing record \(us-east-1: .*; us-east-2: .*\)$/,
        ),
        hint: expect.stringContaining('STREAMCTL_CONTROL_REGIONS'),
      });
    } finally {
      control.destroy();
    }
  });
});
