/**
 * `@streamctl/server`: the Region-local HTTP API as one Hono app, served on
 * Node here and exported as a Lambda handler from `@streamctl/server/lambda`.
 *
 * @example
 * ```ts
 * import { loadPlatform } from '@streamctl/sdk';
 * import { createHttpApp, serveNode } from '@streamctl/server';
 *
 * const server = await serveNode(createHttpApp(await loadPlatform()), { port: 8787 });
 * ```
 *
 * @module
 */
export { createHttpApp, type ErrorBody, type HttpPlatform } from './app.js';
export {
  CODEC_TREES,
  createJwtVerifier,
  createViewerRequestHandler,
  type JwtVerifierOptions,
  supportsAv1,
  type TokenVerifier,
  type Viewer,
  type ViewerRequestOptions,
} from './edge/viewer-request.js';
export { type NodeServer, serveNode } from './node.js';
