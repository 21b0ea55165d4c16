/**
 * A batch consumer: one that makes records durable in its own units (a lake
 * file of many records), not one record at a time through the ledger. The
 * poller hands it each shard's records in order and moves the shard's
 * checkpoint only to what it says is durable; after a crash the shard is read
 * again from there, so nothing durable comes twice and nothing is lost.
 */

/** A record as read from a shard. */
export interface RawRecord {
  data: Uint8Array;
  sequenceNumber: string;
  /** When the stream took it (Kinesis' ApproximateArrivalTimestamp). */
  arrivedAt?: Date;
}

/** What a batch consumer does with a shard's records. */
export interface BatchConsumer {
  /** Its name: its checkpoints are kept under it. */
  name: string;
  /**
   * Where to start reading a shard: after the returned sequence number (none: from the oldest).
   * Given the stored checkpoint, which may lag what the consumer made durable by one unit (it
   * stopped between the two): the consumer knows better, from its own units.
   */
  resume(shardId: string, checkpoint: string | undefined): Promise<string | undefined>;
  /** Takes the next records of a shard, in order. */
  add(shardId: string, records: RawRecord[]): Promise<void>;
  /**
   * Makes durable what is due (all of it when `force`), and returns the last sequence number now
   * durable when that moved, for the checkpoint.
   */
  commit(shardId: string, force: boolean): Promise<string | undefined>;
  /** Forgets what was added and not made durable: the shard is read again from its checkpoint. */
  reset(shardId: string): void;
}

/** Whether a consumer is a {@link BatchConsumer}. */
export function isBatchConsumer(consumer: object): consumer is BatchConsumer {
  return typeof (consumer as Partial<BatchConsumer>).commit === 'function';
}

/**
 * Orders Kinesis sequence numbers (decimal strings of up to 128 bits): negative, zero or positive.
 *
 * @example
 * ```ts
 * compareSequenceNumbers('49590338271490256608559692538361571095921575989136588898', '9') > 0; // true
 * ```
 */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}
