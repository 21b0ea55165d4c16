/**
 * The catalog over its DynamoDB table: titles, seasons, episodes,
 * renditions and availability (the layout is in `items.ts`), with every
 * status write held to the lifecycle's transition table.
 *
 * @module
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { CountrySchema, IdSchema } from '../contract/index.js';
import { ConflictError, NotFoundError, wrapAwsError } from '../errors/index.js';
import type { Page } from '../users/index.js';
import { BATCH_RETRY, decodeCursor, encodeCursor, getKeys, parseInput, queryAll, retry } from '../util/index.js';
import {
  ALL_TITLES,
  AVAILABILITY_PREFIX,
  availabilityItems,
  availabilityRepairs,
  countryPartition,
  genrePartition,
  type Item,
  listItemFromItem,
  metaGeneration,
  projectionGeneration,
  renditionItem,
  renditionKey,
  SUMMARY_ATTRIBUTES,
  shownIn,
  summaryFromItem,
  summaryFromMeta,
  titleFromItems,
  titleItems,
  titleKey,
  titlePartition,
} from './items.js';
import { assertTransition, canTransition, TITLE_STATUSES, type TitleStatus, transitionCondition } from './lifecycle.js';
import {
  AvailabilitySchema,
  type Catalog,
  Genre,
  type Title,
  TitleDetailsSchema,
  TitleInputSchema,
  type TitleListItem,
  type TitleSummary,
} from './types.js';

/** Cursors are the index's LastEvaluatedKey: the table and index keys, all strings here. */
const IndexKey = (keys: string[]) => z.object(Object.fromEntries(keys.map((k) => [k, z.string()]))).strict();
const toCursor = (key: Record<string, unknown> | undefined) => (key ? encodeCursor(key) : undefined);
const fromCursor = (cursor: string | undefined, keys: string[]) =>
  cursor ? (decodeCursor(cursor, IndexKey(keys)) as Record<string, unknown>) : undefined;

/**
 * Creates the catalog capability over the catalog table.
 *
 * @example
 * ```ts
 * const catalog = createCatalog(platform.clients, platform.config.resources);
 * await catalog.putTitle({ titleId: 't1', name: 'Big Buck Bunny', genres: ['animation'] });
 * await catalog.publishTitle('t1', { countries: ['US', 'GB'] });
 * ```
 */
