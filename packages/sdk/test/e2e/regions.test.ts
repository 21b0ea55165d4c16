/**
 * Regions on the embedded platform: two failovers racing for the routing
 * record (exactly one wins), and event publishing that fails over to the
 * healthy Region's stream with nothing lost.
 */
import { randomUUID } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import {
  createAwsClients,
  createFailoverPut,
  createRegionRouter,
  type EngagementEvent,
  ensureStreams,
  putEvents,
  readRouting,
  runFailover,
  type StreamctlConfig,
} from '@streamctl/sdk';
import { describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

/** Creates the stage's stream in every Region of the config (a no-op on a Region-blind kinesalite). */
async function ensureRegionStreams(config: StreamctlConfig): Promise<void> {
  for (const region of config.regions) {
    const clients = createAwsClients({ ...config, region });
    await ensureStreams(clients.kinesis(), config.resources);
    clients.destroy();
  }
}

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.kinesis)(`regions (${target.kind})`, () => {
  it('lets exactly one of two concurrent failovers win, and the other says why', async () => {
    const base = await targetConfig(target);
    const stage = `rg${randomUUID().slice(0, 6)}`;
    const config: StreamctlConfig = { ...base, regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] };
    const clients = createAwsClients(config);
    // Each Region has its stream, as the CDK app deploys one per Region: a Region-aware
    // Kinesis (kinesis-mock, like AWS) keeps streams per Region, and the preflight checks it.
    await ensureRegionStreams(config);
    // Start from a clean record for this table.
    await clients
      .documents()
      .send(new DeleteCommand({ TableName: config.resources.controlTable, Key: { PK: 'ROUTING', SK: 'RECORD' } }));
    const results = await Promise.allSettled([
      runFailover(config, { to: 'eu-west-1', by: `${stage}-alice` }),
      runFailover(config, { to: 'ap-southeast-2', by: `${stage}-bob` }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(
        /routing record changed while this failover ran: .* set the primary to (eu-west-1|ap-southeast-2)/,
      ),
    });
    const record = await readRouting(clients, config.resources);
    const winner = (won[0] as PromiseFulfilledResult<{ to: string }>).value.to;
    expect(record).toMatchObject({ primary: winner, version: 2 });
    // Re-running the winner's failover is a no-op.
    expect(await runFailover(config, { to: winner, by: 'again' })).toMatchObject({ changed: false });
    expect((await readRouting(clients, config.resources))?.version).toBe(2);
    clients.destroy();
  });

  it('publishes events through the healthy Region while the preferred one is down, losing none', async () => {
    const base = await targetConfig(target);
    const healthy: StreamctlConfig = {
      ...base,
      region: 'eu-west-1',
      resources: { ...base.resources, eventsStream: `streamctl-e2e-regions-${randomUUID().slice(0, 6)}` },
    };
    // us-east-1's stream endpoint refuses connections: the Region is down.
    const down: StreamctlConfig = {
      ...healthy,
      region: 'us-east-1',
      endpoints: { ...healthy.endpoints, kinesis: 'http://127.0.0.1:9' },
      maxAttempts: 1,
    };
    const healthyClients = createAwsClients(healthy);
    const downClients = createAwsClients(down);
    await ensureStreams(healthyClients.kinesis(), healthy.resources);
    const router = createRegionRouter({
      targets: [
        { region: 'us-east-1', client: { clients: downClients, config: down } },
        { region: 'eu-west-1', client: { clients: healthyClients, config: healthy } },
      ],
      preferred: 'us-east-1',
      threshold: 2,
      coolDownMs: 60_000,
    });
    const put = createFailoverPut(router, (c, events) => putEvents(c.clients, c.config.resources, events));
    const sent: EngagementEvent[] = [];
    for (let batch = 0; batch < 8; batch++) {
      const events: EngagementEvent[] = Array.from({ length: 50 }, (_, i) => ({
        v: 1,
        id: randomUUID(),
        type: 'play',
        userId: `u${(batch * 50 + i) % 17}`,
        titleId: 't1',
        ts: new Date().toISOString(),
      }));
      const { value, region } = await put(events);
      expect(region).toBe('eu-west-1');
      expect(value.failed).toEqual([]);
      sent.push(...events);
    }
    expect(router.states()['us-east-1']).toBe('open');

    // Every event is in the healthy Region's stream, once.
    const kinesis = healthyClients.kinesis();
    const StreamName = healthy.resources.eventsStream;
    const seen = new Map<string, number>();
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName }));
    for (const shard of Shards) {
      let { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      for (let i = 0; i < 20 && ShardIterator; i++) {
        const out = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
        for (const r of out.Records ?? []) {
          const id = (JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')) as { id: string }).id;
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
        if (!out.Records?.length && out.MillisBehindLatest === 0) break;
        ShardIterator = out.NextShardIterator;
      }
    }
    expect(seen.size).toBe(sent.length);
    expect(sent.every((e) => seen.get(e.id) === 1)).toBe(true);
    healthyClients.destroy();
    downClients.destroy();
  });
});
