/**
 * The models in the stage's user-state global table (single-table keys), so
 * that every Region reads the same taste and the same charts, and a failover
 * loses neither. Global tables settle concurrent writes to one item by last
 * writer wins, so no item is ever written by two Regions: every counter and
 * every taste row carries the Region that writes it, and readers merge the
 * Regions' rows.
 *
 * - `PK = POP#<region>#<cc|ALL>[#k]`, `SK = <titleId>`: decayed popularity the Region
 *   counted (ADD, per era: below), and per writer the last stream position added (`w:<writer>`);
 * - `PK = ITEM#<region>#<titleId>[#k]`, `SK = USERS`: users with a positive signal `n` (ADD);
 * - `PK = CO#<region>#<a>[#k]`, `SK = <b>`: users positive on both `c` (ADD, both directions);
 * - `PK = UPROF#<user>` (one partition per viewer, every Region's rows in it):
 *   `SK = T#<region>#<titleId>` (taste `s`, first and latest positive signal
 *   `posAt` and `lastAt`, `completed`, `disliked`), `SK = G#<region>#<genre>`
 *   (affinity), `SK = VERSION#<region>` (`v`, moved by every model update and
 *   by {@link ModelStore.touch}). A profile is the sum of its Regions' rows
 *   (one query), its version the sum of the Regions' versions.
 *
 * A decayed score is kept per era ({@link decayed}): attribute `e<era>` holds
 * the era's scaled sum. A write adds to its era and removes the eras before
 * the previous one (and `s`, where scores were kept before eras: it reads as
 * era 0 until then), so an item holds two or three numbers, none large.
 *
 * Counters that many viewers write at once are sharded: `[#k]` is one of
 * `counterShards` sub-keys (none for sub-key 0), chosen by a hash of the
 * viewer, or of the writer for a batch's popularity; reads merge the sub-keys
 * and the Regions. A premiere's writes spread over them instead of queueing
 * on one partition (1,000 writes/s each).
 *
 * Every write is a single-item ADD or conditional SET, which every emulator
 * supports; the workers' ledger makes each event apply once in its Region,
 * and a batch's popularity is added once per counter by the writer's
 * position on it.
 */
import { BatchGetCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';
import { deleteKeys, queryAll } from '../util/dynamo.js';
import {
  byScore,
  compareIds,
  counterShard,
  DEFAULT_MODEL_COUNTER_SHARDS,
  type EraWeight,
  emptyProfile,
  HALF_LIFE_HOURS,
  type ModelStore,
  type ModelStoreOptions,
  type ModelUpdate,
  type PopularityEntry,
  type UserProfile,
  valueAt,
} from './models.js';

const ERA_ATTRIBUTE = /^e(-?\d+)$/;

/** The decayed score of an item at `now`, from its era attributes. */
function scoreOf(item: Record<string, unknown>, now: number, halfLifeHours: number): number {
  const eras: Array<[number, number]> = [];
  for (const [name, value] of Object.entries(item)) {
    const era = ERA_ATTRIBUTE.exec(name)?.[1];
    if (era !== undefined) eras.push([Number(era), Number(value)]);
    else if (name === 's') eras.push([0, Number(value)]);
  }
  return valueAt(eras, now, halfLifeHours);
}

/** A counter's sub-key `k` of `base`: the base itself for sub-key 0 (the layout before sharding). */
export const shardKey = (base: string, k: number): string => (k === 0 ? base : `${base}#${k}`);

/** `ADD` of a weight to its era, `REMOVE` of the eras it makes too old to keep. */
function addDecayed(weight: Pick<EraWeight, 'era'>): { expression: string; names: Record<string, string> } {
  return {
    expression: 'ADD #era :s REMOVE #old2, #old3, #old4, #legacy',
    names: {
      '#era': `e${weight.era}`,
      '#old2': `e${weight.era - 2}`,
      '#old3': `e${weight.era - 3}`,
      '#old4': `e${weight.era - 4}`,
      '#legacy': 's',
    },
  };
}

/** The user-state partition of a viewer's taste model (titles, genres, versions: every Region's rows). */
export const profilePartition = (userId: string): string => `UPROF#${userId}`;

/** The sort key of a Region's taste row for a title, genre, or its version of the profile. */
export const tasteKey = {
  title: (region: string, titleId: string) => `T#${region}#${titleId}`,
  genre: (region: string, genre: string) => `G#${region}#${genre}`,
  version: (region: string) => `VERSION#${region}`,
};

/** The partition of a Region's shared counter (`POP`, `ITEM`, `CO`) of `subject`, before its sub-key. */
export const counterPartition = (kind: 'POP' | 'ITEM' | 'CO', region: string, subject: string): string =>
  `${kind}#${region}#${subject}`;

/** What a taste row's sort key names: its kind, its Region, and the title or genre. */
function parseTasteKey(sk: string): { kind: 'T' | 'G' | 'VERSION'; region: string; id: string } | undefined {
  const kind = sk.startsWith('T#')
    ? 'T'
    : sk.startsWith('G#')
      ? 'G'
      : sk.startsWith('VERSION#')
        ? 'VERSION'
        : undefined;
  if (!kind) return undefined;
  const rest = sk.slice(kind.length + 1);
  if (kind === 'VERSION') return { kind, region: rest, id: '' };
  const cut = rest.indexOf('#');
  return cut > 0 ? { kind, region: rest.slice(0, cut), id: rest.slice(cut + 1) } : undefined;
}

/**
 * A viewer's profile from the rows of their partition, every Region's: scores
 * summed across Regions, completed and disliked if any Region saw it, the
 * positives ordered by their latest positive signal anywhere, the version the
 * sum of the Regions' versions (each only grows, so the sum moves whenever any
 * does).
 *
 * @example
 * ```ts
 * mergeProfile(rows, Date.now()); // the taste learnt in us-east-1 and eu-west-1 together
 * ```
 */
export function mergeProfile(
  rows: Record<string, unknown>[],
  now: number,
  halfLifeHours = HALF_LIFE_HOURS,
): UserProfile {
  const profile: UserProfile = emptyProfile();
  const latest = new Map<string, string>();
  const add = (map: Map<string, number>, key: string, by: number) => map.set(key, (map.get(key) ?? 0) + by);
  for (const row of rows) {
    const key = parseTasteKey(String(row.SK));
    if (!key) continue;
    if (key.kind === 'VERSION') profile.version += Number(row.v ?? 0);
    else if (key.kind === 'G') add(profile.genres, key.id, scoreOf(row, now, halfLifeHours));
    else {
      add(profile.titles, key.id, scoreOf(row, now, halfLifeHours));
      if (row.completed) profile.completed.add(key.id);
      if (row.disliked) profile.disliked.add(key.id);
      if (row.posAt) {
        const at = String(row.lastAt ?? row.posAt);
        const seen = latest.get(key.id);
        if (seen === undefined || compareIds(at, seen) > 0) latest.set(key.id, at);
      }
    }
  }
  profile.positives = [...latest]
    .sort(([a, atA], [b, atB]) => compareIds(atB, atA) || compareIds(a, b))
    .map(([titleId]) => titleId);
  return profile;
}

/** Options of {@link createDynamoModelStore}. */
export interface DynamoModelStoreOptions extends ModelStoreOptions {
  /** The Region this store writes from: every row it writes carries it, so no two Regions write one item. */
  region: string;
  /** Every Region of the stage: reads merge their counters. Default: `region` alone. */
  regions?: readonly string[];
}

/**
 * The DynamoDB model store of a stage.
 *
 * @example
 * ```ts
 * const store = createDynamoModelStore(platform.clients, platform.config.resources, {
 *   region: 'eu-west-1',
 *   regions: ['us-east-1', 'eu-west-1'],
 * });
 * await store.popular('GB', 10); // both Regions' plays
 * ```
 */
export function createDynamoModelStore(
  clients: AwsClients,
  names: ResourceNames,
  options: DynamoModelStoreOptions,
): ModelStore {
  const TableName = names.userStateTable;
  const here = options.region;
  const regions = [...new Set([here, ...(options.regions ?? [])])];
  const now = options.now ?? Date.now;
  const halfLife = options.halfLifeHours ?? HALF_LIFE_HOURS;
  const shards = options.counterShards ?? DEFAULT_MODEL_COUNTER_SHARDS;
  const subKeys = (base: string) => Array.from({ length: shards }, (_, k) => shardKey(base, k));
  /** The items of every Region's every sub-key of a counter's partition, read side by side. */
  const everySubKey = async (kind: 'POP' | 'CO', subject: string, what: string) =>
    (
      await Promise.all(
        regions
          .flatMap((r) => subKeys(counterPartition(kind, r, subject)))
          .map((pk) =>
            queryAll(
              clients,
              { TableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk } },
              what,
            ),
          ),
      )
    ).flat();
  const docs = () => clients.documents();
  const update = async (
    Key: Record<string, string>,
    UpdateExpression: string,
    values: Record<string, unknown>,
    extra: { names?: Record<string, string>; condition?: string } = {},
  ) => {
    await docs().send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression,
        ExpressionAttributeValues: values,
        ...(extra.names ? { ExpressionAttributeNames: extra.names } : {}),
        ...(extra.condition ? { ConditionExpression: extra.condition } : {}),
      }),
    );
  };

  /** Whether this is the viewer's first positive signal on the title in this Region (once per Region). */
  async function firstPositive(u: ModelUpdate): Promise<boolean> {
    try {
      await update(
        { PK: profilePartition(u.userId), SK: tasteKey.title(here, u.titleId) },
        'SET posAt = :at',
        { ':at': u.at },
        {
          condition: 'attribute_not_exists(posAt)',
        },
      );
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /**
   * Adds one writer's entries to a counter, each once: the writer's mark on the counter is the
   * last position it added, so entries at or before it (a batch that came again) are left out.
   * The first try assumes the counter took none of them; a failed condition reads the mark.
   */
  async function addOnce(Key: Record<string, string>, mark: string, entries: PopularityEntry[]): Promise<void> {
    // In position order, each position once (a record offered again in the same batch).
    const ordered = [...entries]
      .sort((a, b) => compareIds(a.position, b.position))
      .filter((e, i, all) => i === 0 || all[i - 1]?.position !== e.position);
    let since: string | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const fresh = since === undefined ? ordered : ordered.filter((e) => e.position > (since as string));
      const first = fresh[0];
      const last = fresh[fresh.length - 1];
      if (!first || !last) return;
      const sums = new Map<number, number>();
      for (const e of fresh) sums.set(e.era, (sums.get(e.era) ?? 0) + e.scaled);
      const newest = Math.max(...sums.keys());
      // Eras before the previous one are too old to keep (as one event's write drops them).
      const kept = [...sums].filter(([era]) => era >= newest - 1);
      const names: Record<string, string> = {
        '#m': mark,
        '#o2': `e${newest - 2}`,
        '#o3': `e${newest - 3}`,
        '#o4': `e${newest - 4}`,
        '#legacy': 's',
      };
      const values: Record<string, unknown> = { ':last': last.position };
      const adds = kept.map(([era, sum], i) => {
        names[`#a${i}`] = `e${era}`;
        values[`:a${i}`] = sum;
        return `#a${i} :a${i}`;
      });
      if (since === undefined) values[':first'] = first.position;
      else values[':since'] = since;
      try {
        await update(Key, `ADD ${adds.join(', ')} SET #m = :last REMOVE #o2, #o3, #o4, #legacy`, values, {
          names,
          condition: since === undefined ? 'attribute_not_exists(#m) OR #m < :first' : '#m = :since',
        });
        return;
      } catch (err) {
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
        const out = await docs().send(
          new GetCommand({
            TableName,
            Key,
            ConsistentRead: true,
            ProjectionExpression: '#m',
            ExpressionAttributeNames: { '#m': mark },
          }),
        );
        since = String(out.Item?.[mark] ?? '');
      }
    }
    throw new Error(`popularity counter ${Key.PK}/${Key.SK} kept changing under its writer`);
  }

  return {
    async apply(u, options = {}) {
      // A viewer's writes to shared counters go to the viewer's sub-key.
      const mine = counterShard(u.userId, shards);
      try {
        // `lastAt` orders the positives, so only a positive signal moves it (as the memory store
        // orders them): a dislike or a skip must not bring a title to the front.
        const sets = [
          u.weight > 0 ? 'lastAt = :at' : '',
          u.completed ? 'completed = :true' : '',
          u.disliked ? 'disliked = :true' : '',
        ].filter(Boolean);
        const own = addDecayed(u);
        const genreShare = u.scaled / Math.max(1, u.genres.length);
        await Promise.all([
          ...(options.popularity === false ? [] : [u.country, 'ALL']).map((cc) =>
            update(
              { PK: shardKey(counterPartition('POP', here, cc), mine), SK: u.titleId },
              own.expression,
              { ':s': u.scaled },
              { names: own.names },
            ),
          ),
          update(
            { PK: profilePartition(u.userId), SK: tasteKey.title(here, u.titleId) },
            `${own.expression}${sets.length ? ` SET ${sets.join(', ')}` : ''}`,
            {
              ':s': u.scaled,
              ...(u.weight > 0 ? { ':at': u.at } : {}),
              ...(u.completed || u.disliked ? { ':true': true } : {}),
            },
            { names: own.names },
          ),
          ...u.genres.map((g) =>
            update(
              { PK: profilePartition(u.userId), SK: tasteKey.genre(here, g) },
              own.expression,
              { ':s': genreShare },
              { names: own.names },
            ),
          ),
        ]);
        if (u.weight > 0 && (await firstPositive(u))) {
          // Every Region's rows: a title positive in another Region already counts among the viewer's.
          const positives = await queryAll(
            clients,
            {
              TableName,
              KeyConditionExpression: 'PK = :pk AND begins_with(SK, :t)',
              FilterExpression: 'attribute_exists(posAt)',
              ExpressionAttributeValues: { ':pk': profilePartition(u.userId), ':t': 'T#' },
              ProjectionExpression: 'SK, posAt',
            },
            `profile of ${u.userId}`,
          );
          const rows = positives.flatMap((i) => {
            const key = parseTasteKey(String(i.SK));
            return key?.kind === 'T' ? [{ titleId: key.id, region: key.region, at: String(i.posAt) }] : [];
          });
          if (!rows.some((r) => r.titleId === u.titleId && r.region !== here)) {
            const earliest = new Map<string, string>();
            for (const r of rows) {
              const seen = earliest.get(r.titleId);
              if (r.titleId !== u.titleId && (seen === undefined || compareIds(r.at, seen) < 0))
                earliest.set(r.titleId, r.at);
            }
            const others = [...earliest]
              .map(([titleId, at]) => ({ titleId, at }))
              .sort((a, b) => compareIds(b.at, a.at) || compareIds(a.titleId, b.titleId))
              .slice(0, u.maxPairs);
            await update({ PK: shardKey(counterPartition('ITEM', here, u.titleId), mine), SK: 'USERS' }, 'ADD n :one', {
              ':one': 1,
            });
            await Promise.all(
              others.flatMap((o) => [
                update({ PK: shardKey(counterPartition('CO', here, u.titleId), mine), SK: o.titleId }, 'ADD c :one', {
                  ':one': 1,
                }),
                update({ PK: shardKey(counterPartition('CO', here, o.titleId), mine), SK: u.titleId }, 'ADD c :one', {
                  ':one': 1,
                }),
              ]),
            );
          }
        }
        // Last: the version moves only once the profile reflects the event.
        await update({ PK: profilePartition(u.userId), SK: tasteKey.version(here) }, 'ADD v :one', { ':one': 1 });
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:UpdateItem', `models for ${u.userId}/${u.titleId}`);
      }
    },

    async addPopularity(writer, entries) {
      // The writer's sub-key, and its mark on each counter: the last position it added there.
      const k = counterShard(writer, shards);
      const mark = `w:${writer}`;
      const byCounter = new Map<string, { key: Record<string, string>; entries: PopularityEntry[] }>();
      for (const e of entries) {
        for (const cc of [e.country, 'ALL']) {
          const key = { PK: shardKey(counterPartition('POP', here, cc), k), SK: e.titleId };
          const id = `${key.PK}\u0000${key.SK}`;
          const counter = byCounter.get(id) ?? { key, entries: [] as PopularityEntry[] };
          counter.entries.push(e);
          byCounter.set(id, counter);
        }
      }
      try {
        await Promise.all([...byCounter.values()].map((c) => addOnce(c.key, mark, c.entries)));
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:UpdateItem', `popularity from ${writer}`);
      }
    },

    async popular(country, limit) {
      const at = now();
      const scores = new Map<string, number>();
      for (const item of await everySubKey('POP', country, `popularity in ${country}`)) {
        const titleId = String(item.SK);
        scores.set(titleId, (scores.get(titleId) ?? 0) + scoreOf(item, at, halfLife));
      }
      return [...scores]
        .map(([titleId, score]) => ({ titleId, score }))
        .sort(byScore)
        .slice(0, limit);
    },

    async neighbours(titleId, limit) {
      const pairs = new Map<string, number>();
      for (const p of await everySubKey('CO', titleId, `neighbours of ${titleId}`))
        pairs.set(String(p.SK), (pairs.get(String(p.SK)) ?? 0) + Number(p.c));
      if (!pairs.size) return [];
      const ids = [titleId, ...pairs.keys()];
      const counts = new Map<string, number>();
      // Every Region's viewers of each title, every sub-key: which title a key counts for is kept beside it.
      const owner = new Map<string, string>();
      const keys = ids.flatMap((id) =>
        regions.flatMap((r) =>
          subKeys(counterPartition('ITEM', r, id)).map((PK) => {
            owner.set(PK, id);
            return { PK, SK: 'USERS' };
          }),
        ),
      );
      for (let i = 0; i < keys.length; i += 100) {
        let batch: Record<string, unknown>[] = keys.slice(i, i + 100);
        for (let attempt = 0; batch.length && attempt < 5; attempt++) {
          try {
            const out = await docs().send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: batch } } }));
            for (const item of out.Responses?.[TableName] ?? []) {
              const id = owner.get(String(item.PK));
              if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + Number(item.n));
            }
            batch = (out.UnprocessedKeys?.[TableName]?.Keys ?? []) as Record<string, unknown>[];
          } catch (err) {
            throw wrapAwsError(err, 'dynamodb:BatchGetItem', `item counts near ${titleId}`);
          }
        }
      }
      const n = counts.get(titleId) ?? 0;
      return [...pairs]
        .map(([other, c]) => {
          const m = counts.get(other) ?? 0;
          return { titleId: other, score: n > 0 && m > 0 ? c / Math.sqrt(n * m) : 0 };
        })
        .sort(byScore)
        .slice(0, limit);
    },

    async profile(userId) {
      const items = await queryAll(
        clients,
        {
          TableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': profilePartition(userId) },
        },
        `profile of ${userId}`,
      );
      return mergeProfile(items, now(), halfLife);
    },

    async touch(userId) {
      try {
        await update({ PK: profilePartition(userId), SK: tasteKey.version(here) }, 'ADD v :one', { ':one': 1 });
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:UpdateItem', `profile version of ${userId}`);
      }
    },

    async forget(userId) {
      const rows = await queryAll(
        clients,
        {
          TableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': profilePartition(userId) },
          ProjectionExpression: 'PK, SK',
        },
        `profile of ${userId}`,
      );
      // Every Region's taste rows; the versions stay (a cached page of an older version must not match again).
      const taste = rows
        .filter((r) => parseTasteKey(String(r.SK))?.kind !== 'VERSION')
        .map((r) => ({ PK: r.PK, SK: r.SK }));
      await deleteKeys(clients, TableName, taste, `profile of ${userId}`);
      try {
        await update({ PK: profilePartition(userId), SK: tasteKey.version(here) }, 'ADD v :one', { ':one': 1 });
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:UpdateItem', `profile version of ${userId}`);
      }
      return taste.length;
    },

    async version(userId) {
      const rows = await queryAll(
        clients,
        {
          TableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :v)',
          ExpressionAttributeValues: { ':pk': profilePartition(userId), ':v': 'VERSION#' },
          ProjectionExpression: 'SK, v',
        },
        `profile version of ${userId}`,
      );
      return mergeProfile(rows, now(), halfLife).version;
    },
  };
}