export function createCatalog(clients: AwsClients, names: ResourceNames): Catalog {
  const TableName = names.catalogTable;
  const docs = () => clients.documents();

  async function writeAll(items: Record<string, unknown>[], what: string): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let pending: Record<string, unknown>[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      // Throttled writes come back as unprocessed items: those are written again, backing off.
      pending = await retry(
        async () => {
          try {
            const out = await docs().send(new BatchWriteCommand({ RequestItems: { [TableName]: pending as never } }));
            pending = (out.UnprocessedItems?.[TableName] ?? []) as Record<string, unknown>[];
            return pending;
          } catch (err) {
            throw wrapAwsError(err, 'dynamodb:BatchWriteItem', what);
          }
        },
        { attempts: 9, policy: BATCH_RETRY, retryable: () => false, retryResult: (left) => left.length > 0 },
      );
      if (pending.length) throw wrapAwsError(new Error('unprocessed items'), 'dynamodb:BatchWriteItem', what);
    }
  }

  const partition = (titleId: string) =>
    queryAll(
      clients,
      { TableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': titlePartition(titleId) } },
      `title ${titleId}`,
    );

  async function findTitle(titleId: string): Promise<Title | undefined> {
    parseInput(IdSchema, titleId, 'titleId');
    return titleFromItems(titleId, await partition(titleId));
  }

  /** The METADATA items of these titles (the attributes browsing reads), by id; unknown ids are absent. */
  async function metas(titleIds: readonly string[], subject: string): Promise<Map<string, Item>> {
    const names = Object.fromEntries(SUMMARY_ATTRIBUTES.map((a, i) => [`#a${i}`, a]));
    const items = await getKeys(clients, TableName, titleIds.map(titleKey), subject, {
      expression: Object.keys(names).join(', '),
      names,
    });
    return new Map(items.map((item) => [String(item.titleId), item as Item]));
  }

  const isConditionFailure = (err: unknown) =>
    err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException';

  /**
   * Makes a title's projections say what its METADATA item says now, and no
   * more (see `availabilityRepairs`). Every write is conditional on the
   * generation it read, so a publication that started meanwhile (a newer
   * generation) is never undone: its own run, or the next, settles it.
   */
  async function settleAvailability(titleId: string): Promise<void> {
    const items = await partition(titleId);
    const meta = items.find((i) => i.SK === 'METADATA');
    if (!meta) return;
    const projections = items.filter((i) => String(i.SK).startsWith(AVAILABILITY_PREFIX));
    const { remove, rewrite } = availabilityRepairs(meta, projections);
    const generation = metaGeneration(meta);
    const subject = `availability of ${titleId}`;
    for (const p of remove) {
      const g = projectionGeneration(p);
      try {
        await docs().send(
          new DeleteCommand({
            TableName,
            Key: { PK: p.PK, SK: p.SK },
            ConditionExpression: g ? 'generation = :g' : 'attribute_not_exists(generation)',
            ...(g ? { ExpressionAttributeValues: { ':g': g } } : {}),
          }),
        );
      } catch (err) {
        // Rewritten since it was read: by a newer publication, whose own run settles it.
        if (!isConditionFailure(err)) throw wrapAwsError(err, 'dynamodb:DeleteItem', subject);
      }
    }
    if (!rewrite.length) return;
    const title = titleFromItems(titleId, items) as Title;
    if (!title.availability || !title.publishedAt) return;
    for (const item of availabilityItems(title, title.availability, title.publishedAt, generation, rewrite)) {
      try {
        await docs().send(
          new PutCommand({
            TableName,
            Item: item,
            // Only over a missing or older projection: never over a newer publication's.
            ConditionExpression: 'attribute_not_exists(PK) OR attribute_not_exists(generation) OR generation < :g',
            ExpressionAttributeValues: { ':g': generation },
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw wrapAwsError(err, 'dynamodb:PutItem', subject);
      }
    }
  }

  const summaryPage = async (
    index: 'byGenre' | 'byCountry',
    key: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<TitleSummary>> => {
    const pkName = index === 'byGenre' ? 'GSI1PK' : 'GSI2PK';
    const skName = index === 'byGenre' ? 'GSI1SK' : 'GSI2SK';
    const start = fromCursor(cursor, ['PK', 'SK', pkName, skName]);
    try {
      const out = await docs().send(
        new QueryCommand({
          TableName,
          IndexName: index,
          KeyConditionExpression: '#pk = :key',
          ExpressionAttributeNames: { '#pk': pkName },
          ExpressionAttributeValues: { ':key': key },
          ScanIndexForward: false,
          Limit: limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const items = (out.Items ?? []).map(summaryFromItem);
      const next = toCursor(out.LastEvaluatedKey);
      return next ? { items, cursor: next } : { items };
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:Query', `${index} ${key}`);
    }
  };
  const summaries = async (index: 'byGenre' | 'byCountry', key: string, limit: number) =>
    (await summaryPage(index, key, limit)).items;

  /** Why a conditional write failed: the title is gone, may not make this move, or moved meanwhile. */
  const conflict = async (titleId: string, to: TitleStatus, what: string): Promise<never> => {
    const title = await findTitle(titleId);
    if (!title) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
    assertTransition(titleId, title.status, to);
    throw new ConflictError(`Cannot ${what}: title ${titleId} is ${title.status}`, {
      details: { titleId, status: title.status },
    });
  };

  /** Updates a title's METADATA item, moving it to `to` only along the lifecycle's transition table. */
  const update = async (
    titleId: string,
    to: TitleStatus,
    input: {
      UpdateExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
    },
    what: string,
    only?: readonly TitleStatus[],
    expectedGeneration?: number,
  ): Promise<void> => {
    const transition = transitionCondition(to, only);
    if (!transition) return conflict(titleId, to, what);
    // An availability change holds to the generation it read: of two publications (or a publication
    // and a withdrawal) that read the same one, only the first to land here wins.
    let held = '';
    if (expectedGeneration !== undefined) {
      held = expectedGeneration
        ? ' AND availabilityGeneration = :expected'
        : ' AND attribute_not_exists(availabilityGeneration)';
    }
    try {
      await docs().send(
        new UpdateCommand({
          TableName,
          Key: titleKey(titleId),
          UpdateExpression: input.UpdateExpression,
          ConditionExpression: `attribute_exists(PK) AND (${transition.ConditionExpression})${held}`,
          ExpressionAttributeNames: { ...input.ExpressionAttributeNames, ...transition.ExpressionAttributeNames },
          ExpressionAttributeValues: {
            ...input.ExpressionAttributeValues,
            ...transition.ExpressionAttributeValues,
            ...(expectedGeneration ? { ':expected': expectedGeneration } : {}),
          },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) {
        if (expectedGeneration !== undefined) {
          const now = await partition(titleId);
          const meta = now.find((i) => i.SK === 'METADATA');
          if (meta && metaGeneration(meta) !== expectedGeneration && canTransition(meta.status as TitleStatus, to)) {
            // Another run changed the availability first: what this one wrote beyond it goes.
            await settleAvailability(titleId);
            throw new ConflictError(
              `Cannot ${what}: title ${titleId}'s availability was changed meanwhile by another run`,
              {
                hint: `see what it is now with \`streamctl titles get ${titleId}\`, then run this again if it still should change`,
                details: { titleId, status: meta.status, generation: metaGeneration(meta) },
              },
            );
          }
        }
        return conflict(titleId, to, what);
      }
      throw wrapAwsError(err, 'dynamodb:UpdateItem', `title ${titleId}`);
    }
  };

  return {
    async putTitle(input) {
      const t = parseInput(TitleInputSchema, input, 'title');
      await writeAll(titleItems(t, new Date().toISOString()), `title ${t.titleId}`);
      return (await findTitle(t.titleId)) as Title;
    },

    async getTitle(titleId) {
      const title = await findTitle(titleId);
      if (!title) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      return title;
    },

    findTitle,

    async publishTitle(titleId, availability, at) {
      const a = parseInput(AvailabilitySchema, availability, 'availability');
      parseInput(IdSchema, titleId, 'titleId');
      const items = await partition(titleId);
      const title = titleFromItems(titleId, items);
      const meta = items.find((i) => i.SK === 'METADATA');
      if (!title || !meta) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      // Checked before the projections are written; the update below checks again, atomically.
      assertTransition(titleId, title.status, 'PUBLISHED');
      const publishedAt = at ?? new Date().toISOString();
      const expected = metaGeneration(meta);
      const next = expected + 1;
      // Without transactions (the embedded DynamoDB has none) the change is made in an order that
      // is safe wherever it stops: the new countries' projections first (readers ignore those the
      // record does not list yet), then the record (the truth readers confirm against), then the
      // projections of countries the record no longer lists go.
      await writeAll(availabilityItems(title, a, publishedAt, next), `availability of ${titleId}`);
      await update(
        titleId,
        'PUBLISHED',
        {
          UpdateExpression: 'SET #s = :s, availability = :a, publishedAt = :p, availabilityGeneration = :g',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'PUBLISHED', ':a': a, ':p': publishedAt, ':g': next },
        },
        'publish it',
        undefined,
        expected,
      );
      await settleAvailability(titleId);
      return (await findTitle(titleId)) as Title;
    },

    async listAvailable(country, options = {}) {
      const cc = parseInput(CountrySchema, country, 'country');
      const limit = parseInput(z.number().int().min(1).max(200), options.limit ?? 50, 'limit');
      const [own, all] = await Promise.all([
        summaries('byCountry', countryPartition(cc), limit),
        summaries('byCountry', countryPartition('ALL'), limit),
      ]);
      const now = (options.at ?? new Date()).getTime();
      // A projection is an index entry: the title's record says whether it is shown here now.
      const records = await metas([...new Set([...own, ...all].map((t) => t.titleId))], `availability in ${cc}`);
      return [...records.values()]
        .filter((meta) => shownIn(meta, cc, now))
        .map(summaryFromMeta)
        .sort((a, b) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '') || a.titleId.localeCompare(b.titleId))
        .slice(0, limit);
    },

    async availableAmong(country, titleIds, options = {}) {
      const cc = parseInput(CountrySchema, country, 'country');
      const ids = [...new Set(titleIds)];
      for (const id of ids) parseInput(IdSchema, id, 'titleId');
      const now = (options.at ?? new Date()).getTime();
      // The records alone answer: a projection could name a country a re-publish has just left out.
      const records = await metas(ids, `availability in ${cc}`);
      return ids.flatMap((id) => {
        const meta = records.get(id);
        return meta && shownIn(meta, cc, now) ? [summaryFromMeta(meta)] : [];
      });
    },

    async listByGenre(genre, options = {}) {
      const g = parseInput(Genre, genre, 'genre');
      const limit = parseInput(z.number().int().min(1).max(200), options.limit ?? 50, 'limit');
      return summaries('byGenre', genrePartition(g), limit);
    },

    async pageByGenre(genre, options = {}) {
      const g = parseInput(Genre, genre, 'genre');
      const limit = parseInput(z.number().int().min(1).max(200), options.limit ?? 50, 'limit');
      return summaryPage('byGenre', genrePartition(g), limit, options.cursor);
    },

    async listTitles(options = {}) {
      const limit = parseInput(z.number().int().min(1).max(200), options.limit ?? 50, 'limit');
      const status = options.status ? parseInput(z.enum(TITLE_STATUSES), options.status, 'status') : undefined;
      const items: TitleListItem[] = [];
      let start = fromCursor(options.cursor, ['PK', 'SK', 'GSI1PK', 'GSI1SK']);
      // A status filter may leave pages short: keep reading until the page is full or the index ends.
      do {
        let out: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> };
        try {
          out = await docs().send(
            new QueryCommand({
              TableName,
              IndexName: 'byGenre',
              KeyConditionExpression: 'GSI1PK = :titles',
              ExpressionAttributeValues: { ':titles': ALL_TITLES, ...(status ? { ':s': status } : {}) },
              ...(status ? { FilterExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' } } : {}),
              Limit: limit - items.length,
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
        } catch (err) {
          throw wrapAwsError(err, 'dynamodb:Query', 'titles');
        }
        items.push(...(out.Items ?? []).map(listItemFromItem));
        start = out.LastEvaluatedKey;
      } while (start && items.length < limit);
      const cursor = toCursor(start);
      return cursor ? { items, cursor } : { items };
    },

    async setStatus(titleId, status, change = {}) {
      parseInput(IdSchema, titleId, 'titleId');
      const values: Record<string, unknown> = { ':s': status, ':now': new Date().toISOString() };
      const sets = ['#s = :s', 'updatedAt = :now'];
      const removes: string[] = [];
      if (change.reason) {
        sets.push('statusReason = :r');
        values[':r'] = change.reason.slice(0, 1000);
      } else removes.push('statusReason');
      if (change.source) {
        sets.push('#src = :src');
        values[':src'] = change.source;
      }
      if (change.durationSec) {
        sets.push('durationSec = :d');
        values[':d'] = change.durationSec;
      }
      await update(
        titleId,
        status,
        {
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ExpressionAttributeNames: { '#s': 'status', ...(change.source ? { '#src': 'source' } : {}) },
          ExpressionAttributeValues: values,
        },
        `move it to ${status}`,
        change.expect?.length ? change.expect : undefined,
      );
      return (await findTitle(titleId)) as Title;
    },

    async setRenditions(titleId, result) {
      const existing = await findTitle(titleId);
      if (!existing) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      assertTransition(titleId, existing.status, 'READY');
      const keep = new Set(result.renditions.map((r) => r.name));
      const stale = existing.renditions.filter((r) => !keep.has(r.name));
      if (stale.length) {
        for (let i = 0; i < stale.length; i += 25) {
          try {
            await docs().send(
              new BatchWriteCommand({
                RequestItems: {
                  [TableName]: stale
                    .slice(i, i + 25)
                    .map((r) => ({ DeleteRequest: { Key: renditionKey(titleId, r.name) } })),
                },
              }),
            );
          } catch (err) {
            throw wrapAwsError(err, 'dynamodb:BatchWriteItem', `renditions of ${titleId}`);
          }
        }
      }
      await writeAll(
        result.renditions.map((r) => renditionItem(titleId, r)),
        `renditions of ${titleId}`,
      );
      await update(
        titleId,
        'READY',
        {
          UpdateExpression: result.protection
            ? 'SET #s = :s, manifests = :m, images = :i, tracks = :t, protection = :p, updatedAt = :now REMOVE statusReason'
            : 'SET #s = :s, manifests = :m, images = :i, tracks = :t, updatedAt = :now REMOVE statusReason, protection',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':s': 'READY',
            ':m': result.manifests,
            ':i': result.images ?? {},
            ':t': result.tracks ?? { audio: [], captions: [] },
            ...(result.protection ? { ':p': { scheme: result.protection.scheme } } : {}),
            ':now': new Date().toISOString(),
          },
        },
        'record its renditions',
      );
      return (await findTitle(titleId)) as Title;
    },

    async describeTitle(titleId, details) {
      parseInput(IdSchema, titleId, 'titleId');
      const d = parseInput(TitleDetailsSchema, details, 'title details');
      const sets = ['updatedAt = :now'];
      const removes: string[] = [];
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':now': new Date().toISOString() };
      for (const [field, value] of Object.entries(d)) {
        names[`#${field}`] = field;
        if (value === null || (Array.isArray(value) && value.length === 0)) removes.push(`#${field}`);
        else {
          sets.push(`#${field} = :${field}`);
          values[`:${field}`] = value;
        }
      }
      try {
        await docs().send(
          new UpdateCommand({
            TableName,
            Key: titleKey(titleId),
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
      } catch (err) {
        if (
          err instanceof ConditionalCheckFailedException ||
          (err as Error).name === 'ConditionalCheckFailedException'
        ) {
          throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
        }
        throw wrapAwsError(err, 'dynamodb:UpdateItem', `title ${titleId}`);
      }
      return (await findTitle(titleId)) as Title;
    },

    async unpublishTitle(titleId) {
      parseInput(IdSchema, titleId, 'titleId');
      const items = await partition(titleId);
      const title = titleFromItems(titleId, items);
      const meta = items.find((i) => i.SK === 'METADATA');
      if (!title || !meta) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
      assertTransition(titleId, title.status, 'UNPUBLISHED');
      const expected = metaGeneration(meta);
      // The record first: from then on no reader shows the title anywhere, whatever projections are left.
      await update(
        titleId,
        'UNPUBLISHED',
        {
          UpdateExpression:
            'SET #s = :s, updatedAt = :now, availabilityGeneration = :g REMOVE availability, publishedAt',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'UNPUBLISHED', ':now': new Date().toISOString(), ':g': expected + 1 },
        },
        'unpublish it',
        undefined,
        expected,
      );
      await settleAvailability(titleId);
      return (await findTitle(titleId)) as Title;
    },
  };
}
