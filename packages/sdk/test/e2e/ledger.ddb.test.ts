/**
 * The idempotency ledger on a real DynamoDB engine (dynalite, DynamoDB Local
 * or an endpoint): every claim outcome, told apart on every engine. Where
 * the engine returns the entry that failed a claim's condition
 * (ReturnValuesOnConditionCheckFailure) the ledger reads it from the
 * failure; where it does not, from a follow-up read. Both ways run here on
 * each engine: as the engine answers, and with the returned entry taken out
 * of the failure. The clock is the ledger's own option, so a lease runs out
 * without waiting, now and ten years ahead.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClients,
  createAwsClients,
  createDynamoIdempotencyStore,
  type DynamoIdempotencyOptions,
  type IdempotencyStore,
  type StreamctlConfig,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

type Answer = 'as the engine answers' | 'with a follow-up read';

/**
 * The clients with every condition failure stripped of the entry it carries, as an engine without
 * ReturnValuesOnConditionCheckFailure answers; `beforeAnswer` runs before a failure is rethrown.
 */
function withoutReturnedEntry(clients: AwsClients, beforeAnswer?: () => Promise<void>): AwsClients {
  const documents = clients.documents();
  const send = documents.send.bind(documents) as (command: unknown) => Promise<unknown>;
  const stripped = new Proxy(documents, {
    get(client, property, receiver) {
      if (property !== 'send') return Reflect.get(client, property, receiver);
      return async (command: unknown) => {
        try {
          return await send(command);
        } catch (err) {
          if ((err as { name?: string }).name === 'ConditionalCheckFailedException') {
            delete (err as { Item?: unknown }).Item;
            await beforeAnswer?.();
          }
          throw err;
        }
      };
    },
  });
  return { ...clients, documents: () => stripped };
}

