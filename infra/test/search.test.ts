import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformStacks } from '../lib/app.js';
import { SEARCH_PERMISSIONS, searchCollectionName } from '../lib/search-stack.js';
import { example as config, synthesizedPlatform } from './example.js';

const NAME = 'streamctl-prod-titles';

let stacks: PlatformStacks;

beforeAll(async () => {
  stacks = await synthesizedPlatform(config);
}, 120_000);

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

/** The templates of a Region's API and streaming stacks, with the ids tests look for. */
function region(name: string) {
  const r = stacks.regions[name];
  if (!r) throw new Error(`no Region ${name}`);
  const api = Template.fromStack(r.api);
  const streaming = Template.fromStack(r.streaming);
  const only = (t: Template, type: string, props?: object) => {
    const found = Object.entries(t.findResources(type, props ? { Properties: props } : undefined)) as Array<
      [string, Resource]
    >;
    expect(found).toHaveLength(1);
    return found[0] as [string, Resource];
  };
  const [collectionId] = only(api, 'AWS::OpenSearchServerless::Collection');
  const [serverId, server] = only(api, 'AWS::Lambda::Function', { Handler: 'index.handler' });
  const [workerId, worker] = only(streaming, 'AWS::Lambda::Function', { Handler: 'index.searchHandler' });
  const roleOf = (fn: Resource) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  /** The value the API stack exports under the name a streaming stack imports. */
  const exported = (value: unknown) => {
    const name = (value as { 'Fn::ImportValue'?: string })['Fn::ImportValue'];
    expect(name).toBeTypeOf('string');
    const output = Object.values(api.toJSON().Outputs as Record<string, { Value: unknown; Export?: { Name: string } }>)
      .filter((o) => o.Export?.Name === name)
      .map((o) => o.Value);
    expect(output).toHaveLength(1);
    return output[0];
  };
  return {
    api,
    streaming,
    collectionId,
    server,
    serverRoleId: roleOf(server),
    serverId,
    worker,
    workerId,
    workerRoleId: roleOf(worker),
    exported,
  };
}

/** A policy property: a JSON string, or an Fn::Join of JSON text and tokens (each token becomes `<n>`). */
function parsePolicy(value: unknown): { document: unknown; tokens: unknown[] } {
  if (typeof value === 'string') return { document: JSON.parse(value), tokens: [] };
  const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const tokens: unknown[] = [];
  const text = parts
    .map((p) => {
      if (typeof p === 'string') return p;
      tokens.push(p);
      return `<${tokens.length - 1}>`;
    })
    .join(separator);
  return { document: JSON.parse(text), tokens };
}

describe('search collection', () => {
  it.each(config.regions)(
    '%s: a SEARCH collection named for the stage, after its encryption and network policies',
    (name) => {
      const { api, collectionId } = region(name);
      api.hasResourceProperties('AWS::OpenSearchServerless::Collection', { Name: NAME, Type: 'SEARCH' });
      const policies = api.findResources('AWS::OpenSearchServerless::SecurityPolicy') as Record<string, Resource>;
      expect(Object.keys(policies)).toHaveLength(2);
      const collection = api.findResources('AWS::OpenSearchServerless::Collection')[collectionId] as Resource;
      expect([...(collection.DependsOn ?? [])].sort()).toEqual(Object.keys(policies).sort());
      const byType = Object.fromEntries(
        Object.values(policies).map((p) => [p.Properties.Type, p.Properties] as [string, Record<string, unknown>]),
      );
      expect(byType.encryption?.Name).toBe(NAME);
      expect(JSON.parse(byType.encryption?.Policy as string)).toEqual({
        Rules: [{ ResourceType: 'collection', Resource: [`collection/${NAME}`] }],
        AWSOwnedKey: true,
      });
      expect(byType.network?.Name).toBe(NAME);
      // Public endpoint, IAM-signed requests only: no rule grants anything without the data access policy.
      expect(JSON.parse(byType.network?.Policy as string)).toEqual([
        { Rules: [{ ResourceType: 'collection', Resource: [`collection/${NAME}`] }], AllowFromPublic: true },
      ]);
      api.hasOutput('SearchEndpoint', { Value: { 'Fn::GetAtt': [collectionId, 'CollectionEndpoint'] } });
    },
  );

  it('names collections and policies within 32 lowercase characters for every stage', () => {
    expect(searchCollectionName('prod')).toBe(NAME);
    const long = 'a23456789-123456789x';
    for (const stage of ['p', 'staging-eu', 'a2345', long, long.slice(0, 15), long.slice(0, 16)]) {
      expect(searchCollectionName(stage)).toMatch(/^[a-z][a-z0-9-]{2,31}$/);
    }
    expect(searchCollectionName(long.slice(0, 16))).not.toBe(searchCollectionName(long.slice(0, 17)));
  });
});

