/**
 * One factory for every AWS client the SDK uses. It applies the Region,
 * credentials (the standard provider chain, or fixed emulator credentials on
 * the local stage), the endpoint override, retries with full jitter, and an
 * HTTP/1.1 handler wherever the endpoint is not AWS itself: the v3 Kinesis
 * client defaults to HTTP/2, which kinesalite (and other emulators) do not speak.
 *
 * @module
 */
export {
  type AwsClients,
  type ClientSettings,
  clientSettings,
  createAwsClients,
  EMULATOR_CREDENTIALS,
  fullJitterDelay,
  RETRY_BASE_MS,
  RETRY_CAP_MS,
} from './clients.js';
