/**
 * The routing record (SPEC §9): which Region is primary and the state of
 * each Region, in the user-state global table (`PK = ROUTING`,
 * `SK = RECORD`). It changes only by a conditional write on its version, so
 * two operators racing cannot both win.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { ConflictError, NotFoundError, ValidationError, wrapAwsError } from '../errors/index.js';

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

const KEY = { PK: 'ROUTING', SK: 'RECORD' } as const;
const Region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d{1,2}$/, 'an AWS Region such as eu-west-1');

function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string }).name === 'ConditionalCheckFailedException';
}

/**
 * Reads the routing record; undefined when the stage has none yet.
 *
 * @example
 * ```ts
 * const record = await readRouting(clients, names);
 * record?.primary; // "us-east-1"
 * ```
 */
export async function readRouting(clients: AwsClients, names: ResourceNames): Promise<RoutingRecord | undefined> {
  try {
    const out = await clients
      .documents()
      .send(new GetCommand({ TableName: names.userStateTable, Key: KEY, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { PK: _pk, SK: _sk, ...record } = out.Item;
    return record as RoutingRecord;
  } catch (err) {
    throw wrapAwsError(err, 'dynamodb:GetItem', 'routing record');
  }
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

/**
 * Creates the routing record when the stage has none: the first Region
 * primary, every Region active. An existing record is returned unchanged.
 *
 * @example
 * ```ts
 * await ensureRouting(clients, names, ['us-east-1', 'eu-west-1'], 'streamctl dev');
 * ```
 */
export async function ensureRouting(
  clients: AwsClients,
  names: ResourceNames,
  regions: string[],
  by: string,
): Promise<RoutingRecord> {
  const record = defaultRouting(regions, by);
  try {
    await clients.documents().send(
      new PutCommand({
        TableName: names.userStateTable,
        Item: { ...KEY, ...record },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    return record;
  } catch (err) {
    if (!isConditionFailure(err)) throw wrapAwsError(err, 'dynamodb:PutItem', 'routing record');
    return (await readRouting(clients, names)) as RoutingRecord;
  }
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

/**
 * Moves the primary to another Region with a conditional write on the
 * version: of two callers that read the same version, exactly one wins; the
 * other gets `CONFLICT` naming who changed it.
 *
 * @example
 * ```ts
 * const record = await readRouting(clients, names);
 * await setPrimary(clients, names, { to: 'eu-west-1', expectedVersion: record.version, by: 'alice' });
 * ```
 */
export async function setPrimary(
  clients: AwsClients,
  names: ResourceNames,
  change: RoutingChange,
): Promise<RoutingRecord> {
  const to = Region.parse(change.to);
  const current = await readRouting(clients, names);
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
  try {
    await clients.documents().send(
      new UpdateCommand({
        TableName: names.userStateTable,
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
    );
    return next;
  } catch (err) {
    if (isConditionFailure(err)) {
      const now = await readRouting(clients, names);
      throw new ConflictError(
        `The routing record changed while this failover ran: ${now?.changedBy ?? 'someone'} set the primary to ${now?.primary} at ${now?.changedAt} (version ${now?.version})`,
        {
          hint: '`streamctl failover status` shows the current record; re-run the failover if it is still needed',
          details: { expectedVersion: change.expectedVersion, current: now },
        },
      );
    }
    throw wrapAwsError(err, 'dynamodb:UpdateItem', 'routing record');
  }
}
