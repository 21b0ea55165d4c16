import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';
import { PLATFORM_RESOURCES, type TableDefinition } from './definitions.js';

/**
 * Renders a table definition into a DynamoDB `CreateTable` request
 * (on-demand billing; TTL and replicas are the CDK app's business).
 *
 * @example
 * ```ts
 * const input = toCreateTableInput(catalogTable, 'streamctl-local-catalog');
 * await ddb.send(new CreateTableCommand(input));
 * ```
 */
export function toCreateTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N' | 'B'>();
  const add = (a?: { name: string; type: 'S' | 'N' | 'B' }) => {
    if (a) attributes.set(a.name, a.type);
  };
  add(definition.partitionKey);
  add(definition.sortKey);
  for (const index of definition.globalSecondaryIndexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  const gsis = definition.globalSecondaryIndexes.map((index) => ({
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
      ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    Projection: { ProjectionType: index.projection },
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
    ],
    ...(gsis.length ? { GlobalSecondaryIndexes: gsis } : {}),
  };
}

/** What {@link ensureResources} did to one resource. */
export interface EnsuredResource {
  kind: 'table' | 'stream' | 'bucket';
  name: string;
  action: 'created' | 'exists';
}

function isMissing(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'ResourceNotFoundException' || name === 'NotFound' || name === 'NoSuchBucket';
}

const WAITER = { minDelay: 0.05, maxDelay: 0.5, maxWaitTime: 60 };

/**
 * Creates the platform's tables that do not exist yet and waits until each is ACTIVE.
 *
 * @example
 * ```ts
 * await ensureTables(clients.dynamodb(), config.resources);
 * ```
 */
export async function ensureTables(ddb: DynamoDBClient, names: ResourceNames): Promise<EnsuredResource[]> {
  return Promise.all(
    PLATFORM_RESOURCES.tables.map(async (definition): Promise<EnsuredResource> => {
      const TableName = names[definition.nameKey];
      try {
        await ddb.send(new DescribeTableCommand({ TableName }));
        return { kind: 'table', name: TableName, action: 'exists' };
      } catch (err) {
        if (!isMissing(err)) throw wrapAwsError(err, 'dynamodb:DescribeTable', `table ${TableName}`);
      }
      try {
        await ddb.send(new CreateTableCommand(toCreateTableInput(definition, TableName)));
      } catch (err) {
        // Another process created it between our describe and create: fine.
        if ((err as { name?: string }).name !== 'ResourceInUseException') {
          throw wrapAwsError(err, 'dynamodb:CreateTable', `table ${TableName}`);
        }
      }
      await waitUntilTableExists({ client: ddb, ...WAITER }, { TableName });
      return { kind: 'table', name: TableName, action: 'created' };
    }),
  );
}

/**
 * Creates the platform's streams that do not exist yet and waits until each is ACTIVE.
 *
 * @example
 * ```ts
 * await ensureStreams(clients.kinesis(), config.resources);
 * ```
 */
export async function ensureStreams(kinesis: KinesisClient, names: ResourceNames): Promise<EnsuredResource[]> {
  return Promise.all(
    PLATFORM_RESOURCES.streams.map(async (definition): Promise<EnsuredResource> => {
      const StreamName = names[definition.nameKey];
      try {
        await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }));
        return { kind: 'stream', name: StreamName, action: 'exists' };
      } catch (err) {
        if (!isMissing(err)) throw wrapAwsError(err, 'kinesis:DescribeStreamSummary', `stream ${StreamName}`);
      }
      try {
        await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: definition.shardCount }));
      } catch (err) {
        if ((err as { name?: string }).name !== 'ResourceInUseException') {
          throw wrapAwsError(err, 'kinesis:CreateStream', `stream ${StreamName}`);
        }
      }
      await waitUntilStreamExists({ client: kinesis, ...WAITER }, { StreamName });
      return { kind: 'stream', name: StreamName, action: 'created' };
    }),
  );
}

/**
 * Creates the platform's buckets that do not exist yet.
 *
 * @example
 * ```ts
 * await ensureBuckets(clients.s3(), config.resources);
 * ```
 */
export async function ensureBuckets(s3: S3Client, names: ResourceNames): Promise<EnsuredResource[]> {
  return Promise.all(
    PLATFORM_RESOURCES.buckets.map(async (definition): Promise<EnsuredResource> => {
      const Bucket = names[definition.nameKey];
      try {
        await s3.send(new HeadBucketCommand({ Bucket }));
        return { kind: 'bucket', name: Bucket, action: 'exists' };
      } catch (err) {
        if (!isMissing(err)) throw wrapAwsError(err, 's3:HeadBucket', `bucket ${Bucket}`);
      }
      try {
        await s3.send(new CreateBucketCommand({ Bucket }));
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') {
          throw wrapAwsError(err, 's3:CreateBucket', `bucket ${Bucket}`);
        }
      }
      return { kind: 'bucket', name: Bucket, action: 'created' };
    }),
  );
}

/**
 * Creates every table, stream and bucket of a stage that does not exist yet
 * and waits until each is ACTIVE. Idempotent. Meant for the embedded
 * platform, LocalStack and tests; on AWS the CDK app owns the resources.
 *
 * @example
 * ```ts
 * const platform = createPlatform(config);
 * await ensureResources(platform.clients, config.resources);
 * ```
 */
export async function ensureResources(clients: AwsClients, names: ResourceNames): Promise<EnsuredResource[]> {
  const results = await Promise.all([
    ensureTables(clients.dynamodb(), names),
    ensureStreams(clients.kinesis(), names),
    ensureBuckets(clients.s3(), names),
  ]);
  return results.flat();
}
