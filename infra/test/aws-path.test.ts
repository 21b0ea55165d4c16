/**
 * The AWS path's pieces outside the media stack: point-in-time recovery on every table, the
 * control table (the routing record) with multi-Region strong consistency and its config rules,
 * the edge's media origin group over two Regions' CDN buckets, Redis AUTH from Secrets Manager,
 * and the logs and roles the cdk-nag findings asked for (nag.test.ts runs the rule pack itself).
 */
import { resourceNames } from '@streamctl/sdk/config';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_PUT_ACTIONS, HEALTH_ACTIONS, ROUTING_PARTITION, ROUTING_READ_ACTIONS } from '../lib/api-stack.js';
import type { PlatformStacks } from '../lib/app.js';
import { controlTablePlacement, type InfraConfig, parseInfraConfig } from '../lib/config.js';
import { MEDIA_FAILOVER_STATUS_CODES } from '../lib/edge-stack.js';
import { example, synthesizedPlatform } from './example.js';

let stacks: PlatformStacks;
let single: PlatformStacks;
const singleConfig: InfraConfig = parseInfraConfig({
  ...example,
  regions: ['eu-west-1'],
  controlRegions: undefined,
  witnessRegion: undefined,
});

beforeAll(async () => {
  [stacks, single] = await Promise.all([synthesizedPlatform(example), synthesizedPlatform(singleConfig)]);
}, 120_000);

type Resource = { Type: string; Properties: Record<string, unknown> };
const allStacks = (p: PlatformStacks) => [
  p.data,
  p.edge,
  ...Object.values(p.regions).flatMap((r) => [r.streaming, r.media, r.api, r.lake]),
];

describe('point-in-time recovery', () => {
  it('is on for every replica of every table the app creates, in every stack', () => {
    let tables = 0;
    for (const stack of allStacks(stacks)) {
      const t = Template.fromStack(stack);
      for (const [id, table] of Object.entries(t.findResources('AWS::DynamoDB::GlobalTable')) as Array<
        [string, Resource]
      >) {
        const replicas = table.Properties.Replicas as Array<{ PointInTimeRecoverySpecification?: unknown }>;
        expect(replicas.length, id).toBeGreaterThan(0);
        for (const replica of replicas)
          expect(replica.PointInTimeRecoverySpecification, `${stack.stackName}/${id}`).toEqual({
            PointInTimeRecoveryEnabled: true,
          });
        tables++;
      }
      for (const [id, table] of Object.entries(t.findResources('AWS::DynamoDB::Table')) as Array<[string, Resource]>) {
        expect(table.Properties.PointInTimeRecoverySpecification, `${stack.stackName}/${id}`).toEqual({
          PointInTimeRecoveryEnabled: true,
        });
        tables++;
      }
    }
    // Catalog, user state and control (data stack), and the platform table of each Region.
    expect(tables).toBe(3 + example.regions.length);
  });
});

