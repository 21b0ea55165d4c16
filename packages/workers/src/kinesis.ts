/**
 * The adapter from a Kinesis batch to a record processor: decodes each
 * record's JSON, runs the processor in order, and reports failures as
 * `batchItemFailures` so Lambda retries from the first failed record and
 * never loses one (Powertools batch, in-order for streams).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { type Consumer, type Outcome, runRecord } from '@streamctl/sdk';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/** A decoded Kinesis record handed to a processor. */
export interface DecodedRecord<T = unknown> {
  data: T;
  partitionKey: string;
  sequenceNumber: string;
  shardId: string;
  approximateArrivalTimestamp: number;
}

/** Processes one record; throw to fail it (and, in order, the rest of its shard's batch). */
export type RecordProcessor<T = unknown> = (record: DecodedRecord<T>) => Promise<void>;

/** Decodes a Kinesis record whose data is UTF-8 JSON. Throws on bad JSON, which fails the record. */
export function decodeKinesisRecord<T = unknown>(record: KinesisStreamRecord): DecodedRecord<T> {
  const text = Buffer.from(record.kinesis.data, 'base64').toString('utf8');
  return {
    data: JSON.parse(text) as T,
    partitionKey: record.kinesis.partitionKey,
    sequenceNumber: record.kinesis.sequenceNumber,
    shardId: record.eventID.split(':')[0] ?? '',
    approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
  };
}

/**
 * Creates a Lambda handler for a Kinesis event source mapping with
 * `ReportBatchItemFailures`.
 *
 * @example
 * ```ts
 * export const handler = createKinesisHandler(async (record) => {
 *   await platform.progress.apply(record.data);
 * });
 * ```
 */
export function createKinesisHandler<T = unknown>(
  processor: RecordProcessor<T>,
): (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> {
  return async (event, context) => {
    const batch = new BatchProcessor(EventType.KinesisDataStreams);
    return processPartialResponse(
      event,
      async (record: KinesisStreamRecord) => processor(decodeKinesisRecord<T>(record)),
      batch,
      { context, processInParallel: false, throwOnFullBatchFailure: false },
    );
  };
}

/**
 * A Lambda handler for a consumer: each record goes through {@link runRecord}
 * (poison parked, duplicates skipped); records that fail are reported in
 * `batchItemFailures`, and Lambda retries from the first of them. The
 * consumer's flush runs at the batch's end.
 *
 * @example
 * ```ts
 * export const handler = createConsumerHandler({ name: 'watch-state', process, idempotency, park });
 * ```
 */
export function createConsumerHandler(
  consumer: Consumer,
  options: { onRecord?: (outcome: Outcome) => void } = {},
): (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> {
  return async (event, context) => {
    const batch = new BatchProcessor(EventType.KinesisDataStreams);
    const shards = new Set<string>();
    const response = await processPartialResponse(
      event,
      async (record: KinesisStreamRecord) => {
        const shardId = record.eventID.split(':')[0] ?? '';
        shards.add(shardId);
        const outcome = await runRecord(consumer, {
          data: Buffer.from(record.kinesis.data, 'base64'),
          shardId,
          sequenceNumber: record.kinesis.sequenceNumber,
        });
        options.onRecord?.(outcome);
      },
      batch,
      { context, processInParallel: false, throwOnFullBatchFailure: false },
    );
    // Writes the consumer kept for the batch's end; a failure here fails the whole batch, which
    // Lambda delivers again (its records replay, and what was written already is not added twice).
    for (const shardId of shards) await consumer.flush?.(shardId);
    return response;
  };
}
