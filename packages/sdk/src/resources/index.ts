/**
 * Resource definitions (plain data shared with the CDK app), the CDN
 * bucket's object layout, and {@link ensureResources}, which creates the
 * resources on an emulator or LocalStack.
 *
 * @module
 */
export * from './cdn-layout.js';
export * from './definitions.js';
export {
  type EnsuredResource,
  ensureBuckets,
  ensureResources,
  ensureStreams,
  ensureTables,
  toCreateTableInput,
} from './ensure.js';
export * from './raw-layout.js';