describe('the control table (routing record)', () => {
  const control = (p: PlatformStacks, stage: string) =>
    Object.values(Template.fromStack(p.data).findResources('AWS::DynamoDB::GlobalTable')).find(
      (t) => (t as Resource).Properties.TableName === resourceNames(stage, 'us-east-1').controlTable,
    ) as Resource | undefined;

  it('is a global table with multi-Region strong consistency in controlRegions and the witness Region', () => {
    const table = control(stacks, example.stage);
    expect(table?.Properties).toMatchObject({
      TableName: 'streamctl-prod-control',
      MultiRegionConsistency: 'STRONG',
      GlobalTableWitnesses: [{ Region: 'us-west-2' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    const replicas = ((table?.Properties.Replicas ?? []) as Array<{ Region: string }>).map((r) => r.Region).sort();
    expect(replicas).toEqual(['us-east-1', 'us-east-2']);
    // MRSC tables take no TTL.
    expect(table?.Properties).not.toHaveProperty('TimeToLiveSpecification');
    // The other global tables stay eventually consistent, one replica per Region of the stage.
    const others = Object.values(Template.fromStack(stacks.data).findResources('AWS::DynamoDB::GlobalTable')).filter(
      (t) => t !== table,
    ) as Resource[];
    expect(others).toHaveLength(2);
    for (const other of others) {
      expect(other.Properties).not.toHaveProperty('MultiRegionConsistency');
      expect((other.Properties.Replicas as Array<{ Region: string }>).map((r) => r.Region).sort()).toEqual(
        [...example.regions].sort(),
      );
    }
  });

  it('stays a one-Region table without a witness for a one-Region stage', () => {
    const table = Object.values(Template.fromStack(single.data).findResources('AWS::DynamoDB::GlobalTable')).find(
      (t) => (t as Resource).Properties.TableName === 'streamctl-prod-control',
    ) as Resource | undefined;
    expect(table?.Properties).not.toHaveProperty('MultiRegionConsistency');
    expect(table?.Properties).not.toHaveProperty('GlobalTableWitnesses');
    expect(table?.Properties.Replicas).toEqual([expect.objectContaining({ Region: 'eu-west-1' })]);
  });

  it('refuses Regions multi-Region strong consistency cannot take, naming the field and the fix', () => {
    const parse = (fields: Record<string, unknown>) => () => parseInfraConfig({ ...example, ...fields });
    // The stage's own Regions span the US and EU sets: without controlRegions that is the table's.
    expect(parse({ controlRegions: undefined, witnessRegion: undefined })).toThrow(
      /regions: the control table needs multi-Region strong consistency.*eu-west-1 is not in us-east-1's \(US\).*set controlRegions/,
    );
    expect(parse({ witnessRegion: undefined })).toThrow(
      /witnessRegion: required: the control table is in 2 Regions \(us-east-1, us-east-2\).*\(us-west-2\)/,
    );
    expect(parse({ witnessRegion: 'eu-west-2' })).toThrow(/witnessRegion: a Region of the US set.*us-west-2/);
    expect(parse({ witnessRegion: 'us-east-2' })).toThrow(/witnessRegion: a Region other than the control table's/);
    expect(parse({ controlRegions: ['us-east-1', 'us-east-2', 'us-west-2'] })).toThrow(
      /witnessRegion: not with 3 control Regions/,
    );
    expect(parse({ controlRegions: ['us-east-2', 'us-east-1'] })).toThrow(
      /controlRegions: must start with the primary Region us-east-1/,
    );
    expect(parse({ controlRegions: ['us-east-1', 'us-east-1'] })).toThrow(/controlRegions: each Region once/);
    expect(parse({ controlRegions: ['us-east-1'] })).toThrow(/witnessRegion: only for a control table in 2 Regions/);
    // Three Regions of one set need no witness; two of one set take one.
    expect(
      parseInfraConfig({
        ...example,
        controlRegions: ['us-east-1', 'us-east-2', 'us-west-2'],
        witnessRegion: undefined,
      }).controlRegions,
    ).toHaveLength(3);
    expect(
      parseInfraConfig({
        ...example,
        regions: ['eu-west-1', 'eu-central-1'],
        controlRegions: undefined,
        witnessRegion: 'eu-west-3',
      }).witnessRegion,
    ).toBe('eu-west-3');
  });
});

describe('the failover operator policy', () => {
  it('lets `streamctl failover` change the routing record, its canaries and this distribution, read replication metrics, and nothing else', () => {
    const t = Template.fromStack(stacks.edge);
    const [policy] = Object.values(t.findResources('AWS::IAM::ManagedPolicy')) as Resource[];
    expect(policy?.Properties.ManagedPolicyName).toBe('streamctl-prod-failover');
    const document = policy?.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> } | undefined;
    const statements = document?.Statement ?? [];
    const text = (v: unknown) => JSON.stringify(v);
    const onTables = (name: string) => statements.find((st) => text(st.Resource).includes(`table/${name}`));
    // The record: in each control Region (not eu-west-1, which reaches it there).
    const record = onTables('streamctl-prod-control');
    expect(record?.Action).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ]);
    expect(text(record?.Resource)).toMatch(/dynamodb:us-east-1:.*dynamodb:us-east-2:/);
    expect(text(record?.Resource)).not.toContain('eu-west-1');
    // The canaries: every Region's user-state replica, the ROUTING partition only.
    const canary = onTables('streamctl-prod-user-state');
    expect(canary?.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['ROUTING'] } });
    for (const region of example.regions) expect(text(canary?.Resource)).toContain(`dynamodb:${region}:`);
    // The distribution, by its own ARN.
    const [distributionId] = Object.keys(t.findResources('AWS::CloudFront::Distribution'));
    const cloudfront = statements.find((st) => text(st.Action).includes('cloudfront:'));
    expect(text(cloudfront?.Resource)).toContain(`"Ref":"${distributionId}"`);
    // S3's replication metrics, read only: GetMetricData takes no resource but "*".
    const metrics = statements.find((st) => text(st.Action).includes('cloudwatch:'));
    expect(metrics).toMatchObject({ Action: 'cloudwatch:GetMetricData', Resource: '*' });
    expect(statements).toHaveLength(4);
    for (const st of statements.filter((s) => s !== metrics)) expect(text(st.Resource)).not.toMatch(/[:/]\*"/);
  });
});

describe('media origin group', () => {
  type Origin = { Id: string; DomainName: unknown; OriginAccessControlId?: unknown; OriginShield?: unknown };
  type Group = {
    Id: string;
    FailoverCriteria: { StatusCodes: { Items: number[] } };
    Members: { Items: Array<{ OriginId: string }> };
  };
  type Config = {
    Origins: Origin[];
    OriginGroups: { Items: Group[] };
    DefaultCacheBehavior: { TargetOriginId: string };
    CacheBehaviors: Array<{ PathPattern: string; TargetOriginId: string }>;
  };
  const distribution = (p: PlatformStacks) => {
    const t = Template.fromStack(p.edge);
    const [d] = Object.values(t.findResources('AWS::CloudFront::Distribution')) as Array<{
      Properties: { DistributionConfig: Config };
    }>;
    return { t, cfg: d?.Properties.DistributionConfig as Config };
  };

  it("serves media from the primary Region's CDN bucket, failing over to the next Region's, both through OAC", () => {
    const { t, cfg } = distribution(stacks);
    const group = cfg.OriginGroups.Items.find((g) => g.Members.Items[0]?.OriginId.startsWith('media-'));
    expect(group?.Members.Items.map((m) => m.OriginId)).toEqual(['media-us-east-1', 'media-eu-west-1']);
    expect([...(group?.FailoverCriteria.StatusCodes.Items ?? [])].sort()).toEqual(
      [...MEDIA_FAILOVER_STATUS_CODES].sort(),
    );
    const [oac] = Object.keys(t.findResources('AWS::CloudFront::OriginAccessControl'));
    for (const region of ['us-east-1', 'eu-west-1']) {
      const origin = cfg.Origins.find((o) => o.Id === `media-${region}`);
      // The bucket of that Region, by the SDK's name, in its own Region's endpoint.
      expect(JSON.stringify(origin?.DomainName)).toContain(`${resourceNames('prod', region).cdnBucket}.s3.${region}`);
      expect(origin?.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oac, 'Id'] });
      expect(origin?.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: region });
    }
    // Segments (the default), manifests: all media behaviours use the group.
    expect(cfg.DefaultCacheBehavior.TargetOriginId).toBe(group?.Id);
    for (const pattern of ['*.m3u8', '*.mpd'])
      expect(cfg.CacheBehaviors.find((b) => b.PathPattern === pattern)?.TargetOriginId).toBe(group?.Id);
  });

  it('has no group with one Region: the bucket is the origin', () => {
    const { cfg } = distribution(single);
    expect(cfg.Origins.filter((o) => o.Id.startsWith('media-')).map((o) => o.Id)).toEqual(['media-eu-west-1']);
    expect(cfg.DefaultCacheBehavior.TargetOriginId).toBe('media-eu-west-1');
  });

  it('writes CloudFront standard logs to the edge log bucket, which expires them', () => {
    const { t, cfg } = distribution(stacks);
    const [logs] = Object.entries(t.findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('AccessLogs')) ?? [];
    expect((cfg as unknown as { Logging: unknown }).Logging).toEqual({
      Bucket: { 'Fn::GetAtt': [logs, 'RegionalDomainName'] },
      Prefix: 'cloudfront/',
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
    });
  });
});

