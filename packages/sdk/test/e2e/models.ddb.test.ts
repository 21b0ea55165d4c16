/**
 * The recommendation models on a real DynamoDB (dynalite, DynamoDB Local or
 * an endpoint), with the clock years ahead: a year of events, read in 2030
 * and 2040, must give the scores the in-memory models give, and every
 * stored number must stay a plain, safe number (scores kept against a fixed
 * 2026 origin passed 2^53 within months and could no longer be read).
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClients,
  counterPartition,
  createAwsClients,
  createDynamoModelStore,
  createMemoryModelStore,
  type EngagementEvent,
  type ModelStore,
  planUpdate,
  type StreamctlConfig,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');
const DAY = 24 * 3_600_000;

describe.skipIf(!target.endpoints.dynamodb)(`recommendation models over time (${target.kind})`, () => {
  let config: StreamctlConfig;
  let clients: AwsClients;

  beforeAll(async () => {
    config = await targetConfig(target);
    clients = createAwsClients(config);
  });
  afterAll(() => clients?.destroy());

  /** A completion every third day for a year (and a like every sixth) ending at `end`, into both stores. */
  async function yearOf(end: number, stores: ModelStore[], run: string) {
    const events: EngagementEvent[] = [];
    for (let d = 363; d >= 0; d -= 3) {
      const ts = new Date(end - d * DAY).toISOString();
      const userId = `u${d}-${run}`;
      events.push({ v: 1, id: randomUUID(), type: 'complete', userId, titleId: `a-${run}`, ts, country: 'SE' });
      if (d % 6 === 0) {
        events.push({ v: 1, id: randomUUID(), type: 'like', userId, titleId: `b-${run}`, ts, country: 'SE' });
      }
    }
    for (const e of events) {
      const update = planUpdate(e, ['drama']);
      if (update) for (const store of stores) await store.apply(update);
    }
  }

  for (const year of [2030, 2040]) {
    it(`keeps scores readable and right with the clock in ${year}`, async () => {
      const end = Date.UTC(year, 5, 1);
      const now = () => end;
      // One counter sub-key: the memory model's numbers exactly. Eight: each sub-key drops the eras
      // it has outlived on its own, so the sum keeps a little more of weights older than 16
      // half-lives (each under 2^-16 of a new one) than one counter would.
      for (const [counterShards, tolerance] of [
        [1, 1e-9],
        [8, 2 ** -16],
      ] as const) {
        const run = randomUUID().slice(0, 8);
        const dynamo = createDynamoModelStore(clients, config.resources, { region: config.region, now, counterShards });
        const memory = createMemoryModelStore({ now });
        await yearOf(end, [dynamo, memory], run);

        const stored = await dynamo.popular('SE', 500);
        const mine = stored.filter((p) => p.titleId.endsWith(run));
        const expected = await memory.popular('SE', 10);
        expect(mine.map((p) => p.titleId)).toEqual(expected.map((p) => p.titleId));
        mine.forEach((p, i) => {
          expect(Math.abs(p.score - (expected[i]?.score ?? 0)) / p.score).toBeLessThan(tolerance);
        });
        // The newest completion is worth its full weight today.
        const profile = await dynamo.profile(`u0-${run}`);
        expect(profile.titles.get(`a-${run}`)).toBeCloseTo(3, 9);
        expect(profile.genres.get('drama')).toBeGreaterThan(0);

        // What is stored: two or three era sums per sub-key, each a safe number (the document
        // client throws on a number it cannot represent, so reading the raw item is itself the check).
        const base = counterPartition('POP', config.region, 'SE');
        for (const PK of [base, ...Array.from({ length: counterShards - 1 }, (_, k) => `${base}#${k + 1}`)]) {
          const item = (
            await clients
              .documents()
              .send(new GetCommand({ TableName: config.resources.userStateTable, Key: { PK, SK: `a-${run}` } }))
          ).Item as Record<string, unknown> | undefined;
          if (!item) continue;
          const eras = Object.keys(item).filter((k) => /^e-?\d+$/.test(k));
          expect(eras.length).toBeGreaterThanOrEqual(1);
          expect(eras.length).toBeLessThanOrEqual(3);
          for (const name of eras) expect(Math.abs(Number(item[name]))).toBeLessThan(2 ** 53);
        }
      }
    });
  }
});
