/**
 * Region-local user state in the user-state global table: watchlist,
 * progress (resume positions), continue watching and history.
 *
 * Every write carries its event time and is conditional on being newer than
 * what is stored, so a stale or duplicated event never overwrites a newer
 * one, and concurrent writers in two Regions converge under the global
 * table's last-writer-wins. A removal leaves a tombstone (expiring by TTL)
 * for the same reason: a late "add" must not resurrect a removed title.
 *
 * @module
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';
import { decodeCursor, pageAfter } from '../util/cursor.js';
import { queryAll as queryItems } from '../util/dynamo.js';
import { parseInput } from '../util/validate.js';
import { IdSchema } from './ids.js';

/** Event times compare as strings, so they are normalized to UTC with milliseconds. */
const IsoTime = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

/** The user-state partition of a viewer: their watchlist, progress, history, consent, devices and sessions. */
export const userStatePartition = (userId: string): string => `USER#${userId}`;

/** A watched share at or above which a title counts as completed. */
export const COMPLETION_RATIO = 0.95;
/** Continue Watching holds titles watched at least this share, and less than completion. */
export const CONTINUE_MIN_RATIO = 0.05;
/** How long tombstones of removed watchlist entries are kept (seconds). */
const TOMBSTONE_TTL = 90 * 86400;
/** The most titles a watchlist holds. */
export const WATCHLIST_LIMIT = 1000;

/** One title on a watchlist. */
export interface WatchlistEntry {
  titleId: string;
  addedAt: string;
}

/** A page of a list, with the cursor of the next page. */
export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; absent on the last page. */
  cursor?: string;
}

/** A resume position. */
export interface Progress {
  titleId: string;
  positionSec: number;
  durationSec: number;
  /** positionSec / durationSec, 0–1. */
  ratio: number;
  completed: boolean;
  /** The event time of the newest update. */
  updatedAt: string;
}

/** One history entry: a title watched in a month. */
export interface HistoryEntry {
  titleId: string;
  month: string;
  lastWatchedAt: string;
  completed: boolean;
}

const ProgressInput = z.object({
  userId: IdSchema,
  titleId: IdSchema,
  positionSec: z.number().finite().min(0).max(1e6),
  durationSec: z.number().finite().positive().max(1e6),
  at: IsoTime,
});

/** What a progress update carries. */
export type ProgressInput = z.input<typeof ProgressInput>;

function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** The user-state capability. */
export interface Users {
  /** Adds a title; re-adding a listed title, or a stale add after a newer removal, changes nothing. Returns true when it changed. */
  addToWatchlist(userId: string, titleId: string, at?: string): Promise<boolean>;
  /** Removes a title; idempotent, and order-safe against a late add. Returns true when it changed. */
  removeFromWatchlist(userId: string, titleId: string, at?: string): Promise<boolean>;
  /** The watchlist, newest first. */
  listWatchlist(userId: string, options?: { limit?: number; cursor?: string }): Promise<Page<WatchlistEntry>>;
  /** Records a resume position; an update older than the stored one changes nothing. Returns true when it changed. */
  recordProgress(input: ProgressInput): Promise<boolean>;
  /** The resume position of one title, if any. */
  getProgress(userId: string, titleId: string): Promise<Progress | undefined>;
  /** Titles watched 5–95 %, most recently watched first. */
  continueWatching(userId: string, options?: { limit?: number }): Promise<Progress[]>;
  /** Titles watched in a month (`YYYY-MM`), most recent first. */
  history(userId: string, month: string): Promise<HistoryEntry[]>;
}

/**
 * Creates the user-state capability over the user-state table.
 *
 * @example
 * ```ts
 * const users = createUsers(platform.clients, platform.config.resources);
 * await users.addToWatchlist('alice', 't1');
 * await users.recordProgress({ userId: 'alice', titleId: 't1', positionSec: 600, durationSec: 3000, at: new Date().toISOString() });
 * const rail = await users.continueWatching('alice');
 * ```
 */
