/**
 * The registry of a running embedded platform: the data dir's layout, its
 * single-owner lock and the state file through which other processes find
 * the platform's parts. The platform itself (emulators, edge, dev tokens)
 * is the separate package `@streamctl/local`, so that installing the SDK
 * never installs emulators.
 *
 * @example
 * ```ts
 * import { readLocalPlatformState } from '@streamctl/sdk/local';
 *
 * const state = readLocalPlatformState('.streamctl/local');
 * console.log(state.parts.api);
 * ```
 *
 * @module
 */

export { ENGINE_PROFILES, type EngineProfile } from '../config/index.js';
export {
  acquireDataDirLock,
  clearState,
  dataDirLayout,
  isProcessAlive,
  type LocalPlatformState,
  PART_ORDER,
  type PartEngines,
  type PartName,
  readLocalPlatformState,
  runningEngines,
  writeState,
} from './state.js';
