/**
 * Runs the DynamoDB e2e tests against AWS's own DynamoDB Local (Java), so
 * differences between dynalite and DynamoDB surface here, not in production.
 *
 * Without Java or the jar this project is skipped with the reason printed,
 * except where STREAMCTL_REQUIRE_DYNAMODB_LOCAL=1 (as in CI), where that fails.
 */
import { createAwsClients, ensureTables, resolveConfig } from '@streamctl/sdk';
import type { TestProject } from 'vitest/node';
import { startDynamoDBLocal } from '../../scripts/dynamodb-local.mjs';

export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const required = process.env.STREAMCTL_REQUIRE_DYNAMODB_LOCAL === '1';
  let local: Awaited<ReturnType<typeof startDynamoDBLocal>>;
  try {
    local = await startDynamoDBLocal();
  } catch (err) {
    if (required) throw err;
    console.warn(`[dynamodb-local] skipped: ${(err as Error).message}`);
    project.provide('target', { kind: 'dynamodb-local', region: 'us-east-1', stage: 'ddblocal', endpoints: {} });
    return;
  }
  const region = 'us-east-1';
  const stage = 'ddblocal';
  const config = await resolveConfig({ flags: { stage, region }, env: {}, configFile: false });
  const clients = createAwsClients({ ...config, endpoints: { dynamodb: local.url } });
  // Only the tables: DynamoDB Local has no Kinesis or S3.
  await ensureTables(clients.dynamodb(), config.resources);
  clients.destroy();
  project.provide('target', { kind: 'dynamodb-local', region, stage, endpoints: { dynamodb: local.url } });
  return () => local.stop();
}
