/**
 * `@streamctl/server`: the Region-local HTTP API as one Hono app, served on
 * Node here and exported as a Lambda handler from `@streamctl/server/lambda`,
 * plus the Lambda@Edge viewer-request handler.
 *
 * @example
 * ```ts
 * import { loadPlatform } from '@streamctl/sdk';
 * import { createHttpApp, createPlatformServices, serveNode } from '@streamctl/server';
 *
 * const services = createPlatformServices(await loadPlatform(), { verifyToken, playback: { signer, cdnBaseUrl } });
 * const server = await serveNode(createHttpApp(services), { port: 8787 });
 * ```
 *
 * @module
 */
export { type ApiOptions, type ApiServices, createHttpApp, type ErrorBody, openApiDocument } from './app.js';
export { createJwtVerifier, type JwtVerifierOptions, type TokenVerifier, type Viewer } from './auth.js';
export {
  CODEC_TREES,
  createViewerRequestHandler,
  supportsAv1,
  type ViewerRequestOptions,
} from './edge/viewer-request.js';
export { type NodeServer, serveNode } from './node.js';
export { createRateLimiter, type RateLimit } from './rate-limit.js';
export { createPlatformServices } from './services.js';
