import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryCache } from '../cache/index.js';
import type { TitleSummary } from '../catalog/index.js';
import type { EngagementEvent } from '../events/index.js';
import { buildHome, createHomeService, createLearner } from './index.js';
import {
  createMemoryModelStore,
  DECAY_EPOCH_MS,
  decayed,
  EraCounter,
  eraStart,
  type ModelStore,
  planUpdate,
  signalWeight,
} from './models.js';
import { diversify, rankRails, seedTitles } from './rank.js';

const title = (id: string, genres: string[]): TitleSummary => ({ titleId: id, name: `Title ${id}`, genres });
const catalogTitles = [
  title('c1', ['comedy']),
  title('c2', ['comedy']),
  title('c3', ['comedy']),
  title('c4', ['comedy']),
  title('d1', ['drama']),
  title('d2', ['drama']),
  title('h1', ['horror']),
];
let clock = Date.parse('2026-11-20T00:00:00Z');
function event(
  userId: string,
  titleId: string,
  type: EngagementEvent['type'],
  extra: Partial<EngagementEvent> = {},
): EngagementEvent {
  clock += 60_000;
  return { v: 1, id: randomUUID(), type, userId, titleId, ts: new Date(clock).toISOString(), country: 'US', ...extra };
}
const genresOf = (id: string) => catalogTitles.find((t) => t.titleId === id)?.genres ?? [];

async function feed(store: ModelStore, events: EngagementEvent[]) {
  for (const e of events) {
    const update = planUpdate(e, genresOf(e.titleId));
    if (update) await store.apply(update);
  }
}

const noUsers = { continueWatching: async () => [], listWatchlist: async () => ({ items: [] }) };
/** A catalog over a list of titles, all available everywhere, listed newest first in the order given. */
const catalogOf = (titles: TitleSummary[]) => ({
  listAvailable: async (_country: string, o: { limit?: number } = {}) => titles.slice(0, o.limit ?? 50),
  availableAmong: async (_country: string, ids: readonly string[]) =>
    ids.flatMap((id) => titles.find((t) => t.titleId === id) ?? []),
});
const catalog = catalogOf(catalogTitles);

/** User state whose Continue Watching holds the titles in `watching`, 20 % in, and an empty list. */
const watchingUsers = (watching: string[]) => ({
  continueWatching: async () =>
    watching.map((titleId) => ({
      titleId,
      positionSec: 600,
      durationSec: 3000,
      ratio: 0.2,
      completed: false,
      updatedAt: new Date(clock).toISOString(),
    })),
  listWatchlist: async () => ({ items: [] }),
});

