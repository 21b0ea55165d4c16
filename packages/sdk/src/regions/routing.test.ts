/**
 * The routing record's requests and its answers to multi-Region strong
 * consistency (MRSC). No emulator has MRSC, so DynamoDB is a scripted fake
 * here: it records each request and answers what the test says, including
 * `ReplicatedWriteConflictException`, the error MRSC gives one of two writes
 * to an item made in two Regions at the same moment. How the conditions
 * behave on a real engine is in test/e2e/routing.ddb.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../aws/index.js';
import { resourceNames } from '../config/index.js';
import { ensureRouting, type RoutingRecord, readRouting, setPrimary } from './index.js';

const names = resourceNames('prod', 'us-east-1');
const KEY = { PK: 'ROUTING', SK: 'RECORD' };

interface Sent {
  command: string;
  input: Record<string, unknown>;
}

/** Clients whose DynamoDB answers each request with the next answer (a value, or an error thrown). */
function scripted(answers: Array<unknown | Error>): { clients: AwsClients; sent: Sent[] } {
  const sent: Sent[] = [];
  const documents = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ command: command.constructor.name, input: command.input });
      if (!answers.length) throw new Error(`no answer scripted for ${command.constructor.name}`);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { clients: { documents: () => documents } as unknown as AwsClients, sent };
}

const awsError = (name: string) => Object.assign(new Error(name), { name });

const record = (over: Partial<RoutingRecord> = {}): RoutingRecord => ({
  primary: 'us-east-1',
  regions: { 'us-east-1': 'active', 'eu-west-1': 'active', 'ap-southeast-2': 'active' },
  version: 3,
  changedBy: 'ops',
  changedAt: '2026-11-24T00:00:00.000Z',
  ...over,
});

describe('the routing record lives in the control table', () => {
  it('is read strongly consistent by default, and eventually consistent when a router only orders Regions', async () => {
    const { clients, sent } = scripted([{ Item: { ...KEY, ...record() } }, { Item: { ...KEY, ...record() } }]);
    expect(await readRouting(clients, names)).toEqual(record());
    expect(await readRouting(clients, names, { consistent: false })).toEqual(record());
    expect(sent).toEqual([
      { command: 'GetCommand', input: { TableName: 'streamctl-prod-control', Key: KEY, ConsistentRead: true } },
      { command: 'GetCommand', input: { TableName: 'streamctl-prod-control', Key: KEY, ConsistentRead: false } },
    ]);
  });

  it('is created with a put that only an absent record passes', async () => {
    const { clients, sent } = scripted([{}, {}, {}]);
    const created = await ensureRouting(clients, names, ['us-east-1', 'eu-west-1'], 'streamctl dev');
    expect(created).toMatchObject({ primary: 'us-east-1', version: 1, changedBy: 'streamctl dev' });
    expect(sent.map((s) => [s.command, s.input.TableName])).toEqual([
      ['GetCommand', 'streamctl-prod-control'],
      // Where a stage made before the control table kept it.
      ['GetCommand', 'streamctl-prod-user-state'],
      ['PutCommand', 'streamctl-prod-control'],
    ]);
    expect(sent[2]?.input).toMatchObject({
      Item: { ...KEY, primary: 'us-east-1', version: 1 },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
  });

  it('flips with an update that only the version the caller read passes', async () => {
    const { clients, sent } = scripted([{ Item: { ...KEY, ...record() } }, {}]);
    const next = await setPrimary(clients, names, { to: 'eu-west-1', expectedVersion: 3, by: 'alice' });
    expect(next).toMatchObject({ primary: 'eu-west-1', version: 4, changedBy: 'alice' });
    expect(sent[1]).toMatchObject({
      command: 'UpdateCommand',
      input: {
        TableName: 'streamctl-prod-control',
        Key: KEY,
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: expect.objectContaining({
          ':expected': 3,
          ':next': 4,
          ':p': 'eu-west-1',
          ':r': { 'us-east-1': 'draining', 'eu-west-1': 'active', 'ap-southeast-2': 'active' },
        }),
      },
    });
  });
});

describe('a write another Region makes at the same moment (MRSC)', () => {
  it('is written again when the record is still the one read', async () => {
    const { clients, sent } = scripted([
      { Item: { ...KEY, ...record() } },
      awsError('ReplicatedWriteConflictException'),
      { Item: { ...KEY, ...record() } },
      {},
    ]);
    const next = await setPrimary(clients, names, { to: 'eu-west-1', expectedVersion: 3, by: 'alice' });
    expect(next).toMatchObject({ primary: 'eu-west-1', version: 4 });
    expect(sent.map((s) => s.command)).toEqual(['GetCommand', 'UpdateCommand', 'GetCommand', 'UpdateCommand']);
    expect(sent[2]?.input).toMatchObject({ ConsistentRead: true });
  });

  it("is a CONFLICT naming the other Region's change when that one won", async () => {
    const theirs = record({
      primary: 'ap-southeast-2',
      version: 4,
      changedBy: 'bob',
      changedAt: '2026-12-03T10:00:00.000Z',
    });
    const { clients } = scripted([
      { Item: { ...KEY, ...record() } },
      awsError('ReplicatedWriteConflictException'),
      { Item: { ...KEY, ...theirs } },
    ]);
    const err = await setPrimary(clients, names, { to: 'eu-west-1', expectedVersion: 3, by: 'alice' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'CONFLICT',
      message:
        'The routing record changed while this failover ran: bob set the primary to ap-southeast-2 at 2026-12-03T10:00:00.000Z (version 4)',
      hint: '`streamctl failover status` shows the current record; re-run the failover if it is still needed',
    });
  });

  it('is a CONFLICT saying nothing changed after four attempts that all collided', async () => {
    const answers: unknown[] = [{ Item: { ...KEY, ...record() } }];
    for (let i = 0; i < 4; i++)
      answers.push(awsError('ReplicatedWriteConflictException'), { Item: { ...KEY, ...record() } });
    const { clients, sent } = scripted(answers);
    const err = await setPrimary(clients, names, { to: 'eu-west-1', expectedVersion: 3, by: 'alice' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'CONFLICT',
      message: 'Another Region wrote the routing record at the same moment 4 times; it is unchanged (version 3)',
      hint: expect.stringContaining('re-run the failover'),
    });
    expect(sent.filter((s) => s.command === 'UpdateCommand')).toHaveLength(4);
  });

  it('when creating, answers the record the other Region created', async () => {
    const theirs = record({ version: 1, changedBy: 'streamctl dev', reason: 'created' });
    const { clients, sent } = scripted([
      {},
      {},
      awsError('ReplicatedWriteConflictException'),
      { Item: { ...KEY, ...theirs } },
    ]);
    expect(await ensureRouting(clients, names, ['us-east-1', 'eu-west-1'], 'failover')).toEqual(theirs);
    expect(sent.map((s) => s.command)).toEqual(['GetCommand', 'GetCommand', 'PutCommand', 'GetCommand']);
  });

  it('passes any other error on as a typed one with the cause', async () => {
    const { clients } = scripted([{ Item: { ...KEY, ...record() } }, awsError('InternalServerError')]);
    const err = await setPrimary(clients, names, { to: 'eu-west-1', expectedVersion: 3, by: 'alice' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ message: expect.stringContaining('dynamodb:UpdateItem (routing record)') });
    expect((err as { cause?: { name?: string } }).cause?.name).toBe('InternalServerError');
  });
});
