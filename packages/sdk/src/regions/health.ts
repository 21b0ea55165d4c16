import { createAwsClients } from '../aws/index.js';
import type { StreamctlConfig } from '../config/index.js';
import { checkHealth, type HealthReport } from '../health/index.js';
import { regionApiUrl, regionConfig } from './stage.js';

/** Options of {@link regionsHealth}. */
export interface RegionsHealthOptions {
  timeoutMs?: number;
  /** Each Region's API base URL, checked through `/health` (locally found on its own). */
  apiUrls?: Record<string, string>;
}

/** The health of every Region of a stage: tables, stream, buckets, and its API's `/health` where known. */
export async function regionsHealth(
  config: StreamctlConfig,
  options: RegionsHealthOptions = {},
): Promise<Record<string, HealthReport>> {
  const entries = await Promise.all(
    config.regions.map(async (region) => {
      const rc = regionConfig(config, region);
      const api = regionApiUrl(config, region, options.apiUrls);
      const clients = createAwsClients(rc);
      try {
        const report = await checkHealth(rc, clients, {
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          httpParts: api ? [{ name: 'api', url: api }] : [],
        });
        return [region, report] as const;
      } finally {
        clients.destroy();
      }
    }),
  );
  return Object.fromEntries(entries);
}
