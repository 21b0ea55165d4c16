/**
 * Per-shard checkpoints of a consumer in the platform table
 * (`PK = CHECKPOINT#<consumer>`, `SK = SHARD#<shard id>`): the last sequence
 * number the local poller finished, so a restart resumes after it. On AWS
 * the Lambda event source mapping keeps its own.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';

/** Where a consumer's shard positions are kept. */
export interface CheckpointStore {
  /** The last finished sequence number of a shard, if any. */
  read(consumer: string, shardId: string): Promise<string | undefined>;
  write(consumer: string, shardId: string, sequenceNumber: string): Promise<void>;
}

/**
 * The checkpoints in a stage's platform table.
 *
 * @example
 * ```ts
 * const checkpoints = createCheckpointStore(platform.clients, platform.config.resources);
 * await checkpoints.write('watch-state', 'shardId-000000000000', '4959…');
 * ```
 */
export function createCheckpointStore(clients: AwsClients, names: ResourceNames): CheckpointStore {
  const TableName = names.platformTable;
  const key = (consumer: string, shardId: string) => ({ PK: `CHECKPOINT#${consumer}`, SK: `SHARD#${shardId}` });
  return {
    async read(consumer, shardId) {
      try {
        const out = await clients.documents().send(new GetCommand({ TableName, Key: key(consumer, shardId) }));
        return out.Item?.sequenceNumber as string | undefined;
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:GetItem', `checkpoint of ${consumer}`);
      }
    },
    async write(consumer, shardId, sequenceNumber) {
      try {
        await clients.documents().send(
          new PutCommand({
            TableName,
            Item: { ...key(consumer, shardId), sequenceNumber, updatedAt: new Date().toISOString() },
          }),
        );
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:PutItem', `checkpoint of ${consumer}`);
      }
    },
  };
}
