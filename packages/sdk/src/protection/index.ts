/**
 * Content protection: content keys made by the SDK and kept wrapped at rest
 * (KMS on AWS, a data-dir key locally), HLS AES-128 encryption of written
 * renditions with key rotation, and key delivery to entitled viewers who
 * are playing the title. DRM (`drm` ladders) is MediaConvert's, through a
 * SPEKE v2 key provider; see the transcoder.
 *
 * @module
 */
export { createKeyDelivery, type KeyDelivery } from './delivery.js';
export { encryptHlsRenditions, encryptSegment, type HlsEncryption, sequenceIv } from './hls.js';
export {
  type ContentKeyInfo,
  type ContentKeys,
  type ContentKeysOptions,
  createContentKeys,
  KEY_ID_PATTERN,
  KEY_PREFIX,
  keyPath,
} from './keys.js';
export {
  createKmsKeyWrapper,
  createLocalKeyWrapper,
  ensureLocalKek,
  type KeyContext,
  type KeyWrapper,
  keyWrapperFor,
  localKekFile,
} from './wrap.js';
