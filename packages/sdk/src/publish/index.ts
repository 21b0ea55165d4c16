/**
 * Publishing: make a READY title available (countries, window), tell the
 * platform with a catalog event, and invalidate the CDN's copies of the
 * title's paths when it was out before. `unpublish` reverses it.
 *
 * @module
 */
export {
  type CdnInvalidator,
  createCloudFrontInvalidator,
  type InvalidationResult,
  invalidatorFor,
} from './invalidate.js';
export { createPublisher, type DescribeOutcome, type Publisher, type PublishOutcome } from './publisher.js';
