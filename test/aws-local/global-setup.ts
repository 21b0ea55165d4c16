/**
 * Starts the local platform on the `aws-local` engines (AWS's DynamoDB Local
 * on Java, kinesis-mock, s3rver) for the aws-local project, which runs the
 * same e2e files as the `e2e` project: a difference between the engines
 * fails here, not in production.
 *
 * The engines are fetched once into the repo's `.cache/engines/` (shared
 * with scripts/dynamodb-local.mjs). Without Java, or without the registry to
 * fetch them from, the project is skipped with the reason printed, except
 * where STREAMCTL_REQUIRE_AWS_LOCAL=1 (as in CI), where that fails the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPlatform } from '@streamctl/local';
import type { TestProject } from 'vitest/node';
import { ENGINES_CACHE } from '../../scripts/dynamodb-local.mjs';

export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const required = process.env.STREAMCTL_REQUIRE_AWS_LOCAL === '1';
  const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-aws-local-'));
  let platform: Awaited<ReturnType<typeof startLocalPlatform>>;
  try {
    platform = await startLocalPlatform({
      dataDir: join(dataDir, 'platform'),
      engines: 'aws-local',
      // The run discards its data; `streamctl dev`'s on-disk stores are covered by the dev e2e.
      ephemeral: process.env.STREAMCTL_AWS_LOCAL_ON_DISK !== '1',
      engineCacheDir: process.env.STREAMCTL_ENGINES_CACHE ?? ENGINES_CACHE,
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    if (required) throw err;
    const { hint } = err as { hint?: string };
    console.warn(`[aws-local] skipped: ${(err as Error).message}${hint ? `; ${hint}` : ''}`);
    // No endpoints: every e2e file skips (they need the parts they use).
    project.provide('target', { kind: 'aws-local', region: 'us-east-1', stage: 'local', endpoints: {} });
    return;
  }
  const { dynamodb, kinesis, s3 } = platform.parts;
  project.provide('target', {
    kind: 'aws-local',
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