describe('signals', () => {
  it('weighs completion and long watches strongly, skips, short abandons and dislikes negatively', () => {
    expect(signalWeight({ type: 'complete' })).toBe(3);
    expect(signalWeight({ type: 'progress', positionSec: 3000, durationSec: 3600 })).toBe(2);
    expect(signalWeight({ type: 'progress', positionSec: 300, durationSec: 3600 })).toBe(0);
    expect(signalWeight({ type: 'like' })).toBe(2);
    expect(signalWeight({ type: 'watchlist_add' })).toBe(1);
    expect(signalWeight({ type: 'pause', positionSec: 60, durationSec: 3600 })).toBe(-0.5);
    expect(signalWeight({ type: 'skip' })).toBe(-1);
    expect(signalWeight({ type: 'dislike' })).toBe(-3);
    expect(signalWeight({ type: 'seek' })).toBe(0);
  });

  it('decays with the half-life: a weight a half-life old is worth half, whatever the era', () => {
    const week = 168 * 3_600_000;
    for (const at of [DECAY_EPOCH_MS, Date.parse('2030-03-01T00:00:00Z'), Date.parse('2040-07-09T12:00:00Z')]) {
      const counter = new EraCounter();
      counter.add(decayed(3, at));
      expect(counter.valueAt(at)).toBeCloseTo(3, 9);
      expect(counter.valueAt(at + week)).toBeCloseTo(1.5, 9);
      expect(counter.valueAt(at + 10 * week)).toBeCloseTo(3 / 1024, 9);
    }
    const day = 24 * 3_600_000;
    const counter = new EraCounter();
    counter.add(decayed(2, DECAY_EPOCH_MS, 24));
    expect(counter.valueAt(DECAY_EPOCH_MS + day, 24)).toBeCloseTo(1, 9);
  });

  it('stores no number larger than 2^16 times the weights, ten years on (the old epoch scale overflowed in 2027)', () => {
    const week = 168 * 3_600_000;
    for (const at of [
      Date.parse('2027-09-01T00:00:00Z'),
      Date.parse('2036-12-02T00:00:00Z'),
      Date.parse('2046-01-01T00:00:00Z'),
    ]) {
      const { era, scaled } = decayed(3, at);
      expect(at).toBeGreaterThanOrEqual(eraStart(era));
      expect(at).toBeLessThan(eraStart(era + 1));
      expect(scaled).toBeGreaterThanOrEqual(3);
      expect(scaled).toBeLessThanOrEqual(3 * 2 ** 16);
      // Continuous across an era's start: the last moment of one era and the first of the next agree.
      const before = new EraCounter();
      before.add(decayed(3, eraStart(era) - 1));
      const after = new EraCounter();
      after.add(decayed(3, eraStart(era)));
      expect(before.valueAt(at + week)).toBeCloseTo(after.valueAt(at + week), 9);
    }
  });

  it('keeps the newest era and the one before, and drops what is older (under 2^-16 of new)', () => {
    const era = 40;
    const counter = new EraCounter();
    counter.add({ era: era - 5, scaled: 1e6 });
    counter.add({ era, scaled: 2 });
    counter.add({ era: era - 1, scaled: 4 });
    counter.add({ era: era - 2, scaled: 1e6 });
    expect(counter.eras()).toEqual([
      [era, 2],
      [era - 1, 4],
    ]);
    counter.add({ era: era + 1, scaled: 1 });
    expect(counter.eras()).toEqual([
      [era + 1, 1],
      [era, 2],
    ]);
    counter.add({ era: era + 5, scaled: 7 });
    expect(counter.eras()).toEqual([
      [era + 5, 7],
      [era + 4, 0],
    ]);
  });

  it('refuses to plan an update from an event without a valid time', () => {
    expect(() => planUpdate(event('u1', 'c1', 'complete', { ts: 'not a time' }), ['comedy'])).toThrow(/valid time/);
  });
});

describe('models, a year of events and the clock years ahead', () => {
  /** A year of daily completions of `c1` and every other day `d1`, ending at `end`, read at `end`. */
  async function yearOf(end: number) {
    const store = createMemoryModelStore({ now: () => end });
    const day = 24 * 3_600_000;
    const events: EngagementEvent[] = [];
    for (let d = 364; d >= 0; d--) {
      const ts = new Date(end - d * day).toISOString();
      events.push({ v: 1, id: randomUUID(), type: 'complete', userId: `u${d}`, titleId: 'c1', ts, country: 'US' });
      if (d % 2 === 0) {
        events.push({ v: 1, id: randomUUID(), type: 'like', userId: `u${d}`, titleId: 'd1', ts, country: 'US' });
      }
    }
    await feed(store, events);
    return store;
  }

  it('reads the same decayed popularity in 2026, 2030 and 2040, and every number stays finite and safe', async () => {
    const today = Date.parse('2026-12-02T00:00:00Z');
    // The exact value: a completion a day for a year, each worth 3 · 2^(−age / 1 week).
    const exact = Array.from({ length: 365 }, (_, d) => 3 * 2 ** (-d / 7)).reduce((a, b) => a + b, 0);
    const reads: Array<Array<{ titleId: string; score: number }>> = [];
    for (const end of [
      today,
      Date.parse('2028-12-02T00:00:00Z'),
      Date.parse('2030-06-01T00:00:00Z'),
      Date.parse('2040-12-02T00:00:00Z'),
    ]) {
      const store = await yearOf(end);
      const popular = await store.popular('US', 10);
      expect(popular.map((p) => p.titleId)).toEqual(['c1', 'd1']);
      // Only eras before the previous one are dropped: weights at least 16 weeks old, under 2^-16 of new.
      expect(Math.abs((popular[0]?.score ?? 0) - exact) / exact).toBeLessThan(1e-4);
      for (const p of popular) expect(Number.isFinite(p.score)).toBe(true);
      reads.push(popular);
      const profile = await store.profile('u0');
      expect(profile.titles.get('c1')).toBeCloseTo(3, 9);
    }
    for (const read of reads.slice(1)) {
      read.forEach((p, i) => {
        expect(Math.abs(p.score - (reads[0]?.[i]?.score ?? 0)) / p.score).toBeLessThan(1e-4);
      });
    }
  });
});

