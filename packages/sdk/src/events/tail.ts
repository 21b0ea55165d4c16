import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';

/** One record read by {@link tailEvents}: the parsed event, or the raw text when it is not JSON. */
export interface TailedRecord {
  shardId: string;
  sequenceNumber: string;
  arrivedAt: string | undefined;
  event: unknown;
}

/**
 * Follows every shard of the events stream until `signal` aborts or
 * `limit` records were read.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * await tailEvents(clients, names, { from: 'latest', signal: controller.signal, onRecord: console.log });
 * ```
 */
export async function tailEvents(
  clients: AwsClients,
  names: ResourceNames,
  options: {
    from?: 'latest' | 'start';
    signal?: AbortSignal;
    limit?: number;
    pollMs?: number;
    onRecord: (record: TailedRecord) => void;
  },
): Promise<number> {
  const kinesis = clients.kinesis();
  const StreamName = names.eventsStream;
  let read = 0;
  const done = () => options.signal?.aborted || (options.limit !== undefined && read >= options.limit);
  try {
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName }));
    await Promise.all(
      Shards.map(async (shard) => {
        let { ShardIterator: iterator } = await kinesis.send(
          new GetShardIteratorCommand({
            StreamName,
            ShardId: shard.ShardId,
            ShardIteratorType: options.from === 'start' ? 'TRIM_HORIZON' : 'LATEST',
          }),
        );
        while (iterator && !done()) {
          const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1_000 }));
          for (const r of out.Records ?? []) {
            if (done()) return;
            const text = Buffer.from(r.Data ?? []).toString('utf8');
            let event: unknown;
            try {
              event = JSON.parse(text);
            } catch {
              event = text;
            }
            read++;
            options.onRecord({
              shardId: shard.ShardId ?? '',
              sequenceNumber: r.SequenceNumber ?? '',
              arrivedAt: r.ApproximateArrivalTimestamp?.toISOString(),
              event,
            });
          }
          iterator = out.NextShardIterator;
          if (!out.Records?.length) await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
        }
      }),
    );
  } catch (err) {
    throw wrapAwsError(err, 'kinesis:GetRecords', `stream ${StreamName}`);
  }
  return read;
}

/** The result of reading an NDJSON file of events. */
export interface NdjsonEvents<T> {
  events: T[];
  invalid: Array<{ line: number; message: string }>;
}

/**
 * Splits NDJSON text into events validated by `parse`, naming every bad line.
 *
 * @example
 * ```ts
 * const { events, invalid } = readNdjson(text, parseEvent);
 * ```
 */
export function readNdjson<T>(text: string, parse: (value: unknown) => T): NdjsonEvents<T> {
  const events: T[] = [];
  const invalid: Array<{ line: number; message: string }> = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    try {
      events.push(parse(JSON.parse(line)));
    } catch (err) {
      invalid.push({ line: i + 1, message: (err as Error).message });
    }
  });
  return { events, invalid };
}
