import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryIdempotencyStore } from './ledger.js';
import { type Consumer, type ParkedRecord, runRecord } from './run.js';

function consumer(processed: string[], parked: ParkedRecord[]): Consumer {
  return {
    name: 'test',
    process: async (event) => {
      processed.push(event.id);
    },
    idempotency: createMemoryIdempotencyStore(),
    park: async (record) => {
      parked.push(record);
    },
  };
}

const at = (data: unknown, seq: string) => ({
  data: Buffer.from(JSON.stringify(data)),
  shardId: 'shard-0',
  sequenceNumber: seq,
});

describe('runRecord', () => {
  it('lets catalog events on the shared stream pass without parking them', async () => {
    const processed: string[] = [];
    const parked: ParkedRecord[] = [];
    const c = consumer(processed, parked);
    const catalog = {
      v: 1,
      kind: 'catalog',
      id: randomUUID(),
      type: 'title_published',
      titleId: 't1',
      ts: new Date().toISOString(),
    };
    expect(await runRecord(c, at(catalog, '1'))).toBe('skipped');
    const play = { v: 1, id: randomUUID(), type: 'play', userId: 'u1', titleId: 't1', ts: new Date().toISOString() };
    expect(await runRecord(c, at(play, '2'))).toBe('processed');
    expect(await runRecord(c, at({ v: 1, type: 'nope' }, '3'))).toBe('parked');
    expect(processed).toEqual([play.id]);
    expect(parked.map((p) => p.sequenceNumber)).toEqual(['3']);
  });
});

describe('runRecord: a record that comes again', () => {
  it('replays a processed event in its own record, never a duplicate event nor a parked one', async () => {
    const replayed: string[] = [];
    let fail = false;
    const c: Consumer = {
      name: 'replaying',
      process: async () => {
        if (fail) throw new Error('storage down');
      },
      replay: async (event, record) => {
        replayed.push(`${event.id}@${record.sequenceNumber}`);
      },
      idempotency: createMemoryIdempotencyStore(),
      park: async () => undefined,
      maxAttempts: 1,
    };
    const play = { v: 1, id: randomUUID(), type: 'play', userId: 'u1', titleId: 't1', ts: new Date().toISOString() };
    expect(await runRecord(c, at(play, '10'))).toBe('processed');
    // Its batch again: the same record is replayed (work kept for a flush may be lost).
    expect(await runRecord(c, at(play, '10'))).toBe('duplicate');
    // The same event published again, in another record: skipped, not replayed.
    expect(await runRecord(c, at(play, '11'))).toBe('duplicate');
    expect(replayed).toEqual([`${play.id}@10`]);
    // A parked event's record again: nothing of it was kept, so nothing is replayed.
    fail = true;
    const other = { ...play, id: randomUUID() };
    expect(await runRecord(c, at(other, '12'))).toBe('parked');
    expect(await runRecord(c, at(other, '12'))).toBe('duplicate');
    expect(replayed).toEqual([`${play.id}@10`]);
  });
});

describe('runRecord: a consumer of catalog events (the search index)', () => {
  const catalogEvent = (over: Record<string, unknown> = {}) => ({
    v: 1,
    kind: 'catalog',
    id: randomUUID(),
    type: 'title_published',
    titleId: 't1',
    ts: new Date().toISOString(),
    ...over,
  });

  it('processes catalog events once, skips engagement events, and parks a malformed catalog event', async () => {
    const seen: string[] = [];
    const parked: ParkedRecord[] = [];
    const c: Consumer = {
      name: 'search-test',
      processCatalog: async (event) => {
        seen.push(`${event.type}:${event.titleId}`);
      },
      idempotency: createMemoryIdempotencyStore(),
      park: async (record) => {
        parked.push(record);
      },
    };
    const published = catalogEvent();
    expect(await runRecord(c, at(published, '1'))).toBe('processed');
    // Redelivered (a retried batch): the ledger says it is done.
    expect(await runRecord(c, at(published, '1'))).toBe('duplicate');
    const play = { v: 1, id: randomUUID(), type: 'play', userId: 'u1', titleId: 't1', ts: new Date().toISOString() };
    expect(await runRecord(c, at(play, '2'))).toBe('skipped');
    expect(await runRecord(c, at(catalogEvent({ type: 'title_exploded' }), '3'))).toBe('parked');
    expect(await runRecord(c, at(catalogEvent({ type: 'title_unpublished' }), '4'))).toBe('processed');
    expect(seen).toEqual(['title_published:t1', 'title_unpublished:t1']);
    expect(parked.map((p) => p.sequenceNumber)).toEqual(['3']);
  });

  it('retries a failing index write, then parks it rather than block the shard', async () => {
    const parked: ParkedRecord[] = [];
    let attempts = 0;
    const c: Consumer = {
      name: 'search-test',
      processCatalog: async () => {
        attempts++;
        throw new Error('index unreachable');
      },
      idempotency: createMemoryIdempotencyStore(),
      park: async (record) => {
        parked.push(record);
      },
      maxAttempts: 2,
    };
    expect(await runRecord(c, at(catalogEvent(), '9'))).toBe('parked');
    expect(attempts).toBe(2);
    expect(parked[0]?.reason).toMatch(/index unreachable/);
  });
});
