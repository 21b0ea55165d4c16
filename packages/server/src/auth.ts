/**
 * Bearer-token verification for the API and the edge: JWTs signed by a
 * JWKS (Cognito on AWS, the data dir's dev key locally), verified with jose.
 */
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';

/** Who the caller is, from their token. */
export interface Viewer {
  userId: string;
  country: string | undefined;
}

/** Verifies a bearer token; throws when it is not valid. */
export type TokenVerifier = (token: string) => Promise<Viewer>;

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** A JWKS URL (Cognito: `https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json`) or the key set itself. */
  jwks: string | JSONWebKeySet;
  issuer: string;
  audience?: string;
}

function viewerFrom(payload: JWTPayload): Viewer {
  if (!payload.sub) throw new Error('token has no sub');
  const country = payload.country ?? payload['custom:country'];
  return { userId: payload.sub, country: typeof country === 'string' ? country.toUpperCase() : undefined };
}

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
  return async (token) => {
    const { payload } = await jwtVerify(token, keys, {
      issuer: options.issuer,
      ...(options.audience ? { audience: options.audience } : {}),
    });
    return viewerFrom(payload);
  };
}
