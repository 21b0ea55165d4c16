/**
 * Every environment variable streamctl reads, in one typed list.
 *
 * `STREAMCTL_*` variables win over the standard `AWS_*` ones they stand
 * beside; both lose to command-line flags and win over the config file.
 */
export const ENV_VARS = {
  STREAMCTL_STAGE: { key: 'stage', doc: 'Stage to operate on (`local`, `dev`, `prod`, …). Default: local.' },
  STREAMCTL_REGION: { key: 'region', doc: 'AWS Region of the stage; wins over AWS_REGION.' },
  STREAMCTL_PROFILE: { key: 'profile', doc: 'AWS shared-config profile; wins over AWS_PROFILE.' },
  STREAMCTL_ENDPOINT_URL: {
    key: 'endpointUrl',
    doc: 'Send every AWS call to this endpoint (LocalStack, an emulator); wins over AWS_ENDPOINT_URL.',
  },
  STREAMCTL_DATA_DIR: { key: 'dataDir', doc: 'Data dir of the embedded local platform. Default: ./.streamctl/local.' },
  STREAMCTL_MAX_ATTEMPTS: { key: 'maxAttempts', doc: 'Attempts per AWS call, retries included (1–10). Default: 3.' },
  STREAMCTL_REGIONS: { key: 'regions', doc: 'Comma-separated Regions of a multi-Region stage.' },
  AWS_REGION: { key: 'region', doc: 'Standard AWS Region variable.' },
  AWS_DEFAULT_REGION: { key: 'region', doc: 'Older standard AWS Region variable (AWS CLI v1).' },
  AWS_PROFILE: { key: 'profile', doc: 'Standard AWS profile variable.' },
  AWS_ENDPOINT_URL: { key: 'endpointUrl', doc: 'Standard AWS endpoint override variable.' },
} as const;

/** The name of an environment variable streamctl reads. */
export type EnvVarName = keyof typeof ENV_VARS;

/** Config keys that the environment can set, with their variables in precedence order. */
export function envVarsFor(key: string): EnvVarName[] {
  return (Object.keys(ENV_VARS) as EnvVarName[]).filter((name) => ENV_VARS[name].key === key);
}
