/**
 * Starts the embedded platform on free loopback ports for the e2e project,
 * or, when STREAMCTL_E2E_ENDPOINT is set (e.g. LocalStack at
 * http://localhost:4566), points every test at that endpoint instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPlatform } from '@streamctl/local';
import { createAwsClients, ensureResources, resolveConfig } from '@streamctl/sdk';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const endpoint = process.env.STREAMCTL_E2E_ENDPOINT;
  if (endpoint) {
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const stage = 'e2e';
    const config = await resolveConfig({ flags: { stage, region, endpointUrl: endpoint }, configFile: false });
    const clients = createAwsClients(config);
    await ensureResources(clients, config.resources);
    clients.destroy();
    project.provide('target', {
      kind: 'endpoint',
      region,
      stage,
      endpoints: { dynamodb: endpoint, kinesis: endpoint, s3: endpoint },
    });
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-e2e-'));
  const platform = await startLocalPlatform({ dataDir: join(dataDir, 'platform') });
  const { dynamodb, kinesis, s3 } = platform.parts;
  project.provide('target', {
    kind: 'embedded',
    region: platform.region,
    stage: 'local',
    dataDir: platform.dataDir,
    endpoints: { dynamodb, kinesis, s3 },
  });
  return async () => {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
