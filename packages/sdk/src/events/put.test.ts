/**
 * How `putEvents` reads a PutRecords answer, including answers no emulator
 * gives (an entry refused, an answer short of entries): Kinesis is a fake
 * that answers what the test says. Real streams are in the e2e tests.
 */
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../aws/index.js';
import { resourceNames } from '../config/index.js';
import { putEvents } from './index.js';
import type { EngagementEvent } from './schema.js';

const names = resourceNames('prod', 'us-east-1');
const events: EngagementEvent[] = ['a', 'b', 'c'].map((userId, i) => ({
  v: 1,
  id: `00000000-0000-4000-8000-00000000000${i}`,
  type: 'play',
  userId,
  titleId: 't1',
  ts: '2026-12-03T10:00:00.000Z',
}));

function answering(answer: unknown): { clients: AwsClients; sent: Array<Record<string, unknown>> } {
  const sent: Array<Record<string, unknown>> = [];
  const kinesis = {
    send: async (command: { input: Record<string, unknown> }) => {
      sent.push(command.input);
      return answer;
    },
  };
  return { clients: { kinesis: () => kinesis } as unknown as AwsClients, sent };
}

describe('putEvents', () => {
  it('sends one PutRecords keyed by user, and answers refused entries by index with a typed code', async () => {
    const { clients, sent } = answering({
      FailedRecordCount: 1,
      Records: [
        { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
        { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' },
        { SequenceNumber: '2', ShardId: 'shardId-000000000001' },
      ],
    });
    expect(await putEvents(clients, names, events)).toEqual({
      accepted: 2,
      failed: [{ index: 1, code: 'THROTTLED', message: 'Rate exceeded for shard' }],
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ StreamName: 'streamctl-prod-events' });
    const records = (sent[0] as { Records: Array<{ PartitionKey: string }> }).Records;
    expect(records.map((r) => r.PartitionKey)).toEqual(['a', 'b', 'c']);
  });

  it('counts an event the answer has no entry for as failed, never as stored', async () => {
    const { clients } = answering({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 'shardId-0' }] });
    expect(await putEvents(clients, names, events)).toEqual({
      accepted: 1,
      failed: [
        { index: 1, code: 'STREAM_ERROR', message: 'no result entry for this record' },
        { index: 2, code: 'STREAM_ERROR', message: 'no result entry for this record' },
      ],
    });
  });
});
