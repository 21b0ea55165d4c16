/**
 * The routing record (SPEC §9): which Region is primary and the state of
 * each Region (`PK = ROUTING`, `SK = RECORD`), alone in the control table.
 * It changes only by a conditional write on its version. On AWS the control
 * table is a global table with multi-Region strong consistency (MRSC), so
 * that condition is checked against every Region's replica: two failovers
 * started in two Regions cannot both win, as they could on an eventually
 * consistent global table, where the last writer wins (docs/regions.md).
 * The table has replicas in the stage's control Regions only: each call
 * takes either one Region's clients or a {@link ControlTable}, which asks
 * the control Regions in turn (`controlTableStore` in stage.ts).
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { ConflictError, NotFoundError, ValidationError, wrapAwsError } from '../errors/index.js';
import { backoffDelay, sleep } from '../util/index.js';

/** A Region's state in the routing record. */
export type RegionState = 'active' | 'draining' | 'down';

/** The routing record. */
export interface RoutingRecord {
  primary: string;
  regions: Record<string, RegionState>;
  version: number;
  changedBy: string;
  changedAt: string;
  /** Why it last changed. */
  reason?: string;
}

/**
 * The control table as reached from a Region that may not hold a replica: each call goes to one
 * control Region, and to the next one when that Region fails (unreachable, no replica, throttled,
 * a server error), never when the request itself is refused (a failed condition, a simultaneous
 * write, access denied).
 */
export interface ControlTable {
  /** The control Regions, in the order they are asked. */
  readonly regions: readonly string[];
  /** Runs one DynamoDB call in the first control Region that answers it. */
  run<T>(call: (clients: AwsClients, region: string) => Promise<T>): Promise<T>;
  /** Closes the clients it made. */
  destroy(): void;
}

/** Where the routing record is read and written: one Region's clients, or the control Regions. */
export type RoutingStore = AwsClients | ControlTable;

function isControlTable(store: RoutingStore): store is ControlTable {
  return typeof (store as Partial<ControlTable>).run === 'function';
}

function documents<T>(
  store: RoutingStore,
  call: (docs: ReturnType<AwsClients['documents']>) => Promise<T>,
): Promise<T> {
  return isControlTable(store) ? store.run((clients) => call(clients.documents())) : call(store.documents());
}

const KEY = { PK: 'ROUTING', SK: 'RECORD' } as const;
const Region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d{1,2}$/, 'an AWS Region such as eu-west-1');

/**
 * Writes to the record tried at most this often when another Region writes it at the same moment
 * (MRSC refuses one of two simultaneous writes to an item with `ReplicatedWriteConflictException`).
 */
const REPLICATED_CONFLICT_ATTEMPTS = 4;

function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string }).name === 'ConditionalCheckFailedException';
}

function isReplicatedConflict(err: unknown): boolean {
  return (err as { name?: string }).name === 'ReplicatedWriteConflictException';
}

async function getRecord(
  store: RoutingStore,
  table: string,
  consistent: boolean,
  subject: string,
): Promise<RoutingRecord | undefined> {
  try {
    const out = await documents(store, (docs) =>
      docs.send(new GetCommand({ TableName: table, Key: KEY, ConsistentRead: consistent })),
    );
    if (!out.Item) return undefined;
    const { PK: _pk, SK: _sk, ...record } = out.Item;
    return record as RoutingRecord;
  } catch (err) {
    throw wrapAwsError(err, 'dynamodb:GetItem', subject);
  }
}

/** Options of {@link readRouting}. */
export interface ReadRoutingOptions {
  /**
   * A strongly consistent read (default): what a failover decides on. Routers that only order
   * Regions pass `false`: a record a moment old does, and the read is answered by the nearest
   * replica without a round trip to the other control Regions.
   */
  consistent?: boolean;
}

/**
 * Reads the routing record; undefined when the stage has none yet. A stage
 * made before the control table existed kept its record in the user-state
 * table: while the control table has none, that one is answered, until
 * {@link ensureRouting} (run by every failover and by `streamctl dev`)
 * carries it over.
 *
 * @example
 * ```ts
 * const record = await readRouting(clients, names);
 * record?.primary; // "us-east-1"
 * ```
 */
export async function readRouting(
  clients: RoutingStore,
  names: ResourceNames,
  options: ReadRoutingOptions = {},
): Promise<RoutingRecord | undefined> {
  const consistent = options.consistent ?? true;
  return (
    (await getRecord(clients, names.controlTable, consistent, 'routing record')) ??
    (await getRecord(clients, names.userStateTable, consistent, 'routing record (its former place)'))
  );
}

