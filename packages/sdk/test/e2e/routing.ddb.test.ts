/**
 * The routing record's writes on a real DynamoDB engine (dynalite, DynamoDB
 * Local or an endpoint), on a stage of its own: the record lives in the
 * control table; creating it is one conditional put however many race; a
 * record a stage kept in the user-state table is carried over once; and
 * flips started "from" two Regions at once — two clients configured with
 * different Regions over one shared store, as `streamctl dev --regions`
 * runs them, the local model of a table with multi-Region strong
 * consistency — end with exactly one winner, a typed CONFLICT with a hint
 * for the other, and a record that names the winner, round after round.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClients,
  createAwsClients,
  ensureRouting,
  ensureTables,
  type RoutingRecord,
  readRouting,
  resolveConfig,
  type StreamctlConfig,
  setPrimary,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const target = inject('target');

const KEY = { PK: 'ROUTING', SK: 'RECORD' };
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
/**
 * The Region a client signs for. The dynamodb-local project's DynamoDB Local keeps a database per
 * Region (no `-sharedDb`, unlike `streamctl dev --engines aws-local`), so there every client signs
 * for the target's Region and the conditions are still checked by AWS's own engine.
 */
const signing = (region: string) => (target.kind === 'dynamodb-local' ? target.region : region);

describe.skipIf(!target.endpoints.dynamodb)(`the routing record on ${target.kind}`, () => {
  let config: StreamctlConfig;
  /** One client per Region, all on the one store. */
  const from: Record<string, AwsClients> = {};

  beforeAll(async () => {
    const base = await resolveConfig({
      flags: { stage: `rt${randomUUID().slice(0, 6)}`, regions: REGIONS.join(',') },
      env: {},
      configFile: false,
    });
    config = { ...base, endpoints: { dynamodb: target.endpoints.dynamodb as string } };
    for (const region of REGIONS) from[region] = createAwsClients({ ...config, region: signing(region) });
    await ensureTables((from['us-east-1'] as AwsClients).dynamodb(), config.resources);
  });
  afterAll(() => {
    for (const clients of Object.values(from)) clients.destroy();
  });

  const us = () => from['us-east-1'] as AwsClients;
  const get = async (table: string) =>
    (
      await us()
        .documents()
        .send(new GetCommand({ TableName: table, Key: KEY, ConsistentRead: true }))
    ).Item;

  it('is created once in the control table however many create it at once, and nothing in the user-state table', async () => {
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        ensureRouting(from[REGIONS[i % 3] as string] as AwsClients, config.resources, REGIONS, `creator-${i}`),
      ),
    );
    const stored = await readRouting(us(), config.resources);
    expect(stored).toMatchObject({ primary: 'us-east-1', version: 1, reason: 'created' });
    // Every creator answers the one record that was written.
    for (const record of created) expect(record).toEqual(stored);
    expect(await get(config.resources.controlTable)).toMatchObject({ ...KEY, primary: 'us-east-1', version: 1 });
    expect(await get(config.resources.userStateTable)).toBeUndefined();
  });

  it('refuses a flip from a version that is no longer current, naming who changed it', async () => {
    const current = (await readRouting(us(), config.resources)) as RoutingRecord;
    const moved = await setPrimary(us(), config.resources, {
      to: 'eu-west-1',
      expectedVersion: current.version,
      by: 'first',
    });
    expect(moved).toMatchObject({ primary: 'eu-west-1', version: current.version + 1 });
    const stale = await setPrimary(from['eu-west-1'] as AwsClients, config.resources, {
      to: 'ap-southeast-2',
      expectedVersion: current.version,
      by: 'late',
    }).catch((err: unknown) => err);
    expect(stale).toMatchObject({
      code: 'CONFLICT',
      message: `The routing record changed while this failover ran: first set the primary to eu-west-1 at ${moved.changedAt} (version ${moved.version})`,
      hint: expect.stringContaining('streamctl failover status'),
    });
    expect(await readRouting(us(), config.resources)).toMatchObject({
      primary: 'eu-west-1',
      version: moved.version,
      changedBy: 'first',
      regions: { 'us-east-1': 'draining', 'eu-west-1': 'active', 'ap-southeast-2': 'active' },
    });
  });

  it('lets exactly one of two flips started from two Regions win, 20 rounds running', async () => {
    for (let round = 0; round < 20; round++) {
      // Both operators read the record in their own Region, then flip it at once to different targets.
      const [a, b] = ['us-east-1', 'ap-southeast-2'].map((r) => from[r] as AwsClients) as [AwsClients, AwsClients];
      const [seenA, seenB] = (await Promise.all([
        readRouting(a, config.resources),
        readRouting(b, config.resources),
      ])) as [RoutingRecord, RoutingRecord];
      expect(seenA).toEqual(seenB);
      const [toA, toB] = REGIONS.filter((r) => r !== seenA.primary) as [string, string];
      const results = await Promise.allSettled([
        setPrimary(a, config.resources, { to: toA, expectedVersion: seenA.version, by: `round${round}-from-us` }),
        setPrimary(b, config.resources, { to: toB, expectedVersion: seenB.version, by: `round${round}-from-ap` }),
      ]);
      const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won, `round ${round}`).toHaveLength(1);
      expect(lost, `round ${round}`).toHaveLength(1);
      const winner = won[0] as RoutingRecord;
      expect(lost[0]).toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining(`${winner.changedBy} set the primary to ${winner.primary}`),
        hint: expect.stringContaining('streamctl failover status'),
      });
      // The record is the winner's, whole: its primary active, the old primary draining, one version on.
      const stored = await readRouting(from['eu-west-1'] as AwsClients, config.resources);
      expect(stored, `round ${round}`).toEqual({ ...winner, reason: 'failover' });
      expect(stored?.version).toBe(seenA.version + 1);
      expect(stored?.regions[winner.primary]).toBe('active');
      expect(stored?.regions[seenA.primary]).toBe('draining');
    }
  });
});

