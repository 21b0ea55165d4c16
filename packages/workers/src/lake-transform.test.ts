import { LAKE_COLUMNS, parseEvent } from '@streamctl/sdk';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createLakeTransform, handler, lakeLine } from './lake-transform.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');

/** A Firehose batch (Kinesis stream as source) of raw payloads, ids `r0`, `r1`, … */
function batch(...payloads: string[]): FirehoseTransformationEvent {
  return {
    invocationId: 'a7d1f9b2-0d55-4c0e-9f5e-3b2a1c9d8e70',
    deliveryStreamArn: 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/streamctl-prod-events-lake',
    sourceKinesisStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/streamctl-prod-events',
    region: 'eu-west-1',
    records: payloads.map((data, i) => ({
      recordId: `r${i}`,
      approximateArrivalTimestamp: 1_764_752_100_000 + i,
      data: b64(data),
      kinesisRecordMetadata: {
        shardId: 'shardId-000000000000',
        partitionKey: 'u1',
        approximateArrivalTimestamp: 1_764_752_100_000 + i,
        sequenceNumber: `4959${i}`,
        subsequenceNumber: '0',
      },
    })),
  };
}

const startup = {
  v: 2,
  id: '6f1c1b1e-8c5e-4a57-9c55-3f0a1a9b2c10',
  type: 'startup',
  userId: 'u1',
  titleId: 't1',
  ts: '2026-12-03T10:15:00.5+01:00',
  sessionId: 's1',
  device: 'tv',
  country: 'DE',
  region: 'eu-west-1',
  startupMs: 840,
  watchMs: 0,
};
const rebufferOf = (userId: string, id: string) => ({
  v: 2,
  id,
  type: 'rebuffer',
  userId,
  titleId: 't1',
  ts: '2026-12-03T09:16:00Z',
  stallMs: 1200,
  watchMs: 60_000,
});
const catalog = {
  v: 1,
  kind: 'catalog',
  id: '0b6c9a1e-2f4d-4e8a-9b1c-7d3e5f6a8b90',
  type: 'title_published',
  titleId: 't1',
  ts: '2026-12-03T09:00:00Z',
};

const nobodyErased = async () => false;

describe('lake transform', () => {
  it('keeps a valid event as one JSON line with ts in UTC (milliseconds, Z), base64', async () => {
    const transform = createLakeTransform({ isErased: nobodyErased });
    const { records } = await transform(batch(JSON.stringify(startup)));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ recordId: 'r0', result: 'Ok' });
    const line = unb64(records[0]?.data);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    const row = JSON.parse(line) as Record<string, unknown>;
    // 10:15:00.5 at +01:00 is 09:15:00.500 UTC: the form the OpenX SerDe reads as a timestamp.
    expect(row.ts).toBe('2026-12-03T09:15:00.500Z');
    expect(row.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // Everything else as sent, and still a valid event.
    expect({ ...row, ts: startup.ts }).toEqual(startup);
    expect(parseEvent(row).userId).toBe('u1');
    // Every key is the JSON key of a column of the table (the SerDe's mapping reads them).
    for (const key of Object.keys(row)) expect(LAKE_COLUMNS.map((c) => c.field)).toContain(key);
  });

  it('drops catalog records: the lake holds engagement events', async () => {
    const transform = createLakeTransform({ isErased: nobodyErased });
    const { records } = await transform(batch(JSON.stringify(catalog)));
    expect(records).toEqual([{ recordId: 'r0', result: 'Dropped' }]);
  });

  it("drops an erased viewer's events, asking once per viewer and batch", async () => {
    const asked: string[] = [];
    const transform = createLakeTransform({
      isErased: async (userId) => {
        asked.push(userId);
        return userId === 'gone';
      },
    });
    const { records } = await transform(
      batch(
        JSON.stringify(rebufferOf('gone', '11111111-1111-4111-8111-111111111111')),
        JSON.stringify(rebufferOf('u2', '22222222-2222-4222-8222-222222222222')),
        JSON.stringify(rebufferOf('gone', '33333333-3333-4333-8333-333333333333')),
        JSON.stringify(rebufferOf('u2', '44444444-4444-4444-8444-444444444444')),
      ),
    );
    expect(records.map((r) => [r.recordId, r.result])).toEqual([
      ['r0', 'Dropped'],
      ['r1', 'Ok'],
      ['r2', 'Dropped'],
      ['r3', 'Ok'],
    ]);
    expect(records[0]?.data).toBeUndefined();
    expect(asked.sort()).toEqual(['gone', 'u2']);
    // A new batch asks again: an erasure between batches is seen.
    await transform(batch(JSON.stringify(rebufferOf('u2', '55555555-5555-4555-8555-555555555555'))));
    expect(asked.filter((u) => u === 'u2')).toHaveLength(2);
  });

  it('fails what is no valid event, so Firehose writes it under the error prefix', async () => {
    const transform = createLakeTransform({ isErased: nobodyErased });
    const { userId: _dropped, ...noViewer } = startup;
    const { records } = await transform(
      batch(
        '{"v":2,"type":',
        JSON.stringify(noViewer),
        JSON.stringify({ ...startup, v: 3 }),
        JSON.stringify({ ...startup, startupMs: undefined }),
        JSON.stringify({ ...startup, ts: 'yesterday' }),
        JSON.stringify(startup),
      ),
    );
    expect(records.map((r) => r.result)).toEqual([
      'ProcessingFailed',
      'ProcessingFailed',
      'ProcessingFailed',
      'ProcessingFailed',
      'ProcessingFailed',
      'Ok',
    ]);
    // Every record answered, by its own id, in order.
    expect(records.map((r) => r.recordId)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('counts each outcome of a batch', async () => {
    const seen: unknown[] = [];
    const transform = createLakeTransform({
      isErased: async (userId) => userId === 'gone',
      onBatch: (counts) => seen.push(counts),
    });
    await transform(
      batch(
        JSON.stringify(startup),
        JSON.stringify(catalog),
        JSON.stringify(rebufferOf('gone', '11111111-1111-4111-8111-111111111111')),
        'not json',
      ),
    );
    expect(seen).toEqual([{ ok: 1, catalog: 1, erased: 1, invalid: 1 }]);
  });

  it('fails the batch when the erasure check fails, so Firehose retries it instead of keeping unchecked events', async () => {
    const transform = createLakeTransform({
      isErased: async () => {
        throw new Error('tombstone unreachable');
      },
    });
    await expect(transform(batch(JSON.stringify(startup)))).rejects.toThrow(/tombstone unreachable/);
    // A batch with no engagement event asks nothing.
    await expect(transform(batch(JSON.stringify(catalog)))).resolves.toEqual({
      records: [{ recordId: 'r0', result: 'Dropped' }],
    });
  });

  it('keeps at most `concurrency` erasure checks in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const transform = createLakeTransform({
      concurrency: 3,
      isErased: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
        return false;
      },
    });
    const events = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify(rebufferOf(`u${i}`, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)),
    );
    const { records } = await transform(batch(...events));
    expect(records.every((r) => r.result === 'Ok')).toBe(true);
    expect(most).toBe(3);
  });

  it('normalizes any offset and precision, years ahead included', () => {
    const at = (ts: string) => JSON.parse(lakeLine(parseEvent({ ...startup, ts }))).ts;
    expect(at('2031-06-30T23:59:59.999999-02:30')).toBe('2031-07-01T02:29:59.999Z');
    expect(at('2099-01-01T00:00:00Z')).toBe('2099-01-01T00:00:00.000Z');
  });

  it('exports the Lambda entry', () => {
    expect(typeof handler).toBe('function');
  });
});