export function createUsers(clients: AwsClients, names: ResourceNames): Users {
  const TableName = names.userStateTable;
  const docs = () => clients.documents();
  const pk = userStatePartition;

  async function writeWatchlist(userId: string, titleId: string, at: string | undefined, removed: boolean) {
    parseInput(IdSchema, userId, 'userId');
    parseInput(IdSchema, titleId, 'titleId');
    const eventTs = parseInput(IsoTime, at ?? new Date().toISOString(), 'event time');
    try {
      const out = await docs().send(
        new PutCommand({
          TableName,
          Item: {
            PK: pk(userId),
            SK: `WATCHLIST#${titleId}`,
            titleId,
            eventTs,
            ...(removed
              ? { removed: true, expiresAt: Math.floor(Date.parse(eventTs) / 1000) + TOMBSTONE_TTL }
              : { addedAt: eventTs }),
          },
          // An add lands on an empty slot or over an older removal; a listed
          // title stays as it was (re-adding keeps its place). A removal lands
          // over an older add. A stale or duplicate event changes nothing.
          ConditionExpression: removed
            ? 'attribute_not_exists(eventTs) OR (attribute_not_exists(removed) AND eventTs < :ts)'
            : 'attribute_not_exists(eventTs) OR (removed = :yes AND eventTs < :ts)',
          ExpressionAttributeValues: { ':ts': eventTs, ...(removed ? {} : { ':yes': true }) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      // A removal of a title that was never listed still leaves its tombstone, but changed nothing.
      return removed ? Boolean(out.Attributes && out.Attributes.removed !== true) : true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw wrapAwsError(err, 'dynamodb:PutItem', `watchlist of ${userId}`);
    }
  }

  const queryAll = (userId: string, prefix: string) =>
    queryItems(
      clients,
      {
        TableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': pk(userId), ':prefix': prefix },
      },
      `${prefix} of ${userId}`,
    );

  const toProgress = (item: Record<string, unknown>): Progress => ({
    titleId: String(item.titleId),
    positionSec: Number(item.positionSec),
    durationSec: Number(item.durationSec),
    ratio: Number(item.ratio),
    completed: item.completed === true,
    updatedAt: String(item.eventTs),
  });

  const WatchlistCursor = z.object({ a: z.string(), t: z.string() });

  return {
    addToWatchlist: (userId, titleId, at) => writeWatchlist(userId, titleId, at, false),
    removeFromWatchlist: (userId, titleId, at) => writeWatchlist(userId, titleId, at, true),

    async listWatchlist(userId, options = {}) {
      parseInput(IdSchema, userId, 'userId');
      const limit = parseInput(z.number().int().min(1).max(100), options.limit ?? 50, 'limit');
      const after = options.cursor ? decodeCursor(options.cursor, WatchlistCursor) : undefined;
      const entries = (await queryAll(userId, 'WATCHLIST#'))
        .filter((item) => item.removed !== true)
        .map((item) => ({ titleId: String(item.titleId), addedAt: String(item.addedAt) }))
        // Newest first; the title id breaks ties so the order is total and pages never overlap.
        .sort((a, b) => b.addedAt.localeCompare(a.addedAt) || a.titleId.localeCompare(b.titleId))
        .slice(0, WATCHLIST_LIMIT);
      return pageAfter(
        entries,
        limit,
        after && ((e) => e.addedAt < after.a || (e.addedAt === after.a && e.titleId > after.t)),
        (last) => ({ a: last.addedAt, t: last.titleId }),
      );
    },

    async recordProgress(input) {
      const { userId, titleId, positionSec, durationSec, at } = parseInput(ProgressInput, input, 'progress update');
      const position = Math.min(positionSec, durationSec);
      const ratio = position / durationSec;
      const completed = ratio >= COMPLETION_RATIO;
      try {
        await docs().send(
          new PutCommand({
            TableName,
            Item: {
              PK: pk(userId),
              SK: `PROGRESS#${titleId}`,
              titleId,
              positionSec: position,
              durationSec,
              ratio,
              completed,
              eventTs: at,
            },
            ConditionExpression: 'attribute_not_exists(eventTs) OR eventTs < :ts',
            ExpressionAttributeValues: { ':ts': at },
          }),
        );
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw wrapAwsError(err, 'dynamodb:PutItem', `progress of ${userId}`);
      }
      // History: one entry per title and month, holding the newest watch.
      const month = at.slice(0, 7);
      try {
        await docs().send(
          new UpdateCommand({
            TableName,
            Key: { PK: pk(userId), SK: `HISTORY#${month}#${titleId}` },
            UpdateExpression: 'SET titleId = :t, #m = :m, lastWatchedAt = :ts, completed = :c',
            ConditionExpression: 'attribute_not_exists(lastWatchedAt) OR lastWatchedAt < :ts',
            ExpressionAttributeNames: { '#m': 'month' },
            ExpressionAttributeValues: { ':t': titleId, ':m': month, ':ts': at, ':c': completed },
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw wrapAwsError(err, 'dynamodb:UpdateItem', `history of ${userId}`);
      }
      return true;
    },

    async getProgress(userId, titleId) {
      parseInput(IdSchema, userId, 'userId');
      parseInput(IdSchema, titleId, 'titleId');
      try {
        const out = await docs().send(
          new GetCommand({ TableName, Key: { PK: pk(userId), SK: `PROGRESS#${titleId}` } }),
        );
        return out.Item ? toProgress(out.Item) : undefined;
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:GetItem', `progress of ${userId}`);
      }
    },

    async continueWatching(userId, options = {}) {
      parseInput(IdSchema, userId, 'userId');
      const limit = parseInput(z.number().int().min(1).max(100), options.limit ?? 20, 'limit');
      return (await queryAll(userId, 'PROGRESS#'))
        .map(toProgress)
        .filter((p) => p.ratio >= CONTINUE_MIN_RATIO && !p.completed)
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.titleId.localeCompare(b.titleId))
        .slice(0, limit);
    },

    async history(userId, month) {
      parseInput(IdSchema, userId, 'userId');
      parseInput(z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM'), month, 'month');
      return (
        (await queryAll(userId, `HISTORY#${month}#`))
          .map((item) => ({
            titleId: String(item.titleId),
            month: String(item.month),
            lastWatchedAt: String(item.lastWatchedAt),
            completed: item.completed === true,
          }))
          // Most recent first; the title id breaks ties so the order is total and pages never overlap.
          .sort((a, b) => b.lastWatchedAt.localeCompare(a.lastWatchedAt) || a.titleId.localeCompare(b.titleId))
      );
    },
  };
}
