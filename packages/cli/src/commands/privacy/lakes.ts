/**
 * The analytics lakes privacy export and erasure reach from the CLI: the local
 * lake's files on the local stage; on AWS each Region's lake through Athena
 * (its workgroup, its Glue table, its bucket).
 */
import type { StreamctlConfig, ViewerLake } from '@streamctl/sdk';

/** The stage's lakes, and how to let go of their clients. */
export async function viewerLakes(config: StreamctlConfig): Promise<{ lakes: ViewerLake[]; close(): void }> {
  if (config.stage === 'local') {
    const { localViewerLakes } = await import('@streamctl/local');
    return { lakes: localViewerLakes(config), close() {} };
  }
  const sdk = await import('@streamctl/sdk');
  const opened = config.regions.map((region) => {
    const names = region === config.region ? config.resources : sdk.resourceNames(config.stage, region);
    const clients = sdk.createAwsClients({ ...config, region, resources: names });
    const lake = sdk.createAthenaViewerLake(
      sdk.createAthenaEngine(clients.athena(), names),
      clients.s3(),
      names,
      region,
    );
    return { lake, clients };
  });
  return {
    lakes: opened.map((o) => o.lake),
    close() {
      for (const o of opened) o.clients.destroy();
    },
  };
}
