/**
 * Accepting a viewer's batch of engagement events (the API's `POST /v1/events`):
 * each entry is validated on its own and stamped with the viewer as its user,
 * the viewer's country and the serving Region (a body never chooses any of
 * them); it is refused when it claims to be someone else's, when its time is
 * in the future beyond a small clock skew or older than events are kept for,
 * or when its title is not one the viewer can see. The rest go into one
 * PutRecords; every refusal and every entry the stream refused is reported by
 * its index in the batch.
 */
import { z } from 'zod';
import { ErrorCode, ValidationError } from '../errors/index.js';
import type { Viewer } from '../users/index.js';
import type { putEvents } from './put.js';
import { type EngagementEvent, MAX_BATCH, parseEvent } from './schema.js';

/** What became of a batch. */
export interface AcceptResult {
  accepted: number;
  /**
   * Entries refused (bad, someone else's, or refused by the stream), by index, in order. Entries
   * the stream refused (throttled, or its internal error) are `retryable`: the batch went in one
   * PutRecords, and the client sends those again, unchanged, after a backoff (their ids make a
   * second arrival a no-op). The others are final.
   */
  rejected: Array<{ index: number; code: string; retryable?: boolean }>;
}

/** The events use case. */
export interface EventsAcceptor {
  /**
   * Accepts up to {@link MAX_BATCH} events from a viewer. A batch that is not an array of 1–500
   * entries throws `VALIDATION_FAILED`; bad entries are rejected one by one (`VALIDATION_FAILED`,
   * `FORBIDDEN` for another user's, `NOT_FOUND` for a title the viewer cannot see).
   */
  accept(viewer: Viewer, batch: unknown): Promise<AcceptResult>;
}

const Batch = z.array(z.unknown()).min(1).max(MAX_BATCH);

/** How far ahead of the platform's clock an event's time may be (clients' clocks drift). Default 5 min. */
export const EVENT_MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** How old an event may be when it arrives (offline viewing syncs late). Default 30 days. */
export const EVENT_MAX_AGE_MS = 30 * 86_400_000;

/** What {@link createEventsAcceptor} works with. */
export interface EventsAcceptorDeps {
  put: (events: EngagementEvent[]) => ReturnType<typeof putEvents>;
  /** Whether the viewer can see a title (published); events about any other title are refused. */
  titleVisible: (titleId: string) => Promise<boolean>;
  /** The Region serving the viewer, stamped on every event (QoE metrics are per Region). Without it, a body's stays. */
  region?: string;
  /** The clock, in epoch ms. Default `Date.now`. */
  now?: () => number;
  maxFutureSkewMs?: number;
  maxAgeMs?: number;
}

/**
 * Creates the events use case over a publisher of validated events.
 *
 * @example
 * ```ts
 * const events = createEventsAcceptor({
 *   put: (batch) => putEvents(clients, names, batch),
 *   titleVisible: async (id) => (await catalog.findTitle(id))?.status === 'PUBLISHED',
 * });
 * const { accepted, rejected } = await events.accept(viewer, JSON.parse(body));
 * ```
 */
export function createEventsAcceptor(deps: EventsAcceptorDeps): EventsAcceptor {
  const now = deps.now ?? Date.now;
  const skew = deps.maxFutureSkewMs ?? EVENT_MAX_FUTURE_SKEW_MS;
  const maxAge = deps.maxAgeMs ?? EVENT_MAX_AGE_MS;
  return {
    async accept(viewer, batch) {
      const parsed = Batch.safeParse(batch);
      if (!parsed.success) throw ValidationError.fromZod(`events (an array of 1–${MAX_BATCH})`, parsed.error);
      const rejected: AcceptResult['rejected'] = [];
      const candidates: Array<{ index: number; event: EngagementEvent }> = [];
      const valid: Array<{ index: number; event: EngagementEvent }> = [];
      parsed.data.forEach((raw, index) => {
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
          rejected.push({ index, code: ErrorCode.ValidationFailed });
          return;
        }
        const claimed = (raw as { userId?: unknown }).userId;
        if (claimed !== undefined && claimed !== viewer.userId) {
          rejected.push({ index, code: ErrorCode.Forbidden });
          return;
        }
        let event: EngagementEvent;
        try {
          event = parseEvent({
            ...raw,
            userId: viewer.userId,
            country: viewer.country,
            ...(deps.region ? { region: deps.region } : {}),
          });
        } catch {
          rejected.push({ index, code: ErrorCode.ValidationFailed });
          return;
        }
        // A time far ahead would pin a resume position and weigh in the models forever; a very old
        // one is a replay. Both are refused, not clamped.
        const at = Date.parse(event.ts);
        const t = now();
        if (!(at <= t + skew && at >= t - maxAge)) {
          rejected.push({ index, code: ErrorCode.ValidationFailed });
          return;
        }
        candidates.push({ index, event });
      });
      // Made-up title ids would grow popularity partitions and metric dimensions without bound.
      const titleIds = [...new Set(candidates.map((c) => c.event.titleId))];
      const visible = new Map(
        await Promise.all(titleIds.map(async (id) => [id, await deps.titleVisible(id)] as const)),
      );
      for (const candidate of candidates) {
        if (visible.get(candidate.event.titleId)) valid.push(candidate);
        else rejected.push({ index: candidate.index, code: ErrorCode.NotFound });
      }
      const result = await deps.put(valid.map((v) => v.event));
      for (const failure of result.failed) {
        const sent = valid[failure.index];
        if (sent) rejected.push({ index: sent.index, code: failure.code, retryable: true });
      }
      rejected.sort((a, b) => a.index - b.index);
      return { accepted: result.accepted, rejected };
    },
  };
}
