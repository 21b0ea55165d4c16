/**
 * The models in the Region's platform table (single-table keys):
 *
 * - `PK = POP#<cc|ALL>`, `SK = <titleId>`: decayed popularity (ADD, per era: below);
 * - `PK = ITEM#<titleId>`, `SK = USERS`: users with a positive signal `n` (ADD);
 * - `PK = CO#<a>`, `SK = <b>`: users positive on both `c` (ADD, both directions);
 * - `PK = UPROF#<user>`, `SK = T#<titleId>` (taste `s`, first and latest positive
 *   signal `posAt` and `lastAt`, `completed`, `disliked`), `SK = G#<genre>`
 *   (affinity), `SK = VERSION` (`v`, moved by every model update and by
 *   {@link ModelStore.touch}).
 *
 * A decayed score is kept per era ({@link decayed}): attribute `e<era>` holds
 * the era's scaled sum. A write adds to its era and removes the eras before
 * the previous one (and `s`, where scores were kept before eras: it reads as
 * era 0 until then), so an item holds two or three numbers, none large.
 *
 * Every write is a single-item ADD or conditional SET, which every emulator
 * supports; the workers' ledger makes each event apply once.
 */
import { BatchGetCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';
import { queryAll } from '../util/dynamo.js';
import {
  byScore,
  compareIds,
  type EraWeight,
  emptyProfile,
  HALF_LIFE_HOURS,
  type ModelStore,
  type ModelStoreOptions,
  type ModelUpdate,
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

/**
 * The DynamoDB model store of a stage.
 *
 * @example
 * ```ts
 * const store = createDynamoModelStore(platform.clients, platform.config.resources);
 * await store.popular('GB', 10);
 * ```
 */
export function createDynamoModelStore(
  clients: AwsClients,
  names: ResourceNames,
  options: ModelStoreOptions = {},
): ModelStore {
  const TableName = names.platformTable;
  const now = options.now ?? Date.now;
  const halfLife = options.halfLifeHours ?? HALF_LIFE_HOURS;
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

  async function firstPositive(u: ModelUpdate): Promise<boolean> {
    try {
      await update(
        { PK: `UPROF#${u.userId}`, SK: `T#${u.titleId}` },
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

  return {
    async apply(u) {
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
          ...[u.country, 'ALL'].map((cc) =>
            update({ PK: `POP#${cc}`, SK: u.titleId }, own.expression, { ':s': u.scaled }, { names: own.names }),
          ),
          update(
            { PK: `UPROF#${u.userId}`, SK: `T#${u.titleId}` },
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
              { PK: `UPROF#${u.userId}`, SK: `G#${g}` },
              own.expression,
              { ':s': genreShare },
              { names: own.names },
            ),
          ),
        ]);
        if (u.weight > 0 && (await firstPositive(u))) {
          const mine = await queryAll(
            clients,
            {
              TableName,
              KeyConditionExpression: 'PK = :pk AND begins_with(SK, :t)',
              FilterExpression: 'attribute_exists(posAt)',
              ExpressionAttributeValues: { ':pk': `UPROF#${u.userId}`, ':t': 'T#' },
              ProjectionExpression: 'SK, posAt',
            },
            `profile of ${u.userId}`,
          );
          const others = mine
            .map((i) => ({ titleId: String(i.SK).slice(2), at: String(i.posAt) }))
            .filter((i) => i.titleId !== u.titleId)
            .sort((a, b) => compareIds(b.at, a.at) || compareIds(a.titleId, b.titleId))
            .slice(0, u.maxPairs);
          await update({ PK: `ITEM#${u.titleId}`, SK: 'USERS' }, 'ADD n :one', { ':one': 1 });
          await Promise.all(
            others.flatMap((o) => [
              update({ PK: `CO#${u.titleId}`, SK: o.titleId }, 'ADD c :one', { ':one': 1 }),
              update({ PK: `CO#${o.titleId}`, SK: u.titleId }, 'ADD c :one', { ':one': 1 }),
            ]),
          );
        }
        // Last: the version moves only once the profile reflects the event.
        await update({ PK: `UPROF#${u.userId}`, SK: 'VERSION' }, 'ADD v :one', { ':one': 1 });
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:UpdateItem', `models for ${u.userId}/${u.titleId}`);
      }
    },

    async popular(country, limit) {
      const at = now();
      const items = await queryAll(
        clients,
        { TableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': `POP#${country}` } },
        `popularity in ${country}`,
      );
      return items
        .map((i) => ({ titleId: String(i.SK), score: scoreOf(i, at, halfLife) }))
        .sort(byScore)
        .slice(0, limit);
    },

    async neighbours(titleId, limit) {
      const partners = await queryAll(
        clients,
        { TableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': `CO#${titleId}` } },
        `neighbours of ${titleId}`,
      );
      if (!partners.length) return [];
      const ids = [titleId, ...partners.map((p) => String(p.SK))];
      const counts = new Map<string, number>();
      for (let i = 0; i < ids.length; i += 100) {
        let keys: Record<string, unknown>[] = ids.slice(i, i + 100).map((id) => ({ PK: `ITEM#${id}`, SK: 'USERS' }));
        for (let attempt = 0; keys.length && attempt < 5; attempt++) {
          try {
            const out = await docs().send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys } } }));
            for (const item of out.Responses?.[TableName] ?? []) counts.set(String(item.PK).slice(5), Number(item.n));
            keys = (out.UnprocessedKeys?.[TableName]?.Keys ?? []) as Record<string, unknown>[];
          } catch (err) {
            throw wrapAwsError(err, 'dynamodb:BatchGetItem', `item counts near ${titleId}`);
          }
        }
      }
      const n = counts.get(titleId) ?? 0;
      return partners
        .map((p) => {
          const m = counts.get(String(p.SK)) ?? 0;
          return { titleId: String(p.SK), score: n > 0 && m > 0 ? Number(p.c) / Math.sqrt(n * m) : 0 };
        })
        .sort(byScore)
        .slice(0, limit);
    },

    async profile(userId) {
      const items = await queryAll(
        clients,
        { TableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': `UPROF#${userId}` } },
        `profile of ${userId}`,
      );
      const profile: UserProfile = emptyProfile();
      const at = now();
      const positives: Array<{ titleId: string; at: string }> = [];
      for (const i of items) {
        const sk = String(i.SK);
        if (sk === 'VERSION') profile.version = Number(i.v);
        else if (sk.startsWith('G#')) profile.genres.set(sk.slice(2), scoreOf(i, at, halfLife));
        else if (sk.startsWith('T#')) {
          const titleId = sk.slice(2);
          profile.titles.set(titleId, scoreOf(i, at, halfLife));
          if (i.completed) profile.completed.add(titleId);
          if (i.disliked) profile.disliked.add(titleId);
          if (i.posAt) positives.push({ titleId, at: String(i.lastAt ?? i.posAt) });
        }
      }
      profile.positives = positives
        .sort((a, b) => compareIds(b.at, a.at) || compareIds(a.titleId, b.titleId))
        .map((p) => p.titleId);
      return profile;
    },

    async touch(userId) {
      try {
        await update({ PK: `UPROF#${userId}`, SK: 'VERSION' }, 'ADD v :one', { ':one': 1 });
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:UpdateItem', `profile version of ${userId}`);
      }
    },

    async version(userId) {
      try {
        const out = await docs().send(new GetCommand({ TableName, Key: { PK: `UPROF#${userId}`, SK: 'VERSION' } }));
        return Number(out.Item?.v ?? 0);
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:GetItem', `profile version of ${userId}`);
      }
    },
  };
}
