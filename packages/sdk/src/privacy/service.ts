/**
 * Privacy: a viewer's consent to personalization, the export of everything
 * the platform holds about them, and its verified erasure. Export and
 * erasure walk the privacy map ({@link PRIVACY_MAP}); every store is read or
 * deleted by key (never a table scan), in every Region of the stage.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { ViewerLake } from '../analytics/lake.js';
import type { AwsClients } from '../aws/index.js';
import type { Cache } from '../cache/index.js';
import type { PrivacySettings, ResourceNames } from '../config/index.js';
import { viewerRefPartition } from '../consumers/dead-letters.js';
import { IdSchema } from '../contract/index.js';
import { NotFoundError, wrapAwsError } from '../errors/index.js';
import { homeCacheKeys } from '../recommendations/home.js';
import { profilePartition } from '../recommendations/store-dynamo.js';
import { playbackCacheKey } from '../sessions/redis.js';
import { userStatePartition } from '../users/store.js';
import type { Viewer } from '../users/viewer.js';
import { deleteKeys, getKeys, queryAll } from '../util/dynamo.js';
import { parseInput } from '../util/validate.js';
import { PRIVACY_MAP, type ViewerStoreId, viewerCacheKeys } from './map.js';

/** A viewer's consent to personalization, and where the answer came from. */
export interface ConsentState {
  personalization: boolean;
  /** `viewer`: their own choice; `country` or `stage`: the default that applies to them. */
  source: 'viewer' | 'country' | 'stage';
  /** When the viewer chose (absent for a default). */
  updatedAt?: string;
}

/** One Region's view of a stage, as privacy reads and erases it. */
export interface PrivacyRegion {
  region: string;
  clients: AwsClients;
  names: ResourceNames;
}

/** What {@link createPrivacy} works with. */
export interface PrivacyDeps {
  stage: string;
  settings: PrivacySettings;
  /** The home Region first: the global user-state table is written there and verified in each. */
  regions: PrivacyRegion[];
  /** The Region's shared cache (Redis on AWS) or this process's. */
  cache: Cache;
  /** Forgets a viewer's taste model in every Region (personalization turned off). */
  forgetTaste(userId: string): Promise<number>;
  /** Tells every process serving home pages that the viewer changed (the version moves). */
  changed(userId: string): Promise<void>;
  /** The viewer's active playback sessions (held in the cache on the Redis fast path), for the export. */
  sessions?(userId: string): Promise<unknown[]>;
  /** Drops what this process keeps about the viewer (its home page, its memoized consent). */
  dropLocal?(userId: string): Promise<void>;
  /** The analytics lake of each Region, where this process can rewrite it (the local lake); export reads it, erasure rewrites it. */
  lakes?: ViewerLake[];
  /**
   * How long erasure waits before checking the lake again (ms): longer than a lake file takes to
   * write, so a file that was being written when the tombstone landed is caught. Default 2000.
   */
  lakeSettleMs?: number;
  /** The clock, in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** How long a consent answer is trusted in this process (ms). Default 1000. */
  consentMemoMs?: number;
  /**
   * How long erasure waits for another Region's replica to show the deletes before deleting there
   * itself (ms). Default 3000: the API erases within its Lambda's 10 s.
   */
  replicaWaitMs?: number;
}

/** One store of one Region in an export. */
export interface ExportedStore {
  store: ViewerStoreId;
  region: string;
  /** The items as stored (keys included). */
  items: Array<Record<string, unknown>>;
}

/** Everything the platform holds about a viewer (`GET /v1/me/export`). */
export interface ViewerExport {
  format: 'streamctl.viewer-export/1';
  userId: string;
  stage: string;
  exportedAt: string;
  consent: ConsentState;
  /** Every store of the privacy map: read (with how many items) or why it was not. */
  manifest: Array<{ store: string; region?: string; read: boolean; items?: number; holds: string; note?: string }>;
  stores: ExportedStore[];
}

/** One store of one Region in an erasure. */
export interface ErasureStoreReport {
  store: ViewerStoreId;
  region: string;
  status: 'done' | 'failed';
  /** Rows (or cache keys) removed. */
  removed: number;
  at: string;
  error?: string;
  /** What the erasure could not reach itself, and how it goes anyway. */
  note?: string;
}

/** An erasure as recorded: a pseudonym of the viewer, never the id. */
export interface ErasureRecord {
  erasureId: string;
  /** SHA-256 of the stage and user id: proves which erasure was whose, given the id. */
  viewer: string;
  status: 'running' | 'done' | 'failed';
  requestedAt: string;
  completedAt?: string;
  /** Until when the viewer's late events are dropped. */
  tombstoneUntil: string;
  stores: ErasureStoreReport[];
}

