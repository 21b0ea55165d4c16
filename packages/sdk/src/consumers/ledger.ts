/**
 * The idempotency ledger: one record per (consumer, event id). A worker
 * claims an event before processing it and marks it done after; a claim on
 * a done event is a duplicate and is skipped. Claims expire, so a worker
 * that died mid-event does not block it forever. Conditional writes only.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { ErrorCode, StreamctlError, wrapAwsError } from '../errors/index.js';

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

/** Options of {@link createDynamoIdempotencyStore}. */
export interface DynamoIdempotencyOptions {
  /**
   * How long a claim holds before another worker may take the event over (its worker is
   * presumed dead). Longer than any event takes to process. Default 60 s; fractions allowed.
   */
  leaseSeconds?: number;
  /** The clock, in epoch milliseconds (tests move it past a lease). Default `Date.now`. */
  now?: () => number;
}

/** The status and record id of a ledger entry, from an item as stored or as the SDK returns it. */
function entryOf(item: Record<string, unknown>): { status?: string; rec?: string } {
  // A condition failure carries the old item in DynamoDB's wire form ({ S: … }); a read, plain.
  const text = (value: unknown) =>
    typeof value === 'string' ? value : ((value as { S?: string } | undefined)?.S ?? undefined);
  return { status: text(item.status), rec: text(item.rec) };
}

/**
 * The ledger in the platform table (`PK = IDEMPOTENCY#<consumer>`, `SK = <event id>`,
 * TTL attribute `expiration`). A claim that finds the event taken tells `busy` (another
 * worker's lease holds) from `duplicate`/`redelivered` (done) by the entry that stood in the
 * way: the one DynamoDB returns with the failure (ReturnValuesOnConditionCheckFailure), or,
 * on engines that return none (dynalite, older DynamoDB Local), a consistent read of it.
 *
 * @example
 * ```ts
 * const store = createDynamoIdempotencyStore(platform.clients, platform.config.resources, { leaseSeconds: 30 });
 * if ((await store.claim('signals', event.id, 'shard-0/4951')) === 'claimed') {
 *   // process, then:
 *   await store.complete('signals', event.id);
 * }
 * ```
 */
export function createDynamoIdempotencyStore(
  clients: AwsClients,
  names: ResourceNames,
  options: DynamoIdempotencyOptions = {},
): IdempotencyStore {
  const TableName = names.platformTable;
  const lease = options.leaseSeconds ?? 60;
  const clock = options.now ?? Date.now;
  const key = (consumer: string, eventId: string) => ({ PK: `IDEMPOTENCY#${consumer}`, SK: eventId });
  // Seconds with millisecond precision (a lease of a second or two still means what it says),
  // each one division of whole milliseconds, so a lease ends on the millisecond it should.
  const leaseMs = Math.round(lease * 1000);
  const readClaim = async (consumer: string, eventId: string) => {
    try {
      const out = await clients
        .documents()
        .send(new GetCommand({ TableName, Key: key(consumer, eventId), ConsistentRead: true }));
      return out.Item ? entryOf(out.Item) : undefined;
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:GetItem', `idempotency ${consumer}`);
    }
  };
  /** One conditional put: the claim, or the entry that stood in the way (undefined: none left to read). */
  const tryClaim = async (consumer: string, eventId: string, recordId: string | undefined) => {
    const ms = clock();
    const t = ms / 1000;
    try {
      await clients.documents().send(
        new PutCommand({
          TableName,
          Item: {
            ...key(consumer, eventId),
            ...(recordId ? { rec: recordId } : {}),
            status: 'IN_PROGRESS',
            leaseUntil: (ms + leaseMs) / 1000,
            expiration: Math.floor(t) + DONE_TTL_SECONDS,
          },
          // New, or a claim whose worker died (lease over).
          ConditionExpression: 'attribute_not_exists(PK) OR (#s = :progress AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':progress': 'IN_PROGRESS', ':now': t },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed' as const;
    } catch (err) {
      if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') {
        throw wrapAwsError(err, 'dynamodb:PutItem', `idempotency ${consumer}`);
      }
      const returned = (err as { Item?: Record<string, unknown> }).Item;
      return returned ? entryOf(returned) : await readClaim(consumer, eventId);
    }
  };
  return {
    async claim(consumer, eventId, recordId) {
      // The entry can go between the failed put and the read (TTL, an operator): claim again then.
      for (let attempt = 1; attempt <= 3; attempt++) {
        const old = await tryClaim(consumer, eventId, recordId);
        if (old === 'claimed') return 'claimed';
        if (!old) continue;
        if (old.status === 'IN_PROGRESS') return 'busy';
        return recordId && old.rec === recordId ? 'redelivered' : 'duplicate';
      }
      throw new StreamctlError(
        ErrorCode.Conflict,
        `idempotency ${consumer}: the claim on ${eventId} kept failing on an entry that is not there`,
        { details: { consumer, eventId } },
      );
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
