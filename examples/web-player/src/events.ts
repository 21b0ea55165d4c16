/**
 * Engagement and QoE events from the player (schema version 2), sent through the SDK client in
 * small batches (at most a second late), and never lost without a count:
 *
 * - every event waits in `localStorage` (a key per signed-in user) until the API has answered
 *   for it, so a reload, a crash or a closed tab sends it on the next load (its id makes a second
 *   arrival harmless);
 * - entries the API answers `retryable` (the stream was busy) and whole batches that failed (the
 *   API away, 429, 5xx) go back on the queue and are sent again after an exponential backoff with
 *   jitter, or after the `Retry-After` of a 429, whichever is longer;
 * - entries the API refuses for good (invalid), events older than the API accepts, and the oldest
 *   events over the queue's bounds are dropped and counted in `dropped`;
 * - a batch answered 401 (the sign-in expired) stays stored for the user's next sign-in.
 */
import { ApiError, type Client, type ClientEvent } from '@streamctl/client';

export type PlayerEventType = ClientEvent['type'];

/** What the sender has done so far (exposed to tests on `window.__streamctl.events`). */
export interface SenderStats {
  /** Events the API accepted. */
  sent: number;
  /** Events given up on: refused as invalid, too old, or pushed out of a full queue. */
  dropped: number;
  /** Events put back on the queue to be sent again. */
  retried: number;
  /** Events waiting for an answer (queued or in flight). */
  queued: number;
}

export interface EventSender {
  send(type: PlayerEventType, titleId: string, extra?: Partial<ClientEvent>): void;
  /**
   * Sends what is queued now, ahead of the batching delay; while a backoff runs, only when the
   * page is `leaving` (hidden or closing: the request may be its last chance, and is persisted anyway).
   */
  flush(options?: { leaving?: boolean }): Promise<void>;
  readonly stats: SenderStats;
}

/** Bounds of the persisted queue. */
export interface QueueLimits {
  /** Most events kept; over it the oldest are dropped. */
  events: number;
  /** Most bytes of JSON kept; over it the oldest are dropped. */
  bytes: number;
  /** Oldest event kept, by its `ts`: the API refuses older ones (its `EVENT_MAX_AGE_MS`, 30 days). */
  maxAgeMs: number;
}

export const QUEUE_LIMITS: QueueLimits = { events: 1_000, bytes: 256 * 1024, maxAgeMs: 30 * 86_400_000 };

/** The storage the queue persists in: `localStorage`, or a map in tests. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

/** The `localStorage` key of a user's unsent events. */
export const queueKey = (userId: string) => `streamctl-events:${userId}`;

const byteLength = (text: string) => new TextEncoder().encode(text).length;

/**
 * A user's unanswered events in storage, oldest first. Every change reads the stored list first,
 * so two tabs of one user add and remove their own events without erasing each other's.
 *
 * @example
 * ```ts
 * const queue = new PersistedQueue(localStorage, queueKey('alice'), Date.now);
 * const dropped = queue.add([event]);
 * queue.remove(new Set([event.id]));
 * ```
 */
export class PersistedQueue {
  constructor(
    private readonly storage: KeyValueStore,
    readonly key: string,
    private readonly now: () => number,
    private readonly limits: QueueLimits = QUEUE_LIMITS,
  ) {}

  /** The stored events within the bounds, and how many stored ones fell outside them. */
  read(): { events: ClientEvent[]; dropped: number } {
    let stored: unknown;
    try {
      stored = JSON.parse(this.storage.getItem(this.key) ?? '[]');
    } catch {
      stored = [];
    }
    const list = Array.isArray(stored) ? (stored as ClientEvent[]) : [];
    const events = this.bound(list.filter((e) => typeof e?.id === 'string' && typeof e.ts === 'string'));
    return { events, dropped: list.length - events.length };
  }

  /** Stores events after the ones already there; answers how many (of any) the bounds dropped. */
  add(events: ClientEvent[]): { dropped: ClientEvent[] } {
    const before = this.read().events;
    const known = new Set(before.map((e) => e.id));
    const all = [...before, ...events.filter((e) => !known.has(e.id))];
    const kept = this.bound(all);
    this.write(kept);
    const keptIds = new Set(kept.map((e) => e.id));
    return { dropped: all.filter((e) => !keptIds.has(e.id)) };
  }