describe.skipIf(!target.endpoints.dynamodb)(`a record kept in the user-state table, on ${target.kind}`, () => {
  it('is read from there until a failover or `streamctl dev` carries it over, once, and the old copy goes', async () => {
    const base = await resolveConfig({
      flags: { stage: `rm${randomUUID().slice(0, 6)}`, regions: 'us-east-1,eu-west-1' },
      env: {},
      configFile: false,
    });
    const config: StreamctlConfig = { ...base, endpoints: { dynamodb: target.endpoints.dynamodb as string } };
    const clients = createAwsClients(config);
    try {
      await ensureTables(clients.dynamodb(), config.resources);
      // A stage that failed over to eu-west-1 before the control table existed.
      const former: RoutingRecord = {
        primary: 'eu-west-1',
        regions: { 'us-east-1': 'draining', 'eu-west-1': 'active' },
        version: 7,
        changedBy: 'ops',
        changedAt: '2026-11-24T00:00:00.000Z',
        reason: 'failover from us-east-1',
      };
      await clients
        .documents()
        .send(new PutCommand({ TableName: config.resources.userStateTable, Item: { ...KEY, ...former } }));
      expect(await readRouting(clients, config.resources)).toEqual(former);

      // Carried over as it was (not reset to the first Region), whoever runs it first.
      const carried = await Promise.all([
        ensureRouting(clients, config.resources, ['us-east-1', 'eu-west-1'], 'failover'),
        ensureRouting(clients, config.resources, ['us-east-1', 'eu-west-1'], 'streamctl dev'),
      ]);
      expect(carried).toEqual([former, former]);
      const stored = (
        await clients
          .documents()
          .send(new GetCommand({ TableName: config.resources.controlTable, Key: KEY, ConsistentRead: true }))
      ).Item;
      expect(stored).toEqual({ ...KEY, ...former });
      const old = (
        await clients
          .documents()
          .send(new GetCommand({ TableName: config.resources.userStateTable, Key: KEY, ConsistentRead: true }))
      ).Item;
      expect(old).toBeUndefined();

      // From then on the control table decides.
      const flipped = await setPrimary(clients, config.resources, { to: 'us-east-1', expectedVersion: 7, by: 'alice' });
      expect(flipped).toMatchObject({ primary: 'us-east-1', version: 8 });
      expect(await readRouting(clients, config.resources)).toMatchObject({ primary: 'us-east-1', version: 8 });
    } finally {
      clients.destroy();
    }
  });
});
