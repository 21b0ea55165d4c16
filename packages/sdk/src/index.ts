/**
 * `@streamctl/sdk`: one typed SDK for operating a streaming and
 * personalization platform on AWS, LocalStack or the embedded local platform.
 *
 * The embedded platform itself (`startLocalPlatform`, the edge, dev tokens)
 * is the separate package `@streamctl/local`, so installing the SDK never
 * installs emulators; `@streamctl/sdk/local` only reads a running
 * platform's state from its data dir.
 *
 * @example
 * ```ts
 * import { loadPlatform } from '@streamctl/sdk';
 *
 * const platform = await loadPlatform({ flags: { stage: 'local' } });
 * console.log((await platform.health()).healthy);
 * platform.close();
 * ```
 *
 * @module
 */
export * from './analytics/index.js';
export * from './aws/index.js';
export * from './cache/index.js';
export * from './capacity/index.js';
export * from './catalog/index.js';
export * from './config/index.js';
export * from './consumers/index.js';
export * from './errors/index.js';
export * from './events/index.js';
export * from './health/index.js';
export * from './ingest/index.js';
export * from './keys/index.js';
export * from './ladders/index.js';
export * from './platform/index.js';
export * from './playback/index.js';
export * from './privacy/index.js';
export * from './protection/index.js';
export * from './publish/index.js';
export * from './qoe/index.js';
export * from './recommendations/index.js';
export * from './regions/index.js';
export * from './resources/index.js';
export * from './search/index.js';
export * from './sessions/index.js';
export * from './transcoder/index.js';
export * from './users/index.js';
export * from './util/backoff.js';
export { parseDuration } from './util/duration.js';
