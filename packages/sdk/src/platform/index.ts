/**
 * The platform of a stage: `createPlatform(config)` with every capability
 * and use case as a member, configuration loading, and stage health.
 *
 * @module
 */
export {
  checkStage,
  createPlatform,
  loadPlatform,
  type Platform,
  type PlatformOptions,
  type RuntimeNotice,
  runtimeNotices,
  withLocalEndpoints,
} from './platform.js';
