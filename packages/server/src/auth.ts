/**
 * Bearer-token verification lives in the SDK (`createJwtVerifier`, which
 * makes the viewer from verified claims); the server re-exports it for
 * callers that wire an app by hand.
 */
export { createJwtVerifier, type JwtVerifierOptions, type TokenVerifier, type Viewer } from '@streamctl/sdk';