describe('search data access policy', () => {
  it.each(config.regions)(
    '%s: lets the worker write and the API server read the catalog index, and nobody else',
    (name) => {
      const { streaming, workerRoleId, serverRoleId, exported } = region(name);
      const [policy, ...others] = Object.values(
        streaming.findResources('AWS::OpenSearchServerless::AccessPolicy'),
      ) as Resource[];
      expect(others).toEqual([]);
      expect(policy?.Properties).toMatchObject({ Name: NAME, Type: 'data' });
      const { document, tokens } = parsePolicy(policy?.Properties.Policy);
      const index = [`index/${NAME}/${NAME}`];
      expect(document).toEqual([
        {
          Description: expect.any(String),
          Rules: [{ ResourceType: 'index', Resource: index, Permission: [...SEARCH_PERMISSIONS.write] }],
          Principal: ['<0>'],
        },
        {
          Description: expect.any(String),
          Rules: [{ ResourceType: 'index', Resource: index, Permission: ['aoss:ReadDocument', 'aoss:DescribeIndex'] }],
          Principal: ['<1>'],
        },
      ]);
      expect(SEARCH_PERMISSIONS.write).toEqual([
        'aoss:ReadDocument',
        'aoss:WriteDocument',
        'aoss:CreateIndex',
        'aoss:DescribeIndex',
        'aoss:UpdateIndex',
      ]);
      expect(tokens).toHaveLength(2);
      // The search worker's role, in this stack, and the API server's role, exported by the API stack.
      expect(tokens[0]).toEqual({ 'Fn::GetAtt': [workerRoleId, 'Arn'] });
      expect(exported(tokens[1])).toEqual({ 'Fn::GetAtt': [serverRoleId, 'Arn'] });
    },
  );

  it.each(config.regions)('%s: grants both roles aoss:APIAccessAll on the collection alone', (name) => {
    const { api, streaming, collectionId, serverRoleId, workerRoleId, exported } = region(name);
    api.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: serverRoleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'aoss:APIAccessAll', Resource: { 'Fn::GetAtt': [collectionId, 'Arn'] } },
        ]),
      },
    });
    const statements = (t: Template) =>
      Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => {
        const { Roles, PolicyDocument } = (p as Resource).Properties as {
          Roles: unknown[];
          PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> };
        };
        return PolicyDocument.Statement.filter((s) => JSON.stringify(s.Action).includes('aoss:')).map((s) => ({
          roles: Roles,
          ...s,
        }));
      });
    expect(statements(api)).toHaveLength(1);
    const [worker, ...more] = statements(streaming);
    expect(more).toEqual([]);
    expect(worker).toMatchObject({ roles: [{ Ref: workerRoleId }], Action: 'aoss:APIAccessAll' });
    expect(exported(worker?.Resource)).toEqual({ 'Fn::GetAtt': [collectionId, 'Arn'] });
  });
});

describe('search functions', () => {
  it.each(config.regions)('%s: gives the API server and the search worker the endpoint and the index', (name) => {
    const { collectionId, server, worker, exported } = region(name);
    const endpoint = { 'Fn::GetAtt': [collectionId, 'CollectionEndpoint'] };
    const variables = (fn: Resource) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables(server)).toMatchObject({ STREAMCTL_SEARCH_ENDPOINT: endpoint, STREAMCTL_SEARCH_INDEX: NAME });
    expect(variables(worker)).toMatchObject({ STREAMCTL_SEARCH_INDEX: NAME, STREAMCTL_STAGE: 'prod' });
    expect(exported(variables(worker).STREAMCTL_SEARCH_ENDPOINT)).toEqual(endpoint);
  });

  it.each(config.regions)(
    '%s: maps the stream to the Search worker like the others, reads the catalog, and alarms on it',
    (name) => {
      const { streaming, workerId, workerRoleId } = region(name);
      streaming.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: workerId },
        EventSourceArn: Match.anyValue(),
        BatchSize: 100,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 3600,
        ParallelizationFactor: 2,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        StartingPosition: 'TRIM_HORIZON',
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
      const catalogArn = `:dynamodb:${name}:123456789012:table/streamctl-prod-catalog`;
      streaming.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: workerRoleId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['dynamodb:Query', 'dynamodb:GetItem']),
              Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, catalogArn]] },
            }),
          ]),
        },
      });
      for (const metric of ['IteratorAge', 'Throttles']) {
        streaming.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: workerId } }],
        });
      }
    },
  );
});
