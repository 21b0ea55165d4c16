/**
 * Counters that scale, on a real DynamoDB (dynalite, DynamoDB Local or an
 * endpoint): the signals consumer sums a batch's popularity per title and
 * writes each counter once per batch, on one of the counter's sub-keys; the
 * totals must be exactly what the in-memory models give for each event once,
 * when a batch comes again after its worker stopped before the checkpoint,
 * when a flush stopped half way, and when an event is published twice.
 */
import { randomUUID } from 'node:crypto';
import {
  type AwsClients,
  type Consumer,
  counterPartition,
  createAwsClients,
  createDynamoIdempotencyStore,
  createDynamoModelStore,
  createLearner,
  createMemoryModelStore,
  createWorkerSet,
  type EngagementEvent,
  type ModelStore,
  type PopularityEntry,
  planUpdate,
  runRecord,
  type StreamctlConfig,
  streamPosition,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

describe.skipIf(!target.endpoints.dynamodb)(`counters that scale (${target.kind})`, () => {
  let config: StreamctlConfig;
  let clients: AwsClients;

  beforeAll(async () => {
    config = await targetConfig(target);
    clients = createAwsClients(config);
  });
  afterAll(() => clients?.destroy());

  /** A premiere: `viewers` viewers play and then complete one title (and a few another), in SE and NO. */
  function premiere(run: string, viewers: number): EngagementEvent[] {
    const start = at - 120_000;
    const events: EngagementEvent[] = [];
    for (let i = 0; i < viewers; i++) {
      const base = { v: 1 as const, userId: `viewer-${i}-${run}`, country: i % 3 ? 'SE' : 'NO' };
      const ts = (ms: number) => new Date(start + ms).toISOString();
      events.push({ ...base, id: randomUUID(), type: 'play', titleId: `premiere-${run}`, ts: ts(i * 50) });
      events.push({ ...base, id: randomUUID(), type: 'complete', titleId: `premiere-${run}`, ts: ts(i * 50 + 20) });
      if (i % 4 === 0)
        events.push({ ...base, id: randomUUID(), type: 'like', titleId: `other-${run}`, ts: ts(i * 50 + 30) });
    }
    return events;
  }

  /** Stream records of events, on `shards` shards (by viewer, as the publisher partitions them). */
  function records(events: EngagementEvent[], shards: number) {
    const next = new Map<string, number>();
    return events.map((event) => {
      const shardId = `shardId-${String(Number(event.userId.split('-')[1]) % shards).padStart(12, '0')}`;
      const seq = (next.get(shardId) ?? 0) + 1;
      next.set(shardId, seq);
      return { event, shardId, sequenceNumber: String(49_000_000 + seq), data: Buffer.from(JSON.stringify(event)) };
    });
  }

  // One clock for every store: scores decay by the millisecond.
  const at = Date.now();
  const now = () => at;

  /** The models a store holds for the run, next to the memory models fed every event once. */
  async function expectExact(store: ModelStore, events: EngagementEvent[], run: string) {
    const memory = createMemoryModelStore({ now });
    for (const e of events) {
      const u = planUpdate(e, ['drama']);
      if (u) await memory.apply(u);
    }
    for (const cc of ['SE', 'NO', 'ALL']) {
      const stored = (await store.popular(cc, 10_000)).filter((p) => p.titleId.endsWith(run));
      const expected = await memory.popular(cc, 10);
      expect(
        stored.map((p) => p.titleId),
        cc,
      ).toEqual(expected.map((p) => p.titleId));
      for (const [i, p] of stored.entries()) {
        expect(
          Math.abs(p.score - (expected[i]?.score ?? 0)) / p.score,
          `${cc} ${p.titleId} ${p.score} ${expected[i]?.score}`,
        ).toBeLessThan(1e-12);
      }
    }
    // A title's viewers and co-occurrence (written per viewer, on the viewer's sub-key) merge exactly.
    expect(await store.neighbours(`other-${run}`, 5)).toEqual(await memory.neighbours(`other-${run}`, 5));
  }

  /** The signals consumer of a fresh worker set over the real ledger and a sharded store, counting popularity writes. */
  function signals(counterShards: number, suffix = `-${randomUUID().slice(0, 8)}`) {
    const store = createDynamoModelStore(clients, config.resources, { region: config.region, counterShards, now });
    const flushed: PopularityEntry[][] = [];
    const counting: ModelStore = {
      ...store,
      addPopularity: async (writer, entries) => {
        flushed.push(entries);
        await store.addPopularity(writer, entries);
      },
    };
    const learner = createLearner({
      models: counting,
      catalog: { findTitle: async () => ({ genres: ['drama'] }) } as never,
    });
    const consumer: Consumer = createWorkerSet(
      { watchState: unused, recommendations: learner, qoe: unused, search: unused } as never,
      { idempotency: createDynamoIdempotencyStore(clients, config.resources), park: async () => undefined },
      { qoeSink: () => undefined, nameSuffix: suffix },
    ).signals;
    return { store, consumer, flushed, suffix };
  }
  const unused = {};

  it('sums a batch per counter (one write per title and country per batch) and totals exactly', async () => {
    const run = randomUUID().slice(0, 8);
    const events = premiere(run, 120);
    const { store, consumer, flushed } = signals(8);
    const all = records(events, 3);
    for (const shardId of new Set(all.map((r) => r.shardId))) {
      const own = all.filter((r) => r.shardId === shardId);
      for (let i = 0; i < own.length; i += 50) {
        for (const r of own.slice(i, i + 50)) expect(await runRecord(consumer, r)).toBe('processed');
        await consumer.flush?.(shardId);
      }
    }
    await expectExact(store, events, run);
    // Every flush carried its batch's positive signals; each became at most one write per counter.
    expect(flushed.flat()).toHaveLength(events.length);
    expect(flushed.length).toBeLessThanOrEqual(Math.ceil(all.length / 50) + 3);
  });

  it('takes a batch again (stopped before the checkpoint, or a flush that stopped half way) without counting twice', async () => {
    const run = randomUUID().slice(0, 8);
    const events = premiere(run, 60);
    const { store, consumer, suffix } = signals(4);
    const all = records(events, 1);
    const shardId = all[0]?.shardId as string;
    // The worker processes 40 records and stops before its flush: the batch comes again, with more.
    for (const r of all.slice(0, 40)) await runRecord(consumer, r);
    // The next worker on the shard (the same consumer, a new process).
    const again = signals(4, suffix);
    for (const r of all.slice(0, 80)) expect(['processed', 'duplicate']).toContain(await runRecord(again.consumer, r));
    // A flush that stopped half way: the batch's counters in SE and ALL took their entries, NO's failed.
    const failing = Object.create(clients) as AwsClients;
    const documents = clients.documents();
    failing.documents = () =>
      ({
        send: (command: { input: { Key?: { PK?: string } } }) =>
          String(command.input.Key?.PK).startsWith(counterPartition('POP', config.region, 'NO'))
            ? Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }))
            : documents.send(command as never),
      }) as never;
    const half = createDynamoModelStore(failing, config.resources, { region: config.region, counterShards: 4, now });
    const entries = all.slice(0, 80).flatMap((r) => {
      const u = planUpdate(r.event, []);
      return u
        ? [
            {
              position: streamPosition(r.sequenceNumber),
              country: u.country,
              titleId: u.titleId,
              era: u.era,
              scaled: u.scaled,
            },
          ]
        : [];
    });
    await expect(half.addPopularity(`${consumer.name}/${shardId}`, entries)).rejects.toThrow(/throttled/);
    await again.consumer.flush?.(shardId);
    // The rest of the stream; and the last batch delivered twice, flushed twice.
    for (const r of all.slice(80)) await runRecord(again.consumer, r);
    await again.consumer.flush?.(shardId);
    for (const r of all.slice(80)) expect(await runRecord(again.consumer, r)).toBe('duplicate');
    await again.consumer.flush?.(shardId);
    await expectExact(store, events, run);
  });

  it('counts an event published twice (another record, the same id) once', async () => {
    const run = randomUUID().slice(0, 8);
    const events = premiere(run, 20);
    const { store, consumer } = signals(8);
    const twice = records([...events, ...events.slice(0, 10)], 2);
    for (const r of twice) await runRecord(consumer, r);
    for (const shardId of new Set(twice.map((r) => r.shardId))) await consumer.flush?.(shardId);
    await expectExact(store, events, run);
  });

  it('the ledger tells a claim in progress, a redelivered record and a duplicate event apart on this engine', async () => {
    const ledger = createDynamoIdempotencyStore(clients, config.resources);
    const consumer = `ledger-${randomUUID().slice(0, 8)}`;
    const id = randomUUID();
    expect(await ledger.claim(consumer, id, 'shard-1/100')).toBe('claimed');
    expect(await ledger.claim(consumer, id, 'shard-1/100')).toBe('busy');
    await ledger.complete(consumer, id);
    expect(await ledger.claim(consumer, id, 'shard-1/100')).toBe('redelivered');
    expect(await ledger.claim(consumer, id, 'shard-2/7')).toBe('duplicate');
    expect(await ledger.claim(consumer, id)).toBe('duplicate');
    // A parked event's record again is a duplicate: nothing of it is replayed.
    const parked = randomUUID();
    expect(await ledger.claim(consumer, parked, 'shard-1/101')).toBe('claimed');
    await ledger.complete(consumer, parked, 'parked');
    expect(await ledger.claim(consumer, parked, 'shard-1/101')).toBe('duplicate');
  });
});
