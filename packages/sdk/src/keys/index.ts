/**
 * Signing keys: the set of CloudFront key pairs a stage signs playback with
 * (one active, others pending or retiring), stored in Secrets Manager on AWS
 * and in the data dir locally, and their rotation (`streamctl keys`).
 *
 * @module
 */
export { type AwsKeyBackendOptions, awsKeyBackend, KEYS_IAM_ACTIONS, wrapKeysError } from './aws.js';
export { isConflict, KEY_SET_CONFLICT_HINT, keySetChanged } from './conflict.js';
export {
  createLocalKeySetSigner,
  createLocalKeySetVerifier,
  ensureLocalKeySet,
  localKeyBackend,
  localKeySetFile,
} from './local.js';
export {
  activateKey,
  generateSigningKeyPair,
  keyStatus,
  type NewKeyPair,
  pendingKey,
  retirementDue,
  type SigningKeyStatus,
  withoutKeys,
  withPendingKey,
} from './plan.js';
export {
  type KeyBackend,
  type KeyListing,
  type ListedKey,
  listKeys,
  type RotateOptions,
  type RotationResult,
  retireKeys,
  rotateKeys,
  type StoredKeySet,
} from './rotate.js';
export {
  activeSigningKey,
  parseSigningKeySet,
  publicKeyPem,
  publicKeysOf,
  type SigningKey,
  SigningKeySchema,
  type SigningKeySet,
  SigningKeySetSchema,
  serializeSigningKeySet,
  signerForKeySet,
} from './set.js';
export { createStageKeys, type StageKeys } from './stage.js';
