/**
 * Privacy on a real DynamoDB (dynalite, DynamoDB Local or an endpoint):
 * consent (the stage's and the country's defaults against the viewer's own
 * choice; turning personalization off forgets the taste model), the export
 * of everything held about a viewer with a manifest of every store of the
 * privacy map, and verified erasure: every row of the viewer goes (their
 * user state, taste model, parked events and the references to them, their
 * cache keys), rows a racing worker writes after the deletes go in the
 * verification pass, the record names the viewer by pseudonym only, and
 * every other viewer's rows stay. Also a stage of two Regions.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClients,
  type Cache,
  createAwsClients,
  createDeadLetterTable,
  createDynamoModelStore,
  createLearner,
  createMemoryCache,
  createPlatform,
  createPrivacy,
  createUsers,
  type EngagementEvent,
  type ErasureRecord,
  type ErasureStoreReport,
  ensureTables,
  type ModelStore,
  type Parker,
  type Platform,
  PRIVACY_MAP,
  type PrivacySettings,
  planUpdate,
  regionConfig,
  type StreamctlConfig,
  VIEWER_STORES,
  type Viewer,
  viewerCacheKeys,
  viewerPseudonym,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

describe.skipIf(!target.endpoints.dynamodb)(`privacy: consent, export and erasure (${target.kind})`, () => {
  let base: StreamctlConfig;
  /** A reader of the tables that goes around the capability. */
  let raw: AwsClients;
  const opened: Platform[] = [];
  const otherClients: AwsClients[] = [];
  // The clock of the code that takes one; the stores' own timestamps (DynamoDB's, the parker's) are real.
  let now = Date.now();
  const clock = () => now;
  const run = randomUUID().slice(0, 8);
  const consumer = `privacy-e2e-${run}`;
  let sequence = 0;

  const viewer = (country = 'GB'): Viewer => ({ userId: `v-${randomUUID()}`, country, plan: 'standard' });
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();

  function platform(over: Partial<StreamctlConfig> = {}, cache: Cache = createMemoryCache()): Platform {
    const p = createPlatform({ ...base, ...over }, { cache, now: clock });
    opened.push(p);
    return p;
  }

  const withPrivacy = (settings: Partial<PrivacySettings>) => ({
    privacy: { personalization: 'on' as const, countries: {}, tombstoneDays: 30, ...settings },
  });

  /** Every item of a partition, read consistently. */
  async function partition(clients: AwsClients, table: string, pk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await clients.documents().send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async function item(clients: AwsClients, table: string, Key: Record<string, unknown>) {
    return (await clients.documents().send(new GetCommand({ TableName: table, Key, ConsistentRead: true }))).Item;
  }

  /** A viewer's rows in each store, as the tables hold them. */
  async function footprint(userId: string, clients: AwsClients = raw) {
    const names = base.resources;
    const refs = await partition(clients, names.platformTable, `VIEWERREF#${userId}`);
    const parked = (
      await Promise.all(refs.map((r) => item(clients, names.platformTable, r.target as Record<string, unknown>)))
    ).filter((p) => p !== undefined);
    return {
      userState: await partition(clients, names.userStateTable, `USER#${userId}`),
      models: await partition(clients, names.userStateTable, `UPROF#${userId}`),
      refs,
      parked,
    };
  }

  const event = (v: Viewer, type: EngagementEvent['type'], titleId: string, msAgo: number): EngagementEvent => ({
    v: 1,
    id: randomUUID(),
    type,
    userId: v.userId,
    titleId,
    country: v.country,
    ts: iso(msAgo),
  });

  /** Parks an event of the viewer as a worker would. */
  async function parkFor(park: Parker, v: Viewer, titleId: string) {
    const e = event(v, 'play', titleId, 10_000);
    sequence += 1;
    await park({
      consumer,
      shardId: 'shardId-000000000000',
      sequenceNumber: String(49_000_000_000 + sequence),
      reason: 'processing failed 3 times: boom',
      data: JSON.stringify(e),
    });
    return e;
  }

  /**
   * A viewer's realistic footprint, written through the capabilities: watchlist entries (one
   * removed), resume positions and history, their consent, a device and a playback session, a
   * taste model (through the learner and the model store) and, when asked, a parked event.
   */
  async function seed(p: Platform, v: Viewer, options: { deadLetters?: number } = {}) {
    const titles = [1, 2, 3, 4].map((i) => `t-${run}-${i}`) as [string, string, string, string];
    await p.users.addToWatchlist(v.userId, titles[0], iso(3_600_000));
    await p.users.addToWatchlist(v.userId, titles[1], iso(3_500_000));
    await p.users.addToWatchlist(v.userId, titles[2], iso(3_400_000));
    await p.users.removeFromWatchlist(v.userId, titles[2], iso(3_300_000));
    await p.users.recordProgress({
      userId: v.userId,
      titleId: titles[0],
      positionSec: 600,
      durationSec: 3000,
      at: iso(1_800_000),
    });
    await p.users.recordProgress({
      userId: v.userId,
      titleId: titles[3],
      positionSec: 2990,
      durationSec: 3000,
      at: iso(1_200_000),
    });
    await p.privacy.setConsent(v, true);
    await p.sessions.start(v, titles[0], { deviceId: 'tv-1', name: 'Living room', kind: 'tv' });
    expect(await p.recommendations.learn(event(v, 'like', titles[0], 600_000))).toBe(true);
    const update = planUpdate(event(v, 'complete', titles[3], 300_000), ['drama', 'comedy']);
    if (!update) throw new Error('a completion carries a signal');
    await p.recommendations.models.apply(update);
    const parked: EngagementEvent[] = [];
    for (let i = 0; i < (options.deadLetters ?? 1); i++) parked.push(await parkFor(p.consumers.park, v, titles[1]));
    return { titles, parked };
  }

  async function prefillCache(cache: Cache, userId: string) {
    for (const key of viewerCacheKeys(userId)) await cache.set(key, { key, cached: true }, 300);
  }

  const byStore = (record: ErasureRecord) =>
    Object.fromEntries(record.stores.map((s) => [`${s.store}@${s.region}`, s])) as Record<string, ErasureStoreReport>;

  beforeAll(async () => {
    base = await targetConfig(target);
    raw = createAwsClients(base);
  });
  afterAll(() => {
    for (const p of opened) p.close();
    for (const c of otherClients) c.destroy();
    raw?.destroy();
  });

  describe('consent', () => {
    it("applies the stage's default, a country's default over it, and the viewer's own choice over both", async () => {
      const off = platform(withPrivacy({ personalization: 'off', countries: { DE: 'on', FR: 'off' } }));
      const gb = viewer('GB');
      const de = viewer('DE');
      const fr = viewer('FR');
      expect(await off.privacy.consent(gb)).toEqual({ personalization: false, source: 'stage' });
      expect(await off.privacy.consent(de)).toEqual({ personalization: true, source: 'country' });
      expect(await off.privacy.consent({ ...de, country: 'de' })).toEqual({ personalization: true, source: 'country' });
      expect(await off.privacy.consent(fr)).toEqual({ personalization: false, source: 'country' });
      expect(await off.privacy.personalized(gb.userId, 'GB')).toBe(false);
      expect(await off.privacy.personalized(de.userId, 'DE')).toBe(true);

      // The viewer's choice wins over either default, both ways.
      expect(await off.privacy.setConsent(gb, true)).toEqual({
        personalization: true,
        source: 'viewer',
        updatedAt: iso(0),
      });
      expect(await off.privacy.setConsent(de, false)).toMatchObject({ personalization: false, source: 'viewer' });
      expect(await off.privacy.consent(gb)).toEqual({ personalization: true, source: 'viewer', updatedAt: iso(0) });
      expect(await off.privacy.consent(de)).toMatchObject({ personalization: false, source: 'viewer' });
      expect(await off.privacy.personalized(gb.userId, 'GB')).toBe(true);
      expect(await off.privacy.personalized(de.userId, 'DE')).toBe(false);

      // Another stage's defaults do not change a choice made (it is stored, not derived).
      const on = platform(withPrivacy({ personalization: 'on', countries: { DE: 'off' } }));
      expect(await on.privacy.consent(gb)).toMatchObject({ personalization: true, source: 'viewer' });
      expect(await on.privacy.consent(de)).toMatchObject({ personalization: false, source: 'viewer' });
      expect(await on.privacy.consent(viewer('GB'))).toEqual({ personalization: true, source: 'stage' });
      expect(await on.privacy.consent(viewer('DE'))).toEqual({ personalization: false, source: 'country' });
    });

    it('turning personalization off forgets the taste model (the version moves up, never back); on again learns again', async () => {
      const p = platform(withPrivacy({}));
      const v = viewer();
      const models = p.recommendations.models;
      const t1 = `t-${run}-taste-1`;
      const t2 = `t-${run}-taste-2`;
      for (const [type, titleId] of [
        ['like', t1],
        ['complete', t2],
      ] as const) {
        const update = planUpdate(event(v, type, titleId, 60_000), ['drama', 'noir']);
        if (update) await models.apply(update);
      }
      const before = await models.profile(v.userId);
      expect([...before.titles.keys()].sort()).toEqual([t1, t2]);
      expect([...before.genres.keys()].sort()).toEqual(['drama', 'noir']);
      const v0 = await models.version(v.userId);
      expect(v0).toBeGreaterThan(0);

      expect(await p.privacy.setConsent(v, false)).toEqual({
        personalization: false,
        source: 'viewer',
        updatedAt: iso(0),
      });
      const forgotten = await models.profile(v.userId);
      expect(forgotten.titles.size).toBe(0);
      expect(forgotten.genres.size).toBe(0);
      expect(forgotten.positives).toEqual([]);
      expect(forgotten.completed.size).toBe(0);
      const v1 = await models.version(v.userId);
      expect(v1).toBeGreaterThan(v0);
      // Only the version is left of the model.
      expect((await partition(raw, base.resources.userStateTable, `UPROF#${v.userId}`)).map((r) => r.SK)).toEqual([
        `VERSION#${base.region}`,
      ]);
      expect(await p.privacy.consent(v)).toMatchObject({ personalization: false, source: 'viewer' });

      // While off, the learner writes no taste.
      expect(await p.recommendations.learn(event(v, 'like', t1, 30_000))).toBe(false);
      expect((await models.profile(v.userId)).titles.size).toBe(0);

      // Off again: nothing left to forget, and still the version only goes up.
      await p.privacy.setConsent(v, false);
      const v2 = await models.version(v.userId);
      expect(v2).toBeGreaterThan(v1);

      // On again: consent round trip, and new signals build a new model.
      now += 1000;
      expect(await p.privacy.setConsent(v, true)).toEqual({
        personalization: true,
        source: 'viewer',
        updatedAt: iso(0),
      });
      expect(await p.privacy.consent(v)).toEqual({ personalization: true, source: 'viewer', updatedAt: iso(0) });
      const v3 = await models.version(v.userId);
      expect(v3).toBeGreaterThan(v2);
      expect(await p.recommendations.learn(event(v, 'like', t1, 10_000))).toBe(true);
      expect([...(await models.profile(v.userId)).titles.keys()]).toEqual([t1]);
      expect(await models.version(v.userId)).toBeGreaterThan(v3);
      // One consent row, whatever the number of changes.
      const rows = await partition(raw, base.resources.userStateTable, `USER#${v.userId}`);
      expect(rows.filter((r) => r.SK === 'CONSENT')).toEqual([
        expect.objectContaining({ personalization: true, updatedAt: iso(0) }),
      ]);
    });
    it("a choice another process takes while the worker's memo still says on leaves no taste behind", async () => {
      const p = platform(withPrivacy({}));
      const models = p.recommendations.models;
      const v = viewer();
      const [t1, t2] = [`t-${run}-late-1`, `t-${run}-late-2`];
      // The worker's privacy, whose memo keeps an answer for a minute (a second in production):
      // long enough that the test, however slow the machine, runs inside it.
      const workerPrivacy = createPrivacy({
        stage: base.stage,
        settings: withPrivacy({}).privacy,
        regions: [{ region: base.region, clients: p.clients, names: base.resources }],
        cache: createMemoryCache(),
        forgetTaste: async () => {
          throw new Error('the worker forgets through its learner, never through privacy');
        },
        changed: async () => undefined,
        now: clock,
        consentMemoMs: 60_000,
      });
      const learner = createLearner({
        models,
        catalog: { findTitle: async () => ({ genres: ['drama'] }) as never },
        personalized: (userId, country) => workerPrivacy.personalized(userId, country),
        confirm: (userId, country) => workerPrivacy.personalizedNow(userId, country),
      });
      expect(await learner.learn(event(v, 'like', t1, 60_000))).toBe(true);
      expect([...(await models.profile(v.userId)).titles.keys()]).toEqual([t1]);

      // The API (another process, another memo) takes the choice: off, the taste forgotten.
      await p.privacy.setConsent(v, false);
      expect((await models.profile(v.userId)).titles.size).toBe(0);

      // A late event reaches the worker, whose memo still says on: it is written, then the fresh
      // read after the write finds the viewer off and forgets it again.
      await learner.learn(event(v, 'complete', t2, 30_000));
      const after = await models.profile(v.userId);
      expect(after.titles.size).toBe(0);
      expect(after.positives).toEqual([]);
      // The fresh answer renewed the memo: the next event is not learnt at all.
      expect(await learner.learn(event(v, 'like', t1, 20_000))).toBe(false);
      expect((await models.profile(v.userId)).titles.size).toBe(0);

      // Without the confirmation the late event's taste would have stayed: that is what it guards.
      const unconfirmed = createLearner({
        models,
        catalog: { findTitle: async () => ({ genres: ['drama'] }) as never },
        personalized: async () => true,
      });
      await unconfirmed.learn(event(v, 'complete', t2, 10_000));
      expect([...(await models.profile(v.userId)).titles.keys()]).toEqual([t2]);
    });
  });

  describe('export', () => {
    it('returns every item held about the viewer, with a manifest naming every store of the map', async () => {
      const cache = createMemoryCache();
      const p = platform(withPrivacy({}), cache);
      const alice = viewer();
      const bob = viewer();
      const seeded = await seed(p, alice);
      await seed(p, bob);
      await prefillCache(cache, alice.userId);
      await prefillCache(cache, bob.userId);
      const held = await footprint(alice.userId);

      const out = await p.privacy.export(alice.userId);
      expect(out).toMatchObject({
        format: 'streamctl.viewer-export/1',
        userId: alice.userId,
        stage: base.stage,
        exportedAt: iso(0),
        consent: { personalization: true, source: 'viewer' },
      });
      const region = base.region;
      // The lake is read where the platform is given one (the CLI and the local API: their tests
      // cover it); this platform has none.
      expect(out.stores.map((s) => `${s.store}@${s.region}`).sort()).toEqual(
        VIEWER_STORES.filter((s) => s !== 'lake')
          .map((s) => `${s}@${region}`)
          .sort(),
      );
      const store = (id: string) => out.stores.find((s) => s.store === id)?.items ?? [];

      // User state: every row as stored, of every kind.
      const sks = (items: Array<Record<string, unknown>>) => items.map((i) => String(i.SK)).sort();
      expect(sks(store('user-state'))).toEqual(sks(held.userState));
      expect(store('user-state')).toEqual(expect.arrayContaining(held.userState));
      const [t1, t2, t3, t4] = seeded.titles;
      expect(sks(store('user-state'))).toEqual(
        expect.arrayContaining([
          `WATCHLIST#${t1}`,
          `WATCHLIST#${t2}`,
          `WATCHLIST#${t3}`,
          `PROGRESS#${t1}`,
          `PROGRESS#${t4}`,
          expect.stringMatching(new RegExp(`^HISTORY#\\d{4}-\\d{2}#${t1}$`)),
          expect.stringMatching(new RegExp(`^HISTORY#\\d{4}-\\d{2}#${t4}$`)),
          'CONSENT',
          'PLAYBACK#DEVICES',
          'PLAYBACK#SESSIONS',
        ]),
      );
      expect(store('user-state').find((i) => i.SK === 'PLAYBACK#DEVICES')).toMatchObject({
        devices: { 'tv-1': expect.objectContaining({ name: 'Living room', kind: 'tv' }) },
      });

      // The taste model: titles, genres, version.
      expect(sks(store('models'))).toEqual(sks(held.models));
      expect(sks(store('models'))).toEqual(
        // Each row names the Region that learnt it.
        expect.arrayContaining(
          [`T#${t1}`, `T#${t4}`, 'G#drama', 'G#comedy']
            .map((k) => k.replace('#', `#${base.region}#`))
            .concat(`VERSION#${base.region}`),
        ),
      );

      // Dead letters: the parked rows, with their events readable.
      expect(store('dead-letters')).toHaveLength(1);
      expect(store('dead-letters')[0]).toMatchObject({
        PK: `DEADLETTER#${consumer}`,
        consumer,
        reason: expect.stringContaining('boom'),
        event: seeded.parked[0],
      });

      // The cache: only the viewer's own keys, each once; the cached home page and its version with
      // their values (how sessions and the rate-limit bucket are read is the capability's choice).
      const keys = viewerCacheKeys(alice.userId);
      const exportedKeys = store('cache').map((i) => String(i.key));
      expect(new Set(exportedKeys).size).toBe(exportedKeys.length);
      for (const key of exportedKeys) expect(keys).toContain(key);
      for (const key of keys.filter((k) => k.startsWith('home')))
        expect(store('cache')).toContainEqual({ key, value: { key, cached: true } });

      // The manifest: every store of the map, those read with their counts, the rest with why not.
      expect(out.manifest.map((m) => m.store).sort()).toEqual(PRIVACY_MAP.map((s) => s.id).sort());
      for (const entry of PRIVACY_MAP) {
        const line = out.manifest.find((m) => m.store === entry.id);
        if ((VIEWER_STORES as readonly string[]).includes(entry.id) && entry.id !== 'lake') {
          expect(line).toEqual({
            store: entry.id,
            region,
            read: true,
            items: store(entry.id).length,
            holds: entry.holds,
          });
        } else {
          expect(line).toEqual({ store: entry.id, read: false, holds: entry.holds, note: entry.erasure });
        }
      }
      // Nothing of another viewer.
      expect(JSON.stringify(out)).not.toContain(bob.userId);
    });
  });

  describe('erasure', () => {
    it('removes every store of the viewer, verifies, records by pseudonym and leaves everyone else', async () => {
      const cache = createMemoryCache();
      const p = platform(withPrivacy({}), cache);
      const alice = viewer();
      const bob = viewer();
      const seeded = await seed(p, alice, { deadLetters: 2 });
      await seed(p, bob);
      await prefillCache(cache, alice.userId);
      await prefillCache(cache, bob.userId);
      const aliceHeld = await footprint(alice.userId);
      const bobHeld = await footprint(bob.userId);
      expect(aliceHeld.refs).toHaveLength(2);
      expect(aliceHeld.parked).toHaveLength(2);
      const popularBefore = await p.recommendations.models.popular('GB', 10_000);
      expect(popularBefore.map((s) => s.titleId)).toContain(seeded.titles[0]);

      expect(await p.privacy.isErased(alice.userId)).toBe(false);
      const record = await p.privacy.erase(alice.userId);

      // Counts: the rows seeded, the parked events (their references are bookkeeping), the cache keys.
      const region = base.region;
      expect(record).toMatchObject({
        viewer: viewerPseudonym(base.stage, alice.userId),
        status: 'done',
        requestedAt: iso(0),
        completedAt: iso(0),
        tombstoneUntil: new Date(Math.floor(now / 1000) * 1000 + 30 * 86_400_000).toISOString(),
      });
      expect(record.erasureId).toMatch(/^[0-9a-f-]{36}$/);
      expect(record.stores.map((s) => `${s.store}@${s.region}`)).toEqual(
        ['user-state', 'models', 'dead-letters', 'cache'].map((s) => `${s}@${region}`),
      );
      const stores = byStore(record);
      expect(stores[`user-state@${region}`]).toMatchObject({ status: 'done', removed: aliceHeld.userState.length });
      expect(stores[`models@${region}`]).toMatchObject({ status: 'done', removed: aliceHeld.models.length });
      expect(stores[`dead-letters@${region}`]).toMatchObject({ status: 'done', removed: 2 });
      expect(stores[`cache@${region}`]).toMatchObject({
        status: 'done',
        removed: viewerCacheKeys(alice.userId).length,
      });
      expect(aliceHeld.userState.length).toBeGreaterThanOrEqual(10);
      expect(aliceHeld.models.length).toBeGreaterThanOrEqual(5);

      // Nothing of alice is left: no user state, no model, no parked event, no reference, no cache key.
      const after = await footprint(alice.userId);
      expect(after).toEqual({ userState: [], models: [], refs: [], parked: [] });
      for (const ref of aliceHeld.refs)
        expect(await item(raw, base.resources.platformTable, ref.target as Record<string, unknown>)).toBeUndefined();
      for (const key of viewerCacheKeys(alice.userId)) expect(await cache.get(key)).toBeUndefined();

      // The tombstone holds, for her only, in this process and in any other.
      expect(await p.privacy.isErased(alice.userId)).toBe(true);
      expect(await p.privacy.isErased(bob.userId)).toBe(false);
      const elsewhere = platform(withPrivacy({}));
      expect(await elsewhere.privacy.isErased(alice.userId)).toBe(true);
      expect(await elsewhere.privacy.isErased(bob.userId)).toBe(false);

      // The record as returned is the record as kept, and neither holds her id.
      expect(await p.privacy.status(record.erasureId)).toEqual(record);
      expect(await elsewhere.privacy.status(record.erasureId)).toEqual(record);
      expect(JSON.stringify(record)).not.toContain(alice.userId);
      const kept = [
        await item(raw, base.resources.userStateTable, { PK: `ERASURE#${record.erasureId}`, SK: 'RECORD' }),
        await item(raw, base.resources.userStateTable, {
          PK: `ERASED#${viewerPseudonym(base.stage, alice.userId)}`,
          SK: 'TOMBSTONE',
        }),
      ];
      expect(kept.every((k) => k !== undefined)).toBe(true);
      expect(JSON.stringify(kept)).not.toContain(alice.userId);

      // Bob, the aggregate counters and the other parked rows are untouched.
      expect(await footprint(bob.userId)).toEqual(bobHeld);
      for (const key of viewerCacheKeys(bob.userId)) expect(await cache.get(key)).toEqual({ key, cached: true });
      expect(await p.privacy.consent(bob)).toMatchObject({ personalization: true, source: 'viewer' });
      expect((await p.privacy.export(bob.userId)).stores.find((s) => s.store === 'dead-letters')?.items).toHaveLength(
        1,
      );
      expect(await p.recommendations.models.popular('GB', 10_000)).toEqual(popularBefore);

      // Her export now is empty (and says so store by store).
      const empty = await p.privacy.export(alice.userId);
      expect(empty.stores.every((s) => s.items.length === 0)).toBe(true);
      expect(empty.consent).toEqual({ personalization: true, source: 'stage' });
    });

    it('the tombstone lasts privacy.tombstoneDays: a clock past it no longer holds the viewer erased', async () => {
      const p = platform(withPrivacy({ tombstoneDays: 30 }));
      const v = viewer();
      const started = now;
      await p.privacy.erase(v.userId);
      try {
        now = started + 29 * 86_400_000;
        expect(await platform(withPrivacy({ tombstoneDays: 30 })).privacy.isErased(v.userId)).toBe(true);
        now = started + 31 * 86_400_000;
        expect(await platform(withPrivacy({ tombstoneDays: 30 })).privacy.isErased(v.userId)).toBe(false);
      } finally {
        now = started;
      }
    });

    it('the verification pass removes rows a racing worker wrote after the deletes', async () => {
      const p = platform(withPrivacy({}));
      const v = viewer();
      await seed(p, v);
      const held = await footprint(v.userId);
      const late = `t-${run}-late`;
      const fired: string[] = [];
      // A worker that checked the tombstone before it existed writes once each store's first delete is done.
      const afterDelete = async (pk: string) => {
        if (fired.includes(pk) || !pk.endsWith(v.userId)) return;
        fired.push(pk);
        if (pk === `USER#${v.userId}`) await p.users.addToWatchlist(v.userId, late, iso(0));
        if (pk === `UPROF#${v.userId}`) {
          const update = planUpdate(event(v, 'like', late, 0), []);
          if (update) await p.recommendations.models.apply(update, { popularity: false });
        }
        if (pk === `VIEWERREF#${v.userId}`) await parkFor(p.consumers.park, v, late);
      };
      const clients = racing(p.clients, afterDelete);
      const privacy = createPrivacy({
        stage: base.stage,
        settings: withPrivacy({}).privacy,
        regions: [{ region: base.region, clients, names: base.resources }],
        cache: createMemoryCache(),
        forgetTaste: (userId) => p.recommendations.models.forget(userId),
        changed: async () => undefined,
        now: clock,
      });
      const record = await privacy.erase(v.userId);

      expect(fired.sort()).toEqual([`UPROF#${v.userId}`, `USER#${v.userId}`, `VIEWERREF#${v.userId}`]);
      expect(record.status).toBe('done');
      const stores = byStore(record);
      const region = base.region;
      // The late rows: a watchlist entry; a title row and the version it moved; one parked event.
      expect(stores[`user-state@${region}`]?.removed).toBe(held.userState.length + 1);
      expect(stores[`models@${region}`]?.removed).toBe(held.models.length + 2);
      expect(stores[`dead-letters@${region}`]?.removed).toBe(held.parked.length + 1);
      expect(await footprint(v.userId)).toEqual({ userState: [], models: [], refs: [], parked: [] });
      expect(await privacy.status(record.erasureId)).toEqual(record);
    });

    it('a viewer with nothing stored is erased all the same: done, every count zero', async () => {
      const p = platform(withPrivacy({}));
      const nobody = viewer();
      const record = await p.privacy.erase(nobody.userId);
      expect(record.status).toBe('done');
      expect(record.stores.map((s) => [s.store, s.status, s.removed])).toEqual([
        ['user-state', 'done', 0],
        ['models', 'done', 0],
        ['dead-letters', 'done', 0],
        ['cache', 'done', 0],
      ]);
      expect(await p.privacy.isErased(nobody.userId)).toBe(true);
      expect(await p.privacy.status(record.erasureId)).toEqual(record);
    });

    it('status: an unknown erasure id is NOT_FOUND, one that is not a UUID a validation error', async () => {
      const p = platform(withPrivacy({}));
      await expect(p.privacy.status(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(p.privacy.status('nope')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(p.privacy.erase('not an id!')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    // A store that fails records its error, whose subject names the viewer (`models of <userId> in
    // <region>`): the record (kept three years) tells them by pseudonym instead.
    it('a failed store leaves the user id out of the erasure record too', async () => {
      const p = platform(withPrivacy({}));
      const v = viewer();
      await seed(p, v);
      const broken = { ...base.resources, platformTable: `missing-${run}` };
      const privacy = createPrivacy({
        stage: base.stage,
        settings: withPrivacy({}).privacy,
        regions: [
          { region: base.region, clients: p.clients, names: base.resources },
          { region: 'ap-south-1', clients: p.clients, names: broken },
        ],
        cache: createMemoryCache(),
        forgetTaste: async () => 0,
        changed: async () => undefined,
        now: clock,
        replicaWaitMs: 0,
      });
      const record = await privacy.erase(v.userId);
      expect(record.status).toBe('failed');
      expect(byStore(record)['dead-letters@ap-south-1']).toMatchObject({ status: 'failed' });
      expect(JSON.stringify(record)).not.toContain(v.userId);
    });
  });

  describe('a stage of two Regions', () => {
    it('exports and erases in each Region: dead letters per Region, user state and taste (global) verified in both', async () => {
      const region = base.region;
      const other = region === 'eu-west-1' ? 'us-west-2' : 'eu-west-1';
      const config: StreamctlConfig = { ...base, regions: [region, other] };
      // The second Region's tables: the same as the first's on dynalite; DynamoDB Local keeps a database
      // per Region, so there they are the second Region's own (its global table unreplicated).
      const second = createAwsClients(regionConfig(config, other));
      otherClients.push(second);
      await ensureTables(second.dynamodb(), config.resources);
      const names = config.resources;
      const probe = `probe-${randomUUID()}`;
      await createUsers(raw, names).addToWatchlist(probe, 't', iso(0));
      const shared = (await partition(second, names.userStateTable, `USER#${probe}`)).length === 1;

      const cache = createMemoryCache();
      const p = platform({ ...config, ...withPrivacy({}) }, cache);
      const v = viewer();
      await seed(p, v);
      // What the second Region's workers wrote there: a taste signal and a parked event.
      const secondModels: ModelStore = createDynamoModelStore(second, names, {
        region: other,
        regions: [region, other],
      });
      const update = planUpdate(event(v, 'like', `t-${run}-second`, 60_000), ['western']);
      if (update) await secondModels.apply(update, { popularity: false });
      await parkFor(createDeadLetterTable(second, names), v, `t-${run}-second`);
      await prefillCache(cache, v.userId);
      const home = await footprint(v.userId, raw);
      const away = await footprint(v.userId, second);
      expect(away.models.length).toBeGreaterThan(0);
      expect(away.parked.length).toBeGreaterThan(0);
      if (!shared) expect(away.userState).toEqual([]);

      const out = await p.privacy.export(v.userId);
      const read = (store: string, r: string) => out.stores.find((s) => s.store === store && s.region === r)?.items;
      expect(read('user-state', region)).toHaveLength(home.userState.length);
      expect(read('user-state', other)).toBeUndefined();
      // The taste (every Region's rows) is in the global table: read once, in the home Region.
      expect(read('models', region)).toHaveLength(home.models.length);
      expect(read('models', other)).toBeUndefined();
      expect(read('dead-letters', region)).toHaveLength(home.parked.length);
      expect(read('dead-letters', other)).toHaveLength(away.parked.length);
      expect(out.manifest.filter((m) => m.store === 'models').map((m) => m.region)).toEqual([region]);

      const record = await p.privacy.erase(v.userId);
      expect(record.status, JSON.stringify(record.stores)).toBe('done');
      expect(record.stores.map((s) => `${s.store}@${s.region}`).sort()).toEqual(
        [
          `user-state@${region}`,
          `user-state@${other}`,
          `models@${region}`,
          `models@${other}`,
          `dead-letters@${region}`,
          `dead-letters@${other}`,
          `cache@${region}`,
        ].sort(),
      );
      const stores = byStore(record);
      for (const s of record.stores) expect(s.status).toBe('done');
      expect(stores[`user-state@${region}`]?.removed).toBe(home.userState.length);
      // The replica had nothing left to show (shared locally, or never replicated to).
      expect(stores[`user-state@${other}`]?.removed).toBe(0);
      expect(stores[`models@${region}`]?.removed).toBe(home.models.length);
      // Shared locally: nothing left there. DynamoDB Local's unreplicated second database keeps the second
      // Region's rows, which verification removes once the replica wait is over.
      expect(stores[`models@${other}`]?.removed).toBe(shared ? 0 : away.models.length);
      expect(stores[`cache@${region}`]?.removed).toBe(viewerCacheKeys(v.userId).length);
      const removed = (store: string) => [stores[`${store}@${region}`]?.removed, stores[`${store}@${other}`]?.removed];
      if (shared) {
        // One copy seen from both Regions, erased side by side: whichever read it first removed it all.
        for (const [store, rows] of [['dead-letters', home.parked.length]] as const) {
          const counts = removed(store) as [number, number];
          expect(Math.max(...counts)).toBe(rows);
          expect(Math.min(...counts)).toBeGreaterThanOrEqual(0);
        }
      } else {
        expect(removed('dead-letters')).toEqual([home.parked.length, away.parked.length]);
      }
      for (const clients of [raw, second])
        expect(await footprint(v.userId, clients)).toEqual({ userState: [], models: [], refs: [], parked: [] });
      expect(JSON.stringify(record)).not.toContain(v.userId);
      expect(await p.privacy.status(record.erasureId)).toEqual(record);
    });
  });
});

/**
 * Clients whose document client reports each partition a BatchWriteItem deleted from, once the
 * write is done and before the caller sees its answer.
 */
function racing(clients: AwsClients, afterDelete: (pk: string) => Promise<void>): AwsClients {
  const real = clients.documents();
  const send = async (command: { input?: unknown }, ...rest: unknown[]) => {
    const out = await (real.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    const requests = (command.input as { RequestItems?: Record<string, unknown[]> } | undefined)?.RequestItems;
    if (requests) {
      const pks = new Set<string>();
      // A BatchWriteItem's requests are lists (a BatchGetItem's are objects of keys).
      for (const list of Object.values(requests).filter(Array.isArray))
        for (const r of list as Array<{ DeleteRequest?: { Key?: { PK?: unknown } } }>)
          if (typeof r.DeleteRequest?.Key?.PK === 'string') pks.add(r.DeleteRequest.Key.PK);
      for (const pk of pks) await afterDelete(pk);
    }
    return out;
  };
  const documents = new Proxy(real, {
    get: (t, prop, receiver) => (prop === 'send' ? send : Reflect.get(t, prop, receiver)),
  });
  return { ...clients, documents: () => documents };
}