describe('models', () => {
  it('scores neighbours by cosine over the users positive on both', async () => {
    const store = createMemoryModelStore();
    await feed(store, [
      event('u1', 'c1', 'complete'),
      event('u1', 'c2', 'complete'),
      event('u2', 'c1', 'like'),
      event('u2', 'c2', 'like'),
      event('u3', 'c1', 'complete'),
      event('u3', 'd1', 'complete'),
      event('u3', 'h1', 'skip'),
    ]);
    const near = await store.neighbours('c1', 10);
    expect(near.map((n) => n.titleId)).toEqual(['c2', 'd1']);
    expect(near[0]?.score).toBeCloseTo(2 / Math.sqrt(3 * 2), 10);
    expect(near[1]?.score).toBeCloseTo(1 / Math.sqrt(3 * 1), 10);
    // A skip is not a positive: h1 pairs with nothing.
    expect(await store.neighbours('h1', 10)).toEqual([]);
    const profile = await store.profile('u3');
    expect(profile.positives).toEqual(['d1', 'c1']);
    expect(profile.completed).toEqual(new Set(['c1', 'd1']));
    expect((await store.popular('US', 1))[0]?.titleId).toBe('c1');
  });
});

describe('a batch of popularity', () => {
  it('sums per counter, takes each position once per writer, and totals as one event at a time', async () => {
    const now = () => clock + 60_000;
    const oneByOne = createMemoryModelStore({ now });
    const batched = createMemoryModelStore({ now });
    const learner = createLearner({
      models: batched,
      catalog: { findTitle: async (titleId: string) => ({ genres: genresOf(titleId) }) } as never,
    });
    const events = [
      event('u1', 'c1', 'complete'),
      event('u2', 'c1', 'play'),
      event('u3', 'c1', 'complete', { country: 'GB' }),
      event('u3', 'd1', 'skip', { country: 'GB' }),
      event('u4', 'h1', 'pause'),
    ];
    await feed(oneByOne, events);
    const batch = learner.batch('signals/shard-1');
    for (const [i, e] of events.entries()) await batch.learn(e, String(100 + i));
    // Nothing counts for popularity before the flush; the viewer's own models have changed.
    expect(await batched.popular('ALL', 10)).toEqual([]);
    expect((await batched.profile('u1')).titles.get('c1')).toBeGreaterThan(0);
    await batch.flush();
    // The batch again (its records came again): replayed, flushed, taken by no counter twice.
    for (const [i, e] of events.entries()) batch.replay(e, String(100 + i));
    await batch.flush();
    for (const cc of ['US', 'GB', 'ALL']) expect(await batched.popular(cc, 10)).toEqual(await oneByOne.popular(cc, 10));
    expect(await batched.neighbours('c1', 10)).toEqual(await oneByOne.neighbours('c1', 10));
  });
});

