/**
 * Users: the viewer made from verified claims, bearer-token verification,
 * the user directory (a viewer's country in the Cognito pool or the data dir),
 * Region-local user state (watchlist, progress, continue watching, history),
 * the viewer-facing lists and the watch state written from events.
 *
 * @module
 */

export {
  COUNTRY_ATTRIBUTE,
  type CognitoDirectoryOptions,
  type CountryChange,
  createCognitoDirectory,
  createLocalDirectory,
  createUserDirectory,
  localDirectoryFile,
  USER_POOL_ID_ENV,
  type UserDirectory,
  type UserDirectoryOptions,
  userPoolIdFromEnv,
} from './directory.js';
export { CountryCodeSchema, CountrySchema, IdSchema } from './ids.js';
export {
  type ContinueWatchingItem,
  createViewerLists,
  type ViewerLists,
  type WatchlistChange,
} from './lists.js';
export {
  COMPLETION_RATIO,
  CONTINUE_MIN_RATIO,
  createUsers,
  type HistoryEntry,
  type Page,
  type Progress,
  type ProgressInput,
  type Users,
  userStatePartition,
  WATCHLIST_LIMIT,
  type WatchlistEntry,
} from './store.js';
export { createJwtVerifier, type JwtVerifierOptions, type TokenVerifier } from './tokens.js';
export { type Viewer, type ViewerClaims, viewerFromClaims } from './viewer.js';
export { createWatchState, type WatchState, type WatchStateOptions } from './watch-state.js';
