/**
 * The names that tie the edge, the API and the stage's secrets together:
 * the CDK app creates and grants by them, the server reads by them.
 *
 * @module
 */

/** The Secrets Manager secrets of one stage. */
export interface SecretNames {
  /**
   * The CloudFront key pairs that sign playback URLs and cookies, as a key set (`@streamctl/sdk/keys`):
   * JSON `{ "keyGroupId", "active": "K…", "keys": [{ "keyPairId", "privateKey", "createdAt", "activatedAt"?, "retireAfter"? }] }`
   * (the older `{ "keyPairId", "privateKey" }` is read as a set of one). `streamctl keys rotate` creates it
   * in the stage's primary Region with a replica in every other Region, and keeps it.
   */
  cloudFrontSigning: string;
  /**
   * The value CloudFront sends to the API origins in {@link ORIGIN_SECRET_HEADER}: the CDK app
   * generates it in us-east-1 (the edge's Region) and replicates it to every other Region of the stage.
   */
  originSecret: string;
}

/**
 * The secret names of a stage (`streamctl/<stage>/…`).
 *
 * @example
 * ```ts
 * secretNames('prod').cloudFrontSigning; // "streamctl/prod/cloudfront-signing"
 * secretNames('prod').originSecret;      // "streamctl/prod/origin-secret"
 * ```
 */
export function secretNames(stage: string): SecretNames {
  return {
    cloudFrontSigning: `streamctl/${stage}/cloudfront-signing`,
    originSecret: `streamctl/${stage}/origin-secret`,
  };
}

/**
 * How long the API keeps a secret it read before reading it again, in seconds. A key rotation keeps
 * the old key trusted this much longer than the longest grant, since a server may sign with it
 * until its cache runs out.
 */
export const SECRET_CACHE_SECONDS = 300;

/**
 * The header CloudFront adds to every request it forwards to an API origin, holding the stage's
 * origin secret. A request that carries the right value came through the stage's distribution, so
 * the viewer address CloudFront put beside it (`CloudFront-Viewer-Address`) can be believed.
 */
export const ORIGIN_SECRET_HEADER = 'x-streamctl-origin-secret';
