import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../aws/index.js';
import { wrapAwsError } from '../errors/index.js';

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
