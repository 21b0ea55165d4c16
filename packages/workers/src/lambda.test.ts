import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const record = (seq: number, data: string) => ({
  kinesis: {
    kinesisSchemaVersion: '1.0',
    partitionKey: 'u1',
    sequenceNumber: String(seq),
    data: Buffer.from(data).toString('base64'),
    approximateArrivalTimestamp: 1_764_000_000,
  },
  eventSource: 'aws:kinesis',
  eventVersion: '1.0',
  eventID: `shardId-000000000000:${seq}`,
  eventName: 'aws:kinesis:record',
  invokeIdentityArn: 'arn:aws:iam::123456789012:role/qoe',
  awsRegion: 'eu-west-1',
  eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/streamctl-prod-events',
});

describe('Lambda entries', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.STREAMCTL_STAGE = 'prod';
    process.env.AWS_REGION = 'eu-west-1';
    process.env.POWERTOOLS_DEV = 'false';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  });
  afterAll(() => {
    process.env = saved;
  });

  it('export one handler per worker', async () => {
    const entries = await import('./lambda.js');
    expect(typeof entries.watchStateHandler).toBe('function');
    expect(typeof entries.signalsHandler).toBe('function');
    expect(typeof entries.qoeHandler).toBe('function');
    expect(typeof entries.searchHandler).toBe('function');
  });

  it('qoe reports a record whose ledger is unreachable, so Lambda retries it', async () => {
    // No AWS here: the ledger call fails, the record is reported, nothing is lost.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('STREAMCTL_ENDPOINT_URL', 'http://127.0.0.1:9');
    vi.stubEnv('STREAMCTL_MAX_ATTEMPTS', '1');
    const { qoeHandler } = await import('./lambda.js');
    const event = {
      v: 1,
      id: '6f1c1b1e-8c5e-4a57-9c55-3f0a1a9b2c10',
      type: 'rebuffer',
      userId: 'u1',
      titleId: 't1',
      ts: '2026-11-24T10:00:00.000Z',
      durationSec: 2,
      region: 'eu-west-1',
    };
    const result = await qoeHandler(
      { Records: [record(1, JSON.stringify(event))] } as KinesisStreamEvent,
      {} as Context,
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '1' }]);
    vi.unstubAllEnvs();
  });
});