  /** Forgets events the API has answered for. */
  remove(ids: ReadonlySet<string>): void {
    this.write(this.read().events.filter((e) => !ids.has(e.id)));
  }

  /** Events younger than the API accepts, then at most `events` of them and `bytes` of JSON: the newest. */
  private bound(events: ClientEvent[]): ClientEvent[] {
    const oldest = this.now() - this.limits.maxAgeMs;
    const young = events.filter((e) => Date.parse(e.ts) >= oldest);
    const kept: ClientEvent[] = [];
    let bytes = 2; // the brackets
    for (let i = young.length - 1; i >= 0 && kept.length < this.limits.events; i--) {
      const event = young[i] as ClientEvent;
      bytes += byteLength(JSON.stringify(event)) + 1;
      if (bytes > this.limits.bytes) break;
      kept.unshift(event);
    }
    return kept;
  }

  private write(events: ClientEvent[]): void {
    try {
      this.storage.setItem(this.key, JSON.stringify(events));
    } catch (err) {
      // Storage full or off (a private window): the events still go from memory.
      console.info('events not persisted:', (err as Error).message);
    }
  }
}

/** Retries: from 1 s, doubling, capped at 30 s; each wait between half and all of that ("equal jitter"). */
export const RETRY_BACKOFF = { baseMs: 1_000, capMs: 30_000 } as const;

/**
 * The wait before retry number `attempt` (0 for the first): half the ceiling
 * `min(capMs, baseMs · 2^attempt)` plus a random part of the other half, so retries from many
 * players spread apart yet never come at once; a `Retry-After` (seconds) is waited at least.
 *
 * @example
 * ```ts
 * retryDelay(0, undefined, () => 0.5); // 750
 * retryDelay(10, undefined, () => 1); // 30000
 * retryDelay(0, 5, () => 0); // 5000
 * ```
 */
export function retryDelay(attempt: number, retryAfterSec?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_BACKOFF.capMs, RETRY_BACKOFF.baseMs * 2 ** Math.max(0, attempt));
  const backoff = Math.floor(ceiling / 2 + random() * (ceiling / 2));
  return Math.max(backoff, retryAfterSec && retryAfterSec > 0 ? retryAfterSec * 1000 : 0);
}

/** Whether a failed `POST /v1/events` is worth sending again: the API away, rate limited or failing. */
function batchRetryable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true; // a network error: fetch rejected
  return err.status === 408 || err.status === 429 || err.status >= 500;
}

/** Most events in one request: the API takes 500; a `keepalive` request's body must stay under 64 KiB. */
const BATCH = { events: 500, bytes: 48 * 1024 };
/** How long an event waits for others to share its request. */
const BATCH_DELAY_MS = 1_000;

/** What {@link createEventSender} works with, injectable for tests. */
export interface SenderDeps {
  storage?: KeyValueStore;
  /** Epoch ms. Default `Date.now`. */
  now?: () => number;
  random?: () => number;
  limits?: QueueLimits;
}

/**
 * Creates the sender of a signed-in user's events. Events a previous page left unsent (a reload,
 * a closed tab) are restored and sent at once.
 *
 * @example
 * ```ts
 * const events = createEventSender(client, { userId: 'alice', sessionId, country: 'GB' });
 * events.send('like', 't1');
 * addEventListener('pagehide', () => void events.flush({ leaving: true }));
 * ```
 */
