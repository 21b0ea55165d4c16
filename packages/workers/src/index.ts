/**
 * `@streamctl/workers`: Kinesis consumers as Lambda handlers (and, as the
 * events issue lands, local pollers over the same processors).
 *
 * @example
 * ```ts
 * import { createKinesisHandler } from '@streamctl/workers';
 *
 * export const handler = createKinesisHandler(async (record) => {
 *   console.log(record.partitionKey, record.data);
 * });
 * ```
 *
 * @module
 */
export { createKinesisHandler, type DecodedRecord, decodeKinesisRecord, type RecordProcessor } from './kinesis.js';
