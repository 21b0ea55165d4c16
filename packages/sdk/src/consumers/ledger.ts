/**
 * The idempotency ledger: one record per (consumer, event id). A worker
 * claims an event before processing it and marks it done after; a claim on
 * a done event is a duplicate and is skipped. Claims expire, so a worker
 * that died mid-event does not block it forever. Conditional writes only.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';

/**
 * The outcome of a claim: `redelivered` is a done event seen again in the record that carried it
 * (a batch delivered again after its worker stopped before the checkpoint), `duplicate` a done
 * event in another record (the same event published twice).
 */
export type Claim = 'claimed' | 'duplicate' | 'redelivered' | 'busy';

/** Where processed event ids are kept. */
export interface IdempotencyStore {
  /** Claims an event; `recordId` (shard and sequence number) tells a redelivery from a duplicate. */
  claim(consumer: string, eventId: string, recordId?: string): Promise<Claim>;
  /**
   * Marks an event done. `parked`: it failed and was parked, so its record coming again is a
   * duplicate, not a redelivery (nothing of it is replayed).
   */
  complete(consumer: string, eventId: string, outcome?: 'processed' | 'parked'): Promise<void>;
  /** Lets another attempt claim the event again (after a failure). */
  release(consumer: string, eventId: string): Promise<void>;
}

/** How long a done record is kept (longer than the stream's retention). */
const DONE_TTL_SECONDS = 7 * 86400;

/**
 * The ledger in the platform table (`PK = IDEMPOTENCY#<consumer>`, `SK = <event id>`,
 * TTL attribute `expiration`).
 *
 * @example
 * ```ts
 * const store = createDynamoIdempotencyStore(platform.clients, platform.config.resources);
 * ```
 */
export function createDynamoIdempotencyStore(
  clients: AwsClients,
  names: ResourceNames,
  options: { leaseSeconds?: number } = {},
): IdempotencyStore {
  const TableName = names.platformTable;
  const lease = options.leaseSeconds ?? 60;
  const key = (consumer: string, eventId: string) => ({ PK: `IDEMPOTENCY#${consumer}`, SK: eventId });
  const now = () => Math.floor(Date.now() / 1000);
  const readClaim = async (consumer: string, eventId: string) => {
    try {
      const out = await clients
        .documents()
        .send(new GetCommand({ TableName, Key: key(consumer, eventId), ConsistentRead: true }));
      return out.Item ? { status: String(out.Item.status), rec: out.Item.rec as string | undefined } : undefined;
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:GetItem', `idempotency ${consumer}`);
    }
  };
  return {
    async claim(consumer, eventId, recordId) {
      const t = now();
      try {
        await clients.documents().send(
          new PutCommand({
            TableName,
            Item: {
              ...key(consumer, eventId),
              ...(recordId ? { rec: recordId } : {}),
              status: 'IN_PROGRESS',
              leaseUntil: t + lease,
              expiration: t + DONE_TTL_SECONDS,
            },
            // New, or a claim whose worker died (lease over).
            ConditionExpression: 'attribute_not_exists(PK) OR (#s = :progress AND leaseUntil < :now)',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':progress': 'IN_PROGRESS', ':now': t },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return 'claimed';
      } catch (err) {
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') {
          throw wrapAwsError(err, 'dynamodb:PutItem', `idempotency ${consumer}`);
        }
        // The record that stood in the way: in the failure itself where the engine returns it
        // (DynamoDB; emulators that predate ReturnValuesOnConditionCheckFailure do not), else read.
        const returned = (err as { Item?: Record<string, { S?: string }> }).Item;
        const old = returned
          ? { status: returned.status?.S, rec: returned.rec?.S }
          : await readClaim(consumer, eventId);
        if (old?.status === 'IN_PROGRESS') return 'busy';
        return recordId && old?.rec === recordId ? 'redelivered' : 'duplicate';
      }
    },
    async complete(consumer, eventId, outcome) {
      try {
        await clients.documents().send(
          new UpdateCommand({
            TableName,
            Key: key(consumer, eventId),
            UpdateExpression: `SET #s = :done REMOVE leaseUntil${outcome === 'parked' ? ', rec' : ''}`,
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':done': 'COMPLETED' },
          }),
        );
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:UpdateItem', `idempotency ${consumer}`);
      }
    },
    async release(consumer, eventId) {
      try {
        await clients.documents().send(
          new UpdateCommand({
            TableName,
            Key: key(consumer, eventId),
            UpdateExpression: 'SET leaseUntil = :zero',
            ConditionExpression: '#s = :progress',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':zero': 0, ':progress': 'IN_PROGRESS' },
          }),
        );
      } catch (err) {
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') {
          throw wrapAwsError(err, 'dynamodb:UpdateItem', `idempotency ${consumer}`);
        }
      }
    },
  };
}

/**
 * The ledger in memory: for benchmarks and single-process tools.
 *
 * @example
 * ```ts
 * const store = createMemoryIdempotencyStore();
 * ```
 */
export function createMemoryIdempotencyStore(): IdempotencyStore & { size(): number } {
  const states = new Map<string, { status: 'IN_PROGRESS' | 'COMPLETED'; rec: string | undefined }>();
  const k = (c: string, id: string) => `${c}\u0000${id}`;
  return {
    async claim(consumer, eventId, recordId) {
      const state = states.get(k(consumer, eventId));
      if (state?.status === 'IN_PROGRESS') return 'busy';
      if (state) return recordId && state.rec === recordId ? 'redelivered' : 'duplicate';
      states.set(k(consumer, eventId), { status: 'IN_PROGRESS', rec: recordId });
      return 'claimed';
    },
    async complete(consumer, eventId, outcome) {
      const state = states.get(k(consumer, eventId));
      states.set(k(consumer, eventId), { status: 'COMPLETED', rec: outcome === 'parked' ? undefined : state?.rec });
    },
    async release(consumer, eventId) {
      if (states.get(k(consumer, eventId))?.status === 'IN_PROGRESS') states.delete(k(consumer, eventId));
    },
    size: () => states.size,
  };
}
