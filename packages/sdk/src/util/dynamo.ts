import { BatchGetCommand, BatchWriteCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../aws/index.js';
import { wrapAwsError } from '../errors/index.js';
import { BATCH_RETRY, retry } from './backoff.js';

/**
 * Runs a Query to the end, following LastEvaluatedKey. For the bounded
 * partitions the SDK reads whole (one title, one user's list).
 */
export async function queryAll(
  clients: AwsClients,
  input: QueryCommandInput,
  subject: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    try {
      const out = await clients
        .documents()
        .send(new QueryCommand({ ...input, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }));
      items.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:Query', subject);
    }
  } while (ExclusiveStartKey);
  return items;
}

/**
 * Deletes items by key, 25 per BatchWriteItem, writing unprocessed ones again with backoff.
 * Returns how many keys were deleted (a key of no item counts too: DynamoDB does not tell).
 */
export async function deleteKeys(
  clients: AwsClients,
  TableName: string,
  keys: Array<Record<string, unknown>>,
  subject: string,
): Promise<number> {
  for (let i = 0; i < keys.length; i += 25) {
    let pending: unknown[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    pending = await retry(
      async () => {
        try {
          const out = await clients
            .documents()
            .send(new BatchWriteCommand({ RequestItems: { [TableName]: pending as never } }));
          pending = (out.UnprocessedItems?.[TableName] ?? []) as unknown[];
          return pending;
        } catch (err) {
          throw wrapAwsError(err, 'dynamodb:BatchWriteItem', subject);
        }
      },
      { attempts: 9, policy: BATCH_RETRY, retryable: () => false, retryResult: (left) => left.length > 0 },
    );
    if (pending.length) throw wrapAwsError(new Error('unprocessed deletes'), 'dynamodb:BatchWriteItem', subject);
  }
  return keys.length;
}

/** The attributes a {@link getKeys} reads: a projection expression and the names it uses. */
export interface Projection {
  expression: string;
  names: Record<string, string>;
}

/**
 * Reads items by key, 100 per BatchGetItem, reading unprocessed keys again with backoff; only the
 * projection's attributes when one is given.
 */
export async function getKeys(
  clients: AwsClients,
  TableName: string,
  keys: Array<Record<string, unknown>>,
  subject: string,
  projection?: Projection,
): Promise<Record<string, unknown>[]> {
  const read = projection
    ? { ProjectionExpression: projection.expression, ExpressionAttributeNames: projection.names }
    : {};
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending = keys.slice(i, i + 100);
    pending = await retry(
      async () => {
        try {
          const out = await clients
            .documents()
            .send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ...read } } }));
          items.push(...(out.Responses?.[TableName] ?? []));
          pending = (out.UnprocessedKeys?.[TableName]?.Keys ?? []) as Array<Record<string, unknown>>;
          return pending;
        } catch (err) {
          throw wrapAwsError(err, 'dynamodb:BatchGetItem', subject);
        }
      },
      { attempts: 9, policy: BATCH_RETRY, retryable: () => false, retryResult: (left) => left.length > 0 },
    );
    if (pending.length) throw wrapAwsError(new Error('unprocessed keys'), 'dynamodb:BatchGetItem', subject);
  }
  return items;
}
