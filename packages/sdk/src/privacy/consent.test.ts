/**
 * Consent in the recommendation use cases: a viewer who is not personalized
 * gets no taste model (their plays still count, anonymously, in popularity)
 * and a home page from non-personal sources only; turning it off forgets
 * what was learnt and moves the version forward (never back).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../cache/index.js';
import type { TitleSummary } from '../catalog/index.js';
import type { EngagementEvent } from '../events/index.js';
import { createHomeService, createLearner, createMemoryModelStore } from '../recommendations/index.js';

const titles: TitleSummary[] = ['c1', 'c2', 'c3', 'd1', 'd2', 'h1'].map((id) => ({
  titleId: id,
  name: `Title ${id}`,
  genres: [id.startsWith('c') ? 'comedy' : id.startsWith('d') ? 'drama' : 'horror'],
}));
const catalog = {
  findTitle: async (id: string) => titles.find((t) => t.titleId === id) as never,
  listAvailable: async (_cc: string, o: { limit?: number } = {}) => titles.slice(0, o.limit ?? 50),
  availableAmong: async (_cc: string, ids: readonly string[]) =>
    ids.flatMap((id) => titles.find((t) => t.titleId === id) ?? []),
};
let clock = Date.parse('2026-12-01T00:00:00Z');
const event = (userId: string, titleId: string, type: EngagementEvent['type']): EngagementEvent => {
  clock += 60_000;
  return { v: 1, id: randomUUID(), type, userId, titleId, ts: new Date(clock).toISOString(), country: 'GB' };
};
const users = {
  continueWatching: async () => [
    {
      titleId: 'd2',
      positionSec: 600,
      durationSec: 3000,
      ratio: 0.2,
      completed: false,
      updatedAt: '2026-12-01T00:00:00Z',
    },
  ],
  listWatchlist: async () => ({ items: [{ titleId: 'h1', addedAt: '2026-12-01T00:00:00Z' }] }),
};
const PERSONAL = /^(top-picks|because-|genre-)/;

describe('consent in the recommendation use cases', () => {
  it('learns no taste for a viewer who is not personalized, but counts their plays in popularity', async () => {
    const models = createMemoryModelStore({ now: () => clock });
    const off = new Set(['bob']);
    const learner = createLearner({ models, catalog, personalized: async (userId) => !off.has(userId) });
    const batch = learner.batch('signals/shard-0');
    let seq = 100;
    for (const u of ['alice', 'bob']) {
      for (const t of ['c1', 'c2'])
        expect(await batch.learn(event(u, t, 'complete'), String(seq++))).toBe(u === 'alice');
    }
    await batch.flush();
    expect((await models.profile('alice')).positives.length).toBe(2);
    const bob = await models.profile('bob');
    expect([bob.positives.length, bob.titles.size, bob.genres.size, bob.version]).toEqual([0, 0, 0, 0]);
    // Both viewers' plays are in the chart: more than one viewer's alone.
    const chart = await models.popular('GB', 10);
    const scoreOf = (id: string) => chart.find((p) => p.titleId === id)?.score ?? 0;
    const aliceOnly = createMemoryModelStore({ now: () => clock });
    const one = createLearner({ models: aliceOnly, catalog }).batch('w');
    await one.learn(event('alice', 'c1', 'complete'), '1');
    await one.flush();
    expect(scoreOf('c1')).toBeGreaterThan((await aliceOnly.popular('GB', 1))[0]?.score ?? 0);
    // The single-event learner skips them altogether.
    expect(await learner.learn(event('bob', 'd1', 'complete'))).toBe(false);
  });

  it('builds a non-personal home page while consent is off, and the personal rails come back after it is on', async () => {
    const models = createMemoryModelStore({ now: () => clock });
    const learner = createLearner({ models, catalog });
    for (const t of ['c1', 'c2', 'd1']) await learner.learn(event('alice', t, 'complete'));
    await learner.learn(event('carol', 'c1', 'complete'));
    await learner.learn(event('carol', 'c3', 'complete'));
    let personalized = true;
    const home = createHomeService({
      catalog,
      users,
      models,
      cache: createMemoryCache(),
      personalized: async () => personalized,
    });
    const viewer = { userId: 'alice', country: 'GB' };
    const on = await home.build(viewer);
    expect(on.rails.some((r) => PERSONAL.test(r.id))).toBe(true);

    // Off: the use case forgets the taste and moves the version; the page has no personal rails.
    personalized = false;
    const before = await models.version('alice');
    expect(await models.forget('alice')).toBeGreaterThan(0);
    expect(await models.version('alice')).toBe(before + 1);
    await home.changed('alice');
    const off = await home.build(viewer);
    expect(off.rails.map((r) => r.id).filter((id) => PERSONAL.test(id))).toEqual([]);
    // Continue Watching, My List, Top 10 and New stay.
    expect(off.rails.map((r) => r.id)).toEqual(
      expect.arrayContaining(['continue-watching', 'my-list', 'top10-gb', 'new']),
    );
    expect(off.degraded).toBe(false);

    // On again: nothing personal until the viewer watches; then it returns.
    personalized = true;
    await home.changed('alice');
    expect((await home.build(viewer)).rails.some((r) => PERSONAL.test(r.id))).toBe(false);
    await learner.learn(event('alice', 'c1', 'complete'));
    await home.changed('alice');
    expect((await home.build(viewer)).rails.some((r) => PERSONAL.test(r.id))).toBe(true);
  });

  it('counts a consent that cannot be read as "off", marks the page degraded and does not cache it', async () => {
    const models = createMemoryModelStore({ now: () => clock });
    await createLearner({ models, catalog }).learn(event('dave', 'c1', 'complete'));
    let fail = true;
    const home = createHomeService({
      catalog,
      users,
      models,
      cache: createMemoryCache(),
      personalized: async () => {
        if (fail) throw new Error('user-state table unreachable');
        return true;
      },
    });
    const page = await home.build({ userId: 'dave', country: 'GB' });
    expect(page.degraded).toBe(true);
    expect(page.rails.some((r) => PERSONAL.test(r.id))).toBe(false);
    fail = false;
    // Not cached: the next request, with consent readable, is personal.
    expect((await home.build({ userId: 'dave', country: 'GB' })).rails.some((r) => PERSONAL.test(r.id))).toBe(true);
  });
});