/**
 * The record a stage starts with: the first Region primary, every Region
 * active, version 1. Built in memory only; {@link ensureRouting} writes it.
 *
 * @example
 * ```ts
 * defaultRouting(['us-east-1', 'eu-west-1'], 'alice').primary; // "us-east-1"
 * ```
 */
export function defaultRouting(regions: string[], by: string): RoutingRecord {
  const list = z.array(Region).min(1).parse(regions);
  return {
    primary: list[0] as string,
    regions: Object.fromEntries(list.map((r) => [r, 'active' as const])),
    version: 1,
    changedBy: by,
    changedAt: new Date().toISOString(),
    reason: 'created',
  };
}

/**
 * The order an origin group tries the Regions' APIs in, by the routing
 * record: the primary first, Regions marked down last, the rest in the given
 * order. Without a record, the given order.
 *
 * @example
 * ```ts
 * apiOrder({ primary: 'eu-west-1', regions: { 'us-east-1': 'down', 'eu-west-1': 'active' }, … }, ['us-east-1', 'eu-west-1']);
 * // ["eu-west-1", "us-east-1"]
 * ```
 */
export function apiOrder(
  record: Pick<RoutingRecord, 'primary' | 'regions'> | undefined,
  regions: readonly string[],
): string[] {
  const rank = (r: string) => (r === record?.primary ? 0 : record?.regions[r] === 'down' ? 2 : 1);
  return [...regions].sort((a, b) => rank(a) - rank(b));
}

/** Waits a little before writing again after a simultaneous write from another Region. */
function replicatedConflictPause(attempt: number): Promise<void> {
  return sleep(backoffDelay({ baseMs: 50, capMs: 1_000, jitter: 'full' }, attempt));
}

/**
 * Creates the routing record when the stage has none, with a conditional
 * put (`attribute_not_exists(PK)`) so that of two creators one writes and
 * both return the same record. A record kept in the user-state table by a
 * stage made before the control table is carried over (same version, same
 * primary) and its old copy deleted; otherwise the first Region is primary
 * and every Region active. An existing record is returned unchanged.
 *
 * @example
 * ```ts
 * await ensureRouting(clients, names, ['us-east-1', 'eu-west-1'], 'streamctl dev');
 * ```
 */
