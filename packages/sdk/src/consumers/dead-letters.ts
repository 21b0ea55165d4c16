import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';
import type { Parker } from './run.js';

/**
 * Parks records in the platform table (`PK = DEADLETTER#<consumer>`,
 * `SK = <shard>#<sequence>`), where an operator can read and replay them.
 *
 * @example
 * ```ts
 * const park = createDeadLetterTable(platform.clients, platform.config.resources);
 * ```
 */
export function createDeadLetterTable(clients: AwsClients, names: ResourceNames): Parker {
  return async (record) => {
    try {
      await clients.documents().send(
        new PutCommand({
          TableName: names.platformTable,
          Item: {
            PK: `DEADLETTER#${record.consumer}`,
            SK: `${record.shardId}#${record.sequenceNumber}`,
            ...record,
            parkedAt: new Date().toISOString(),
            expiration: Math.floor(Date.now() / 1000) + 14 * 86400,
          },
        }),
      );
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:PutItem', `dead letter of ${record.consumer}`);
    }
  };
}