describe('rails', () => {
  it('leaves out completed, disliked and unavailable titles, spreads genres and is deterministic', async () => {
    const store = createMemoryModelStore();
    await feed(store, [
      event('fan', 'c1', 'complete'),
      event('fan', 'c2', 'like'),
      event('fan', 'd2', 'dislike'),
      event('other', 'c1', 'complete'),
      event('other', 'c3', 'complete'),
      event('other', 'c4', 'like'),
      event('other', 'd2', 'like'),
    ]);
    const available = catalogTitles.filter((t) => t.titleId !== 'c4');
    const input = {
      country: 'us',
      available,
      profile: await store.profile('fan'),
      popular: await store.popular('US', 50),
      neighbours: new Map([
        ['c1', await store.neighbours('c1', 50)],
        ['c2', await store.neighbours('c2', 50)],
      ]),
    };
    const rails = rankRails(input);
    expect(rankRails(input)).toEqual(rails);
    // c2's only neighbour is c1 (completed): its rail would be empty, so the next seed, c1, has one.
    expect(rails.map((r) => r.id)).toEqual(['top-picks', 'because-c1', 'top10-us', 'genre-comedy', 'new']);
    for (const rail of rails) {
      const ids = rail.items.map((i) => i.titleId);
      expect(ids).not.toContain('c1'); // completed
      expect(ids).not.toContain('d2'); // disliked
      expect(ids).not.toContain('c4'); // not available in the country
      for (const item of rail.items) expect(item.reason).toBeTruthy();
    }
    expect(rails.find((r) => r.id === 'because-c1')?.title).toBe('Because You Watched Title c1');
    expect(rails.find((r) => r.id === 'top-picks')?.items[0]).toMatchObject({
      titleId: 'c3',
      reason: expect.stringMatching(/^similar to/),
    });
  });

  it('never seeds Because You Watched with a disliked or net-negative title', async () => {
    const store = createMemoryModelStore();
    await feed(store, [
      event('o1', 'c1', 'complete'),
      event('o1', 'c2', 'complete'),
      event('o2', 'c1', 'complete'),
      event('o2', 'c3', 'complete'),
      event('o3', 'd1', 'complete'),
      event('o3', 'd2', 'complete'),
      event('o4', 'h1', 'complete'),
      event('o4', 'c4', 'complete'),
      // A play (positive) then a dislike; a play then a skip (net negative); a real like.
      event('sour', 'c1', 'play'),
      event('sour', 'c1', 'dislike'),
      event('sour', 'h1', 'play'),
      event('sour', 'h1', 'skip'),
      event('sour', 'd1', 'like'),
    ]);
    const profile = await store.profile('sour');
    // The raw positives still hold every title that ever had a positive signal ...
    expect(profile.positives).toEqual(['d1', 'h1', 'c1']);
    // ... but only the one the viewer still likes seeds anything.
    expect(seedTitles(profile)).toEqual(['d1']);
    const asked: string[] = [];
    const spy: ModelStore = {
      ...store,
      neighbours: (titleId, limit) => {
        asked.push(titleId);
        return store.neighbours(titleId, limit);
      },
    };
    const home = await buildHome({ catalog, users: noUsers, models: spy }, { userId: 'sour', country: 'US' });
    expect(asked).toEqual(['d1']);
    expect(home.rails.map((r) => r.id)).toContain('because-d1');
    expect(home.rails.filter((r) => r.id.startsWith('because-')).map((r) => r.id)).toEqual(['because-d1']);
    for (const r of home.rails) for (const i of r.items) expect(i.reason).not.toMatch(/Title (c1|h1)\b/);
    // rankRails on its own, handed the neighbours of every raw positive, still seeds only d1.
    const rails = rankRails({
      country: 'US',
      available: catalogTitles,
      profile,
      popular: await store.popular('US', 50),
      neighbours: new Map(
        await Promise.all(profile.positives.map(async (p) => [p, await store.neighbours(p, 50)] as const)),
      ),
    });
    expect(rails.filter((r) => r.id.startsWith('because-')).map((r) => r.id)).toEqual(['because-d1']);
    const picks = rails.find((r) => r.id === 'top-picks')?.items ?? [];
    for (const i of picks) expect(i.reason).not.toMatch(/similar to Title (c1|h1)/);
  });

  it('caps one genre per rail before taking the rest', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => ({ id, genres: [i < 5 ? 'comedy' : 'drama'] }));
    expect(diversify(items, 3, 2).map((i) => i.id)).toEqual(['a', 'b', 'f']);
    expect(diversify(items, 6, 2).map((i) => i.id)).toEqual(['a', 'b', 'f', 'c', 'd', 'e']);
  });
});

