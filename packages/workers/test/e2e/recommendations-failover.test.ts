/**
 * Recommendations survive a failover: two Regions, each with its own
 * stream, its own workers and its own platform table, over one user-state
 * global table (shared here, as a global table with zero lag). A viewer's
 * taste learnt by Region A's workers gives the same personal rails when
 * Region B serves them; plays counted by B's workers raise the popularity
 * A reads; no Region writes the other's rows.
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  createMemoryIdempotencyStore,
  createPlatform,
  type EngagementEvent,
  ensureStreams,
  ensureTables,
  type Home,
  type ParkedRecord,
  type Platform,
  putEvents,
  type StreamctlConfig,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';
import { type Poller, startPoller } from '../../src/index.js';

const target = inject('target');
const run = randomUUID().slice(0, 6);
const id = (name: string) => `${name}-${run}`;
/** The viewer's country, and the one whose chart the two Regions' plays add up in. */
const COUNTRY = 'LU';
const CHART = 'MT';

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.kinesis)(
  `recommendations across a failover (${target.kind})`,
  () => {
    const pollers: Poller[] = [];
    let a: Platform;
    let b: Platform;
    let configs: Record<'a' | 'b', StreamctlConfig>;

    const event = (
      userId: string,
      titleId: string,
      type: EngagementEvent['type'],
      country = COUNTRY,
    ): EngagementEvent => ({
      v: 1,
      id: randomUUID(),
      type,
      userId,
      titleId: id(titleId),
      ts: new Date(Date.now() - 1_000).toISOString(),
      country,
    });
    /** Events into one Region's stream: what that Region's API accepted. */
    const into = async (region: 'a' | 'b', events: EngagementEvent[]) => {
      const platform = region === 'a' ? a : b;
      expect((await putEvents(platform.clients, configs[region].resources, events)).failed).toEqual([]);
    };
    async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 20_000): Promise<T> {
      const started = Date.now();
      for (;;) {
        const value = await read();
        if (ok(value)) return value;
        if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${JSON.stringify(value)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    /** The rails only the viewer's taste makes: Top Picks, Because You Watched, genre rails. */
    const personal = (home: Home) =>
      home.rails
        .filter((r) => r.id === 'top-picks' || r.id.startsWith('because-') || r.id.startsWith('genre-'))
        .map((r) => ({ id: r.id, items: r.items.map((i) => i.titleId) }));

    beforeAll(async () => {
      const base = await targetConfig(target);
      const regionA = base.region;
      const regionB = regionA === 'eu-west-1' ? 'us-east-1' : 'eu-west-1';
      const regions = [regionA, regionB];
      // Each Region its own stream and platform table (ledger, checkpoints: Region-local on AWS);
      // the catalog and the user-state table are the stage's global tables.
      configs = {
        a: {
          ...base,
          region: regionA,
          regions,
          resources: {
            ...base.resources,
            eventsStream: `streamctl-e2e-fo-a-${run}`,
            platformTable: `streamctl-e2e-fo-a-${run}`,
          },
        },
        b: {
          ...base,
          region: regionB,
          regions,
          resources: {
            ...base.resources,
            eventsStream: `streamctl-e2e-fo-b-${run}`,
            platformTable: `streamctl-e2e-fo-b-${run}`,
          },
        },
      };
      // A generous time budget per home-page source: a slow source under load would leave its rail out.
      a = createPlatform(configs.a, { homeBudgetMs: 5_000 });
      b = createPlatform(configs.b, { homeBudgetMs: 5_000 });
      for (const [platform, config] of [
        [a, configs.a],
        [b, configs.b],
      ] as const) {
        await ensureTables(platform.clients.dynamodb(), config.resources);
        await ensureStreams(platform.clients.kinesis(), config.resources);
        // The Region's workers: its own worker set over its own stream.
        const set = platform.consumers.workerSet({ qoeSink: () => undefined });
        pollers.push(
          await startPoller(platform.clients, config.resources, {
            ...set.signals,
            idempotency: createMemoryIdempotencyStore(),
            park: async (record: ParkedRecord) => {
              throw new Error(`parked: ${record.reason}`);
            },
            name: `signals-${config.region}-${run}`,
          }),
        );
      }
      for (const [name, genres] of [
        ['c1', ['comedy']],
        ['c2', ['comedy']],
        ['c3', ['comedy']],
        ['c4', ['comedy']],
        ['d1', ['drama']],
        ['h1', ['horror']],
      ] as const) {
        await a.catalog.putTitle({
          titleId: id(name),
          name: `Title ${name}`,
          genres: [...genres],
          manifests: { hls: 'x.m3u8' },
        });
        await a.catalog.publishTitle(id(name), { countries: 'ALL' });
      }
      // Other viewers' history, taken in by Region A: comedies watched together.
      await into('a', [
        event(id('o1'), 'c1', 'complete'),
        event(id('o1'), 'c2', 'complete'),
        event(id('o1'), 'c3', 'like'),
        event(id('o2'), 'c1', 'complete'),
        event(id('o2'), 'c3', 'complete'),
        event(id('o2'), 'c4', 'complete'),
      ]);
    }, 120_000);
    afterAll(async () => {
      for (const poller of pollers) await poller.stop();
      a?.close();
      b?.close();
    });

    it("a viewer's personal rails are the same when the other Region serves them, and taste learnt there counts in both", async () => {
      const viewer = id('viewer');
      // The others' history taken in whole: c1 was watched with c2, c3 and c4.
      await until(
        () => a.recommendations.models.neighbours(id('c1'), 5),
        (list) => list.length === 3,
      );
      await into('a', [event(viewer, 'c1', 'complete'), event(viewer, 'c2', 'like')]);
      // Both of the viewer's events taken in by A's workers before the page is compared.
      await until(
        () => a.recommendations.models.profile(viewer),
        (p) => p.completed.has(id('c1')) && p.positives.includes(id('c2')),
      );
      const fromA = await until(
        () => a.home.build({ userId: viewer, country: COUNTRY }),
        (h) => h.rails.some((r) => r.id.startsWith('because-')) && h.rails.some((r) => r.id === 'genre-comedy'),
      );
      expect(fromA.degraded).toBe(false);
      expect(personal(fromA).length).toBeGreaterThanOrEqual(2);

      // Failover: Region B serves the viewer (its own process, its own cache, its own platform table).
      const fromB = await b.home.build({ userId: viewer, country: COUNTRY });
      expect(fromB.degraded).toBe(false);
      expect(personal(fromB)).toEqual(personal(fromA));
      expect((await b.recommendations.models.profile(viewer)).completed).toEqual(new Set([id('c1')]));

      // The viewer finishes c3 while B serves: B's workers learn it, and A sees it as well.
      await into('b', [event(viewer, 'c3', 'complete')]);
      const profileA = await until(
        () => a.recommendations.models.profile(viewer),
        (p) => p.completed.has(id('c3')),
      );
      expect(profileA.completed).toEqual(new Set([id('c1'), id('c3')]));
      const again = await until(
        () => a.home.build({ userId: viewer, country: COUNTRY }),
        (h) => !h.rails.some((r) => r.id !== 'continue-watching' && r.items.some((i) => i.titleId === id('c3'))),
      );
      expect(personal(again).length).toBeGreaterThan(0);

      // Each Region wrote rows of its own; none of them in a Region's platform table.
      const rows = async (TableName: string) =>
        (
          await a.clients.documents().send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'PK = :pk',
              ExpressionAttributeValues: { ':pk': `UPROF#${viewer}` },
            }),
          )
        ).Items ?? [];
      const taste = (await rows(configs.a.resources.userStateTable)).map((r) => String(r.SK));
      expect(taste).toEqual(
        expect.arrayContaining([
          `T#${configs.a.region}#${id('c1')}`,
          `T#${configs.b.region}#${id('c3')}`,
          `VERSION#${configs.a.region}`,
          `VERSION#${configs.b.region}`,
        ]),
      );
      expect(taste.every((sk) => sk.includes(configs.a.region) || sk.includes(configs.b.region))).toBe(true);
      for (const config of [configs.a, configs.b]) expect(await rows(config.resources.platformTable)).toEqual([]);
    });

    it('plays counted in either Region add up in the chart both read', async () => {
      await into('a', [event(id('p0'), 'h1', 'complete', CHART)]);
      await into(
        'b',
        [1, 2, 3].map((n) => event(id(`p${n}`), 'h1', 'complete', CHART)),
      );
      // Four completions (3 each), a second old: just under 12 wherever it is read.
      for (const platform of [a, b]) {
        const chart = await until(
          () => platform.recommendations.models.popular(CHART, 10),
          (list) => (list.find((p) => p.titleId === id('h1'))?.score ?? 0) > 11.99,
        );
        expect(chart.find((p) => p.titleId === id('h1'))?.score).toBeLessThanOrEqual(12);
      }
      const passer = await a.home.build({ userId: id('passer'), country: CHART });
      expect(passer.rails.find((r) => r.id === `top10-${CHART.toLowerCase()}`)?.items[0]?.titleId).toBe(id('h1'));
    });
  },
);