/** The privacy capability of a stage. */
export interface Privacy {
  /** The viewer's consent, or the default that applies to them. */
  consent(viewer: Pick<Viewer, 'userId' | 'country'>): Promise<ConsentState>;
  /**
   * Records the viewer's choice. Turning personalization off forgets their taste model in every
   * Region; either way their home page is rebuilt (within seconds in every process).
   */
  setConsent(viewer: Pick<Viewer, 'userId' | 'country'>, personalization: boolean): Promise<ConsentState>;
  /** Whether the viewer is personalized now (memoized for about a second in this process). */
  personalized(userId: string, country: string): Promise<boolean>;
  /**
   * Whether the viewer is personalized now, read strongly consistent (not from the memo, which
   * it renews): what a worker asks after a taste write, so a choice that landed while an event
   * was being learnt is seen (see `LearnerOptions.confirm`).
   */
  personalizedNow(userId: string, country: string): Promise<boolean>;
  /**
   * Everything held about the viewer, store by store, with a manifest of the stores read. The
   * country (the viewer's, when known) says which default consent they have if they never chose.
   */
  export(userId: string, options?: { country?: string }): Promise<ViewerExport>;
  /** Erases the viewer from every store of the map, verifies it, and records the erasure. */
  erase(userId: string): Promise<ErasureRecord>;
  /** An erasure's record; `NOT_FOUND` for an unknown id. */
  status(erasureId: string): Promise<ErasureRecord>;
  /** Whether the viewer was erased (their tombstone holds): workers drop their events. */
  isErased(userId: string): Promise<boolean>;
  /** The pseudonym erasure records and logs use for a viewer. */
  pseudonym(userId: string): string;
}

/** How long an erasure record is kept (seconds): three years, for accountability. */
export const ERASURE_RECORD_TTL_SECONDS = 3 * 365 * 86400;

const CONSENT_SK = 'CONSENT';
/** Deletes of one store erasure's verification makes before it reports the store failed. */
const VERIFY_PASSES = 5;
/** Said of the cache when erasure ran with a process-local one. */
const PROCESS_LOCAL_CACHE_NOTE =
  "this process's own cache; other processes' copies (an API's home page, sessions) expire within 60 s, or when the sessions end; with a shared Redis (REDIS_URL) they are deleted too";
const ErasureIdSchema = z.uuid({ message: 'expected an erasure id (a UUID, as `privacy erase` printed it)' });

/** The pseudonym of a viewer in a stage: SHA-256 of `streamctl/<stage>/<userId>`, hex. */
export function viewerPseudonym(stage: string, userId: string): string {
  return createHash('sha256').update(`streamctl/${stage}/${userId}`).digest('hex');
}

/**
 * Creates the privacy capability.
 *
 * @example
 * ```ts
 * const record = await platform.privacy.erase('alice');
 * console.log(record.erasureId, record.stores.map((s) => `${s.store}@${s.region}: ${s.removed}`));
 * ```
 */
