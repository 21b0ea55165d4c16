import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { IdSchema } from '../contract/index.js';
import { wrapAwsError } from '../errors/index.js';
import type { Parker } from './run.js';

/** How long a parked record is kept (seconds). */
export const DEAD_LETTER_TTL_SECONDS = 14 * 86400;

/**
 * The platform-table partition that points at rows kept under other keys which hold a viewer's
 * data (a parked event is kept under its consumer): erasure and export find them by the viewer.
 */
export const viewerRefPartition = (userId: string): string => `VIEWERREF#${userId}`;

/** The viewer a parked record's event names, when it names a valid one. */
function viewerOf(data: string): string | undefined {
  try {
    const userId = (JSON.parse(data) as { userId?: unknown } | null)?.userId;
    return IdSchema.safeParse(userId).success ? (userId as string) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parks records in the platform table (`PK = DEADLETTER#<consumer>`,
 * `SK = <shard>#<sequence>`), where an operator can read and replay them. A
 * record whose event names a viewer gets a reference first
 * (`PK = VIEWERREF#<userId>`, `SK = DEADLETTER#<consumer>#<shard>#<sequence>`),
 * so the viewer's export and erasure find it by key, never by a scan.
 *
 * @example
 * ```ts
 * const park = createDeadLetterTable(platform.clients, platform.config.resources);
 * ```
 */
export function createDeadLetterTable(clients: AwsClients, names: ResourceNames): Parker {
  const put = async (Item: Record<string, unknown>, what: string) => {
    try {
      await clients.documents().send(new PutCommand({ TableName: names.platformTable, Item }));
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:PutItem', what);
    }
  };
  return async (record) => {
    const key = { PK: `DEADLETTER#${record.consumer}`, SK: `${record.shardId}#${record.sequenceNumber}` };
    const expiration = Math.floor(Date.now() / 1000) + DEAD_LETTER_TTL_SECONDS;
    const userId = viewerOf(record.data);
    // The reference goes first: one left without its row is harmless, a row without one is not findable.
    if (userId) {
      await put(
        { PK: viewerRefPartition(userId), SK: `${key.PK}#${key.SK}`, target: key, expiration },
        `dead-letter reference of ${record.consumer}`,
      );
    }
    await put(
      { ...key, ...record, parkedAt: new Date().toISOString(), expiration },
      `dead letter of ${record.consumer}`,
    );
  };
}
