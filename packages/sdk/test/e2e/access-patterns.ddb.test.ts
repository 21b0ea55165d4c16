/**
 * The DynamoDB operations the SDK relies on (SPEC §4: single-item
 * conditional writes, Query, Batch*), checked against whichever DynamoDB
 * the project runs: dynalite in the e2e project, AWS's DynamoDB Local in
 * the dynamodb-local project, or STREAMCTL_E2E_ENDPOINT.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClients,
  createAwsClients,
  PLATFORM_RESOURCES,
  type StreamctlConfig,
  wrapAwsError,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

describe.skipIf(!target.endpoints.dynamodb)(`DynamoDB access patterns (${target.kind})`, () => {
  let config: StreamctlConfig;
  let clients: AwsClients;
  const run = randomUUID().slice(0, 8);
  const video = `VIDEO#${run}`;

  beforeAll(async () => {
    config = await targetConfig(target);
    clients = createAwsClients(config);
  });
  afterAll(() => clients?.destroy());

  it('creates every table with the keys and indexes of its definition', async () => {
    for (const definition of PLATFORM_RESOURCES.tables) {
      const { Table } = await clients
        .dynamodb()
        .send(new DescribeTableCommand({ TableName: config.resources[definition.nameKey] }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
      ]);
      const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort();
      expect(indexes).toEqual(definition.globalSecondaryIndexes.map((i) => i.indexName).sort());
    }
  });

  it('rejects a second create of the same item with a conditional write (CONFLICT)', async () => {
    const docs = clients.documents();
    const put = () =>
      docs.send(
        new PutCommand({
          TableName: config.resources.catalogTable,
          Item: { PK: video, SK: 'METADATA', name: 'Sample', status: 'UPLOADING' },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    await put();
    const error = await put().catch((err: unknown) => err);
    expect((error as { name: string }).name).toBe('ConditionalCheckFailedException');
    expect(wrapAwsError(error, 'dynamodb:PutItem').code).toBe('CONFLICT');
  });

  it('keeps the newer position when a stale event arrives late (order-safe update)', async () => {
    const docs = clients.documents();
    const key = { PK: `USER#${run}`, SK: `PROGRESS#${run}` };
    const write = (positionSec: number, eventTs: string) =>
      docs.send(
        new UpdateCommand({
          TableName: config.resources.userStateTable,
          Key: key,
          UpdateExpression: 'SET positionSec = :p, eventTs = :t',
          ConditionExpression: 'attribute_not_exists(eventTs) OR eventTs < :t',
          ExpressionAttributeValues: { ':p': positionSec, ':t': eventTs },
          ReturnValues: 'ALL_NEW',
        }),
      );
    await write(120, '2026-11-24T10:00:02.000Z');
    const stale = await write(30, '2026-11-24T10:00:01.000Z').catch((err: unknown) => err);
    expect((stale as { name: string }).name).toBe('ConditionalCheckFailedException');
    const newer = await write(180, '2026-11-24T10:00:03.000Z');
    expect(newer.Attributes).toMatchObject({ positionSec: 180, eventTs: '2026-11-24T10:00:03.000Z' });
  });

  it('adds to a string set and returns the new item', async () => {
    const out = await clients.documents().send(
      new UpdateCommand({
        TableName: config.resources.catalogTable,
        Key: { PK: video, SK: 'METADATA' },
        UpdateExpression: 'SET #s = :s ADD countries :c',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'PUBLISHED', ':c': new Set(['US', 'GB']) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(out.Attributes?.status).toBe('PUBLISHED');
    expect(out.Attributes?.countries).toEqual(new Set(['US', 'GB']));
  });

  it('queries a title’s episodes in key order with begins_with', async () => {
    const docs = clients.documents();
    const episodes = ['S01E03', 'S01E01', 'S02E01', 'S01E02'];
    await docs.send(
      new BatchWriteCommand({
        RequestItems: {
          [config.resources.catalogTable]: episodes.map((e) => ({
            PutRequest: { Item: { PK: video, SK: `EPISODE#${e}`, episode: e } },
          })),
        },
      }),
    );
    const out = await docs.send(
      new QueryCommand({
        TableName: config.resources.catalogTable,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :season)',
        ExpressionAttributeValues: { ':pk': video, ':season': 'EPISODE#S01' },
      }),
    );
    expect(out.Items?.map((i) => i.episode)).toEqual(['S01E01', 'S01E02', 'S01E03']);
  });

  it('browses by genre and by country through the GSIs', async () => {
    const docs = clients.documents();
    const genre = `GENRE#drama-${run}`;
    const country = `COUNTRY#ZZ-${run}`;
    const titles = ['b', 'a', 'c'].map((id) => ({
      PK: `VIDEO#${run}-${id}`,
      SK: 'METADATA',
      GSI1PK: genre,
      GSI1SK: `2026-01-0${id.charCodeAt(0) - 96}#${id}`,
      GSI2PK: country,
      GSI2SK: id,
    }));
    await docs.send(
      new BatchWriteCommand({
        RequestItems: { [config.resources.catalogTable]: titles.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
    const byGenre = await docs.send(
      new QueryCommand({
        TableName: config.resources.catalogTable,
        IndexName: 'byGenre',
        KeyConditionExpression: 'GSI1PK = :g',
        ExpressionAttributeValues: { ':g': genre },
        ScanIndexForward: false,
      }),
    );
    expect(byGenre.Items?.map((i) => i.GSI2SK)).toEqual(['c', 'b', 'a']);
    const byCountry = await docs.send(
      new QueryCommand({
        TableName: config.resources.catalogTable,
        IndexName: 'byCountry',
        KeyConditionExpression: 'GSI2PK = :c AND GSI2SK > :after',
        ExpressionAttributeValues: { ':c': country, ':after': 'a' },
      }),
    );
    expect(byCountry.Items?.map((i) => i.GSI2SK)).toEqual(['b', 'c']);
  });

  it('reads many items with BatchGet', async () => {
    const docs = clients.documents();
    const keys = ['S01E01', 'S01E02', 'S02E01', 'S09E09'].map((e) => ({ PK: video, SK: `EPISODE#${e}` }));
    const out = await docs.send(
      new BatchGetCommand({ RequestItems: { [config.resources.catalogTable]: { Keys: keys } } }),
    );
    const found = (out.Responses?.[config.resources.catalogTable] ?? []).map((i) => i.episode).sort();
    expect(found).toEqual(['S01E01', 'S01E02', 'S02E01']);
  });
});
