/**
 * Recommendations: the models (popularity with time decay per country,
 * item-to-item co-occurrence, per-user genre affinity), their stores, the
 * learner that feeds them from events, and the home page built from them.
 * The DynamoDB store keeps them in the user-state global table, each Region
 * writing rows of its own that readers merge, so a failover keeps a viewer's
 * taste and the charts count every Region's plays.
 *
 * @module
 */
export {
  buildHome,
  CATALOG_STAMP_KEY,
  createHomeService,
  type Home,
  type HomeOptions,
  type HomeService,
  type HomeServiceOptions,
  type HomeSources,
  homeCacheKeys,
  type Rail,
  type RailItem,
} from './home.js';
export { createLearner, type LearnBatch, type Learner, type LearnerOptions } from './learn.js';
export * from './models.js';
export * from './rank.js';
export {
  counterPartition,
  createDynamoModelStore,
  type DynamoModelStoreOptions,
  mergeProfile,
  profilePartition,
  tasteKey,
} from './store-dynamo.js';
