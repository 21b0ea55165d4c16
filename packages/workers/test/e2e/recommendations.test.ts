/**
 * Recommendations on the embedded platform, end to end: events into the
 * stream, the recommendation worker updating the models in DynamoDB, and
 * the home page through the serving path (cache keyed by profile version).
 */
import { randomUUID } from 'node:crypto';
import {
  type AwsClients,
  createMemoryIdempotencyStore,
  createPlatform,
  type EngagementEvent,
  ensureStreams,
  type Home,
  type ModelStore,
  type ParkedRecord,
  type Platform,
  type StreamctlConfig,
  seedTitles,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';
import { type Poller, startPoller } from '../../src/index.js';

const target = inject('target');
const run = randomUUID().slice(0, 6);
const id = (name: string) => `${name}-${run}`;
const COUNTRY = 'NZ';

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.kinesis)(`recommendations (${target.kind})`, () => {
  let config: StreamctlConfig;
  let clients: AwsClients;
  let poller: Poller;
  let watchState: Poller;
  let store: ModelStore;
  let platform: Platform;
  const publisher = () => platform.events.publisher({ lingerMs: 0 });
  const event = (
    userId: string,
    titleId: string,
    type: EngagementEvent['type'],
    extra: Partial<EngagementEvent> = {},
  ): EngagementEvent => ({
    v: 1,
    id: randomUUID(),
    type,
    userId,
    titleId: id(titleId),
    ts: new Date().toISOString(),
    country: COUNTRY,
    ...extra,
  });
  async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms: number): Promise<T> {
    const started = Date.now();
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async function publish(events: EngagementEvent[]) {
    const p = publisher();
    for (const e of events) await p.publish(e);
    expect(await p.close()).toEqual([]);
  }
  async function until(
    check: (home: Home) => boolean,
    userId: string | (() => string),
    ms: number,
  ): Promise<{ home: Home; ms: number }> {
    const started = Date.now();
    for (;;) {
      const home = await platform.home.build({
        userId: typeof userId === 'string' ? userId : userId(),
        country: COUNTRY,
      });
      if (check(home)) return { home, ms: Date.now() - started };
      if (Date.now() - started > ms)
        throw new Error(`not within ${ms} ms: ${JSON.stringify(home.rails.map((r) => r.id))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    const base = await targetConfig(target);
    config = { ...base, resources: { ...base.resources, eventsStream: `streamctl-e2e-recs-${run}` } };
    // One platform, as `streamctl dev` runs it: the workers' writes tell the same home page.
    platform = createPlatform(config);
    clients = platform.clients;
    await ensureStreams(clients.kinesis(), config.resources);
    const catalog = platform.catalog;
    const titles: Array<[string, string[], string[] | 'ALL']> = [
      ['c1', ['comedy'], 'ALL'],
      ['c2', ['comedy'], 'ALL'],
      ['c3', ['comedy'], 'ALL'],
      ['c4', ['comedy'], 'ALL'],
      ['cgb', ['comedy'], ['GB']],
      ['d1', ['drama'], 'ALL'],
      ['d2', ['drama'], 'ALL'],
      ['h1', ['horror'], 'ALL'],
    ];
    for (const [name, genres, countries] of titles) {
      await catalog.putTitle({ titleId: id(name), name: `Title ${name}`, genres, manifests: { hls: 'x.m3u8' } });
      await catalog.publishTitle(id(name), { countries });
    }
    // The platform's worker set, with a ledger of this run and a parker that fails the test.
    const set = platform.consumers.workerSet({ qoeSink: () => undefined });
    const runtime = {
      idempotency: createMemoryIdempotencyStore(),
      park: async (record: ParkedRecord) => {
        throw new Error(`parked: ${record.reason}`);
      },
    };
    poller = await startPoller(clients, config.resources, { ...set.signals, ...runtime, name: `recs-${run}` });
    store = platform.recommendations.models;
    watchState = await startPoller(clients, config.resources, {
      ...set['watch-state'],
      ...runtime,
      name: `watch-state-${run}`,
    });
    // Other viewers' history: comedies watched together, some drama and horror.
    await publish([
      event(id('o1'), 'c1', 'complete'),
      event(id('o1'), 'c2', 'complete'),
      event(id('o1'), 'c3', 'like'),
      event(id('o2'), 'c1', 'complete'),
      event(id('o2'), 'c3', 'complete'),
      event(id('o2'), 'c4', 'complete'),
      event(id('o2'), 'cgb', 'complete'),
      event(id('o3'), 'd1', 'complete'),
      event(id('o3'), 'd2', 'like'),
      event(id('o3'), 'h1', 'complete'),
      event(id('o4'), 'h1', 'complete'),
      event(id('o4'), 'd1', 'complete'),
    ]);
  }, 60_000);
  afterAll(async () => {
    await watchState?.stop();
    await poller?.stop();
    platform?.close();
  });

  it('gives a new viewer popular rails, then personal ones within 5 s of their events', async () => {
    const viewer = id('viewer');
    // Once the worker has taken in the others' history, all seven NZ titles are on the chart
    // (asked as a new passer-by each time: a viewer's own page is cached until their profile moves).
    await until(
      (h) => (h.rails.find((r) => r.id === 'top10-nz')?.items.length ?? 0) === 7,
      () => id(`passer-${randomUUID().slice(0, 4)}`),
      20_000,
    );
    const first = await platform.home.build({ userId: viewer, country: COUNTRY });
    expect(first.degraded).toBe(false);
    expect(first.rails.map((r) => r.id)).toEqual(['top10-nz', 'new']);
    // c1, d1 and h1 lead the chart (two completions each); the GB-only title never shows in NZ.
    expect(
      first.rails[0]?.items
        .slice(0, 3)
        .map((i) => i.titleId)
        .sort(),
    ).toEqual([id('c1'), id('d1'), id('h1')].sort());
    expect(first.rails.flatMap((r) => r.items.map((i) => i.titleId))).not.toContain(id('cgb'));

    await publish([event(viewer, 'c1', 'complete'), event(viewer, 'c2', 'like'), event(viewer, 'd1', 'dislike')]);
    // All three events taken in: personal rails present, the disliked title gone.
    const { home, ms } = await until(
      (h) =>
        h.rails.some((r) => r.id.startsWith('because-')) &&
        h.rails.some((r) => r.id === 'genre-comedy') &&
        !h.rails.some((r) => r.items.some((i) => i.titleId === id('d1'))),
      viewer,
      5_000,
    );
    console.log(`[recs] personal rails ${ms} ms after the viewer's events were published`);
    expect(ms).toBeLessThan(5_000);
    const because = home.rails.find((r) => r.id.startsWith('because-'));
    expect(because?.items.map((i) => i.titleId)).toContain(id('c3'));
    const comedy = home.rails.find((r) => r.id === 'genre-comedy');
    expect(comedy?.items.map((i) => i.titleId)).toEqual(expect.arrayContaining([id('c3'), id('c4')]));
    const everything = home.rails.flatMap((r) => r.items.map((i) => i.titleId));
    expect(everything).not.toContain(id('c1')); // completed
    expect(everything).not.toContain(id('d1')); // disliked
    expect(everything).not.toContain(id('cgb')); // not available in NZ
    expect(home.rails[0]?.id).toBe('top-picks');
  });

  it('seeds Because You Watched only with titles the viewer still likes', async () => {
    const viewer = id('sour');
    // The others' history is in: c1 and h1 have neighbours.
    await eventually(
      () => Promise.all([store.neighbours(id('c1'), 5), store.neighbours(id('h1'), 5)]),
      (lists) => lists.every((l) => l.length > 0),
      20_000,
    );
    const t0 = Date.now() - 60_000;
    const at = (s: number) => ({ ts: new Date(t0 + s * 1_000).toISOString() });
    // A play then a dislike; a play then a skip (net negative); a like. Distinct times: the newest
    // signal of a title is what a disliked title used to come to the front of the positives by.
    await publish([
      event(viewer, 'c1', 'play', at(1)),
      event(viewer, 'c1', 'dislike', at(2)),
      event(viewer, 'h1', 'play', at(3)),
      event(viewer, 'h1', 'skip', at(4)),
      event(viewer, 'd2', 'like', at(5)),
    ]);
    await eventually(
      () => store.version(viewer),
      (v) => v >= 5,
      5_000,
    );
    const profile = await store.profile(viewer);
    expect([...profile.positives].sort()).toEqual([id('c1'), id('d2'), id('h1')].sort());
    expect(profile.positives[0]).toBe(id('d2'));
    expect(seedTitles(profile)).toEqual([id('d2')]);
    const home = await platform.home.build({ userId: viewer, country: COUNTRY });
    expect(home.degraded).toBe(false);
    expect(home.rails.filter((r) => r.id.startsWith('because-')).map((r) => r.id)).toEqual([`because-${id('d2')}`]);
    const reasons = home.rails.flatMap((r) => r.items.map((i) => i.reason ?? ''));
    expect(reasons.filter((r) => /Title (c1|h1)\b/.test(r))).toEqual([]);
    expect(home.rails.flatMap((r) => r.items.map((i) => i.titleId))).not.toContain(id('c1'));
  });

  it('shows a resume position from the watch-state worker on the next request, not after the cache expires', async () => {
    const viewer = id('resumer');
    const first = await platform.home.build({ userId: viewer, country: COUNTRY });
    expect(first.rails.some((r) => r.id === 'continue-watching')).toBe(false);
    const before = await store.version(viewer);
    // A seek carries no taste signal: only the watch-state worker writes for it.
    await publish([event(viewer, 'c2', 'seek', { positionSec: 600, durationSec: 3000 })]);
    const { home, ms } = await until((h) => h.rails.some((r) => r.id === 'continue-watching'), viewer, 5_000);
    console.log(`[recs] continue watching ${ms} ms after the viewer's seek was published`);
    expect(home.rails.find((r) => r.id === 'continue-watching')?.items).toEqual([
      expect.objectContaining({ titleId: id('c2'), positionSec: 600, ratio: 0.2 }),
    ]);
    expect(await store.version(viewer)).toBeGreaterThan(before);
  });
});
