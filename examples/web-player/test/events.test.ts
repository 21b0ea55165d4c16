/**
 * The event sender in plain Node: a fake client, a map for `localStorage` and vitest's fake
 * timers (which move `Date.now` too). Retries come back after their backoff, refusals are counted,
 * a 429 waits for its Retry-After, the queue outlives a reload and stays within its bounds.
 */
import { ApiError, type Client, type ClientEvent, type EventsResult } from '@streamctl/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createEventSender,
  type KeyValueStore,
  PersistedQueue,
  QUEUE_LIMITS,
  queueKey,
  retryDelay,
  type SenderDeps,
} from '../src/events.js';

function memoryStorage(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (key) => data.get(key) ?? null, setItem: (key, value) => void data.set(key, value) };
}

type Answer = (batch: ClientEvent[]) => EventsResult | Error;
const acceptAll: Answer = (batch) => ({ accepted: batch.length, rejected: [] });

/** A client whose `sendEvents` answers each call with the next of `answers` (then accepts all). */
function fakeClient(...answers: Answer[]) {
  const calls: ClientEvent[][] = [];
  const client = {
    async sendEvents(batch: ClientEvent[]) {
      calls.push(structuredClone(batch));
      const answer = (answers.shift() ?? acceptAll)(batch);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as Pick<Client, 'sendEvents'> as Client;
  return { client, calls };
}

const context = { userId: 'alice', sessionId: 's1', country: 'GB' };
const stored = (storage: KeyValueStore, userId = 'alice') =>
  JSON.parse(storage.getItem(queueKey(userId)) ?? '[]') as ClientEvent[];

describe('event sender', () => {
  let storage: ReturnType<typeof memoryStorage>;
  // The smallest jitter: each backoff is half its ceiling (500 ms, 1 s, 2 s, …).
  const deps = (): SenderDeps => ({ storage, random: () => 0 });

  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-12-03T12:00:00Z') });
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
    storage = memoryStorage();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('sends version 2 events in one batch a second later, and forgets them once accepted', async () => {
    const { client, calls } = fakeClient();
    const sender = createEventSender(client, context, deps());
    sender.send('startup', 't1', { startupMs: 840 });
    sender.send('progress', 't1', { positionSec: 10, watchMs: 10_000 });
    expect(stored(storage)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject([
      { v: 2, type: 'startup', titleId: 't1', startupMs: 840, sessionId: 's1', country: 'GB', device: 'web' },
      { v: 2, type: 'progress', watchMs: 10_000 },
    ]);
    expect(sender.stats).toEqual({ sent: 2, dropped: 0, retried: 0, queued: 0 });
    expect(stored(storage)).toEqual([]);
  });

  it('sends retryable entries again, unchanged, after the backoff; the others are not sent twice', async () => {
    const { client, calls } = fakeClient((batch) => ({
      accepted: batch.length - 1,
      rejected: [{ index: 1, code: 'THROTTLED', retryable: true }],
    }));
    const sender = createEventSender(client, context, deps());
    for (const type of ['play', 'progress', 'pause'] as const) sender.send(type, 't1');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(1);
    expect(sender.stats).toEqual({ sent: 2, dropped: 0, retried: 1, queued: 1 });
    // Still persisted until it is answered for.
    expect(stored(storage).map((e) => e.type)).toEqual(['progress']);
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual([calls[0]?.[1]]);
    expect(sender.stats).toEqual({ sent: 3, dropped: 0, retried: 1, queued: 0 });
    expect(stored(storage)).toEqual([]);
  });

  it('counts the entries refused as invalid as dropped, and never sends them again', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { client, calls } = fakeClient(() => ({
      accepted: 1,
      rejected: [{ index: 0, code: 'VALIDATION_FAILED' }],
    }));
    const sender = createEventSender(client, context, deps());
    sender.send('rebuffer', 't1', { stallMs: -1 });
    sender.send('play', 't1');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    expect(sender.stats).toEqual({ sent: 1, dropped: 1, retried: 0, queued: 0 });
    expect(warn).toHaveBeenCalledWith('1 event(s) dropped: refused (VALIDATION_FAILED)', [calls[0]?.[0]]);
    expect(stored(storage)).toEqual([]);
  });

  it('waits for the Retry-After of a 429 when it is longer than the backoff', async () => {
    const { client, calls } = fakeClient(() => new ApiError(429, 'RATE_LIMITED', 'slow down', 5));
    const sender = createEventSender(client, context, deps());
    sender.send('like', 't1');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(1);
    // Neither a new event nor a flush goes before the Retry-After (a page going away does).
    sender.send('pause', 't1');
    await sender.flush();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.map((e) => e.type)).toEqual(['like', 'pause']);
    expect(calls[1]?.[0]).toEqual(calls[0]?.[0]);
    expect(sender.stats).toEqual({ sent: 2, dropped: 0, retried: 1, queued: 0 });
  });

  it('backs off exponentially while the API is away, then starts again from the first step', async () => {
    const away = () => new TypeError('Failed to fetch');
    const { client, calls } = fakeClient(away, away, away);
    const sender = createEventSender(client, context, deps());
    sender.send('like', 't1');
    await vi.advanceTimersByTimeAsync(1_000);
    const times = [Date.now()];
    for (const wait of [500, 1_000, 2_000]) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(calls).toHaveLength(times.length);
      await vi.advanceTimersByTimeAsync(1);
      times.push(Date.now());
    }
    expect(calls).toHaveLength(4);
    expect(sender.stats).toEqual({ sent: 1, dropped: 0, retried: 3, queued: 0 });
    expect(new Set(calls.map((c) => c[0]?.id)).size).toBe(1);
  });

  it('drops a batch the API refuses as a whole for good (a 400), and counts it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { client, calls } = fakeClient(() => new ApiError(400, 'VALIDATION_FAILED', 'bad batch'));
    const sender = createEventSender(client, context, deps());
    sender.send('like', 't1');
    sender.send('skip', 't1');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    expect(sender.stats).toEqual({ sent: 0, dropped: 2, retried: 0, queued: 0 });
    expect(warn).toHaveBeenCalledOnce();
    expect(stored(storage)).toEqual([]);
  });

  it('keeps a batch answered 401 (the sign-in expired) stored for the next sign-in, not dropped', async () => {
    const { client, calls } = fakeClient(() => new ApiError(401, 'UNAUTHORIZED', 'token expired'));
    const sender = createEventSender(client, context, deps());
    sender.send('like', 't1');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    expect(sender.stats).toEqual({ sent: 0, dropped: 0, retried: 0, queued: 0 });
    expect(stored(storage)).toEqual(calls[0]);
    const again = fakeClient();
    createEventSender(again.client, context, deps());
    await vi.advanceTimersByTimeAsync(0);
    expect(again.calls).toEqual(calls);
  });

  it('restores the unsent queue after a reload and sends it at once, unchanged', async () => {
    const down = fakeClient(() => new TypeError('Failed to fetch'));
    const before = createEventSender(down.client, context, deps());
    before.send('startup', 't1', { startupMs: 1200 });
    before.send('pause', 't1', { watchMs: 4000 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(before.stats).toMatchObject({ sent: 0, retried: 2, queued: 2 });
    // The page goes away mid-backoff; another user's queue is their own.
    createEventSender(fakeClient().client, { ...context, userId: 'bob' }, deps()).send('like', 't2');

    const up = fakeClient();
    const after = createEventSender(up.client, context, deps());
    expect(after.stats.queued).toBe(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(up.calls).toEqual([down.calls[0]]);
    expect(after.stats).toEqual({ sent: 2, dropped: 0, retried: 0, queued: 0 });
    expect(stored(storage)).toEqual([]);
    expect(stored(storage, 'bob')).toHaveLength(1);
  });

  it('keeps the newest 1,000 events at most, and counts the oldest it drops', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { client } = fakeClient();
    const sender = createEventSender(client, context, deps());
    for (let i = 0; i < QUEUE_LIMITS.events + 5; i++) sender.send('progress', 't1', { positionSec: i });
    const kept = stored(storage);
    expect(kept).toHaveLength(QUEUE_LIMITS.events);
    expect(kept[0]?.positionSec).toBe(5);
    expect(sender.stats).toMatchObject({ dropped: 5, queued: QUEUE_LIMITS.events });
    expect(warn).toHaveBeenCalledTimes(5);
  });

  it('keeps at most 256 KiB of events', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const sender = createEventSender(fakeClient().client, context, deps());
    const titleId = 'x'.repeat(2_000);
    for (let i = 0; i < 200; i++) sender.send('progress', titleId, { positionSec: i });
    const text = storage.getItem(queueKey('alice')) ?? '';
    expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(QUEUE_LIMITS.bytes);
    expect(stored(storage).length).toBeGreaterThan(100);
    expect(sender.stats.dropped).toBe(200 - stored(storage).length);
    expect(stored(storage).at(-1)?.positionSec).toBe(199);
  });

  it('does not keep or send events older than the API accepts (30 days), years ahead too', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.setSystemTime(Date.parse('2031-06-01T00:00:00Z'));
    const day = 86_400_000;
    const event = (ageMs: number, id: string): ClientEvent => ({
      v: 2,
      id,
      type: 'like',
      titleId: 't1',
      ts: new Date(Date.now() - ageMs).toISOString(),
    });
    storage.setItem(queueKey('alice'), JSON.stringify([event(31 * day, 'old'), event(29 * day, 'young')]));
    const { client, calls } = fakeClient();
    const sender = createEventSender(client, context, deps());
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.map((e) => e.id))).toEqual([['young']]);
    expect(sender.stats).toMatchObject({ sent: 1, dropped: 1 });

    // An event that ages past the limit while the API is away is dropped, not sent to be refused.
    const away = fakeClient(() => new TypeError('Failed to fetch'));
    const waiting = createEventSender(away.client, { ...context, userId: 'carol' }, deps());
    waiting.send('like', 't1');
    await vi.advanceTimersByTimeAsync(1_000);
    vi.setSystemTime(Date.now() + 31 * day);
    await waiting.flush({ leaving: true });
    expect(away.calls).toHaveLength(1);
    expect(waiting.stats).toMatchObject({ sent: 0, dropped: 1, queued: 0 });
    expect(stored(storage, 'carol')).toEqual([]);
  });

  it('two tabs of one user keep each other\u2019s unsent events', () => {
    const now = () => Date.now();
    const tabA = new PersistedQueue(storage, queueKey('alice'), now);
    const tabB = new PersistedQueue(storage, queueKey('alice'), now);
    const event = (id: string): ClientEvent => ({
      v: 2,
      id,
      type: 'like',
      titleId: 't1',
      ts: new Date().toISOString(),
    });
    tabA.add([event('a1')]);
    tabB.add([event('b1')]);
    tabA.remove(new Set(['a1']));
    expect(tabB.read().events.map((e) => e.id)).toEqual(['b1']);
  });

  it('reads a damaged store as empty', () => {
    storage.setItem(queueKey('alice'), '{not json');
    expect(new PersistedQueue(storage, queueKey('alice'), Date.now).read()).toEqual({ events: [], dropped: 0 });
  });
});

describe('retryDelay', () => {
  it('doubles from 1 s with jitter in the upper half, capped at 30 s, and honours Retry-After', () => {
    expect([0, 1, 2, 3].map((a) => retryDelay(a, undefined, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([0, 1, 2, 3].map((a) => retryDelay(a, undefined, () => 0.999_999))).toEqual([999, 1_999, 3_999, 7_999]);
    expect(retryDelay(40, undefined, () => 1)).toBe(30_000);
    expect(retryDelay(40, undefined, () => 0)).toBe(15_000);
    expect(retryDelay(0, 120, () => 0)).toBe(120_000);
    expect(retryDelay(4, 1, () => 0)).toBe(8_000);
  });
});
