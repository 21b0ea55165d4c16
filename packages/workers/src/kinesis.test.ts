import { type Consumer, createMemoryIdempotencyStore } from '@streamctl/sdk';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createConsumerHandler, createKinesisHandler, decodeKinesisRecord } from './kinesis.js';

function record(seq: number, data: unknown, raw?: string): KinesisStreamRecord {
  const text = raw ?? JSON.stringify(data);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: `user-${seq % 2}`,
      sequenceNumber: String(49_000_000 + seq),
      data: Buffer.from(text).toString('base64'),
      approximateArrivalTimestamp: 1_764_000_000 + seq,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000001:${49_000_000 + seq}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/worker',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/streamctl-dev-events',
  };
}

const context = { functionName: 'worker', awsRequestId: 'req-1' } as Context;

describe('decodeKinesisRecord', () => {
  it('decodes JSON data and the record metadata', () => {
    const decoded = decodeKinesisRecord(record(3, { type: 'play', userId: 'u1' }));
    expect(decoded).toEqual({
      data: { type: 'play', userId: 'u1' },
      partitionKey: 'user-1',
      sequenceNumber: '49000003',
      shardId: 'shardId-000000000001',
      approximateArrivalTimestamp: 1_764_000_003,
    });
  });
});

describe('createKinesisHandler', () => {
  it('processes every record in order and reports no failures when all succeed', async () => {
    const seen: number[] = [];
    const handler = createKinesisHandler<{ n: number }>(async (r) => {
      seen.push(r.data.n);
    });
    const event: KinesisStreamEvent = { Records: [1, 2, 3, 4].map((n) => record(n, { n })) };
    await expect(handler(event, context)).resolves.toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('reports a failing record and a record that is not JSON by sequence number', async () => {
    const handler = createKinesisHandler<{ n: number }>(async (r) => {
      if (r.data.n === 2) throw new Error('downstream unavailable');
    });
    const event: KinesisStreamEvent = {
      Records: [record(1, { n: 1 }), record(2, { n: 2 }), record(3, undefined, '{not json'), record(4, { n: 4 })],
    };
    const result = await handler(event, context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '49000002' }, { itemIdentifier: '49000003' }]);
  });
});

describe('createConsumerHandler', () => {
  const play = (n: number) => ({
    v: 1,
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type: 'play',
    userId: `u${n}`,
    titleId: 't1',
    ts: new Date().toISOString(),
  });

  it("runs the consumer's flush once the batch's records went through, and fails the whole batch when it fails", async () => {
    const order: string[] = [];
    let flushFails = false;
    const consumer: Consumer = {
      name: 'signals',
      process: async (event, position) => {
        order.push(`${event.userId}@${position.shardId}`);
      },
      flush: async (shardId) => {
        order.push(`flush ${shardId}`);
        if (flushFails) throw new Error('throttled');
      },
      idempotency: createMemoryIdempotencyStore(),
      park: async () => undefined,
    };
    const handler = createConsumerHandler(consumer);
    await expect(handler({ Records: [1, 2].map((n) => record(n, play(n))) }, context)).resolves.toEqual({
      batchItemFailures: [],
    });
    expect(order).toEqual(['u1@shardId-000000000001', 'u2@shardId-000000000001', 'flush shardId-000000000001']);
    // A failed flush fails the invocation: Lambda delivers the batch again.
    flushFails = true;
    await expect(handler({ Records: [record(3, play(3))] }, context)).rejects.toThrow('throttled');
  });
});
