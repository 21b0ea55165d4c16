/**
 * Publishing into the events stream partitioned by user, with every entry
 * Kinesis refuses reported by index, never dropped silently.
 */
import { PutRecordsCommand, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { ErrorCode, ValidationError, wrapAwsError } from '../errors/index.js';
import { type EngagementEvent, MAX_BATCH, type RejectedEvent } from './schema.js';

/** The outcome of publishing a batch. */
export interface PublishResult {
  accepted: number;
  /** Events Kinesis refused (throttled, internal failure), by index in the batch. */
  failed: RejectedEvent[];
}

/**
 * Publishes up to 500 validated events in one PutRecords call, partition
 * key = user id, so a user's events stay in order on one shard. Entries the
 * stream refuses are returned by index for the caller to retry or report.
 *
 * @example
 * ```ts
 * const { failed } = await putEvents(platform.clients, platform.config.resources, events);
 * ```
 */
export async function putEvents(
  clients: AwsClients,
  names: ResourceNames,
  events: EngagementEvent[],
): Promise<PublishResult> {
  if (events.length === 0) return { accepted: 0, failed: [] };
  if (events.length > MAX_BATCH) {
    throw new ValidationError(`At most ${MAX_BATCH} events per batch, got ${events.length}`, [
      { path: '', message: 'batch too large' },
    ]);
  }
  let out: PutRecordsCommandOutput;
  try {
    out = await clients.kinesis().send(
      new PutRecordsCommand({
        StreamName: names.eventsStream,
        Records: events.map((event) => ({
          PartitionKey: event.userId,
          Data: Buffer.from(JSON.stringify(event)),
        })),
      }),
    );
  } catch (err) {
    throw wrapAwsError(err, 'kinesis:PutRecords', `stream ${names.eventsStream}`);
  }
  const failed: RejectedEvent[] = [];
  const results = out.Records ?? [];
  events.forEach((_, index) => {
    const record = results[index];
    // An answer without an entry for an event did not say it was stored: it failed.
    if (!record) failed.push({ index, code: ErrorCode.StreamError, message: 'no result entry for this record' });
    else if (record.ErrorCode) {
      failed.push({
        index,
        code:
          record.ErrorCode === 'ProvisionedThroughputExceededException' ? ErrorCode.Throttled : ErrorCode.StreamError,
        message: record.ErrorMessage ?? record.ErrorCode,
      });
    }
  });
  return { accepted: events.length - failed.length, failed };
}
