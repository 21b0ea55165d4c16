/**
 * The lake worker over real DuckDB and real files: what it writes a query
 * reads back exactly once, whether it stopped cleanly, crashed in the middle
 * of a file, or crashed between a file and its checkpoint.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BatchConsumer,
  createLakeConsumer,
  type EngagementEvent,
  type ParkedRecord,
  type ParquetWriter,
  type RawRecord,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbParquetWriter, createLocalViewerLake, openLocalLake } from './lake.js';

const SHARD = 'shardId-000000000000';
const ARRIVAL = new Date('2026-12-03T09:59:00Z');

function event(i: number, over: Partial<EngagementEvent> = {}): EngagementEvent {
  return {
    v: 2,
    id: randomUUID(),
    type: i % 3 === 0 ? 'startup' : 'progress',
    userId: `u${i % 7}`,
    titleId: `t${i % 4}`,
    ts: new Date(ARRIVAL.getTime() - 1_000 + i).toISOString(),
    device: 'web',
    ...(i % 3 === 0 ? { startupMs: 500 + i } : { watchMs: 10_000, positionSec: i }),
    ...over,
  } as EngagementEvent;
}

/** Records with sequence numbers as long as Kinesis' (56 digits), in order. */
function records(values: unknown[], from = 0): RawRecord[] {
  return values.map((value, i) => ({
    data: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    sequenceNumber: `4959${String(from + i + 1).padStart(52, '0')}`,
  }));
}

async function count(root: string, where = 'true'): Promise<number> {
  const engine = await openLocalLake(root);
  try {
    const { rows } = await engine.query(`select count(*) from events where ${where}`);
    return rows[0]?.[0] as number;
  } finally {
    await engine.close();
  }
}

