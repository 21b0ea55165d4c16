/**
 * Accepting a viewer's batch of engagement events (the API's `POST /v1/events`):
 * each entry is validated on its own, stamped with the viewer as its user,
 * refused when it claims to be someone else's, and the rest published in one
 * PutRecords; every refusal and every entry the stream refused is reported
 * by its index in the batch the viewer sent.
 */
import { z } from 'zod';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { ErrorCode, ValidationError } from '../errors/index.js';
import type { Viewer } from '../users/index.js';
import { putEvents } from './put.js';
import { type EngagementEvent, MAX_BATCH, parseEvent } from './schema.js';

/** What became of a batch. */
export interface AcceptResult {
  accepted: number;
  /** Entries refused (bad, someone else's, or refused by the stream), by index, in order. */
  rejected: Array<{ index: number; code: string }>;
}

/** The events use case. */
export interface EventsAcceptor {
  /**
   * Accepts up to {@link MAX_BATCH} events from a viewer. A batch that is not an array of 1–500
   * entries throws `VALIDATION_FAILED`; bad entries are rejected one by one.
   */
  accept(viewer: Viewer, batch: unknown): Promise<AcceptResult>;
}

const Batch = z.array(z.unknown()).min(1).max(MAX_BATCH);

/**
 * Creates the events use case over a publisher of validated events.
 *
 * @example
 * ```ts
 * const events = createEventsAcceptor({ put: (batch) => putEvents(clients, names, batch) });
 * const { accepted, rejected } = await events.accept(viewer, JSON.parse(body));
 * ```
 */
export function createEventsAcceptor(deps: {
  put: (events: EngagementEvent[]) => ReturnType<typeof putEvents>;
}): EventsAcceptor {
  return {
    async accept(viewer, batch) {
      const parsed = Batch.safeParse(batch);
      if (!parsed.success) throw ValidationError.fromZod(`events (an array of 1–${MAX_BATCH})`, parsed.error);
      const rejected: AcceptResult['rejected'] = [];
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
        try {
          valid.push({ index, event: parseEvent({ ...raw, userId: viewer.userId }) });
        } catch {
          rejected.push({ index, code: ErrorCode.ValidationFailed });
        }
      });
      const result = await deps.put(valid.map((v) => v.event));
      for (const failure of result.failed) {
        const sent = valid[failure.index];
        if (sent) rejected.push({ index: sent.index, code: failure.code });
      }
      rejected.sort((a, b) => a.index - b.index);
      return { accepted: result.accepted, rejected };
    },
  };
}

/** Publishes validated events into a stage's stream (one PutRecords). */
export const streamPut =
  (clients: AwsClients, names: ResourceNames) =>
  (events: EngagementEvent[]): ReturnType<typeof putEvents> =>
    putEvents(clients, names, events);
