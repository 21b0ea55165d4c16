import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../aws/index.js';
import { resolveConfig } from '../config/index.js';
import { checkHealth } from './index.js';

/** Clients whose every call fails as AWS does for a table, stream or bucket that is not there. */
function missingEverything(endpoint: string | undefined): AwsClients {
  const send = async () => {
    throw Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
  };
  const client = { send } as never;
  return {
    dynamodb: () => client,
    documents: () => client,
    kinesis: () => client,
    s3: () => client,
    mediaconvert: () => client,
    cloudfront: () => client,
    athena: () => client,
    kms: () => client,
    endpointFor: () => endpoint,
    destroy: () => {},
  };
}

describe('checkHealth hints by where the stage lives', () => {
  it.each([
    [undefined, 'deploy the stage to this Region (`cdk deploy`), or check --stage and --region'],
    ['http://127.0.0.1:4566', 'deploy the stage (`cdk deploy`) or start the local platform (`streamctl dev`)'],
  ])('a missing resource at %s', async (endpoint, hint) => {
    const config = await resolveConfig({ flags: { stage: 'prod', region: 'eu-west-1' }, env: {}, configFile: false });
    const report = await checkHealth(config, missingEverything(endpoint));
    expect(report.parts.map((p) => [p.name, p.error?.code, p.error?.hint])).toEqual(
      ['dynamodb', 'kinesis', 's3'].map((name) => [name, 'RESOURCE_NOT_FOUND', hint]),
    );
  });
});
