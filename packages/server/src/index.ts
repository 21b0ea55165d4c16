/**
 * `@streamctl/server`: the Region-local HTTP API as one Hono app over a
 * platform's use cases, served on Node here and exported as a Lambda handler
 * from `@streamctl/server/lambda`.
 *
 * @example
 * ```ts
 * import { createPlatform, loadPlatform } from '@streamctl/sdk';
 * import { createHttpApp, serveNode } from '@streamctl/server';
 *
 * const platform = createPlatform(config, { verifyToken, playback: { signer, cdnBaseUrl } });
 * const server = await serveNode(createHttpApp(platform), { port: 8787 });
 * ```
 *
 * @module
 */
export {
  type ApiOptions,
  createHttpApp,
  type ErrorBody,
  type HttpApp,
  type HttpPlatform,
  openApiDocument,
} from './app.js';
export { createJwtVerifier, type JwtVerifierOptions, type TokenVerifier, type Viewer } from './auth.js';
export { clientAddress, clientIp } from './middleware.js';
export { type NodeServer, serveNode } from './node.js';
export {
  createRateLimiter,
  createSharedRateLimiter,
  type RateLimit,
  type RateLimitStore,
} from './rate-limit.js';
export {
  createOriginCheck,
  type OriginSecret,
  parseViewerAddress,
  VIEWER_ADDRESS_HEADER,
} from './viewer-address.js';
