/**
 * runFailover against the emulators, on a stage of its own with two Regions
 * and, as on AWS without a domain or distribution, no edge to verify
 * through: a dry run plans from the default routing record and writes
 * nothing; a real run checks the target's replica with a canary of its own
 * key, deletes it, flips the record and says the edge was not checked.
 * DynamoDB is reached through a recording proxy, so the test sees every
 * write the failover sends, not only what is left in the table.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClients,
  createAwsClients,
  ensureResources,
  ensureStreams,
  type RoutingRecord,
  readRouting,
  resolveConfig,
  runFailover,
  type StreamctlConfig,
} from '@streamctl/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type RecordedCall, startRecordingProxy } from '../../../../test/e2e/recording-proxy.js';

const target = inject('target');

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const ROUTING_KEY = { PK: 'ROUTING', SK: 'RECORD' };

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.kinesis || !target.endpoints.s3)(
  `runFailover on the emulators (${target.kind})`,
  () => {
    let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
    /** The stage as runFailover sees it: DynamoDB through the proxy. */
    let config: StreamctlConfig;
    /** Direct clients, for setting up and reading back (not recorded). */
    let direct: AwsClients;

    beforeAll(async () => {
      proxy = await startRecordingProxy(target.endpoints.dynamodb as string);
      // A stage of its own: its own tables, stream and buckets, so no other test touches its routing record.
      const base = await resolveConfig({
        flags: { stage: `rr${randomUUID().slice(0, 6)}`, regions: 'us-east-1,eu-west-1' },
        env: {},
        configFile: false,
      });
      const endpoints = { ...target.endpoints };
      direct = createAwsClients({ ...base, endpoints });
      await ensureResources(direct, base.resources);
      // The other Region's stream, as the CDK app deploys one per Region: a Region-aware Kinesis
      // (kinesis-mock, like AWS) keeps streams per Region, and the failover preflight checks it.
      const replica = createAwsClients({ ...base, region: 'eu-west-1', endpoints });
      await ensureStreams(replica.kinesis(), base.resources);
      replica.destroy();
      config = { ...base, endpoints: { ...endpoints, dynamodb: proxy.url } };
    });
    afterAll(async () => {
      direct?.destroy();
      await proxy?.close();
    });
    beforeEach(() => {
      proxy.calls.length = 0;
    });

    /** The calls of one operation, with DynamoDB's JSON request. */
    const sent = (operation: string) =>
      proxy.calls
        .filter((c) => c.operation === operation)
        .map((c) => c as RecordedCall & { input: { Item?: { SK?: { S?: string } }; Key?: { SK?: { S?: string } } } });

    it('plans a dry run from the default record without writing one', async () => {
      await direct.documents().send(new DeleteCommand({ TableName: config.resources.controlTable, Key: ROUTING_KEY }));
      const plan = await runFailover(config, { to: 'eu-west-1', dryRun: true, by: 'alice' });
      expect(plan).toMatchObject({ from: 'us-east-1', to: 'eu-west-1', changed: false, dryRun: true });
      expect(plan.rollback).toBe('streamctl failover --to us-east-1 --yes');
      // Its calls went through the proxy, and none was a write of any kind (no Put, no Update).
      expect(proxy.calls.length).toBeGreaterThan(0);
      expect(proxy.calls.filter((c) => WRITES.has(c.operation))).toEqual([]);
      expect(await readRouting(direct, config.resources)).toBeUndefined();
    });

    it("checks the replica with a canary of this run's own key, deletes it, and skips the edge check with a note", async () => {
      const record: RoutingRecord = {
        primary: 'us-east-1',
        regions: { 'us-east-1': 'active', 'eu-west-1': 'active' },
        version: 4,
        changedBy: 'ops',
        changedAt: '2026-11-24T00:00:00Z',
      };
      await direct
        .documents()
        .send(new PutCommand({ TableName: config.resources.controlTable, Item: { ...ROUTING_KEY, ...record } }));
      const result = await runFailover(config, { to: 'eu-west-1', by: 'alice' });
      expect(result).toMatchObject({ changed: true, record: { primary: 'eu-west-1', version: 5 } });
      expect(await readRouting(direct, config.resources)).toMatchObject({ primary: 'eu-west-1', version: 5 });
      const canaries = sent('PutItem')
        .map((c) => c.input.Item?.SK?.S)
        .filter((sk) => sk !== 'RECORD');
      expect(canaries).toEqual([expect.stringMatching(/^CANARY#[0-9a-f-]{36}$/)]);
      expect(sent('DeleteItem').map((c) => c.input.Key?.SK?.S)).toEqual(canaries);
      // No canary is left in the table.
      const left = await direct.documents().send(
        new QueryCommand({
          TableName: config.resources.userStateTable,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :canary)',
          ExpressionAttributeValues: { ':pk': 'ROUTING', ':canary': 'CANARY#' },
          ConsistentRead: true,
        }),
      );
      expect(left.Items).toEqual([]);
      expect(result.steps.find((s) => s.id === 'verify')?.detail).toBe(
        'routing record names eu-west-1 (version 5); edge not checked: no edge URL is known for this stage',
      );
    });
  },
);
