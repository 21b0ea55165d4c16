import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createKinesisHandler, decodeKinesisRecord } from './kinesis.js';

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
