/**
 * The analytics engine of a stage: DuckDB over the local lake's files on the
 * local stage, Athena over the stage's Glue table on AWS. The same table and
 * columns either way.
 */
import type { AnalyticsEngine, StreamctlConfig } from '@streamctl/sdk';

/** Opens the stage's engine; close it when done. */
export async function openAnalyticsEngine(config: StreamctlConfig): Promise<AnalyticsEngine> {
  const sdk = await import('@streamctl/sdk');
  if (config.stage === 'local') {
    const { openLocalLake } = await import('@streamctl/local');
    return openLocalLake(sdk.localLakeRoot(config.dataDir, config.resources));
  }
  const clients = sdk.createAwsClients(config);
  const engine = sdk.createAthenaEngine(clients.athena(), config.resources);
  return {
    ...engine,
    async close() {
      clients.destroy();
    },
  };
}
