/**
 * One record through a consumer: decode, validate, claim its event id,
 * process (retrying a few times), mark done. Poison (not JSON, unknown
 * version, a processor that keeps failing) is parked and skipped so it
 * never blocks its shard. Engagement and catalog events share the stream: a
 * consumer processes the kinds it has a processor for and skips the others.
 * Shared by the Lambda handlers and the local poller, so both treat a record the same way.
 */
import { ErrorCode, StreamctlError } from '../errors/index.js';
import {
  type CatalogEvent,
  type EngagementEvent,
  isCatalogRecord,
  parseCatalogEvent,
  parseEvent,
} from '../events/index.js';
import { backoffDelay, RECORD_RETRY, sleep } from '../util/index.js';
import type { IdempotencyStore } from './ledger.js';

/** Where a record sits in its stream: its shard, and its sequence number there. */
export interface RecordPosition {
  shardId: string;
  sequenceNumber: string;
}

/** Handles one valid event (and the record that carried it); throw to have it retried. */
export type EventProcessor = (event: EngagementEvent, record: RecordPosition) => Promise<void>;
/** Handles one valid catalog event; throw to have it retried. */
export type CatalogProcessor = (event: CatalogEvent) => Promise<void>;

/** A record that could not be processed, with why. */
export interface ParkedRecord {
  consumer: string;
  shardId: string;
  sequenceNumber: string;
  reason: string;
  data: string;
}

/** Where parked records go (a dead-letter table locally; the on-failure destination on AWS). */
export type Parker = (record: ParkedRecord) => Promise<void>;

/** A consumer: a name (its ledger and checkpoints), its processors, a ledger and a parker. */
export interface Consumer {
  name: string;
  /** Engagement events; a consumer without it skips them. */
  process?: EventProcessor;
  /**
   * A done event whose record came again (its batch was delivered again: the worker stopped
   * before its checkpoint, or a flush failed): for work a consumer defers to {@link flush},
   * which may not have happened. Writes already made must be idempotent per record.
   */
  replay?: EventProcessor;
  /**
   * Called after the records of one shard's batch went through, before the batch counts as
   * done (checkpoint, or Lambda's answer): a consumer that aggregates writes across a batch
   * makes them here. Throw to have the batch delivered again.
   */
  flush?: (shardId: string) => Promise<void>;
  /** Catalog events (publish, unpublish); a consumer without it skips them. */
  processCatalog?: CatalogProcessor;
  idempotency: IdempotencyStore;
  park: Parker;
  /**
   * Whether a viewer was erased (their tombstone holds): their engagement events are dropped
   * (outcome `erased`) before anything is written, so a late event cannot re-create their state.
   */
  erased?: (userId: string) => Promise<boolean>;
  /** Attempts before a failing event is parked. Default 3. */
  maxAttempts?: number;
}

/** What happened to one record. */
export type Outcome = 'processed' | 'duplicate' | 'parked' | 'skipped' | 'erased';

/** Raised when another worker holds the event: retry the record later, do not skip it. */
export class EventBusyError extends StreamctlError {
  constructor(eventId: string) {
    super(ErrorCode.Conflict, `event ${eventId} is being processed by another worker`, { details: { eventId } });
  }
}

/**
 * Runs one raw record through a consumer.
 *
 * @example
 * ```ts
 * await runRecord(consumer, { data, shardId, sequenceNumber });
 * ```
 */
export async function runRecord(
  consumer: Consumer,
  record: { data: Uint8Array; shardId: string; sequenceNumber: string },
): Promise<Outcome> {
  const text = Buffer.from(record.data).toString('utf8');
  const park = (reason: string) =>
    consumer.park({
      consumer: consumer.name,
      shardId: record.shardId,
      sequenceNumber: record.sequenceNumber,
      reason,
      data: text,
    });
  let event: { id: string };
  let handle: () => Promise<void>;
  let replay: (() => Promise<void>) | undefined;
  let viewer: string | undefined;
  const position = { shardId: record.shardId, sequenceNumber: record.sequenceNumber };
  try {
    const value: unknown = JSON.parse(text);
    if (isCatalogRecord(value)) {
      const processCatalog = consumer.processCatalog;
      if (!processCatalog) return 'skipped';
      const catalogEvent = parseCatalogEvent(value);
      event = catalogEvent;
      handle = () => processCatalog(catalogEvent);
    } else {
      const process = consumer.process;
      if (!process) return 'skipped';
      const engagement = parseEvent(value);
      viewer = engagement.userId;
      event = engagement;
      handle = () => process(engagement, position);
      const again = consumer.replay;
      if (again) replay = () => again(engagement, position);
    }
  } catch (err) {
    await park(`poison: ${(err as Error).message}`);
    return 'parked';
  }
  // An erased viewer's event is dropped (the caller counts it): nothing of it is written. A failed
  // check throws, and the record comes again, as for any storage failure.
  if (viewer && consumer.erased && (await consumer.erased(viewer))) return 'erased';
  const claim = await consumer.idempotency.claim(consumer.name, event.id, `${record.shardId}/${record.sequenceNumber}`);
  if (claim === 'redelivered') {
    await replay?.();
    return 'duplicate';
  }
  if (claim === 'duplicate') return 'duplicate';
  if (claim === 'busy') throw new EventBusyError(event.id);
  const attempts = consumer.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      await handle();
      await consumer.idempotency.complete(consumer.name, event.id);
      return 'processed';
    } catch (err) {
      if (attempt >= attempts) {
        await park(`failed ${attempts} times: ${(err as Error).message}`);
        // Parked is final for this event: never process it again from the stream (nor replay it).
        await consumer.idempotency.complete(consumer.name, event.id, 'parked');
        return 'parked';
      }
      await sleep(backoffDelay(RECORD_RETRY, attempt));
    }
  }
}