describe.skipIf(!target.endpoints.dynamodb)(`the idempotency ledger (${target.kind})`, () => {
  let config: StreamctlConfig;
  let clients: AwsClients;

  beforeAll(async () => {
    config = await targetConfig(target);
    clients = createAwsClients(config);
  });
  afterAll(() => clients?.destroy());

  it('reports whether this engine returns the entry that failed a condition', async () => {
    const Key = { PK: `E2E#ledger#${randomUUID()}`, SK: 'x' };
    const TableName = config.resources.platformTable;
    await clients.documents().send(new PutCommand({ TableName, Item: { ...Key, status: 'COMPLETED' } }));
    const failure = await clients
      .documents()
      .send(
        new PutCommand({
          TableName,
          Item: Key,
          ConditionExpression: 'attribute_not_exists(PK)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      .then(
        () => undefined,
        (err: { name?: string; Item?: unknown }) => err,
      );
    expect(failure?.name).toBe('ConditionalCheckFailedException');
    console.log(
      `[ledger] ${target.kind}: a failed condition ${failure?.Item ? 'returns the old entry' : 'returns no entry: the ledger reads it'}`,
    );
  });

  const starts = [
    ['now', Date.now()],
    ['ten years ahead', Date.now() + 10 * 365 * 86_400_000],
  ] as const;
  const answers: Answer[] = ['as the engine answers', 'with a follow-up read'];

  describe.each(answers)('%s', (answer) => {
    /** Two workers' ledgers on one clock. */
    function workers(start: number, options: DynamoIdempotencyOptions = {}) {
      const clock = { t: start };
      const via = answer === 'with a follow-up read' ? withoutReturnedEntry(clients) : clients;
      const store = () =>
        createDynamoIdempotencyStore(via, config.resources, { leaseSeconds: 2, ...options, now: () => clock.t });
      return { clock, a: store(), b: store(), consumer: `ledger-${randomUUID().slice(0, 8)}` };
    }

    it.each(starts)('claimed, busy while the lease holds, claimed again after it (%s)', async (_when, start) => {
      const { clock, a, b, consumer } = workers(start);
      const id = randomUUID();
      expect(await a.claim(consumer, id, 'shard-0/1')).toBe('claimed');
      // Another worker, the same record (a restart) or another (a duplicate publish): busy, never done.
      expect(await b.claim(consumer, id, 'shard-0/1')).toBe('busy');
      expect(await b.claim(consumer, id, 'shard-0/9')).toBe('busy');
      expect(await b.claim(consumer, id)).toBe('busy');
      // The lease holds up to its last millisecond, and not one after.
      clock.t = start + 2_000;
      expect(await b.claim(consumer, id, 'shard-0/1')).toBe('busy');
      clock.t = start + 2_001;
      expect(await b.claim(consumer, id, 'shard-0/1')).toBe('claimed');
      // Now b holds it: a, back from the dead, finds it busy.
      expect(await a.claim(consumer, id, 'shard-0/1')).toBe('busy');
      await b.complete(consumer, id);
      expect(await a.claim(consumer, id, 'shard-0/1')).toBe('redelivered');
      expect(await a.claim(consumer, id, 'shard-0/9')).toBe('duplicate');
      expect(await a.claim(consumer, id)).toBe('duplicate');
      // Done is done, however late the clock.
      clock.t = start + 86_400_000;
      expect(await a.claim(consumer, id, 'shard-0/1')).toBe('redelivered');
    });

    it('a parked event is a duplicate in its own record too (nothing of it is replayed)', async () => {
      const { a, b, consumer } = workers(Date.now());
      const id = randomUUID();
      expect(await a.claim(consumer, id, 'shard-1/7')).toBe('claimed');
      await a.complete(consumer, id, 'parked');
      expect(await b.claim(consumer, id, 'shard-1/7')).toBe('duplicate');
      expect(await b.claim(consumer, id, 'shard-1/8')).toBe('duplicate');
    });

    it('a released claim is free at once, before its lease would end', async () => {
      const { a, b, consumer } = workers(Date.now(), { leaseSeconds: 3600 });
      const id = randomUUID();
      expect(await a.claim(consumer, id, 'shard-2/1')).toBe('claimed');
      expect(await b.claim(consumer, id, 'shard-2/1')).toBe('busy');
      await a.release(consumer, id);
      expect(await b.claim(consumer, id, 'shard-2/1')).toBe('claimed');
      // Releasing a done event changes nothing.
      await b.complete(consumer, id);
      await b.release(consumer, id);
      expect(await a.claim(consumer, id, 'shard-2/1')).toBe('redelivered');
    });

    it('twenty workers claiming one new event at once: exactly one claims it, the others are busy', async () => {
      const start = Date.now();
      const consumer = `ledger-${randomUUID().slice(0, 8)}`;
      const via = answer === 'with a follow-up read' ? withoutReturnedEntry(clients) : clients;
      const stores: IdempotencyStore[] = Array.from({ length: 20 }, () =>
        createDynamoIdempotencyStore(via, config.resources, { leaseSeconds: 2, now: () => start }),
      );
      const id = randomUUID();
      const outcomes = await Promise.all(stores.map((store, i) => store.claim(consumer, id, `shard-3/${i}`)));
      expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'busy')).toHaveLength(19);
    });
  });

  it('claims again when the entry that failed the claim is gone before it is read', async () => {
    const consumer = `ledger-${randomUUID().slice(0, 8)}`;
    const id = randomUUID();
    const clock = { t: Date.now() };
    const plain = createDynamoIdempotencyStore(clients, config.resources, { now: () => clock.t });
    expect(await plain.claim(consumer, id, 'shard-4/1')).toBe('claimed');
    await plain.complete(consumer, id);
    // The done entry expires (TTL) or is deleted between the failed put and the read.
    let deleted = false;
    const vanishing = withoutReturnedEntry(clients, async () => {
      if (deleted) return;
      deleted = true;
      await clients.documents().send(
        new DeleteCommand({
          TableName: config.resources.platformTable,
          Key: { PK: `IDEMPOTENCY#${consumer}`, SK: id },
        }),
      );
    });
    const store = createDynamoIdempotencyStore(vanishing, config.resources, { now: () => clock.t });
    expect(await store.claim(consumer, id, 'shard-4/1')).toBe('claimed');
    expect(deleted).toBe(true);
  });
});
