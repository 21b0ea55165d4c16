/**
 * Privacy: consent to personalization, export and verified erasure of a
 * viewer, and the privacy map they walk.
 *
 * @module
 */
export * from './map.js';
export {
  type ConsentState,
  createPrivacy,
  ERASURE_RECORD_TTL_SECONDS,
  type ErasureRecord,
  type ErasureStoreReport,
  type ExportedStore,
  type Privacy,
  type PrivacyDeps,
  type PrivacyRegion,
  type ViewerExport,
  viewerPseudonym,
} from './service.js';
