import { buildHome, createCatalog, createUsers, type Platform, putEvents } from '@streamctl/sdk';
import type { ApiServices } from './app.js';

/**
 * Wires the API's services from a platform: catalog and user state from its
 * tables, events into its stream, the home page from both.
 *
 * @example
 * ```ts
 * const services = createPlatformServices(platform, { verifyToken, playback: { signer, cdnBaseUrl } });
 * const app = createHttpApp(services);
 * ```
 */
export function createPlatformServices(
  platform: Platform,
  options: Pick<ApiServices, 'verifyToken' | 'playback'>,
): ApiServices {
  const { clients, config } = platform;
  const catalog = createCatalog(clients, config.resources);
  const users = createUsers(clients, config.resources);
  return {
    health: (o) => platform.health(o),
    catalog,
    users,
    home: (viewer) => buildHome({ catalog, users }, { userId: viewer.userId, country: viewer.country ?? 'US' }),
    publishEvents: (events) => putEvents(clients, config.resources, events),
    verifyToken: options.verifyToken,
    playback: options.playback,
  };
}
