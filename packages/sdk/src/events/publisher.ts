/**
 * The event publisher: batches events into PutRecords (≤ 500 records,
 * ≤ 5 MiB), flushes on size or after a short linger, retries only the
 * entries Kinesis refused (and whole calls that failed) with exponential
 * backoff and full jitter, bounds its memory with backpressure, and hands
 * back every event it could not deliver: nothing is dropped silently.
 */
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { isStreamctlError } from '../errors/index.js';
import { type BackoffPolicy, backoffDelay, sleep } from '../util/index.js';
import { type PublishResult, putEvents } from './put.js';
import { type EngagementEvent, MAX_BATCH } from './schema.js';

/** Kinesis's limit on one PutRecords request. */
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;

/** An event the publisher gave up on, with the last reason. */
export interface UndeliveredEvent {
  event: EngagementEvent;
  code: string;
  message: string;
}

/** Options of {@link createEventPublisher}. */
export interface PublisherOptions {
  /** Flush a partial batch this long after its first event. Default 50 ms. */
  lingerMs?: number;
  /** Events held in memory before `publish` waits (backpressure). Default 10,000. */
  maxBuffered?: number;
  /** Attempts per event, the first included. Default 8. */
  maxAttempts?: number;
  /** Backoff base and cap (full jitter). Defaults 50 ms and 5 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Batches in flight at once. Default 4. */
  concurrency?: number;
  random?: () => number;
  /**
   * Where a batch goes: one PutRecords call, entries refused one by one answered by index. Default
   * `putEvents` on the given clients' stream; a stage with several Regions passes its put that
   * fails over to the next Region's stream (`platform.events.publisher()` does).
   */
  put?: (events: EngagementEvent[]) => Promise<PublishResult>;
}

/** Counters of a publisher's life so far. */
export interface PublisherStats {
  published: number;
  delivered: number;
  retried: number;
  undelivered: number;
  calls: number;
}

/** A running publisher. */
export interface EventPublisher {
  /** Queues an event; waits while the buffer is full. */
  publish(event: EngagementEvent): Promise<void>;
  /** Sends everything queued and resolves when it is delivered or given up on. */
  flush(): Promise<void>;
  /** Flushes, stops, and returns the events that could not be delivered. */
  close(): Promise<UndeliveredEvent[]>;
  /** Events given up on so far (also returned by `close`). */
  readonly undelivered: readonly UndeliveredEvent[];
  readonly stats: Readonly<PublisherStats>;
}

interface Pending {
  event: EngagementEvent;
  data: Uint8Array;
  attempts: number;
}

/**
 * Creates a publisher for the events stream.
 *
 * @example
 * ```ts
 * const publisher = createEventPublisher(platform.clients, platform.config.resources);
 * for (const event of events) await publisher.publish(event);
 * const undelivered = await publisher.close();
 * ```
 */
export function createEventPublisher(
  clients: AwsClients,
  names: ResourceNames,
  options: PublisherOptions = {},
): EventPublisher {
  const linger = options.lingerMs ?? 50;
  const maxBuffered = options.maxBuffered ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const base = options.baseDelayMs ?? 50;
  const cap = options.maxDelayMs ?? 5_000;
  const concurrency = options.concurrency ?? 4;
  const random = options.random ?? Math.random;
  const put = options.put ?? ((events: EngagementEvent[]) => putEvents(clients, names, events));
  const queue: Pending[] = [];
  const undelivered: UndeliveredEvent[] = [];
  const stats: PublisherStats = { published: 0, delivered: 0, retried: 0, undelivered: 0, calls: 0 };
  let inFlight = 0;
  let outstanding = 0; // queued + in flight + waiting to retry
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const spaceWaiters: Array<() => void> = [];
  const idleWaiters: Array<() => void> = [];

  const policy: BackoffPolicy = { baseMs: base, capMs: cap, jitter: 'full' };
  const backoff = (attempt: number) => backoffDelay(policy, attempt, random);

  function settle(count: number): void {
    outstanding -= count;
    while (outstanding < maxBuffered && spaceWaiters.length) spaceWaiters.shift()?.();
    if (outstanding === 0) while (idleWaiters.length) idleWaiters.shift()?.();
  }

  function giveUp(item: Pending, code: string, message: string): void {
    undelivered.push({ event: item.event, code, message });
    stats.undelivered++;
    settle(1);
  }

  function takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let bytes = 0;
    while (queue.length && batch.length < MAX_BATCH) {
      const next = queue[0] as Pending;
      const size = next.data.byteLength + Buffer.byteLength(next.event.userId);
      if (batch.length && bytes + size > MAX_BATCH_BYTES) break;
      batch.push(queue.shift() as Pending);
      bytes += size;
    }
    return batch;
  }

  async function send(batch: Pending[]): Promise<void> {
    let failed: Array<{ item: Pending; code: string; message: string }>;
    stats.calls++;
    try {
      const out = await put(batch.map((p) => p.event));
      failed = out.failed.map((f) => ({ item: batch[f.index] as Pending, code: f.code, message: f.message }));
    } catch (err) {
      // The whole call failed (throttled, network, 5xx; with Region failover, in every Region):
      // every entry is retried.
      const code = isStreamctlError(err) ? err.code : ((err as { name?: string }).name ?? 'Error');
      failed = batch.map((item) => ({ item, code, message: (err as Error).message ?? String(err) }));
    }
    const delivered = batch.length - failed.length;
    stats.delivered += delivered;
    settle(delivered);
    const retry: Pending[] = [];
    for (const f of failed) {
      f.item.attempts++;
      if (f.item.attempts >= maxAttempts) giveUp(f.item, f.code, f.message);
      else retry.push(f.item);
    }
    if (retry.length) {
      stats.retried += retry.length;
      const attempt = Math.max(...retry.map((r) => r.attempts));
      await sleep(backoff(attempt));
      // Retries go to the front: they are the oldest events.
      queue.unshift(...retry);
    }
  }

  function pump(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (inFlight < concurrency && queue.length) {
      const batch = takeBatch();
      inFlight++;
      void send(batch).finally(() => {
        inFlight--;
        if (queue.length) schedule(queue.length >= MAX_BATCH || closed ? 0 : linger);
      });
    }
  }

  function schedule(delay: number): void {
    if (delay === 0) {
      pump();
      return;
    }
    timer ??= setTimeout(pump, delay);
  }

  return {
    get undelivered() {
      return undelivered;
    },
    get stats() {
      return stats;
    },
    async publish(event) {
      if (closed) throw new Error('The publisher is closed');
      while (outstanding >= maxBuffered) await new Promise<void>((resolve) => spaceWaiters.push(resolve));
      outstanding++;
      stats.published++;
      queue.push({ event, data: Buffer.from(JSON.stringify(event)), attempts: 0 });
      schedule(queue.length >= MAX_BATCH ? 0 : linger);
    },
    async flush() {
      if (outstanding === 0) return;
      const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
      schedule(0);
      await idle;
    },
    async close() {
      closed = true;
      await this.flush();
      if (timer) clearTimeout(timer);
      return [...undelivered];
    },
  };
}
