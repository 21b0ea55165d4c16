/**
 * The local poller: what a Lambda event source mapping does on AWS. It reads
 * every shard of the stream in order, runs each record through a consumer,
 * and checkpoints per shard in the platform table, so a restart resumes
 * where the last one left off.
 */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import {
  type AwsClients,
  type BatchConsumer,
  type CheckpointStore,
  type Consumer,
  createCheckpointStore,
  EventBusyError,
  isBatchConsumer,
  type Outcome,
  type ResourceNames,
  runRecord,
} from '@streamctl/sdk';

/** Options of {@link startPoller}. */
export interface PollerOptions {
  /** Wait between empty reads. Default 200 ms. */
  idleMs?: number;
  /** Records per GetRecords. Default 1,000. */
  batchSize?: number;
  /** Called after every record, with its outcome. */
  onRecord?: (outcome: Outcome, shardId: string, sequenceNumber: string) => void;
  /** Where shard positions are kept. Default: the stage's platform table. */
  checkpoints?: CheckpointStore;
}

/** A running poller. */
export interface Poller {
  /** Finishes the record in hand, checkpoints, and stops. */
  stop(): Promise<void>;
  /** Stops at once without checkpointing the batch in hand, as a crash would. */
  kill(): Promise<void>;
  readonly processed: number;
  /** Records by outcome so far (`erased`: events of erased viewers, dropped). */
  readonly outcomes: Readonly<Record<Outcome, number>>;
}

/**
 * Starts polling the events stream for one consumer: a record at a time through the ledger, or
 * for a {@link BatchConsumer} (the lake) in its own durable units, the checkpoint following them.
 *
 * @example
 * ```ts
 * const poller = await startPoller(platform.clients, platform.config.resources, consumer);
 * await poller.stop();
 * ```
 */
export async function startPoller(
  clients: AwsClients,
  names: ResourceNames,
  consumer: Consumer | BatchConsumer,
  options: PollerOptions = {},
): Promise<Poller> {
  const batch = isBatchConsumer(consumer) ? consumer : undefined;
  const StreamName = names.eventsStream;
  const kinesis = clients.kinesis();
  const checkpoints = options.checkpoints ?? createCheckpointStore(clients, names);
  const idle = options.idleMs ?? 200;
  let state: 'running' | 'stopping' | 'killed' = 'running';
  // Read through a function: the state changes across awaits, which narrowing cannot see.
  const now = () => state;
  let processed = 0;
  const outcomes: Record<Outcome, number> = { processed: 0, duplicate: 0, parked: 0, skipped: 0, erased: 0 };
  const readCheckpoint = (shardId: string) => checkpoints.read(consumer.name, shardId);
  const writeCheckpoint = (shardId: string, sequenceNumber: string) =>
    checkpoints.write(consumer.name, shardId, sequenceNumber);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function pollShard(shardId: string): Promise<void> {
    let iterator: string | undefined;
    const fresh = async (after: string | undefined) =>
      (
        await kinesis.send(
          new GetShardIteratorCommand({
            StreamName,
            ShardId: shardId,
            ...(after
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        )
      ).ShardIterator;
    let checkpoint = await readCheckpoint(shardId);
    if (batch) checkpoint = await batch.resume(shardId, checkpoint);
    iterator = await fresh(checkpoint);
    while (now() === 'running' && iterator) {
      const out = await kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize ?? 1_000 }),
      );
      const records = out.Records ?? [];
      if (batch) {
        try {
          if (records.length) {
            await batch.add(
              shardId,
              records.map((r) => ({
                data: r.Data ?? new Uint8Array(),
                sequenceNumber: r.SequenceNumber ?? '',
                ...(r.ApproximateArrivalTimestamp ? { arrivedAt: r.ApproximateArrivalTimestamp } : {}),
              })),
            );
            processed += records.length;
            outcomes.processed += records.length;
          }
          if (now() === 'killed') return;
          const durable = await batch.commit(shardId, now() === 'stopping');
          if (durable) {
            await writeCheckpoint(shardId, durable);
            checkpoint = durable;
          }
        } catch (err) {
          // What was taken and not made durable is read again, from the checkpoint.
          console.error(`[poller ${consumer.name}] ${shardId}: ${(err as Error).message}`);
          batch.reset(shardId);
          await sleep(idle);
          iterator = await fresh(checkpoint);
          continue;
        }
        iterator = out.NextShardIterator;
        if (!records.length && now() === 'running') await sleep(idle);
        continue;
      }
      const perRecord = consumer as Consumer;
      let last: string | undefined;
      let retryFrom = false;
      for (const record of records) {
        if (now() === 'killed') return;
        if (now() === 'stopping') break;
        const sequenceNumber = record.SequenceNumber ?? '';
        try {
          const outcome = await runRecord(perRecord, {
            data: record.Data ?? new Uint8Array(),
            shardId,
            sequenceNumber,
          });
          processed++;
          outcomes[outcome]++;
          options.onRecord?.(outcome, shardId, sequenceNumber);
          last = sequenceNumber;
        } catch (err) {
          // Busy elsewhere or a storage failure: keep order, come back to this record.
          if (!(err instanceof EventBusyError))
            console.error(`[poller ${consumer.name}] ${shardId}: ${(err as Error).message}`);
          retryFrom = true;
          break;
        }
      }
      if (now() === 'killed') return;
      if (last) {
        try {
          // What the consumer kept for the batch's end is written before the checkpoint moves.
          await perRecord.flush?.(shardId);
          await writeCheckpoint(shardId, last);
          checkpoint = last;
        } catch (err) {
          console.error(`[poller ${consumer.name}] ${shardId}: ${(err as Error).message}`);
          retryFrom = true;
        }
      }
      if (retryFrom) {
        await sleep(idle);
        iterator = await fresh(checkpoint);
        continue;
      }
      iterator = out.NextShardIterator;
      if (!records.length) await sleep(idle);
    }
    if (batch && now() === 'stopping') {
      // A stop writes what the batch consumer holds (a crash, `kill`, does not: it is read again).
      const durable = await batch.commit(shardId, true);
      if (durable) await writeCheckpoint(shardId, durable);
    }
  }

  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName }));
  const loops = Shards.map((shard) =>
    pollShard(shard.ShardId ?? '').catch((err) => {
      if (state === 'running')
        console.error(`[poller ${consumer.name}] ${shard.ShardId} stopped: ${(err as Error).message}`);
    }),
  );
  return {
    get processed() {
      return processed;
    },
    get outcomes() {
      return { ...outcomes };
    },
    async stop() {
      if (state === 'running') state = 'stopping';
      await Promise.all(loops);
    },
    async kill() {
      state = 'killed';
      await Promise.all(loops);
    },
  };
}