describe('API stack', () => {
  const api = (region: string) => Template.fromStack(stacks.regions[region]?.api as never);

  it.each(example.regions)('%s: Redis asks for an AUTH token from the stack secret, on TLS and port 6380', (region) => {
    const t = api(region);
    const [secretId] = Object.keys(t.findResources('AWS::SecretsManager::Secret'));
    t.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      Port: 6380,
      AuthToken: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] },
    });
    // The server gets the secret's ARN (never its value) and may read that secret.
    const [fn] = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
    const env = (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
      .Variables;
    expect(env.STREAMCTL_REDIS_AUTH_SECRET_ID).toEqual({ Ref: secretId });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'streamctl Redis',
      SecurityGroupIngress: [Match.objectLike({ FromPort: 6380, ToPort: 6380, IpProtocol: 'tcp' })],
    });
  });

  it.each(example.regions)('%s: access logs on the API stage, flow logs on the VPC, both kept a month', (region) => {
    const t = api(region);
    const stage = Object.values(t.findResources('AWS::ApiGatewayV2::Stage'))[0] as Resource;
    const settings = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(JSON.parse(settings.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    t.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    for (const [id] of Object.entries(t.findResources('AWS::Logs::LogGroup')))
      expect(t.toJSON().Resources[id].Properties.RetentionInDays, id).toBe(30);
  });

  it.each(example.regions)('%s: viewers choose strong passwords and may add an authenticator app', (region) => {
    api(region).hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
  });
});

