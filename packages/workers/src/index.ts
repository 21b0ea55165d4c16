/**
 * `@streamctl/workers`: Kinesis consumers — watch-state, recommendation
 * signals and QoE — as Lambda handlers and as local pollers over the same
 * processors, with an idempotency ledger and a dead-letter table.
 *
 * @example
 * ```ts
 * import { createWatchStateProcessor, startPoller, createDynamoIdempotencyStore, createDeadLetterTable } from '@streamctl/workers';
 *
 * const poller = await startPoller(clients, names, {
 *   name: 'watch-state',
 *   process: createWatchStateProcessor(users),
 *   idempotency: createDynamoIdempotencyStore(clients, names),
 *   park: createDeadLetterTable(clients, names),
 * });
 * ```
 *
 * @module
 */
export { createDeadLetterTable } from './dead-letter.js';
export {
  type Claim,
  createDynamoIdempotencyStore,
  createMemoryIdempotencyStore,
  type IdempotencyStore,
} from './idempotency.js';
export {
  createConsumerHandler,
  createKinesisHandler,
  type DecodedRecord,
  decodeKinesisRecord,
  type RecordProcessor,
} from './kinesis.js';
export { type Poller, type PollerOptions, startPoller } from './poller.js';
export {
  createQoeProcessor,
  createSignalsProcessor,
  createWatchStateProcessor,
  type QoeMetric,
  type SignalsOptions,
  toEmf,
  type WatchStateOptions,
} from './processors.js';
export {
  type Consumer,
  EventBusyError,
  type EventProcessor,
  type Outcome,
  type ParkedRecord,
  type Parker,
  runRecord,
} from './runner.js';
