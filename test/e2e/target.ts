/**
 * What e2e tests run against, handed from the global setup to the tests
 * through vitest's provide/inject.
 */
import type { StreamctlConfig } from '@streamctl/sdk';
import { resolveConfig } from '@streamctl/sdk';
import 'vitest';

export interface E2ETarget {
  /** `embedded`, `endpoint` (STREAMCTL_E2E_ENDPOINT) or `dynamodb-local`. */
  kind: 'embedded' | 'endpoint' | 'dynamodb-local';
  region: string;
  stage: string;
  /** Per-service endpoints; absent services are not available to this target. */
  endpoints: Partial<Record<'dynamodb' | 'kinesis' | 's3', string>>;
  /** Data dir of the embedded platform, when kind is `embedded`. */
  dataDir?: string;
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
