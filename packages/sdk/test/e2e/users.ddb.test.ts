/**
 * User state on a real DynamoDB (dynalite, DynamoDB Local or an endpoint):
 * idempotent, order-safe watchlist and progress writes, pagination,
 * continue watching and history.
 */
import { randomUUID } from 'node:crypto';
import { type AwsClients, createAwsClients, createUsers, type Users } from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');
const t = (minute: number) => new Date(Date.UTC(2026, 10, 24, 10, minute)).toISOString();

describe.skipIf(!target.endpoints.dynamodb)(`user state (${target.kind})`, () => {
  let clients: AwsClients;
  let users: Users;
  const user = () => `u-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const config = await targetConfig(target);
    clients = createAwsClients(config);
    users = createUsers(clients, config.resources);
  });
  afterAll(() => clients?.destroy());

  it('adds idempotently and lists newest first, each user only their own', async () => {
    const alice = user();
    const bob = user();
    expect(await users.addToWatchlist(alice, 't1', t(1))).toBe(true);
    expect(await users.addToWatchlist(alice, 't2', t(2))).toBe(true);
    expect(await users.addToWatchlist(alice, 't1', t(1))).toBe(false);
    await users.addToWatchlist(bob, 't9', t(3));
    const list = await users.listWatchlist(alice);
    expect(list.items).toEqual([
      { titleId: 't2', addedAt: t(2) },
      { titleId: 't1', addedAt: t(1) },
    ]);
    expect(list.cursor).toBeUndefined();
  });

  it('never lets a stale add resurrect a newer removal', async () => {
    const alice = user();
    await users.addToWatchlist(alice, 't1', t(1));
    expect(await users.removeFromWatchlist(alice, 't1', t(5))).toBe(true);
    expect(await users.removeFromWatchlist(alice, 't1', t(5))).toBe(false);
    expect(await users.addToWatchlist(alice, 't1', t(3))).toBe(false);
    expect((await users.listWatchlist(alice)).items).toEqual([]);
    expect(await users.addToWatchlist(alice, 't1', t(6))).toBe(true);
    expect((await users.listWatchlist(alice)).items).toEqual([{ titleId: 't1', addedAt: t(6) }]);
  });

  it('pages with cursors that neither skip nor repeat', async () => {
    const alice = user();
    for (let i = 0; i < 7; i++) await users.addToWatchlist(alice, `t${i}`, t(i % 3));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await users.listWatchlist(alice, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((e) => e.titleId));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
    expect(seen.slice(0, 2)).toEqual(['t2', 't5']);
    await expect(users.listWatchlist(alice, { cursor: 'garbage' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('keeps the newest position when updates arrive out of order, from any Region', async () => {
    const alice = user();
    const minutes = [3, 9, 1, 7, 5, 8, 2, 6, 4];
    const results = await Promise.all(
      minutes.map((m) =>
        users.recordProgress({ userId: alice, titleId: 't1', positionSec: m * 60, durationSec: 3600, at: t(m) }),
      ),
    );
    expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    const progress = await users.getProgress(alice, 't1');
    expect(progress).toMatchObject({ positionSec: 540, updatedAt: t(9), completed: false });
    // An older event, and a duplicate of the newest, change nothing.
    expect(
      await users.recordProgress({ userId: alice, titleId: 't1', positionSec: 10, durationSec: 3600, at: t(2) }),
    ).toBe(false);
    expect(
      await users.recordProgress({ userId: alice, titleId: 't1', positionSec: 540, durationSec: 3600, at: t(9) }),
    ).toBe(false);
    // An offset time is normalized before it is compared.
    expect(
      await users.recordProgress({
        userId: alice,
        titleId: 't1',
        positionSec: 600,
        durationSec: 3600,
        at: '2026-11-24T11:10:00+01:00',
      }),
    ).toBe(true);
    expect((await users.getProgress(alice, 't1'))?.updatedAt).toBe(t(10));
  });

  it('builds continue watching from 5–95 % watched titles, newest first, and history by month', async () => {
    const alice = user();
    const record = (titleId: string, ratio: number, minute: number) =>
      users.recordProgress({ userId: alice, titleId, positionSec: ratio * 1000, durationSec: 1000, at: t(minute) });
    await record('barely', 0.02, 1);
    await record('half', 0.5, 2);
    await record('almost', 0.94, 3);
    await record('done', 0.95, 4);
    await record('quarter', 0.25, 5);
    expect((await users.continueWatching(alice)).map((p) => p.titleId)).toEqual(['quarter', 'almost', 'half']);
    expect((await users.getProgress(alice, 'done'))?.completed).toBe(true);
    const history = await users.history(alice, '2026-11');
    expect(history.map((h) => h.titleId)).toEqual(['quarter', 'done', 'almost', 'half', 'barely']);
    expect(history.find((h) => h.titleId === 'done')?.completed).toBe(true);
    expect(await users.history(alice, '2026-10')).toEqual([]);
  });

  it('refuses bad ids, times and numbers with VALIDATION_FAILED', async () => {
    const bad = [
      () => users.addToWatchlist('has space', 't1'),
      () => users.addToWatchlist('alice', 't1', 'yesterday'),
      () => users.recordProgress({ userId: 'a', titleId: 't', positionSec: -1, durationSec: 10, at: t(1) }),
      () => users.recordProgress({ userId: 'a', titleId: 't', positionSec: 1, durationSec: 0, at: t(1) }),
      () => users.history('alice', '2026-13'),
      () => users.listWatchlist('alice', { limit: 1000 }),
    ];
    for (const call of bad) await expect(call()).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