describe('home', () => {
  it('gives a new user popular rails, never empty', async () => {
    const store = createMemoryModelStore();
    await feed(store, [event('x', 'd1', 'complete'), event('y', 'd1', 'like'), event('y', 'h1', 'complete')]);
    const home = await buildHome({ catalog, users: noUsers, models: store }, { userId: 'newcomer', country: 'US' });
    expect(home.degraded).toBe(false);
    expect(home.rails.map((r) => r.id)).toEqual(['top10-us', 'new']);
    expect(home.rails[0]?.items.map((i) => i.titleId)).toEqual(['d1', 'h1']);
  });

  it('falls back to the last known popularity, marked degraded, when the models fail', async () => {
    const broken: ModelStore = {
      apply: async () => undefined,
      addPopularity: async () => undefined,
      popular: async () => {
        throw new Error('models unreachable');
      },
      neighbours: async () => [],
      profile: async () => {
        throw new Error('models unreachable');
      },
      version: async () => {
        throw new Error('models unreachable');
      },
      touch: async () => {
        throw new Error('models unreachable');
      },
      forget: async () => 0,
    };
    const home = await buildHome(
      { catalog, users: noUsers, models: broken },
      { userId: 'u', country: 'US', fallbackPopular: () => [{ titleId: 'h1', score: 1 }] },
    );
    expect(home.degraded).toBe(true);
    expect(home.rails.map((r) => r.id)).toEqual(['top10-us', 'new']);
    expect(home.rails[0]?.items[0]?.titleId).toBe('h1');
    const service = createHomeService({ catalog, users: noUsers as never, models: broken, cache: createMemoryCache() });
    const served = await service.build({ userId: 'u', country: 'US' });
    expect(served.degraded).toBe(true);
    expect(served.rails.length).toBeGreaterThan(0);
  });

  it('leaves disliked titles out of Continue Watching and My List, and completed ones out of Continue Watching', async () => {
    const store = createMemoryModelStore();
    await feed(store, [event('me', 'c1', 'complete'), event('me', 'c2', 'dislike')]);
    const at = new Date(clock).toISOString();
    const progress = (titleId: string) => ({
      titleId,
      positionSec: 600,
      durationSec: 3000,
      ratio: 0.2,
      completed: false,
      updatedAt: at,
    });
    const users = {
      continueWatching: async () => ['c1', 'c2', 'c3'].map(progress),
      listWatchlist: async () => ({ items: ['c1', 'c2', 'd1'].map((titleId) => ({ titleId, addedAt: at })) }),
    };
    const home = await buildHome({ catalog, users, models: store }, { userId: 'me', country: 'US' });
    const ids = (id: string) => home.rails.find((r) => r.id === id)?.items.map((i) => i.titleId);
    expect(ids('continue-watching')).toEqual(['c3']);
    // The viewer's own list keeps a title they finished (their list, their call), never a disliked one.
    expect(ids('my-list')).toEqual(['c1', 'd1']);
    expect(home.degraded).toBe(false);
  });

  it('rebuilds a cached page when the watch state moves the profile version', async () => {
    const store = createMemoryModelStore();
    const watching: string[] = [];
    const users = watchingUsers(watching);
    const service = createHomeService({ catalog, users: users as never, models: store, cache: createMemoryCache() });
    const rails = async () => (await service.build({ userId: 'w', country: 'US' })).rails.map((r) => r.id);
    expect(await rails()).not.toContain('continue-watching');
    expect(await store.version('w')).toBe(0);
    // A write outside the service's own users wrapper (the watch-state worker): the cached page holds ...
    watching.push('d1');
    expect(await rails()).not.toContain('continue-watching');
    // ... until the writer moves the version and tells the home page.
    await store.touch('w');
    await service.changed('w');
    expect(await store.version('w')).toBe(1);
    expect((await store.profile('w')).version).toBe(1);
    expect(await rails()).toContain('continue-watching');
  });

  it('sees a version moved by a writer that shares no cache once the cached version expires', async () => {
    const store = createMemoryModelStore();
    const watching: string[] = [];
    const users = watchingUsers(watching);
    let versionReads = 0;
    const counted = {
      ...store,
      version: (userId: string) => {
        versionReads++;
        return store.version(userId);
      },
    };
    const service = createHomeService({
      catalog,
      users: users as never,
      models: counted,
      cache: createMemoryCache(),
      versionTtlSeconds: 0.2,
    });
    const rails = async () => (await service.build({ userId: 'x', country: 'US' })).rails.map((r) => r.id);
    expect(await rails()).not.toContain('continue-watching');
    // Warm requests read no version from the store while the cached one is fresh.
    for (let i = 0; i < 20; i++) await rails();
    expect(versionReads).toBe(1);
    // A worker in another process writes and moves the version, but cannot clear this cache.
    watching.push('d1');
    await store.touch('x');
    await vi.waitFor(async () => expect(await rails()).toContain('continue-watching'), { timeout: 2_000 });
  });

  it('rebuilds a cached page as soon as the user’s profile moves', async () => {
    const store = createMemoryModelStore();
    await feed(store, [event('o', 'c1', 'complete'), event('o', 'c2', 'complete'), event('o', 'c3', 'complete')]);
    const service = createHomeService({ catalog, users: noUsers as never, models: store, cache: createMemoryCache() });
    const before = await service.build({ userId: 'me', country: 'US' });
    expect(before.rails.some((r) => r.id.startsWith('because-'))).toBe(false);
    expect(await service.build({ userId: 'me', country: 'US' })).toEqual(before);
    await feed(store, [event('me', 'c1', 'complete'), event('me', 'c2', 'like')]);
    await service.changed('me');
    const after = await service.build({ userId: 'me', country: 'US' });
    expect(after.rails.map((r) => r.id)).toEqual(expect.arrayContaining(['top-picks', 'because-c2', 'genre-comedy']));
    expect(after.rails.flatMap((r) => r.items).map((i) => i.titleId)).not.toContain('c1');
  });

  it('rebuilds every cached page once a title left the country, in this process and in one sharing the cache', async () => {
    const store = createMemoryModelStore();
    await feed(store, [event('o', 'c1', 'complete'), event('o', 'c2', 'complete'), event('p', 'c1', 'complete')]);
    // c1 on the chart, and in the catalog until a re-publish leaves this country out.
    let titles = [...catalogTitles];
    const changing = {
      listAvailable: async (_country: string, o: { limit?: number } = {}) => titles.slice(0, o.limit ?? 50),
      availableAmong: async (_country: string, ids: readonly string[]) =>
        ids.flatMap((id) => titles.find((t) => t.titleId === id) ?? []),
    };
    const cache = createMemoryCache();
    const here = createHomeService({ catalog: changing, users: noUsers as never, models: store, cache });
    const there = createHomeService({
      catalog: changing,
      users: noUsers as never,
      models: store,
      cache,
      versionTtlSeconds: 0,
    });
    const ids = (home: { rails: Array<{ items: Array<{ titleId: string }> }> }) =>
      home.rails.flatMap((r) => r.items.map((i) => i.titleId));
    for (const service of [here, there])
      expect(ids(await service.build({ userId: 'me', country: 'US' }))).toContain('c1');
    titles = titles.filter((t) => t.titleId !== 'c1');
    // Cached pages (and answers) stay until the catalog says it changed.
    expect(ids(await here.build({ userId: 'me', country: 'US' }))).toContain('c1');
    await here.catalogChanged();
    expect(ids(await here.build({ userId: 'me', country: 'US' }))).not.toContain('c1');
    expect(ids(await there.build({ userId: 'you', country: 'US' }))).not.toContain('c1');
    expect(ids(await there.build({ userId: 'me', country: 'US' }))).not.toContain('c1');
  });
});