export function createEventSender(
  client: Client,
  context: { userId: string; sessionId: string; country: string },
  deps: SenderDeps = {},
): EventSender {
  const now = deps.now ?? Date.now;
  const store = new PersistedQueue(deps.storage ?? localStorage, queueKey(context.userId), now, deps.limits);
  const stats: SenderStats = { sent: 0, dropped: 0, retried: 0, queued: 0 };
  const restored = store.read();
  let queue: ClientEvent[] = restored.events;
  stats.dropped += restored.dropped;
  let inFlight = 0;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** When set, nothing is sent before this time (ms, `now()`) unless the page is going away. */
  let backoffUntil = 0;
  let flushing: Promise<void> = Promise.resolve();
  const count = () => {
    stats.queued = queue.length + inFlight;
  };
  const schedule = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(false), ms);
  };
  const drop = (events: ClientEvent[], why: string) => {
    if (!events.length) return;
    stats.dropped += events.length;
    console.warn(`${events.length} event(s) dropped: ${why}`, events);
  };

  /** Takes the next batch off the queue: the oldest events, within the request's bounds. */
  const takeBatch = (): ClientEvent[] => {
    let bytes = 2;
    let n = 0;
    while (n < queue.length && n < BATCH.events) {
      bytes += byteLength(JSON.stringify(queue[n])) + 1;
      if (bytes > BATCH.bytes && n > 0) break;
      n++;
    }
    return queue.splice(0, n);
  };

  /** Puts events back at the queue's head, to be sent again after a backoff. */
  const retryLater = (events: ClientEvent[], retryAfterSec?: number) => {
    queue = [...events, ...queue];
    stats.retried += events.length;
    const wait = retryDelay(attempt++, retryAfterSec, deps.random);
    backoffUntil = now() + wait;
    schedule(wait);
  };

  const sendBatch = async (): Promise<boolean> => {
    // Too old for the API by now (a page left open for weeks): dropped, not sent to be refused.
    const oldest = now() - (deps.limits ?? QUEUE_LIMITS).maxAgeMs;
    const stale = queue.filter((e) => Date.parse(e.ts) < oldest);
    if (stale.length) {
      queue = queue.filter((e) => !stale.includes(e));
      store.remove(new Set(stale.map((e) => e.id)));
      drop(stale, 'older than the API accepts');
    }
    const batch = takeBatch();
    if (!batch.length) return false;
    inFlight = batch.length;
    try {
      const result = await client.sendEvents(batch);
      stats.sent += result.accepted;
      const again = result.rejected.filter((r) => r.retryable).map((r) => batch[r.index] as ClientEvent);
      const refused = result.rejected.filter((r) => !r.retryable);
      drop(
        refused.map((r) => batch[r.index] as ClientEvent),
        `refused (${[...new Set(refused.map((r) => r.code))].join(', ')})`,
      );
      // Every entry not to be sent again has been answered for: it leaves storage.
      const answered = new Set(batch.map((e) => e.id));
      for (const e of again) answered.delete(e.id);
      store.remove(answered);
      if (again.length) {
        retryLater(again);
        return false;
      }
      attempt = 0;
      backoffUntil = 0;
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        // The sign-in has expired: the batch stays stored, and this user's next sign-in sends it.
        console.info('events kept for the next sign-in:', err.message);
        return false;
      }
      if (!batchRetryable(err)) {
        store.remove(new Set(batch.map((e) => e.id)));
        drop(batch, `the API refused the batch (${(err as Error).message})`);
        return true;
      }
      console.info('events not sent yet:', (err as Error).message);
      retryLater(batch, err instanceof ApiError ? err.retryAfter : undefined);
      return false;
    } finally {
      inFlight = 0;
      count();
    }
  };

  /** Sends batches until the queue is empty or a batch has to wait; one run at a time. */
  const run = (force: boolean): Promise<void> => {
    flushing = flushing.then(async () => {
      if (!force && now() < backoffUntil) {
        // Early (a flush, or a timer a millisecond ahead of the clock): the backoff's timer sends.
        schedule(backoffUntil - now());
        return;
      }
      clearTimeout(timer);
      timer = undefined;
      while (await sendBatch());
      count();
    });
    return flushing;
  };

  if (queue.length) void run(false);
  count();
  return {
    send(type, titleId, extra = {}) {
      const event: ClientEvent = {
        v: 2,
        id: crypto.randomUUID(),
        type,
        titleId,
        ts: new Date(now()).toISOString(),
        sessionId: context.sessionId,
        country: context.country,
        device: 'web',
        ...extra,
      };
      queue.push(event);
      const { dropped } = store.add([event]);
      if (dropped.length) {
        const ids = new Set(dropped.map((e) => e.id));
        queue = queue.filter((e) => !ids.has(e.id));
        drop(dropped, 'the queue is full');
      }
      count();
      if (!timer) schedule(Math.max(BATCH_DELAY_MS, backoffUntil - now()));
    },
    flush: (options = {}) => run(options.leaving === true),
    stats,
  };
}
