/**
 * Nothing lost, nothing counted twice: the publisher through a faulty
 * stream, workers killed mid-batch, and out-of-order duplicates.
 */
import { randomUUID } from 'node:crypto';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  createAwsClients,
  createDeadLetterTable,
  createDynamoIdempotencyStore,
  createDynamoModelStore,
  createEventPublisher,
  createLearner,
  createMemoryIdempotencyStore,
  createMemoryModelStore,
  createUsers,
  createWatchState,
  createWorkerSet,
  type EngagementEvent,
  ensureStreams,
  planUpdate,
  type StreamctlConfig,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';
import { startPoller } from '../../src/index.js';
import { startFaultProxy } from './fault-proxy.js';

const target = inject('target');
const TOTAL = Number(process.env.STREAMCTL_DELIVERY_EVENTS ?? 100_000);

async function withStream(name: string): Promise<StreamctlConfig> {
  const base = await targetConfig(target);
  const config = {
    ...base,
    resources: { ...base.resources, eventsStream: `streamctl-e2e-${name}-${randomUUID().slice(0, 6)}` },
  };
  const clients = createAwsClients(config);
  await ensureStreams(clients.kinesis(), config.resources);
  clients.destroy();
  return config;
}

const event = (i: number, over: Partial<EngagementEvent> = {}): EngagementEvent => ({
  v: 1,
  id: randomUUID(),
  type: 'play',
  userId: `user-${i % 2000}`,
  titleId: `t-${i % 100}`,
  ts: new Date(Date.UTC(2026, 10, 24, 10, 0, 0, i)).toISOString(),
  ...over,
});

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!target.endpoints.kinesis || !target.endpoints.dynamodb)(`event delivery (${target.kind})`, () => {
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  beforeAll(async () => {
    proxy = await startFaultProxy(target.endpoints.kinesis as string);
  });
  afterAll(() => proxy?.close());

  it(`delivers ${TOTAL} events exactly once downstream through a stream that fails 20 % of calls`, {
    timeout: 300_000,
  }, async () => {
    const config = await withStream('faults');
    const faulty = createAwsClients({ ...config, endpoints: { ...config.endpoints, kinesis: proxy.url } });
    const direct = createAwsClients(config);
    const publisher = createEventPublisher(faulty, config.resources, { maxAttempts: 12, baseDelayMs: 20 });
    const ids = new Set<string>();
    for (let i = 0; i < TOTAL; i++) {
      const e = event(i);
      ids.add(e.id);
      await publisher.publish(e);
    }
    const undelivered = await publisher.close();
    expect(undelivered).toEqual([]);
    expect(proxy.stats.refused + proxy.stats.failedAfterWrite).toBeGreaterThan(0.15 * proxy.stats.calls);
    expect(proxy.stats.entriesFailed).toBeGreaterThan(0);

    const counts = new Map<string, number>();
    let records = 0;
    const poller = await startPoller(
      direct,
      config.resources,
      {
        name: `count-${randomUUID().slice(0, 6)}`,
        process: async (e) => {
          counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
        },
        idempotency: createMemoryIdempotencyStore(),
        park: async (r) => {
          throw new Error(`unexpected parked record: ${r.reason}`);
        },
      },
      { idleMs: 50, batchSize: 10_000, onRecord: () => records++ },
    );
    await until(() => counts.size >= TOTAL, 240_000, 'every event downstream');
    await poller.stop();
    faulty.destroy();
    direct.destroy();
    expect(counts.size).toBe(TOTAL);
    expect([...counts.keys()].every((id) => ids.has(id))).toBe(true);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // The stream holds duplicates (calls that failed after writing); the ledger absorbed them.
    expect(records).toBeGreaterThan(TOTAL);
    console.log(
      `[delivery] ${TOTAL} events, ${records - TOTAL} duplicates absorbed; proxy ${JSON.stringify(proxy.stats)}`,
    );
  });

  it('resumes from its checkpoint after a kill mid-batch, losing and double-counting nothing', {
    timeout: 120_000,
  }, async () => {
    const config = await withStream('kill');
    const clients = createAwsClients(config);
    const publisher = createEventPublisher(clients, config.resources);
    // Three batches of 500: the kill lands inside the second.
    const total = 1_500;
    for (let i = 0; i < total; i++) await publisher.publish(event(i));
    expect(await publisher.close()).toEqual([]);

    const counts = new Map<string, number>();
    const consumer = {
      name: `kill-${randomUUID().slice(0, 6)}`,
      process: async (e: EngagementEvent) => {
        counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
      },
      idempotency: createDynamoIdempotencyStore(clients, config.resources, { leaseSeconds: 1 }),
      park: createDeadLetterTable(clients, config.resources),
    };
    let first: Awaited<ReturnType<typeof startPoller>> | undefined;
    let killing: Promise<void> | undefined;
    first = await startPoller(clients, config.resources, consumer, {
      batchSize: 500,
      onRecord: () => {
        // Killed in the middle of a batch: its checkpoint is never written.
        if (first && first.processed === 600 && !killing) killing = first.kill();
      },
    });
    await until(() => killing !== undefined, 60_000, 'the kill');
    await killing;
    const beforeRestart = counts.size;
    expect(beforeRestart).toBeGreaterThanOrEqual(600);
    expect(beforeRestart).toBeLessThan(total);

    let duplicates = 0;
    const second = await startPoller(clients, config.resources, consumer, {
      batchSize: 500,
      onRecord: (outcome) => {
        if (outcome === 'duplicate') duplicates++;
      },
    });
    await until(() => counts.size >= total, 60_000, 'the rest after restart');
    await second.stop();
    clients.destroy();
    expect(counts.size).toBe(total);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(duplicates).toBeGreaterThan(0);
  });

  it('keeps popularity exact when the signals worker is killed between a batch and its flush', {
    timeout: 120_000,
  }, async () => {
    const config = await withStream('signals');
    const clients = createAwsClients(config);
    const publisher = createEventPublisher(clients, config.resources);
    const run = randomUUID().slice(0, 6);
    const total = 1_000;
    const events = Array.from({ length: total }, (_, i) =>
      event(i, { type: i % 3 ? 'play' : 'complete', titleId: `p-${run}-${i % 4}`, country: 'SE' }),
    );
    for (const e of events) await publisher.publish(e);
    expect(await publisher.close()).toEqual([]);

    const at = Date.UTC(2026, 10, 24, 12);
    const models = createDynamoModelStore(clients, config.resources, { region: config.region, now: () => at });
    const signals = () =>
      createWorkerSet(
        {
          recommendations: createLearner({
            models,
            catalog: { findTitle: async () => ({ genres: ['drama'] }) } as never,
          }),
        } as never,
        {
          idempotency: createDynamoIdempotencyStore(clients, config.resources, { leaseSeconds: 1 }),
          park: createDeadLetterTable(clients, config.resources),
        },
        { qoeSink: () => undefined, nameSuffix: `-${run}` },
      ).signals;
    /** Records gone through a worker, by shard and sequence number (a redelivered one counts once). */
    const through = new Set<string>();
    let first: Awaited<ReturnType<typeof startPoller>> | undefined;
    let killing: Promise<void> | undefined;
    first = await startPoller(clients, config.resources, signals(), {
      batchSize: 400,
      onRecord: (_outcome, shardId, sequenceNumber) => {
        through.add(`${shardId}/${sequenceNumber}`);
        // Killed in the middle of a batch: neither its flush nor its checkpoint happens.
        if (first && first.processed === 600 && !killing) killing = first.kill();
      },
    });
    await until(() => killing !== undefined, 60_000, 'the kill');
    await killing;

    let replayed = 0;
    const second = await startPoller(clients, config.resources, signals(), {
      batchSize: 400,
      onRecord: (outcome, shardId, sequenceNumber) => {
        if (outcome === 'duplicate') replayed++;
        through.add(`${shardId}/${sequenceNumber}`);
      },
    });
    // Every record again from the last checkpoint: the redelivered ones replay their popularity.
    await until(() => through.size >= total, 60_000, 'the rest after restart');
    await second.stop();
    expect(replayed).toBeGreaterThan(0);
    const memory = createMemoryModelStore({ now: () => at });
    for (const e of events) {
      const u = planUpdate(e, ['drama']);
      if (u) await memory.apply(u);
    }
    const expected = await memory.popular('SE', 4);
    const stored = (await models.popular('SE', 10_000)).filter((p) => p.titleId.startsWith(`p-${run}-`));
    clients.destroy();
    expect(stored.map((p) => p.titleId)).toEqual(expected.map((p) => p.titleId));
    for (const [i, p] of stored.entries()) {
      expect(Math.abs(p.score - (expected[i]?.score ?? 0)) / p.score, p.titleId).toBeLessThan(1e-12);
    }
  });

  it('leaves the newest resume position after out-of-order and duplicated events, and parks poison', {
    timeout: 60_000,
  }, async () => {
    const config = await withStream('order');
    const clients = createAwsClients(config);
    const users = createUsers(clients, config.resources);
    const user = `order-${randomUUID().slice(0, 6)}`;
    const positions = [10, 50, 30, 90, 70, 20, 80, 40, 60];
    const events = positions.map((p) =>
      event(p, {
        type: 'progress',
        userId: user,
        titleId: 'ordered',
        positionSec: p * 10,
        durationSec: 1000,
        ts: new Date(Date.UTC(2026, 10, 24, 12, 0, p)).toISOString(),
      }),
    );
    // Duplicates of the newest and of an old one, and poison in between.
    const newest = events[3] as EngagementEvent;
    const publisher = createEventPublisher(clients, config.resources);
    for (const e of [...events, { ...newest }, { ...(events[0] as EngagementEvent) }]) await publisher.publish(e);
    expect(await publisher.close()).toEqual([]);
    await clients.kinesis().send(
      new PutRecordsCommand({
        StreamName: config.resources.eventsStream,
        Records: [
          { PartitionKey: user, Data: Buffer.from('{not json') },
          { PartitionKey: user, Data: Buffer.from(JSON.stringify({ ...newest, id: randomUUID(), v: 7 })) },
        ],
      }),
    );
    const late = event(1, {
      type: 'progress',
      userId: user,
      titleId: 'ordered',
      positionSec: 5,
      durationSec: 1000,
      ts: new Date(Date.UTC(2026, 10, 24, 11, 0, 0)).toISOString(),
    });
    await createEventPublisher(clients, config.resources)
      .publish(late)
      .then(() => undefined);

    const name = `order-${randomUUID().slice(0, 6)}`;
    let seen = 0;
    const poller = await startPoller(
      clients,
      config.resources,
      {
        name,
        process: async (event) => {
          await createWatchState({ users }).apply(event);
        },
        idempotency: createDynamoIdempotencyStore(clients, config.resources),
        park: createDeadLetterTable(clients, config.resources),
      },
      { idleMs: 50, onRecord: () => seen++ },
    );
    // Every record on the stream: the events, the two duplicates, the two poison records, and the
    // late event, whose publisher flushes after its linger, so it can land after the others.
    await until(() => seen >= events.length + 5, 30_000, 'all records');
    await poller.stop();
    expect(await users.getProgress(user, 'ordered')).toMatchObject({
      positionSec: 900,
      updatedAt: newest.ts,
      completed: false,
    });
    const parked = await clients.documents().send(
      new QueryCommand({
        TableName: config.resources.platformTable,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `DEADLETTER#${name}` },
      }),
    );
    expect((parked.Items ?? []).map((i) => String(i.reason)).sort()).toEqual([
      expect.stringMatching(/^poison: .*JSON/),
      expect.stringMatching(/^poison: Unsupported event schema version 7/),
    ]);
    clients.destroy();
  });
});
