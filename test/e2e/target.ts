/**
 * What e2e tests run against, handed from the global setup to the tests
 * through vitest's provide/inject.
 */
import type { StreamctlConfig } from '@streamctl/sdk';
import { resolveConfig } from '@streamctl/sdk';
import 'vitest';

export interface E2ETarget {
  /**
   * `embedded` (the local platform on its default engines), `aws-local` (the local platform on
   * DynamoDB Local and kinesis-mock), `endpoint` (STREAMCTL_E2E_ENDPOINT) or `dynamodb-local`
   * (DynamoDB Local alone).
   */
  kind: 'embedded' | 'aws-local' | 'endpoint' | 'dynamodb-local';
  region: string;
  stage: string;
  /** Per-service endpoints; absent services are not available to this target. */
  endpoints: Partial<Record<'dynamodb' | 'kinesis' | 's3', string>>;
  /** Data dir of the local platform, when kind is `embedded` or `aws-local`. */
  dataDir?: string;
}

/**
 * True when the target is a running local platform (`embedded` or `aws-local`) with its data dir:
 * what CLI commands on the `local` stage need.
 */
export function isLocalPlatform(target: E2ETarget): boolean {
  return (target.kind === 'embedded' || target.kind === 'aws-local') && target.dataDir !== undefined;
}

/** The `--engines` profile of a target, for tests that start a platform of their own. */
export function targetEngines(target: E2ETarget): 'embedded' | 'aws-local' {
  return target.kind === 'aws-local' ? 'aws-local' : 'embedded';
}

/**
 * The environment that puts a `streamctl dev` a test starts in-process on the target's engines
 * (the in-process CLI sees only the environment it is given).
 */
export function targetEnginesEnv(target: E2ETarget): Record<string, string> {
  if (target.kind !== 'aws-local') return {};
  const cache = process.env.STREAMCTL_ENGINES_CACHE;
  return { STREAMCTL_ENGINES: 'aws-local', ...(cache ? { STREAMCTL_ENGINES_CACHE: cache } : {}) };
}

/** True when the target's engines could not start here (the aws-local project without Java): skip. */
export function enginesUnavailable(target: E2ETarget): boolean {
  return target.kind === 'aws-local' && !target.dataDir;
}

declare module 'vitest' {
  export interface ProvidedContext {
    target: E2ETarget;
  }
}

/** A resolved configuration pointing at the target's endpoints. */
export async function targetConfig(target: E2ETarget): Promise<StreamctlConfig> {
  const base = await resolveConfig({
    flags: { stage: target.stage, region: target.region, ...(target.dataDir ? { dataDir: target.dataDir } : {}) },
    env: {},
    configFile: false,
  });
  return { ...base, endpoints: target.endpoints };
}
