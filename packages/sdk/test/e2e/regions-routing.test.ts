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
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClients,
  createAwsClients,
  ensureResources,
  type RoutingRecord,
  readRouting,
  resolveConfig,
  runFailover,
  type StreamctlConfig,
} from '@streamctl/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

const target = inject('target');

/** One DynamoDB call that went through the proxy: its operation and request, in DynamoDB's JSON. */
interface DynamoCall {
  operation: string;
  input: { Item?: { SK?: { S?: string } }; Key?: { SK?: { S?: string } } };
}

/** Forwards every call to DynamoDB unchanged and records it. */
async function startRecordingProxy(upstream: string) {
  const calls: DynamoCall[] = [];
  const dropped = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!dropped.has(name) && typeof value === 'string') headers[name] = value;
    }
    try {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^.*\./, '');
      calls.push({ operation, input: JSON.parse(body.toString('utf8')) as DynamoCall['input'] });
      const answer = await fetch(new URL(req.url ?? '/', upstream), { method: 'POST', headers, body });
      const out = Buffer.from(await answer.arrayBuffer());
      const back: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!dropped.has(name) && name !== 'content-encoding') back[name] = value;
      });
      res.writeHead(answer.status, { ...back, 'content-length': out.length });
      res.end(out);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`recording proxy: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

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
      config = { ...base, endpoints: { ...endpoints, dynamodb: proxy.url } };
    });
    afterAll(async () => {
      direct?.destroy();
      await proxy?.close();
    });
    beforeEach(() => {
      proxy.calls.length = 0;
    });

    const sent = (operation: string) => proxy.calls.filter((c) => c.operation === operation);

    it('plans a dry run from the default record without writing one', async () => {
      await direct
        .documents()
        .send(new DeleteCommand({ TableName: config.resources.userStateTable, Key: ROUTING_KEY }));
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
        .send(new PutCommand({ TableName: config.resources.userStateTable, Item: { ...ROUTING_KEY, ...record } }));
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
