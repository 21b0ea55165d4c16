/**
 * Recommendations: the models (popularity with time decay per country,
 * item-to-item co-occurrence, per-user genre affinity), their stores, the
 * learner that feeds them from events, and the home page built from them.
 *
 * @module
 */
export {
  buildHome,
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
export { createDynamoModelStore, profilePartition } from './store-dynamo.js';
