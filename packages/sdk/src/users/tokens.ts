/**
 * Bearer-token verification: JWTs signed by a JWKS (Cognito on AWS, the data
 * dir's dev key locally), verified with jose and turned into a {@link Viewer}.
 */
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { isStreamctlError, UnauthorizedError } from '../errors/index.js';
import { type Viewer, viewerFromClaims } from './viewer.js';

/** Verifies a bearer token; throws {@link UnauthorizedError} when it is not valid. */
export type TokenVerifier = (token: string) => Promise<Viewer>;

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** A JWKS URL (Cognito: `https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json`) or the key set itself. */
  jwks: string | JSONWebKeySet;
  issuer: string;
  audience?: string;
  /** How many verified tokens to remember until they expire. Default 10,000. */
  cacheSize?: number;
  /**
   * How far ahead a token's expiry may lie, in seconds. Default 30 days: the longest a local dev
   * token is minted for (Cognito's last a day at most).
   */
  maxLifetimeSeconds?: number;
}

/** Default of {@link JwtVerifierOptions.maxLifetimeSeconds}. */
const MAX_TOKEN_LIFETIME_SECONDS = 30 * 86_400;

/**
 * A verifier for JWTs signed by a JWKS.
 *
 * @example
 * ```ts
 * const verify = createJwtVerifier({ jwks: `${issuer}/.well-known/jwks.json`, issuer });
 * const { userId, country } = await verify(token);
 * ```
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const keys =
    typeof options.jwks === 'string' ? createRemoteJWKSet(new URL(options.jwks)) : createLocalJWKSet(options.jwks);
  // A verified token stays valid until it expires: remember it, so a viewer's
  // requests cost one signature check per token, not one per request.
  const verified = new LRUCache<string, { viewer: Viewer; exp: number }>({ max: options.cacheSize ?? 10_000 });
  return async (token) => {
    const hit = verified.get(token);
    if (hit && hit.exp > Date.now() / 1000) return hit.viewer;
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        // A token without an expiry would be valid forever.
        requiredClaims: ['exp'],
        ...(options.audience ? { audience: options.audience } : {}),
      }));
    } catch (err) {
      throw new UnauthorizedError(`Invalid token: ${(err as Error).message}`, { cause: err });
    }
    // An expiry years ahead (or `1e400`, which parses to Infinity) is as good as none.
    if (!((payload.exp as number) - Date.now() / 1000 <= (options.maxLifetimeSeconds ?? MAX_TOKEN_LIFETIME_SECONDS))) {
      throw new UnauthorizedError('Invalid token: its expiry (exp) lies further ahead than tokens are issued for');
    }
    let viewer: Viewer;
    try {
      viewer = viewerFromClaims(payload);
    } catch (err) {
      throw isStreamctlError(err) ? err : new UnauthorizedError(`Invalid token: ${(err as Error).message}`);
    }
    if (typeof payload.exp === 'number') verified.set(token, { viewer, exp: payload.exp });
    return viewer;
  };
}
