/**
 * Helpers the capabilities share: retry backoff, list cursors, whole-query
 * reads, input validation and durations. Capabilities import this face;
 * `@streamctl/sdk` exports the backoff policy and `parseDuration`.
 *
 * @module
 */
export {
  AWS_RETRY,
  BATCH_RETRY,
  type BackoffPolicy,
  backoffDelay,
  CLIENT_WRITE_RETRY,
  type Jitter,
  RECORD_RETRY,
  REDIS_RECONNECT,
  type RetryOptions,
  retry,
  sleep,
} from './backoff.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export { parseDuration } from './duration.js';
export { deleteKeys, getKeys, queryAll } from './dynamo.js';
export { parseInput } from './validate.js';
export { makeWorkDir, sweepStaleWorkDirs } from './workdir.js';
