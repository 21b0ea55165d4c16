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