describe('the events put and the routing record it reads', () => {
  type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
  /** The Allow statements of the server role's policies in one Region's API stack. */
  const serverStatements = (p: PlatformStacks, region: string): Statement[] => {
    const t = Template.fromStack(p.regions[region]?.api as never);
    const policies = Object.values(t.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } };
    }>;
    const mine = policies.filter((q) => q.Properties.Roles.some((r) => r.Ref.startsWith('ServerServiceRole')));
    expect(mine.length).toBeGreaterThan(0);
    return mine.flatMap((q) => q.Properties.PolicyDocument.Statement).filter((st) => st.Effect === 'Allow');
  };
  const actionsOf = (st: Statement) => ([] as string[]).concat(st.Action);
  const arn = (service: string, region: string, resource: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:${region}:123456789012:${resource}`]],
  });
  const stream = (region: string) => arn('kinesis', region, `stream/${resourceNames('prod', region).eventsStream}`);
  const table = (region: string, name: string) => arn('dynamodb', region, `table/${name}`);
  const serverEnv = (p: PlatformStacks, region: string) => {
    const t = Template.fromStack(p.regions[region]?.api as never);
    const [fn] = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
    return (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
      .Variables;
  };

  it.each(example.regions)("%s: the server puts into every Region's events stream, PutRecords alone", (region) => {
    const statements = serverStatements(stacks, region);
    const kinesis = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('kinesis:')));
    const put = kinesis.filter((st) => actionsOf(st).includes('kinesis:PutRecords'));
    expect(put).toHaveLength(1);
    expect(actionsOf(put[0] as Statement)).toEqual([...EVENTS_PUT_ACTIONS]);
    // Every Region's stream (the put tries this Region's first), each by the name the SDK derives there.
    expect(put[0]?.Resource).toEqual(example.regions.map(stream));
    // Besides: the health check describes this Region's stream. No PutRecord, no ListShards, no read.
    const others = kinesis.filter((st) => st !== put[0]);
    expect(others.map((st) => [actionsOf(st), st.Resource])).toEqual([[[...HEALTH_ACTIONS.stream], stream(region)]]);
  });

  it.each(example.regions)(
    "%s: the streams use Kinesis's AWS managed key, so the put needs no KMS permission",
    (region) => {
      // A customer managed key here would need kms:GenerateDataKey for the server in every Region: this test would
      // then have to ask for that grant.
      Template.fromStack(stacks.regions[region]?.streaming as never).hasResourceProperties('AWS::Kinesis::Stream', {
        Name: resourceNames('prod', region).eventsStream,
        StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      });
      const kms = serverStatements(stacks, region).filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')));
      // The content key's Decrypt (the key route) is the only KMS statement.
      expect(kms.map(actionsOf)).toEqual([['kms:Decrypt']]);
    },
  );

  it.each(example.regions)(
    '%s: the server reads the routing record in each control Region, and in its former place there',
    (region) => {
      const statements = serverStatements(stacks, region);
      const controlRegions = controlTablePlacement(example).regions;
      expect(controlRegions).toEqual(['us-east-1', 'us-east-2']);
      const control = resourceNames('prod', region).controlTable;
      const onControl = statements.filter((st) => JSON.stringify(st.Resource).includes(`table/${control}`));
      const read = onControl.filter((st) => actionsOf(st).includes('dynamodb:GetItem'));
      expect(read).toHaveLength(1);
      expect(actionsOf(read[0] as Statement)).toEqual([...ROUTING_READ_ACTIONS]);
      expect(read[0]?.Resource).toEqual(controlRegions.map((r) => table(r, control)));
      // Nothing else on the record, but the health check's DescribeTable of the replica in this Region (if any).
      const rest = onControl.filter((st) => st !== read[0]);
      const platform = table(region, resourceNames('prod', region).platformTable);
      expect(rest.map((st) => [actionsOf(st), st.Resource])).toEqual(
        controlRegions.includes(region) ? [[[...HEALTH_ACTIONS.table], [platform, table(region, control)]]] : [],
      );
      // The record's former place: the user-state replica of a control Region other than this one, its partition alone.
      const userState = resourceNames('prod', region).userStateTable;
      const former = statements.filter(
        (st) => actionsOf(st).includes('dynamodb:GetItem') && st.Condition !== undefined,
      );
      const expected = controlRegions.filter((r) => r !== region && example.regions.includes(r));
      expect(former.map((st) => ([] as unknown[]).concat(st.Resource))).toEqual(
        expected.length ? [expected.map((r) => table(r, userState))] : [],
      );
      for (const st of former)
        expect(st.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ROUTING_PARTITION] } });
      // The server learns where the record is from its environment.
      expect(serverEnv(stacks, region).STREAMCTL_CONTROL_REGIONS).toBe(controlRegions.join(','));
    },
  );

  it('on a one-Region stage: its own stream and its own control table', () => {
    const statements = serverStatements(single, 'eu-west-1');
    const put = statements.filter((st) => actionsOf(st).includes('kinesis:PutRecords'));
    expect(put.map((st) => st.Resource)).toEqual([stream('eu-west-1')]);
    const read = statements.filter((st) => JSON.stringify(st.Resource).includes('table/streamctl-prod-control'));
    expect(read.map((st) => [actionsOf(st), st.Resource])).toEqual([
      [[...ROUTING_READ_ACTIONS], table('eu-west-1', 'streamctl-prod-control')],
      [
        [...HEALTH_ACTIONS.table],
        [table('eu-west-1', 'streamctl-prod-platform'), table('eu-west-1', 'streamctl-prod-control')],
      ],
    ]);
    expect(serverEnv(single, 'eu-west-1').STREAMCTL_CONTROL_REGIONS).toBe('eu-west-1');
  });
});

describe('function roles', () => {
  it('attach no AWS managed policy, in any stack', () => {
    const managed: string[] = [];
    for (const stack of allStacks(stacks)) {
      for (const [id, role] of Object.entries(Template.fromStack(stack).findResources('AWS::IAM::Role')) as Array<
        [string, Resource]
      >) {
        if (role.Properties.ManagedPolicyArns) managed.push(`${stack.stackName}/${id}`);
      }
    }
    // The CDK's own helpers (bucket deployment, log retention) are not the app's functions.
    expect(managed.filter((id) => !/CustomCDKBucketDeployment|LogRetention/.test(id))).toEqual([]);
  });
});
