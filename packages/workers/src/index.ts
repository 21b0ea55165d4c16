/**
 * `@streamctl/workers`: the adapters that run the SDK's worker set (its
 * consumers of the events stream: watch-state, recommendation signals, QoE)
 * as Lambda handlers for Kinesis event source mappings and as local pollers
 * with per-shard checkpoints. What each consumer does, its ledger and its
 * dead letters are the SDK's (`platform.consumers`).
 *
 * @example
 * ```ts
 * import { loadPlatform } from '@streamctl/sdk';
 * import { startPoller } from '@streamctl/workers';
 *
 * const platform = await loadPlatform({ flags: { stage: 'local' } });
 * const set = platform.consumers.workerSet({ qoeSink: (metric) => console.log(metric) });
 * const poller = await startPoller(platform.clients, platform.config.resources, set['watch-state']);
 * ```
 *
 * @module
 */
export {
  createConsumerHandler,
  createKinesisHandler,
  type DecodedRecord,
  decodeKinesisRecord,
  type RecordProcessor,
} from './kinesis.js';
export {
  createLakeTransform,
  type LakeRecordOutcome,
  type LakeTransform,
  type LakeTransformOptions,
  lakeLine,
} from './lake-transform.js';
export { type Poller, type PollerOptions, startPoller } from './poller.js';