export function createPrivacy(deps: PrivacyDeps): Privacy {
  const now = deps.now ?? Date.now;
  const [home] = deps.regions;
  if (!home) throw new Error('createPrivacy needs at least the home Region');
  const userState = home.names.userStateTable;
  const docs = () => home.clients.documents();
  const pseudonym = (userId: string) => viewerPseudonym(deps.stage, userId);
  const tombstoneKey = (userId: string) => ({ PK: `ERASED#${pseudonym(userId)}`, SK: 'TOMBSTONE' });
  const recordKey = (erasureId: string) => ({ PK: `ERASURE#${erasureId}`, SK: 'RECORD' });
  const consentMemo = new LRUCache<string, Promise<boolean>>({ max: 50_000, ttl: deps.consentMemoMs ?? 1000 });
  // An erased viewer stays erased for the tombstone's life: a yes is kept; a no is asked again.
  const erasedMemo = new LRUCache<string, true>({ max: 50_000, ttl: deps.settings.tombstoneDays * 86400_000 });

  const defaultConsent = (country: string): ConsentState => {
    const byCountry = deps.settings.countries[country.toUpperCase()];
    if (byCountry) return { personalization: byCountry === 'on', source: 'country' };
    return { personalization: deps.settings.personalization === 'on', source: 'stage' };
  };

  async function consent(viewer: Pick<Viewer, 'userId' | 'country'>, consistent = false): Promise<ConsentState> {
    parseInput(IdSchema, viewer.userId, 'userId');
    try {
      const out = await docs().send(
        new GetCommand({
          TableName: userState,
          Key: { PK: userStatePartition(viewer.userId), SK: CONSENT_SK },
          ...(consistent ? { ConsistentRead: true } : {}),
        }),
      );
      if (!out.Item) return defaultConsent(viewer.country);
      return {
        personalization: out.Item.personalization === true,
        source: 'viewer',
        updatedAt: String(out.Item.updatedAt),
      };
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:GetItem', `consent of ${viewer.userId}`);
    }
  }

  const partitionOf: Record<'user-state' | 'models' | 'dead-letters', (userId: string) => string> = {
    'user-state': userStatePartition,
    models: profilePartition,
    'dead-letters': viewerRefPartition,
  };
  // The viewer's state and taste are in the global table (one copy, every Region's rows); dead
  // letters in each Region's platform table.
  const tableOf = (store: 'user-state' | 'models' | 'dead-letters', names: ResourceNames) =>
    store === 'dead-letters' ? names.platformTable : names.userStateTable;
  const partition = (region: PrivacyRegion, store: 'user-state' | 'models' | 'dead-letters', userId: string) =>
    queryAll(
      region.clients,
      {
        TableName: tableOf(store, region.names),
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': partitionOf[store](userId) },
        ConsistentRead: true,
      },
      `${store} of ${userId} in ${region.region}`,
    );

  /** Deletes a partition (and for dead letters, the rows its references name); resolves to the rows removed. */
  async function erasePartition(
    region: PrivacyRegion,
    store: 'user-state' | 'models' | 'dead-letters',
    userId: string,
  ): Promise<number> {
    const rows = await partition(region, store, userId);
    const table = tableOf(store, region.names);
    const subject = `${store} of ${userId} in ${region.region}`;
    let removed = 0;
    if (store === 'dead-letters') {
      const targets = rows.flatMap((r) => {
        const t = r.target as { PK?: unknown; SK?: unknown } | undefined;
        return typeof t?.PK === 'string' && typeof t.SK === 'string' ? [{ PK: t.PK, SK: t.SK }] : [];
      });
      // Only rows still there count (a parked record may have expired or been replayed).
      const present = await getKeys(region.clients, table, targets, subject);
      await deleteKeys(region.clients, table, targets, subject);
      removed += present.length;
    }
    await deleteKeys(
      region.clients,
      table,
      rows.map((r) => ({ PK: r.PK, SK: r.SK })),
      subject,
    );
    // The viewer's own rows; for dead letters, the parked events (their references are bookkeeping).
    return store === 'dead-letters' ? removed : removed + rows.length;
  }

  const isoNow = () => new Date(now()).toISOString();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function writeRecord(record: ErasureRecord): Promise<void> {
    try {
      await docs().send(
        new PutCommand({
          TableName: userState,
          Item: {
            ...recordKey(record.erasureId),
            ...record,
            expiresAt: Math.floor(Date.parse(record.requestedAt) / 1000) + ERASURE_RECORD_TTL_SECONDS,
          },
        }),
      );
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:PutItem', `erasure ${record.erasureId}`);
    }
  }

  const privacy: Privacy = {
    consent: (viewer) => consent(viewer),
    pseudonym,

    async setConsent(viewer, personalization) {
      parseInput(IdSchema, viewer.userId, 'userId');
      parseInput(z.boolean(), personalization, 'personalization');
      const updatedAt = isoNow();
      try {
        await docs().send(
          new UpdateCommand({
            TableName: userState,
            Key: { PK: userStatePartition(viewer.userId), SK: CONSENT_SK },
            UpdateExpression: 'SET personalization = :p, updatedAt = :at',
            ExpressionAttributeValues: { ':p': personalization, ':at': updatedAt },
          }),
        );
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:UpdateItem', `consent of ${viewer.userId}`);
      }
      consentMemo.delete(viewer.userId);
      // Off: what was learnt goes too (it returns, from new signals, when turned on again).
      if (!personalization) await deps.forgetTaste(viewer.userId);
      await deps.changed(viewer.userId);
      return { personalization, source: 'viewer', updatedAt };
    },

    personalizedNow(userId, country) {
      // Strongly consistent: a choice written just before this read is seen.
      const answer = consent({ userId, country }, true).then((c) => c.personalization);
      answer.catch(() => consentMemo.delete(userId));
      consentMemo.set(userId, answer);
      return answer;
    },

    personalized(userId, country) {
      const hit = consentMemo.get(userId);
      if (hit) return hit;
      const answer = consent({ userId, country }).then((c) => c.personalization);
      answer.catch(() => consentMemo.delete(userId));
      consentMemo.set(userId, answer);
      return answer;
    },

    async export(userId, options = {}) {
      parseInput(IdSchema, userId, 'userId');
      const exportedAt = isoNow();
      const reads = deps.regions.flatMap((region) =>
        (['user-state', 'models', 'dead-letters'] as const)
          // The global table is read once, in the home Region.
          .filter((store) => store === 'dead-letters' || region === home)
          .map(async (store): Promise<ExportedStore> => {
            const rows = await partition(region, store, userId);
            if (store !== 'dead-letters') return { store, region: region.region, items: rows };
            const parked = await getKeys(
              region.clients,
              region.names.platformTable,
              rows.flatMap((r) => (r.target ? [r.target as Record<string, unknown>] : [])),
              `dead letters of ${userId} in ${region.region}`,
            );
            // The parked event, readable, next to the row as stored.
            return {
              store,
              region: region.region,
              items: parked.map((p) => ({ ...p, event: parseJson(String(p.data)) })),
            };
          }),
      );
      // The cached home page and its version by key; the sessions kept there (a hash on the fast
      // path) through the sessions capability, which reads whichever engine holds them. The
      // rate-limit bucket (a token count and a time) is not read: it says nothing of the viewer.
      const homeKeys = homeCacheKeys(userId);
      const cacheKeys = [homeKeys.page, homeKeys.version];
      const [stores, consentState, cached, sessions] = await Promise.all([
        Promise.all(reads),
        consent({ userId, country: options.country ?? 'ZZ' }),
        Promise.all(cacheKeys.map((key) => deps.cache.get<unknown>(key).catch(() => undefined))),
        deps.sessions ? deps.sessions(userId) : Promise.resolve([]),
      ]);
      const cacheItems = cacheKeys.flatMap((key, i) => (cached[i] === undefined ? [] : [{ key, value: cached[i] }]));
      if (sessions.length) cacheItems.push({ key: playbackCacheKey(userId), value: sessions });
      stores.push({ store: 'cache', region: home.region, items: cacheItems });
      for (const lake of deps.lakes ?? [])
        stores.push({ store: 'lake', region: lake.region, items: await lake.rows(userId) });
      const manifest = PRIVACY_MAP.flatMap((entry): ViewerExport['manifest'] => {
        const read = stores.filter((s) => s.store === entry.id);
        if (read.length)
          return read.map((s) => ({
            store: entry.id,
            region: s.region,
            read: true,
            items: s.items.length,
            holds: entry.holds,
          }));
        return [{ store: entry.id, read: false, holds: entry.holds, note: entry.erasure }];
      });
      return {
        format: 'streamctl.viewer-export/1',
        userId,
        stage: deps.stage,
        exportedAt,
        consent: consentState,
        manifest,
        stores,
      };
    },

    async erase(userId) {
      parseInput(IdSchema, userId, 'userId');
      const requestedAt = isoNow();
      const until = Math.floor(now() / 1000) + deps.settings.tombstoneDays * 86400;
      const record: ErasureRecord = {
        erasureId: randomUUID(),
        viewer: pseudonym(userId),
        status: 'running',
        requestedAt,
        tombstoneUntil: new Date(until * 1000).toISOString(),
        stores: [],
      };
      // The tombstone first: from here on no worker writes for the viewer again.
      try {
        await docs().send(
          new PutCommand({
            TableName: userState,
            Item: { ...tombstoneKey(userId), erasureId: record.erasureId, erasedAt: requestedAt, expiresAt: until },
          }),
        );
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:PutItem', 'erasure tombstone');
      }
      erasedMemo.set(userId, true);
      await writeRecord(record);

      const report = async (
        store: ViewerStoreId,
        region: string,
        work: () => Promise<number>,
      ): Promise<ErasureStoreReport> => {
        try {
          return { store, region, status: 'done', removed: await work(), at: isoNow() };
        } catch (err) {
          // The record outlives the viewer: an error naming them (a store's subject) is told by pseudonym.
          const error = String((err as Error).message)
            .split(userId)
            .join(`<viewer ${record.viewer.slice(0, 12)}>`);
          return { store, region, status: 'failed', removed: 0, at: isoNow(), error };
        }
      };
      const first = await Promise.all([
        report('user-state', home.region, () => erasePartition(home, 'user-state', userId)),
        report('models', home.region, () => erasePartition(home, 'models', userId)),
        ...deps.regions.map((region) =>
          report('dead-letters', region.region, () => erasePartition(region, 'dead-letters', userId)),
        ),
        report('cache', home.region, async () => {
          const removed = await deps.cache.delete(...viewerCacheKeys(userId));
          await deps.dropLocal?.(userId);
          consentMemo.delete(userId);
          return removed;
        }).then((entry) =>
          // A process-local cache is this process's only (the CLI's): the API's own copies expire.
          deps.cache.kind === 'memory' && entry.status === 'done'
            ? { ...entry, note: PROCESS_LOCAL_CACHE_NOTE }
            : entry,
        ),
      ]);
      first.push(
        ...(await Promise.all(
          (deps.lakes ?? []).map((lake) => report('lake', lake.region, () => lake.remove(userId))),
        )),
      );
      // Verification: every Region's copy is read again. A replica still showing rows (replication
      // lag) is waited for; rows a worker wrote after its check (a race with the tombstone) go now.
      const verify = async (entry: ErasureStoreReport, region: PrivacyRegion): Promise<ErasureStoreReport> => {
        if (entry.status === 'failed' || entry.store === 'cache') return entry;
        if (entry.store === 'lake') {
          const lake = deps.lakes?.find((l) => l.region === entry.region);
          if (!lake) return entry;
          return report('lake', entry.region, async () => {
            let extra = 0;
            for (let pass = 1; ; pass++) {
              // A file written just before the tombstone may land after the first rewrite.
              await sleep(deps.lakeSettleMs ?? 2_000);
              if (!(await lake.rows(userId)).length) return entry.removed + extra;
              if (pass > VERIFY_PASSES) throw new Error(`lake rows keep coming back after ${VERIFY_PASSES} rewrites`);
              extra += await lake.remove(userId);
            }
          });
        }
        const store = entry.store as 'user-state' | 'models' | 'dead-letters';
        return report(store, region.region, async () => {
          // Real time, not the injected clock (a test's fixed clock must not make this wait forever).
          const deadline = performance.now() + (deps.replicaWaitMs ?? 3_000);
          let extra = 0;
          // Only delete passes count: the reads while a replica catches up are not retries.
          for (let pass = 1; ; ) {
            const left = await partition(region, store, userId);
            if (!left.length) return entry.removed + extra;
            if (store !== 'dead-letters' && region !== home && performance.now() < deadline) {
              await sleep(250);
              continue;
            }
            // Rows that keep coming back are a writer the tombstone does not stop: reported, not chased.
            if (pass++ > VERIFY_PASSES)
              throw new Error(`${left.length} rows keep coming back after ${VERIFY_PASSES} deletes`);
            extra += await erasePartition(region, store, userId);
          }
        });
      };
      const byRegion = new Map(deps.regions.map((r) => [r.region, r]));
      const verified = await Promise.all(
        first.map((entry) => verify(entry, byRegion.get(entry.region) as PrivacyRegion)),
      );
      // The global table's other replicas (the viewer's state and taste): the deletes made in the
      // home Region must show there.
      const replicas = await Promise.all(
        deps.regions
          .filter((r) => r !== home)
          .flatMap((region) =>
            (['user-state', 'models'] as const).map((store) =>
              verify({ store, region: region.region, status: 'done', removed: 0, at: isoNow() }, region),
            ),
          ),
      );
      record.stores = [...verified, ...replicas];
      record.status = record.stores.every((s) => s.status === 'done') ? 'done' : 'failed';
      record.completedAt = isoNow();
      await writeRecord(record);
      return record;
    },

    async status(erasureId) {
      parseInput(ErasureIdSchema, erasureId, 'erasureId');
      try {
        const out = await docs().send(
          new GetCommand({ TableName: userState, Key: recordKey(erasureId), ConsistentRead: true }),
        );
        if (!out.Item)
          throw new NotFoundError(`No erasure ${erasureId}`, { hint: 'check the id `privacy erase` printed' });
        const { PK: _pk, SK: _sk, expiresAt: _e, ...record } = out.Item;
        return record as ErasureRecord;
      } catch (err) {
        if (err instanceof NotFoundError) throw err;
        throw wrapAwsError(err, 'dynamodb:GetItem', `erasure ${erasureId}`);
      }
    },

    async isErased(userId) {
      if (erasedMemo.has(userId)) return true;
      try {
        const out = await docs().send(new GetCommand({ TableName: userState, Key: tombstoneKey(userId) }));
        const until = Number(out.Item?.expiresAt ?? 0);
        // DynamoDB removes expired items lazily: one past its time no longer holds.
        if (!out.Item || until * 1000 <= now()) return false;
        erasedMemo.set(userId, true, { ttl: until * 1000 - now() });
        return true;
      } catch (err) {
        throw wrapAwsError(err, 'dynamodb:GetItem', 'erasure tombstone');
      }
    },
  };
  return privacy;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