describe('the local lake worker', () => {
  let writer: ParquetWriter & { close(): void };
  beforeAll(async () => {
    writer = await createDuckDbParquetWriter();
  });
  afterAll(() => writer.close());

  const lake = (root: string, over: Partial<Parameters<typeof createLakeConsumer>[0]> = {}) => {
    const parked: ParkedRecord[] = [];
    let clock = ARRIVAL.getTime();
    const consumer = createLakeConsumer({
      root,
      writer,
      park: async (r) => {
        parked.push(r);
      },
      maxEvents: 100,
      maxAgeMs: 5_000,
      now: () => new Date(clock),
      ...over,
    });
    return { consumer, parked, tick: (ms: number) => (clock += ms) };
  };

  it('writes a file per flush into the arrival hour, columns as Athena has them, and reads every event once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lake-'));
    const { consumer, tick } = lake(root);
    const sent = Array.from({ length: 250 }, (_, i) => event(i));
    await consumer.add(SHARD, records(sent));
    // 250 buffered, over the 100-event bound: one file of all of them.
    const durable = await consumer.commit(SHARD, false);
    expect(durable).toBe(records(sent).at(-1)?.sequenceNumber);
    tick(2 * 60_000); // into the next hour
    await consumer.add(SHARD, records([event(1000)], 250));
    expect(await consumer.commit(SHARD, false)).toBeUndefined(); // one event, not yet 5 s old
    tick(5_000);
    expect(await consumer.commit(SHARD, false)).toBeDefined();
    expect(readdirSync(join(root, 'events'))).toEqual(['dt=2026-12-03']);
    expect(readdirSync(join(root, 'events', 'dt=2026-12-03')).sort()).toEqual(['hour=09', 'hour=10']);

    const engine = await openLocalLake(root);
    const { rows, columns } = await engine.query(
      "select count(*), count(distinct id), sum(startup_ms), min(ts), max(hour) from events where dt = '2026-12-03'",
    );
    await engine.close();
    const startups = sent.filter((e) => e.type === 'startup');
    expect(rows[0]).toEqual([
      251,
      251,
      startups.reduce((s, e) => s + (e.startupMs ?? 0), 0),
      new Date(ARRIVAL.getTime() - 1_000).toISOString(),
      '10',
    ]);
    expect(columns.map((c) => c.name)).toHaveLength(5);
    expect(consumer.stats).toMatchObject({ written: 251, files: 2 });
  });

  it('keeps times in UTC, whatever offset an event was stamped with', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lake-'));
    const { consumer } = lake(root);
    await consumer.add(SHARD, records([event(1, { ts: '2026-12-03T10:58:59.250+01:00' })]));
    await consumer.commit(SHARD, true);
    const engine = await openLocalLake(root);
    const { rows } = await engine.query('select ts, typeof(ts) from events');
    await engine.close();
    expect(rows).toEqual([['2026-12-03T09:58:59.250Z', 'TIMESTAMP']]);
  });

  it('parks poison, skips catalog events, drops erased viewers and keeps a repeated event once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lake-'));
    const { consumer, parked } = lake(root, { erased: async (userId) => userId === 'gone' });
    const once = event(1);
    const values = [
      once,
      'not json',
      { v: 9, id: randomUUID() },
      { v: 1, kind: 'catalog', id: randomUUID(), type: 'title_published', titleId: 't1', ts: ARRIVAL.toISOString() },
      event(2, { userId: 'gone' }),
      once,
      event(3),
    ];
    await consumer.add(SHARD, records(values));
    await consumer.commit(SHARD, true);
    expect(parked.map((p) => p.reason)).toEqual([expect.stringMatching(/^poison/), expect.stringMatching(/^poison/)]);
    expect(consumer.stats).toMatchObject({ written: 2, skipped: 1, parked: 2, erased: 1, duplicates: 1 });
    expect(await count(root)).toBe(2);
    expect(await count(root, "user_id = 'gone'")).toBe(0);
  });

  it('crashed in the middle of a file: the half-written file is never read, and the restart writes each event once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lake-'));
    const sent = Array.from({ length: 120 }, (_, i) => event(i));
    let seenWhileWriting = -1;
    const crashing: ParquetWriter = {
      async write(events, path) {
        await writer.write(events, path); // the whole file exists, under its partial name…
        seenWhileWriting = await count(root); // …and a query does not see it
        throw new Error('killed');
      },
    };
    const first = lake(root, { writer: crashing });
    await first.consumer.add(SHARD, records(sent));
    await expect(first.consumer.commit(SHARD, false)).rejects.toThrow('killed');
    expect(seenWhileWriting).toBe(0);
    const partials = () =>
      readdirSync(join(root, 'events', 'dt=2026-12-03', 'hour=09')).filter((f) => f.endsWith('.partial'));
    expect(partials()).toHaveLength(1);

    // A new process: no checkpoint was written, so the shard is read from the start.
    const second = lake(root);
    expect(await second.consumer.resume(SHARD, undefined)).toBeUndefined();
    expect(partials()).toEqual([]);
    await second.consumer.add(SHARD, records(sent));
    await second.consumer.commit(SHARD, true);
    expect(await count(root)).toBe(120);
  });

  it('crashed between a file and its checkpoint: the restart resumes after the file, not the stale checkpoint', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lake-'));
    const sent = Array.from({ length: 150 }, (_, i) => event(i));
    const all = records(sent);
    const first = lake(root);
    await first.consumer.add(SHARD, all.slice(0, 100));
    const durable = await first.consumer.commit(SHARD, false); // file written…
    expect(durable).toBe(all[99]?.sequenceNumber);
    // …and the process died before the checkpoint moved from record 40.
    const stale = all[39]?.sequenceNumber;
    const second: BatchConsumer = lake(root).consumer;
    const from = await second.resume(SHARD, stale);
    expect(from).toBe(durable);
    // A checkpoint ahead of every file (only catalog records since) wins.
    expect(await second.resume(SHARD, all[140]?.sequenceNumber)).toBe(all[140]?.sequenceNumber);
    await second.add(
      SHARD,
      all.filter((r) => r.sequenceNumber > (from as string)),
    );
    await second.commit(SHARD, true);
    expect(await count(root)).toBe(150);
    expect(await count(root, 'true group by id having count(*) > 1')).toBeUndefined();
  });

  it('answers bad SQL with the engine message on one line, and an empty lake with the columns', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lake-'));
    const engine = await openLocalLake(root);
    const described = await engine.query('describe events');
    expect(described.rows.map((r) => r[0])).toEqual(
      expect.arrayContaining(['id', 'type', 'user_id', 'startup_ms', 'stall_ms', 'watch_ms', 'dt', 'hour']),
    );
    await expect(engine.query('select nope from events')).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      message: expect.stringMatching(/^duckdb: .*nope[^\n]*$/),
    });
    await engine.close();
  });

  it("exports a viewer's rows and erases them by rewriting each file that holds them, leaving everyone else's", async () => {
    const root = mkdtempSync(join(tmpdir(), 'lake-'));
    const { consumer, tick } = lake(root);
    await consumer.add(SHARD, records(Array.from({ length: 30 }, (_, i) => event(i))));
    await consumer.commit(SHARD, true);
    tick(3_600_000);
    await consumer.add(
      SHARD,
      records(
        Array.from({ length: 14 }, (_, i) => event(i)),
        30,
      ),
    );
    await consumer.commit(SHARD, true);
    const viewerLake = createLocalViewerLake(root, 'us-east-1');
    const mine = await viewerLake.rows('u3');
    expect(mine).toHaveLength(4 + 2);
    expect(mine.every((r) => r.user_id === 'u3' && typeof r.ts === 'string')).toBe(true);
    const before = await count(root);
    expect(await viewerLake.remove('u3')).toBe(6);
    expect(await viewerLake.rows('u3')).toEqual([]);
    expect(await count(root)).toBe(before - 6);
    expect(await viewerLake.remove('u3')).toBe(0);
    // Nothing half-written is left behind.
    expect(readdirSync(join(root, 'events', 'dt=2026-12-03', 'hour=09')).filter((f) => f.includes('partial'))).toEqual(
      [],
    );
  });

  it('drops the events of a viewer erased while they were buffered, when the file is written', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lake-'));
    let erased = false;
    const { consumer } = lake(root, { erased: async (userId) => erased && userId === 'u1' });
    await consumer.add(SHARD, records(Array.from({ length: 14 }, (_, i) => event(i))));
    erased = true; // the tombstone lands between buffering and writing
    await consumer.commit(SHARD, true);
    expect(await count(root, "user_id = 'u1'")).toBe(0);
    expect(await count(root)).toBe(12);
  });
});
