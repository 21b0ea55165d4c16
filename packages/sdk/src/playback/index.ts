/**
 * Playback security: CloudFront signed URLs and cookies, the verifier the
 * local edge enforces them with, and entitlement checks.
 *
 * @module
 */

export { type ArtworkSigner, createArtworkSigner } from './artwork.js';
export {
  type Availability,
  assertEntitled,
  type EntitlementTitle,
  isEntitled,
  NotEntitledError,
  type NotEntitledReason,
  type TitleStatus,
} from './entitlement.js';
export {
  createPlaybackGrants,
  type GrantSession,
  grantBucketSeconds,
  grantSetCookies,
  type LicenseServers,
  longestGrantSeconds,
  type PlaybackGrant,
  type PlaybackGrantOptions,
  type PlaybackGrants,
  playbackProtection,
} from './grant.js';
export {
  capDashManifest,
  capMasterPlaylist,
  manifestForPlan,
  planCaps,
  planManifestKey,
  rungSize,
} from './plan-manifest.js';
export { canonicalUrl, cidrContains, normalizeCidr, resourceMatches } from './policy.js';
export {
  createPlaybackSigner,
  type KeyPair,
  type PlaybackSigner,
  type PlaybackSignerOptions,
  type SignedCookies,
  type SignedPolicy,
  type SignOptions,
  signedCookies,
  signedUrl,
} from './signer.js';
export {
  createPlaybackVerifier,
  type DenyReason,
  type PlaybackVerifier,
  stripSigningParams,
  type Verdict,
  type ViewerRequest,
} from './verifier.js';
