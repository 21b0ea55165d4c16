/**
 * The catalog: titles, seasons, episodes and availability in the catalog
 * table, each title moving through its lifecycle (`lifecycle.ts`); the
 * table's layout is in `items.ts`, the store in `store.ts`, and a read
 * cache in front of it in `cache.ts`.
 *
 * @module
 */
export { withCatalogCache } from './cache.js';
export { availableAt, renditionItem } from './items.js';
export {
  assertReplaceable,
  assertTransition,
  canTransition,
  isTranscoded,
  nextStatuses,
  previousStatuses,
  REPLACEABLE_STATUSES,
  TITLE_STATUS,
  TITLE_STATUSES,
  TITLE_TRANSITIONS,
  type TitleStatus,
  TitleTransitionError,
  type TransitionCondition,
  transitionCondition,
} from './lifecycle.js';
export { createCatalog } from './store.js';
export {
  type Catalog,
  EpisodeSchema,
  type Rendition,
  type RenditionsUpdate,
  type StatusChange,
  type Title,
  type TitleDetails,
  TitleDetailsSchema,
  type TitleInput,
  TitleInputSchema,
  type TitleListItem,
  type TitleProtection,
  type TitleSource,
  type TitleSummary,
  type TitleTracks,
  type Track,
} from './types.js';
export { createTitleViews, type TitleView, type TitleViews, toTitleView } from './view.js';
