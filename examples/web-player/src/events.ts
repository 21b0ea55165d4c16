/**
 * Engagement events from the player, sent through the SDK client in small
 * batches (at most a second late), never silently dropped: a batch the API
 * refuses stays queued and is retried with the next flush.
 */
import type { Client, ClientEvent } from '@streamctl/client';

export type PlayerEventType = ClientEvent['type'];

export interface EventSender {
  send(type: PlayerEventType, titleId: string, extra?: Partial<ClientEvent>): void;
  flush(): Promise<void>;
  readonly sent: number;
}

export function createEventSender(client: Client, context: { sessionId: string; country: string }): EventSender {
  let queue: ClientEvent[] = [];
  let sent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    flushing = flushing.then(async () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (!queue.length) return;
      const batch = queue.splice(0, 500);
      try {
        const result = await client.sendEvents(batch);
        sent += result.accepted;
        // Refused entries are invalid, not transient: report them.
        for (const r of result.rejected) console.warn('event refused', r.code, batch[r.index]);
      } catch (err) {
        // The API is away: keep the batch for the next flush.
        queue = [...batch, ...queue];
        console.warn('events not sent yet:', (err as Error).message);
        timer = setTimeout(flush, 2_000);
      }
    });
    return flushing;
  };
  return {
    send(type, titleId, extra = {}) {
      queue.push({
        v: 1,
        id: crypto.randomUUID(),
        type,
        titleId,
        ts: new Date().toISOString(),
        sessionId: context.sessionId,
        country: context.country,
        device: 'web',
        ...extra,
      });
      timer ??= setTimeout(flush, 1_000);
    },
    flush,
    get sent() {
      return sent;
    },
  };
}
