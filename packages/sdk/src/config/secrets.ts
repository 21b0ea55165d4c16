/**
 * The names that tie the edge, the API and the stage's secrets together:
 * the CDK app creates and grants by them, the server reads by them.
 *
 * @module
 */

/** The Secrets Manager secrets of one stage. */
export interface SecretNames {
  /**
   * The CloudFront key pair that signs playback URLs and cookies: JSON
   * `{ "keyPairId": "K…", "privateKey": "-----BEGIN PRIVATE KEY-----…" }`, in every Region of the stage.
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
 * The header CloudFront adds to every request it forwards to an API origin, holding the stage's
 * origin secret. A request that carries the right value came through the stage's distribution, so
 * the viewer address CloudFront put beside it (`CloudFront-Viewer-Address`) can be believed.
 */
export const ORIGIN_SECRET_HEADER = 'x-streamctl-origin-secret';