export async function ensureRouting(
  clients: RoutingStore,
  names: ResourceNames,
  regions: string[],
  by: string,
): Promise<RoutingRecord> {
  const current = await getRecord(clients, names.controlTable, true, 'routing record');
  if (current) return current;
  const former = await getRecord(clients, names.userStateTable, true, 'routing record (its former place)');
  const record = former ?? defaultRouting(regions, by);
  for (let attempt = 1; ; attempt++) {
    try {
      await documents(clients, (docs) =>
        docs.send(
          new PutCommand({
            TableName: names.controlTable,
            Item: { ...KEY, ...record },
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        ),
      );
      break;
    } catch (err) {
      if (isReplicatedConflict(err) && attempt < REPLICATED_CONFLICT_ATTEMPTS) {
        await replicatedConflictPause(attempt);
        const written = await getRecord(clients, names.controlTable, true, 'routing record');
        if (written) return written;
        continue;
      }
      if (!isConditionFailure(err) && !isReplicatedConflict(err)) {
        throw wrapAwsError(err, 'dynamodb:PutItem', 'routing record');
      }
      // Someone else created it first: theirs is the record.
      const written = await getRecord(clients, names.controlTable, true, 'routing record');
      if (written) return written;
      throw new ConflictError('The routing record is being created from another Region', {
        hint: 're-run the command in a few seconds',
      });
    }
  }
  if (former) {
    try {
      // Only the copy that was carried over: a newer one is left for a person to look at.
      await documents(clients, (docs) =>
        docs.send(
          new DeleteCommand({
            TableName: names.userStateTable,
            Key: KEY,
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': former.version },
          }),
        ),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw wrapAwsError(err, 'dynamodb:DeleteItem', 'routing record (its former place)');
    }
  }
  return record;
}

/** A change of primary. */
export interface RoutingChange {
  to: string;
  /** The version the caller read; the write succeeds only if it is still current. */
  expectedVersion: number;
  by: string;
  reason?: string;
  /** The state the old primary takes. Default `draining`. */
  fromState?: RegionState;
}

function isSameWrite(now: RoutingRecord | undefined, next: RoutingRecord): boolean {
  return (
    now?.version === next.version &&
    now.primary === next.primary &&
    now.changedBy === next.changedBy &&
    now.changedAt === next.changedAt
  );
}

/** The `CONFLICT` a failover gets when the record moved under it. */
function changedUnder(expectedVersion: number, now: RoutingRecord | undefined): ConflictError {
  return new ConflictError(
    `The routing record changed while this failover ran: ${now?.changedBy ?? 'someone'} set the primary to ${now?.primary} at ${now?.changedAt} (version ${now?.version})`,
    {
      hint: '`streamctl failover status` shows the current record; re-run the failover if it is still needed',
      details: { expectedVersion, current: now },
    },
  );
}

/**
 * Moves the primary to another Region with a conditional write on the
 * version (`version = :expected`) in the control table: of two callers that
 * read the same version, in the same Region or in two, exactly one wins; the
 * other gets `CONFLICT` naming who changed it. A write that MRSC refuses
 * because another Region writes the record at the same moment is decided by
 * reading the record again: moved on → `CONFLICT`; unchanged → written again.
 *
 * @example
 * ```ts
 * const record = await readRouting(clients, names);
 * await setPrimary(clients, names, { to: 'eu-west-1', expectedVersion: record.version, by: 'alice' });
 * ```
 */
export async function setPrimary(
  clients: RoutingStore,
  names: ResourceNames,
  change: RoutingChange,
): Promise<RoutingRecord> {
  const to = Region.parse(change.to);
  const current = await getRecord(clients, names.controlTable, true, 'routing record');
  if (!current) {
    throw new NotFoundError('The stage has no routing record', {
      hint: '`streamctl failover --to <region>` creates it before it fails over (locally, so does `streamctl dev --regions a,b`)',
    });
  }
  if (!(to in current.regions)) {
    throw new ValidationError(`${to} is not a Region of this stage (${Object.keys(current.regions).join(', ')})`, [
      { path: 'to', message: 'unknown Region' },
    ]);
  }
  const regions = { ...current.regions, [current.primary]: change.fromState ?? 'draining', [to]: 'active' as const };
  if (current.primary === to) regions[to] = 'active';
  const next: RoutingRecord = {
    primary: to,
    regions,
    version: change.expectedVersion + 1,
    changedBy: change.by,
    changedAt: new Date().toISOString(),
    ...(change.reason ? { reason: change.reason } : {}),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await documents(clients, (docs) =>
        docs.send(
          new UpdateCommand({
            TableName: names.controlTable,
            Key: KEY,
            UpdateExpression: 'SET #p = :p, #r = :r, version = :next, changedBy = :by, changedAt = :at, reason = :why',
            ConditionExpression: 'version = :expected',
            ExpressionAttributeNames: { '#p': 'primary', '#r': 'regions' },
            ExpressionAttributeValues: {
              ':p': next.primary,
              ':r': next.regions,
              ':next': next.version,
              ':by': next.changedBy,
              ':at': next.changedAt,
              ':why': next.reason ?? 'failover',
              ':expected': change.expectedVersion,
            },
          }),
        ),
      );
      return next;
    } catch (err) {
      if (isConditionFailure(err)) {
        const now = await getRecord(clients, names.controlTable, true, 'routing record');
        // A write whose answer was lost (the Region went away after taking it) and that was sent
        // again to the next control Region finds its own record there: it won.
        if (isSameWrite(now, next)) return next;
        throw changedUnder(change.expectedVersion, now);
      }
      if (!isReplicatedConflict(err)) throw wrapAwsError(err, 'dynamodb:UpdateItem', 'routing record');
      await replicatedConflictPause(attempt);
      const now = await getRecord(clients, names.controlTable, true, 'routing record');
      if (isSameWrite(now, next)) return next;
      if (now?.version !== change.expectedVersion) throw changedUnder(change.expectedVersion, now);
      if (attempt >= REPLICATED_CONFLICT_ATTEMPTS) {
        throw new ConflictError(
          `Another Region wrote the routing record at the same moment ${attempt} times; it is unchanged (version ${now.version})`,
          {
            cause: err,
            hint: '`streamctl failover status` shows the current record; re-run the failover if it is still needed',
            details: { expectedVersion: change.expectedVersion, current: now },
          },
        );
      }
    }
  }
}
