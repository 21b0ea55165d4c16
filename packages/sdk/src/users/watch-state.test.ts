import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EngagementEvent } from '../events/index.js';
import { createMemoryModelStore } from '../recommendations/index.js';
import { createWatchState, type ProgressInput, type Users } from './index.js';

/** User state in memory with the SDK's rules that matter here: a write older than or equal to the stored one changes nothing. */
function memoryUsers(): Users & { writes: string[] } {
  const stamps = new Map<string, string>();
  const writes: string[] = [];
  const write = (key: string, at = new Date().toISOString()) => {
    const stored = stamps.get(key);
    if (stored !== undefined && stored >= at) return false;
    stamps.set(key, at);
    writes.push(key);
    return true;
  };
  return {
    writes,
    addToWatchlist: async (userId, titleId, at) => write(`${userId}/list/${titleId}`, at),
    removeFromWatchlist: async (userId, titleId, at) => write(`${userId}/list/${titleId}`, at),
    recordProgress: async (input: ProgressInput) => write(`${input.userId}/progress/${input.titleId}`, input.at),
    listWatchlist: async () => ({ items: [] }),
    getProgress: async () => undefined,
    continueWatching: async () => [],
    history: async () => [],
  };
}

let clock = Date.parse('2026-11-20T00:00:00Z');
const event = (type: EngagementEvent['type'], extra: Partial<EngagementEvent> = {}): EngagementEvent => {
  clock += 1_000;
  return { v: 1, id: randomUUID(), type, userId: 'u1', titleId: 't1', ts: new Date(clock).toISOString(), ...extra };
};

describe('watch state from events', () => {
  it("moves the user's model version after every write that changed something, and only then", async () => {
    const users = memoryUsers();
    const models = createMemoryModelStore();
    const { apply: process } = createWatchState({ users, changed: (userId) => models.touch(userId) });
    const version = () => models.version('u1');

    const seek = event('seek', { positionSec: 600, durationSec: 3000 });
    await process(seek);
    expect(users.writes).toEqual(['u1/progress/t1']);
    expect(await version()).toBe(1);
    // The same event again (a redelivery) and an older one change nothing, so move nothing.
    await process(seek);
    await process({ ...seek, id: randomUUID(), ts: new Date(clock - 60_000).toISOString() });
    expect(await version()).toBe(1);

    await process(event('progress', { positionSec: 900, durationSec: 3000 }));
    await process(event('watchlist_add'));
    await process(event('watchlist_remove'));
    expect(await version()).toBe(4);
    // Events without watch state (no duration, or not a watch-state type) write nothing and move nothing.
    await process(event('play'));
    await process(event('rebuffer', { durationSec: 2 }));
    expect(await version()).toBe(4);
    expect(await models.version('someone-else')).toBe(0);
  });

  it('still records the watch state when the version cannot be moved', async () => {
    const users = memoryUsers();
    const { apply: process } = createWatchState({
      users,
      changed: async () => {
        throw new Error('models unreachable');
      },
    });
    await expect(process(event('complete', { durationSec: 3000 }))).resolves.toBe(true);
    expect(users.writes).toEqual(['u1/progress/t1']);
    // Without anyone to tell, the watch state is written as before.
    await createWatchState({ users }).apply(event('watchlist_add'));
    expect(users.writes).toEqual(['u1/progress/t1', 'u1/list/t1']);
  });
});
