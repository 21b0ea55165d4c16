/**
 * Consumers of the events stream: running one record (decode, claim in the
 * ledger, process with retries, park poison), the idempotency ledger, the
 * dead letters and the per-shard checkpoints in the platform table, and the
 * worker set that maps each consumer to its use case.
 *
 * @module
 */
export { type BatchConsumer, compareSequenceNumbers, isBatchConsumer, type RawRecord } from './batch.js';
export { type CheckpointStore, createCheckpointStore } from './checkpoints.js';
export { createDeadLetterTable, DEAD_LETTER_TTL_SECONDS, viewerRefPartition } from './dead-letters.js';
export {
  type Claim,
  createDynamoIdempotencyStore,
  createMemoryIdempotencyStore,
  type DynamoIdempotencyOptions,
  type IdempotencyStore,
} from './ledger.js';
export {
  type CatalogProcessor,
  type Consumer,
  EventBusyError,
  type EventProcessor,
  type Outcome,
  type ParkedRecord,
  type Parker,
  type RecordPosition,
  runRecord,
} from './run.js';
export {
  CONSUMER_NAMES,
  type ConsumerName,
  createWorkerSet,
  type WorkerSetOptions,
  type WorkerSetUseCases,
} from './workers.js';
