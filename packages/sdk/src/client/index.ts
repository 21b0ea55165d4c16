/**
 * `@streamctl/sdk/client`: the browser-safe typed client of the HTTP API.
 * Defined in `@streamctl/client` (whose only dependency is zod, and a browser
 * bundle of it holds none); re-exported here so `@streamctl/sdk/client` keeps
 * working. A browser app should install `@streamctl/client` alone.
 *
 * @example
 * ```ts
 * import { createClient } from '@streamctl/sdk/client';
 *
 * const api = createClient({ baseUrl: 'http://127.0.0.1:4510', token: () => session.token });
 * const { rails } = await api.home();
 * ```
 *
 * @module
 */
export * from '@streamctl/client';
