import {
  type Cache,
  createCatalog,
  createDynamoModelStore,
  createHomeService,
  createMemoryCache,
  createUsers,
  type HealthReport,
  type Platform,
  putEvents,
  withCatalogCache,
} from '@streamctl/sdk';
import type { ApiServices } from './app.js';

/**
 * Wires the API's services from a platform: catalog and user state from its
 * tables, events into its stream, the home page from both through a cache
 * (Redis, or an in-process LRU by default).
 *
 * @example
 * ```ts
 * const services = createPlatformServices(platform, { verifyToken, playback: { signer, cdnBaseUrl } });
 * const app = createHttpApp(services);
 * ```
 */
export function createPlatformServices(
  platform: Platform,
  options: Pick<ApiServices, 'verifyToken' | 'playback'> & { cache?: Cache; homeBudgetMs?: number },
): ApiServices {
  const { clients, config } = platform;
  const cache = options.cache ?? createMemoryCache();
  const catalog = withCatalogCache(createCatalog(clients, config.resources), cache);
  const homes = createHomeService({
    catalog,
    users: createUsers(clients, config.resources),
    models: createDynamoModelStore(clients, config.resources),
    cache,
    ...(options.homeBudgetMs !== undefined ? { budgetMs: options.homeBudgetMs } : {}),
  });
  return {
    async health(o): Promise<HealthReport> {
      const started = performance.now();
      const [report, cacheHealth] = await Promise.all([platform.health(o), cache.health()]);
      // The cache is reported but not critical: the API degrades without it.
      return {
        ...report,
        parts: [
          ...report.parts,
          {
            name: 'cache',
            ok: cacheHealth.ok,
            endpoint: undefined,
            latencyMs: Math.round(performance.now() - started),
            resources: [{ name: cache.kind, ok: cacheHealth.ok, status: cacheHealth.detail }],
            ...(cacheHealth.ok ? {} : { error: { code: 'CACHE_UNAVAILABLE', message: cacheHealth.detail } }),
          },
        ],
      };
    },
    catalog,
    users: homes.users,
    home: (viewer) => homes.home({ userId: viewer.userId, country: viewer.country ?? 'US' }),
    publishEvents: (events) => putEvents(clients, config.resources, events),
    verifyToken: options.verifyToken,
    playback: options.playback,
  };
}
