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
    cloudwatch: () => client,
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

/** Clients of a deployed Region that has every resource but the control table (it holds no replica of it). */
function everythingButControl(controlTable: string): { clients: AwsClients; described: string[] } {
  const described: string[] = [];
  const send = async (command: { constructor: { name: string }; input: { TableName?: string } }) => {
    if (command.constructor.name === 'DescribeTableCommand') {
      described.push(command.input.TableName as string);
      if (command.input.TableName === controlTable) {
        throw Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
      }
      return { Table: { TableStatus: 'ACTIVE' } };
    }
    if (command.constructor.name === 'DescribeStreamSummaryCommand') {
      return { StreamDescriptionSummary: { StreamStatus: 'ACTIVE' } };
    }
    return {};
  };
  const client = { send } as never;
  return {
    described,
    clients: {
      dynamodb: () => client,
      documents: () => client,
      kinesis: () => client,
      s3: () => client,
      mediaconvert: () => client,
      cloudfront: () => client,
      athena: () => client,
      kms: () => client,
      cloudwatch: () => client,
      endpointFor: () => undefined,
      destroy: () => {},
    },
  };
}

describe('checkHealth and the control table', () => {
  const stage = (region: string) =>
    resolveConfig({
      flags: { stage: 'prod', region, regions: 'us-east-1,eu-west-1' },
      env: { STREAMCTL_CONTROL_REGIONS: 'us-east-1,us-east-2' },
      configFile: false,
    });

  it('finds a Region without a replica of it healthy, and names where the routing record is read', async () => {
    const config = await stage('eu-west-1');
    const { clients, described } = everythingButControl(config.resources.controlTable);
    const report = await checkHealth(config, clients);
    expect(report.healthy).toBe(true);
    expect(report.routingRecordFrom).toEqual(['us-east-1', 'us-east-2']);
    expect(described).not.toContain(config.resources.controlTable);
    expect(described).toContain(config.resources.userStateTable);
  });

  it('finds a control Region without it unhealthy, naming the table', async () => {
    const config = await stage('us-east-1');
    const { clients } = everythingButControl(config.resources.controlTable);
    const report = await checkHealth(config, clients);
    expect(report.healthy).toBe(false);
    expect(report.routingRecordFrom).toEqual(['us-east-1', 'us-east-2']);
    const dynamodb = report.parts.find((p) => p.name === 'dynamodb');
    expect(dynamodb?.resources.find((r) => !r.ok)).toEqual({
      name: config.resources.controlTable,
      ok: false,
      status: 'RESOURCE_NOT_FOUND',
    });
  });
});