describe('a catalogue of 10,000 titles', () => {
  // Newest first: t09999 is the newest, t00000 the oldest; the catalog lists at most 200 at a time.
  const big = Array.from({ length: 10_000 }, (_, i) =>
    title(`t${String(9_999 - i).padStart(5, '0')}`, [i % 2 ? 'comedy' : 'drama']),
  );
  const bigCatalog = {
    listAvailable: async (_country: string, o: { limit?: number } = {}) => big.slice(0, Math.min(200, o.limit ?? 50)),
    availableAmong: async (_country: string, ids: readonly string[]) => {
      const index = new Map(big.map((t) => [t.titleId, t]));
      return ids.flatMap((id) => index.get(id) ?? []);
    },
  };

  it('recommends, charts and resumes titles far older than the newest 200', async () => {
    const store = createMemoryModelStore();
    const at = (n: number) => new Date(Date.parse('2026-11-20T00:00:00Z') + n * 60_000).toISOString();
    const e = (userId: string, titleId: string, n: number): EngagementEvent => ({
      v: 1,
      id: randomUUID(),
      type: 'complete',
      userId,
      titleId,
      ts: at(n),
      country: 'US',
    });
    // The old t00042 and t00017 are watched together by many; t00042 tops the chart.
    const events: EngagementEvent[] = [];
    for (let u = 0; u < 30; u++) {
      events.push(e(`fan${u}`, 't00042', u * 2));
      if (u < 20) events.push(e(`fan${u}`, 't00017', u * 2 + 1));
    }
    events.push(e('viewer', 't00017', 100));
    for (const ev of events) {
      const update = planUpdate(ev, ['drama']);
      if (update) await store.apply(update);
    }
    const users = {
      continueWatching: async () => [
        { titleId: 't00003', positionSec: 600, durationSec: 3000, ratio: 0.2, completed: false, updatedAt: at(101) },
      ],
      listWatchlist: async () => ({ items: [{ titleId: 't00005', addedAt: at(102) }] }),
    };
    const home = await buildHome({ catalog: bigCatalog, users, models: store }, { userId: 'viewer', country: 'US' });
    const rail = (id: string) => home.rails.find((r) => r.id === id)?.items.map((i) => i.titleId) ?? [];
    expect(home.degraded).toBe(false);
    expect(rail('top-picks')[0]).toBe('t00042');
    expect(rail('because-t00017')[0]).toBe('t00042');
    expect(rail('top10-us')[0]).toBe('t00042');
    expect(rail('continue-watching')).toEqual(['t00003']);
    expect(rail('my-list')).toEqual(['t00005']);
    // The New rail is still the newest titles.
    expect(rail('new')).toContain('t09999');
  });

  it('leaves out candidates the catalog says the viewer may not play', async () => {
    const store = createMemoryModelStore();
    for (let u = 0; u < 5; u++) {
      const update = planUpdate(
        {
          v: 1,
          id: randomUUID(),
          type: 'complete',
          userId: `u${u}`,
          titleId: 'gone',
          ts: '2026-11-20T00:00:00Z',
          country: 'US',
        },
        ['drama'],
      );
      if (update) await store.apply(update);
    }
    const home = await buildHome(
      { catalog: bigCatalog, users: noUsers, models: store },
      { userId: 'new', country: 'US' },
    );
    expect(home.rails.flatMap((r) => r.items.map((i) => i.titleId))).not.toContain('gone');
    expect(home.rails.find((r) => r.id === 'new')?.items.length).toBeGreaterThan(0);
  });
});
