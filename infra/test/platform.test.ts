import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformStacks } from '../lib/app.js';
import { parseInfraConfig } from '../lib/config.js';
import { example as config, EXAMPLE_CONFIG_PATH as EXAMPLE, INFRA, synthesizedPlatform } from './example.js';

let stacks: PlatformStacks;
const template = (stack: Parameters<typeof Template.fromStack>[0]) => Template.fromStack(stack);

beforeAll(async () => {
  stacks = await synthesizedPlatform(config);
}, 120_000);

describe('data', () => {
  it('deploys the catalog and user-state tables as global tables with a replica in every Region', () => {
    const t = template(stacks.data);
    // The third is the control table (the routing record), in its own Regions: aws-path.test.ts.
    t.resourceCountIs('AWS::DynamoDB::GlobalTable', 3);
    for (const name of ['streamctl-prod-catalog', 'streamctl-prod-user-state']) {
      for (const region of config.regions) {
        t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          Replicas: Match.arrayWith([
            Match.objectLike({
              Region: region,
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            }),
          ]),
        });
      }
    }
    // The GSIs and TTL come from the SDK's definitions, as `streamctl dev` creates them.
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'streamctl-prod-catalog',
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: 'byGenre' }),
        Match.objectLike({ IndexName: 'byCountry' }),
      ]),
    });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'streamctl-prod-user-state',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

describe('streaming', () => {
  it('maps the stream to every worker with bisect, retries, record age, an SQS destination and parallelization', () => {
    const t = template(stacks.regions['eu-west-1']?.streaming as never);
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: 'streamctl-prod-events',
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS' },
    });
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 4);
    t.allResourcesProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    // Two batches of a shard at once, but the signals worker's one (its counters take a shard in order).
    const factors = Object.values(t.findResources('AWS::Lambda::EventSourceMapping')).map(
      (m) => (m as { Properties: { ParallelizationFactor?: number } }).Properties.ParallelizationFactor,
    );
    expect(factors.sort()).toEqual([1, 2, 2, 2]);
    t.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'streamctl-prod-platform',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      // Dead letters and the models live here: they can be restored, and the table is not deleted with the stack.
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it('alarms on iterator age, throttles and the on-failure queue', () => {
    const t = template(stacks.regions['us-east-1']?.streaming as never);
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as { Properties: { MetricName?: string; Namespace?: string } }).Properties,
    );
    expect(alarms.filter((a) => a.MetricName === 'IteratorAge')).toHaveLength(4);
    expect(alarms.filter((a) => a.MetricName === 'Throttles')).toHaveLength(4);
    expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(1);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('media', () => {
  it('encrypts both buckets with KMS, with lifecycle rules and no public access', () => {
    const t = template(stacks.regions['us-east-1']?.media as never);
    for (const name of ['streamctl-prod-raw-us-east-1', 'streamctl-prod-cdn-us-east-1']) {
      t.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: name,
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
          ],
        },
        LifecycleConfiguration: { Rules: Match.anyValue() },
        PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
      });
    }
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it("starts nothing on an upload (the SDK owns the job); the job-ended rule hears the stage's MediaConvert jobs", () => {
    const t = template(stacks.regions['us-east-1']?.media as never);
    // One rule, and not on S3: a master or a caption sidecar in the raw bucket starts no workflow.
    t.resourceCountIs('AWS::Events::Rule', 1);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.mediaconvert'],
        'detail-type': ['MediaConvert Job State Change'],
        detail: { status: ['COMPLETE', 'ERROR'], userMetadata: { stage: ['prod'], record: [{ exists: true }] } },
      },
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'streamctl-prod-mediaconvert-us-east-1',
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'mediaconvert.amazonaws.com' } })],
      }),
    });
    // No workflow submits a job (the one job of an ingest is the SDK's), and none may.
    const definitions = Object.values(t.findResources('AWS::StepFunctions::StateMachine')).map((m) =>
      JSON.stringify((m as { Properties: unknown }).Properties),
    );
    expect(definitions).toHaveLength(1);
    expect(definitions.filter((d) => /mediaconvert/i.test(d))).toEqual([]);
    for (const statement of Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown }> } } }).Properties.PolicyDocument
          .Statement,
    )) {
      expect([statement.Action].flat()).not.toContain('mediaconvert:CreateJob');
    }
  });

  it('lets the state machine use the KMS key of the topic it publishes to', () => {
    const t = template(stacks.regions['us-east-1']?.media as never);
    const [keyId] = Object.keys(t.findResources('AWS::KMS::Key'));
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    const machines = Object.values(t.findResources('AWS::StepFunctions::StateMachine')).map(
      (m) => (m as { Properties: { RoleArn: { 'Fn::GetAtt': [string, string] } } }).Properties.RoleArn['Fn::GetAtt'][0],
    );
    expect(machines).toHaveLength(1);
    for (const role of machines) {
      t.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: role }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: 'sns:Publish' }),
            Match.objectLike({
              Effect: 'Allow',
              Action: Match.arrayWith(['kms:GenerateDataKey', 'kms:Decrypt']),
              Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
            }),
          ]),
        },
      });
    }
  });
});

describe('api', () => {
  it('serves the HTTP API from the server function in a VPC with Redis and a Cognito pool', () => {
    const t = template(stacks.regions['us-east-1']?.api as never);
    t.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    t.resourceCountIs('AWS::Cognito::UserPool', 1);
    t.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'redis',
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      MultiAZEnabled: true,
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      Environment: {
        Variables: Match.objectLike({
          STREAMCTL_STAGE: 'prod',
          STREAMCTL_JWT_ISSUER: Match.anyValue(),
          REDIS_URL: Match.anyValue(),
          STREAMCTL_CF_SIGNING_SECRET_ID: 'streamctl/prod/cloudfront-signing',
          STREAMCTL_ORIGIN_SECRET_ID: 'streamctl/prod/origin-secret',
        }),
      },
    });
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as { Properties: { MetricName?: string } }).Properties.MetricName,
    );
    expect(alarms).toEqual(expect.arrayContaining(['5xx', 'Throttles']));
  });

  it('lets the server read the recommendation models in the user-state table, and none in the platform table', () => {
    for (const region of config.regions) {
      const t = template(stacks.regions[region]?.api as never);
      const [serverRole] =
        Object.entries(t.findResources('AWS::IAM::Role')).find(([id]) => id.startsWith('Server')) ?? [];
      expect(serverRole).toBeDefined();
      // The models are rows of the user-state global table (every Region's, in this Region's replica).
      const userState = JSON.stringify({
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, `:dynamodb:${region}:123456789012:table/streamctl-prod-user-state`],
        ],
      });
      const serverStatements = Object.values(t.findResources('AWS::IAM::Policy'))
        .map(
          (p) =>
            (
              p as {
                Properties: {
                  Roles: Array<{ Ref: string }>;
                  PolicyDocument: { Statement: Array<Record<string, unknown>> };
                };
              }
            ).Properties,
        )
        .filter((p) => p.Roles.some((r) => r.Ref === serverRole))
        .flatMap((p) => p.PolicyDocument.Statement);
      const reads = serverStatements
        .filter((st) => ([] as unknown[]).concat(st.Resource).some((r) => JSON.stringify(r) === userState))
        .flatMap((st) => ([] as unknown[]).concat(st.Action).map(String));
      expect(reads).toEqual(expect.arrayContaining(['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem']));
      // The platform table holds no model any more: the server gets no item there, and never writes one.
      // Privacy's reads and batch deletes of a viewer's dead letters are privacy.test.ts's to check.
      const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
            .PolicyDocument.Statement,
      );
      const onPlatform = statements.filter((st) => JSON.stringify(st.Resource).includes('streamctl-prod-platform'));
      expect(onPlatform.length).toBeGreaterThan(0);
      const actions = onPlatform.flatMap((st) => ([] as unknown[]).concat(st.Action).map(String));
      expect(actions.filter((a) => /^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem)$/.test(a))).toEqual([]);
    }
  });

  it('gives the user pool the custom:country attribute the server reads, which viewers cannot write', () => {
    const t = template(stacks.regions['eu-west-1']?.api as never);
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        {
          Name: 'country',
          AttributeDataType: 'String',
          Mutable: true,
          StringAttributeConstraints: { MinLength: '2', MaxLength: '2' },
        },
      ]),
    });
    const client = Object.values(t.findResources('AWS::Cognito::UserPoolClient'))[0] as {
      Properties: { WriteAttributes?: string[] };
    };
    expect(client.Properties.WriteAttributes).toEqual(['email']);
  });

  it('gives the server the names of its secrets, never a value, and lets it read those two alone', () => {
    for (const region of config.regions) {
      const t = template(stacks.regions[region]?.api as never);
      const json = JSON.stringify(t.toJSON());
      // No key, nor a reference CloudFormation would resolve into the function's configuration: the one
      // dynamic reference is the Redis AUTH token, which CloudFormation hands to ElastiCache alone.
      expect(json).not.toMatch(/PRIVATE KEY|STREAMCTL_CF_PRIVATE_KEY|STREAMCTL_CF_KEY_PAIR_ID/);
      expect(json.match(/resolve:secretsmanager/g)).toHaveLength(1);
      const [redis] = Object.values(t.findResources('AWS::ElastiCache::ReplicationGroup')) as Array<{
        Properties: { AuthToken: unknown };
      }>;
      expect(JSON.stringify(redis?.Properties.AuthToken)).toMatch(/resolve:secretsmanager/);
      const [fn] = Object.values(
        t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }),
      );
      const variables = (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties
        .Environment.Variables;
      // Names of secrets, and the alias of the KMS key that unwraps content keys (a name, not a key).
      expect(Object.keys(variables).filter((name) => /SECRET|KEY/.test(name))).toEqual([
        'STREAMCTL_CF_SIGNING_SECRET_ID',
        'STREAMCTL_ORIGIN_SECRET_ID',
        'STREAMCTL_REDIS_AUTH_SECRET_ID',
        'STREAMCTL_PROTECTION_KMS_KEY_ID',
      ]);
      expect(variables.STREAMCTL_PROTECTION_KMS_KEY_ID).toBe('alias/streamctl-prod-content-keys');

      const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } } })
            .Properties.PolicyDocument.Statement,
      );
      // The Redis AUTH token's secret (this stack's own) has a statement of its own: aws-path.test.ts.
      const [redisAuth] = Object.keys(t.findResources('AWS::SecretsManager::Secret'));
      const onSecrets = statements.filter(
        (st) =>
          JSON.stringify(st.Action).includes('secretsmanager:') &&
          !JSON.stringify(st.Resource).includes(`"${redisAuth}"`),
      );
      expect(onSecrets).toHaveLength(1);
      expect(onSecrets[0]?.Action).toBe('secretsmanager:GetSecretValue');
      const arn = (name: string) => ({
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, `:secretsmanager:${region}:123456789012:secret:${name}-??????`],
        ],
      });
      expect(onSecrets[0]?.Resource).toEqual([
        arn('streamctl/prod/cloudfront-signing'),
        arn('streamctl/prod/origin-secret'),
      ]);
    }
  });

  it("outputs each Region's HTTP API URL", () => {
    for (const region of config.regions) {
      const t = template(stacks.regions[region]?.api as never);
      const [apiId] = Object.keys(t.findResources('AWS::ApiGatewayV2::Api'));
      t.hasOutput('ApiEndpoint', {
        Value: { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] },
        Description: Match.stringLikeRegexp(`HTTP API URL of ${region}`),
      });
    }
  });
});

describe('edge', () => {
  it('serves the CDN bucket through OAC with Origin Shield, a key group, an API origin group and WAF', () => {
    const t = template(stacks.edge);
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    t.resourceCountIs('AWS::CloudFront::PublicKey', config.publicKeys?.length ?? 0);
    t.resourceCountIs('AWS::CloudFront::KeyGroup', 1);
    t.resourceCountIs('AWS::CloudFront::CachePolicy', 2);
    t.resourceCountIs('AWS::CloudFront::ResponseHeadersPolicy', 2);
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      Rules: Match.arrayWith([
        Match.objectLike({ Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP' } } }),
      ]),
    });
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: Match.anyValue(),
        Origins: Match.arrayWith([
          Match.objectLike({ OriginShield: { Enabled: true, OriginShieldRegion: 'us-east-1' } }),
          Match.objectLike({ DomainName: 'api-us-east-1.watch.example.com' }),
          Match.objectLike({ DomainName: 'api-eu-west-1.watch.example.com' }),
        ]),
        // The API reads' group, and the media's (aws-path.test.ts).
        OriginGroups: {
          Quantity: 2,
          Items: Match.arrayWith([
            Match.objectLike({
              FailoverCriteria: { StatusCodes: { Items: [500, 502, 503, 504], Quantity: 4 } },
            }),
          ]),
        },
        DefaultCacheBehavior: Match.objectLike({ TrustedKeyGroups: [Match.anyValue()] }),
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({ PathPattern: '*.m3u8', TrustedKeyGroups: [Match.anyValue()] }),
          Match.objectLike({ PathPattern: '/v1/*' }),
        ]),
      }),
    });
  });

  it("sends the API writes to the primary Region's API origin with every method, and keeps reads on the group", () => {
    const t = template(stacks.edge);
    const distribution = Object.values(t.findResources('AWS::CloudFront::Distribution'))[0] as {
      Properties: {
        DistributionConfig: {
          WebACLId: unknown;
          Origins: Array<{ Id: string; DomainName: string }>;
          OriginGroups: { Items: Array<{ Id: string; Members: { Items: Array<{ OriginId: string }> } }> };
          CacheBehaviors: Array<Record<string, unknown> & { PathPattern: string; TargetOriginId: string }>;
        };
      };
    };
    const { Origins, OriginGroups, CacheBehaviors, WebACLId } = distribution.Properties.DistributionConfig;
    expect(WebACLId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Waf/), 'Arn'] });
    const host = (id: string) => Origins.find((o) => o.Id === id)?.DomainName;
    const patterns = CacheBehaviors.map((b) => b.PathPattern);
    const writes = ['/v1/events', '/v1/playback/*', '/v1/watchlist/*'];
    for (const path of writes) {
      const behaviour = CacheBehaviors.find((b) => b.PathPattern === path);
      expect(behaviour, path).toMatchObject({
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
        OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
        ViewerProtocolPolicy: 'https-only',
      });
      // One origin, not the group (CloudFront refuses writes on an origin group), on the primary's API.
      expect(OriginGroups.Items.map((g) => g.Id)).not.toContain(behaviour?.TargetOriginId);
      expect(host(behaviour?.TargetOriginId as string)).toBe('api-us-east-1.watch.example.com');
      // CloudFront takes the first match: every write path comes before the catch-all.
      expect(patterns.indexOf(path)).toBeLessThan(patterns.indexOf('/v1/*'));
    }
    const apiGroup = OriginGroups.Items.find((g) => g.Members.Items[0]?.OriginId.startsWith('api-'));
    const reads = CacheBehaviors.find((b) => b.PathPattern === '/v1/*');
    expect(reads).toMatchObject({
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      TargetOriginId: apiGroup?.Id,
    });
    // The group's primary is the same Region as the writes; `streamctl failover` finds members by id or host.
    const members = apiGroup?.Members.Items.map((m) => m.OriginId) ?? [];
    expect(members).toEqual(['api-us-east-1', 'api-eu-west-1']);
    expect(members.map(host)).toEqual(['api-us-east-1.watch.example.com', 'api-eu-west-1.watch.example.com']);
  });

  it('sends a generated origin secret to every API origin, replicated to every Region, and forwards the viewer address', () => {
    const t = template(stacks.edge);
    const secrets = t.findResources('AWS::SecretsManager::Secret');
    expect(Object.keys(secrets)).toHaveLength(1);
    const [secretId, secret] = Object.entries(secrets)[0] as [string, { Properties: Record<string, unknown> }];
    expect(secret.Properties).toMatchObject({
      Name: 'streamctl/prod/origin-secret',
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      // The edge is in us-east-1; the other Region's API reads a replica in its own Region.
      ReplicaRegions: [{ Region: 'eu-west-1' }],
    });
    expect(secret.Properties).not.toHaveProperty('SecretString');

    const distribution = Object.values(t.findResources('AWS::CloudFront::Distribution'))[0] as {
      Properties: {
        DistributionConfig: {
          Origins: Array<{ Id: string; OriginCustomHeaders?: Array<{ HeaderName: string; HeaderValue: unknown }> }>;
          CacheBehaviors: Array<{ PathPattern: string; OriginRequestPolicyId?: string }>;
        };
      };
    };
    const { Origins, CacheBehaviors } = distribution.Properties.DistributionConfig;
    const api = Origins.filter((o) => o.Id.startsWith('api-'));
    expect(api.map((o) => o.Id).sort()).toEqual(['api-eu-west-1', 'api-us-east-1', 'api-writes']);
    for (const origin of api) {
      // A reference CloudFormation resolves at deploy time: the value itself is never in the template.
      expect(origin.OriginCustomHeaders, origin.Id).toEqual([
        {
          HeaderName: 'x-streamctl-origin-secret',
          HeaderValue: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] },
        },
      ]);
    }
    // The CDN bucket's origin gets no secret.
    for (const origin of Origins.filter((o) => !o.Id.startsWith('api-')))
      expect(origin.OriginCustomHeaders).toBeUndefined();
    // Managed-AllViewerExceptHostHeader: every viewer header but Host, plus CloudFront's, CloudFront-Viewer-Address included.
    for (const behaviour of CacheBehaviors.filter((b) => b.PathPattern.startsWith('/v1/')))
      expect(behaviour.OriginRequestPolicyId, behaviour.PathPattern).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
  });

  // It builds a second platform: seconds of work, more on a busy machine.
  it("moves the writes and the origin group's primary with apiPrimaryRegion", { timeout: 60_000 }, async () => {
    const moved = await synthesizedPlatform({ ...config, apiPrimaryRegion: 'eu-west-1' });
    const t = template(moved.edge);
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: Match.arrayWith([
          Match.objectLike({ Id: 'api-writes', DomainName: 'api-eu-west-1.watch.example.com' }),
        ]),
        OriginGroups: Match.objectLike({
          Items: Match.arrayWith([
            Match.objectLike({
              Members: { Quantity: 2, Items: [{ OriginId: 'api-eu-west-1' }, { OriginId: 'api-us-east-1' }] },
            }),
          ]),
        }),
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({ PathPattern: '/v1/events', TargetOriginId: 'api-writes' }),
        ]),
      }),
    });
    // The data stack stays in the primary Region.
    expect(moved.data.region).toBe('us-east-1');
    expect(() => parseInfraConfig({ ...config, apiPrimaryRegion: 'ap-south-1' })).toThrow(
      /apiPrimaryRegion: one of the stage's regions/,
    );
  });

  it('outputs the distribution id for STREAMCTL_DISTRIBUTION_ID', () => {
    const t = template(stacks.edge);
    const [distributionId] = Object.keys(t.findResources('AWS::CloudFront::Distribution'));
    t.hasOutput('DistributionId', { Value: { Ref: distributionId } });
    t.hasOutput('DistributionDomainName', { Value: { 'Fn::GetAtt': [distributionId, 'DomainName'] } });
  });
});

describe('custom domains', () => {
  const cert = (region: string, account = '123456789012') =>
    `arn:aws:acm:${region}:${account}:certificate/0f3c1e2a-8d4b-4b7e-9c1a-${region === 'us-east-1' ? '000000000001' : '000000000002'}`;
  const { hostedZoneId: _id, hostedZoneName: _name, ...withoutZone } = config;
  const certificates = {
    edge: cert('us-east-1'),
    api: { 'us-east-1': cert('us-east-1'), 'eu-west-1': cert('eu-west-1') },
  };
  let imported: PlatformStacks;
  let bare: PlatformStacks;
  beforeAll(async () => {
    imported = await synthesizedPlatform(parseInfraConfig({ ...withoutZone, certificates }));
    bare = await synthesizedPlatform(parseInfraConfig(withoutZone));
  }, 120_000);

  const distributionConfig = (t: Template) =>
    (
      Object.values(t.findResources('AWS::CloudFront::Distribution'))[0] as {
        Properties: { DistributionConfig: Record<string, unknown> };
      }
    ).Properties.DistributionConfig;

  it('with a hosted zone: a DNS-validated certificate, a custom domain, its mapping and A/AAAA aliases per Region', () => {
    expect(config.hostedZoneId).toBe('Z0123456789ABCDEFGHIJ');
    for (const region of config.regions) {
      const host = `api-${region}.watch.example.com`;
      const stack = stacks.regions[region]?.api as never;
      const t = template(stack);
      t.resourceCountIs('AWS::CertificateManager::Certificate', 1);
      t.hasResourceProperties('AWS::CertificateManager::Certificate', {
        DomainName: host,
        ValidationMethod: 'DNS',
        DomainValidationOptions: [{ DomainName: host, HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
      });
      const [certId] = Object.keys(t.findResources('AWS::CertificateManager::Certificate'));
      t.resourceCountIs('AWS::ApiGatewayV2::DomainName', 1);
      t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: host,
        DomainNameConfigurations: [
          {
            CertificateArn: { Ref: certId },
            EndpointType: 'REGIONAL',
            SecurityPolicy: 'TLS_1_2',
            IpAddressType: 'dualstack',
          },
        ],
      });
      const [domainId] = Object.keys(t.findResources('AWS::ApiGatewayV2::DomainName'));
      const [apiId] = Object.keys(t.findResources('AWS::ApiGatewayV2::Api'));
      t.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
      t.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
        ApiId: { Ref: apiId },
        DomainName: { Ref: domainId },
        Stage: '$default',
      });
      t.resourceCountIs('AWS::Route53::RecordSet', 2);
      for (const type of ['A', 'AAAA']) {
        t.hasResourceProperties('AWS::Route53::RecordSet', {
          Type: type,
          Name: `${host}.`,
          HostedZoneId: 'Z0123456789ABCDEFGHIJ',
          AliasTarget: {
            DNSName: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] },
            HostedZoneId: { 'Fn::GetAtt': [domainId, 'RegionalHostedZoneId'] },
          },
        });
      }
      t.hasOutput('ApiDomainTarget', { Value: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] } });
      expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('No custom domain'))).toEqual([]);
    }
  });

  it('with a hosted zone: the distribution serves <domain> on a us-east-1 certificate (SNI, TLSv1.2_2021) with A/AAAA aliases', () => {
    const t = template(stacks.edge);
    expect(stacks.edge.region).toBe('us-east-1');
    t.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    t.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'watch.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'watch.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    const [certId] = Object.keys(t.findResources('AWS::CertificateManager::Certificate'));
    const [distributionId] = Object.keys(t.findResources('AWS::CloudFront::Distribution'));
    expect(distributionConfig(t)).toMatchObject({
      Aliases: ['watch.example.com'],
      ViewerCertificate: {
        AcmCertificateArn: { Ref: certId },
        SslSupportMethod: 'sni-only',
        MinimumProtocolVersion: 'TLSv1.2_2021',
      },
    });
    t.resourceCountIs('AWS::Route53::RecordSet', 2);
    for (const type of ['A', 'AAAA']) {
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Type: type,
        Name: 'watch.example.com.',
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: Match.objectLike({ DNSName: { 'Fn::GetAtt': [distributionId, 'DomainName'] } }),
      });
    }
    expect(Annotations.fromStack(stacks.edge).findWarning('*', Match.stringLikeRegexp('No custom domains'))).toEqual(
      [],
    );
  });

  it('with certificate ARNs: imports them, makes the custom domains and aliases, and leaves DNS to the operator', () => {
    for (const region of config.regions) {
      const t = template(imported.regions[region]?.api as never);
      t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
      t.resourceCountIs('AWS::Route53::RecordSet', 0);
      t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: `api-${region}.watch.example.com`,
        DomainNameConfigurations: [Match.objectLike({ CertificateArn: cert(region), EndpointType: 'REGIONAL' })],
      });
      const [domainId] = Object.keys(t.findResources('AWS::ApiGatewayV2::DomainName'));
      const [apiId] = Object.keys(t.findResources('AWS::ApiGatewayV2::Api'));
      t.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
        ApiId: { Ref: apiId },
        DomainName: { Ref: domainId },
      });
      t.hasOutput('ApiDomainTarget', { Value: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] } });
    }
    const edge = template(imported.edge);
    edge.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    edge.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(distributionConfig(edge)).toMatchObject({
      Aliases: ['watch.example.com'],
      ViewerCertificate: {
        AcmCertificateArn: cert('us-east-1'),
        SslSupportMethod: 'sni-only',
        MinimumProtocolVersion: 'TLSv1.2_2021',
      },
    });
  });

  it('without a zone or certificates: no custom domains, and a warning that the API origins will not resolve', () => {
    for (const region of config.regions) {
      const stack = bare.regions[region]?.api as never;
      const t = template(stack);
      for (const type of [
        'AWS::CertificateManager::Certificate',
        'AWS::ApiGatewayV2::DomainName',
        'AWS::ApiGatewayV2::ApiMapping',
        'AWS::Route53::RecordSet',
      ])
        t.resourceCountIs(type, 0);
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp(`api-${region}\\.watch\\.example\\.com`));
    }
    const edge = template(bare.edge);
    edge.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    edge.resourceCountIs('AWS::Route53::RecordSet', 0);
    const cfg = distributionConfig(edge);
    expect(cfg.Aliases).toBeUndefined();
    expect(cfg.ViewerCertificate).toBeUndefined();
    // The API origins are still the hosts the config derives.
    expect((cfg.Origins as Array<{ DomainName: unknown }>).map((o) => o.DomainName)).toEqual(
      expect.arrayContaining(['api-us-east-1.watch.example.com', 'api-eu-west-1.watch.example.com']),
    );
    Annotations.fromStack(bare.edge).hasWarning(
      '*',
      Match.stringLikeRegexp(
        'API origins \\(api-us-east-1\\.watch\\.example\\.com, api-eu-west-1\\.watch\\.example\\.com\\) will not resolve',
      ),
    );
  });

  it('orders the edge after every API stack without cross-Region references', () => {
    const names = stacks.edge.dependencies.map((s) => s.stackName);
    for (const region of config.regions) expect(names).toContain(`streamctl-prod-api-${region}`);
    for (const stack of [stacks.edge, ...Object.values(stacks.regions).map((r) => r.api)]) {
      const json = JSON.stringify(template(stack).toJSON());
      expect(json).not.toMatch(/Fn::ImportValue|ExportsReader|ExportsWriter|\/cdk\/exports\//);
    }
  });
});

describe('least privilege', () => {
  /** Actions that touch data or keys: never on `*`. */
  const DATA_ACTION = /^(dynamodb|s3|kinesis|sqs|kms|sns|secretsmanager|states):/;
  /**
   * The only actions allowed on `*`, because AWS offers no resource-level permissions for them:
   * X-Ray's own trace upload and sampling (active tracing on the functions and state machines), and
   * CloudWatch Logs' vended log delivery that Step Functions logging needs (the ingest workflow's logs).
   */
  const ON_EVERY_RESOURCE = new Set([
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
    // Lambda's lookups when it attaches a function to its VPC (the API server's network interfaces).
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    // The failover operator's read of S3 replication metrics (`failover status`): GetMetricData has
    // no resource-level permission.
    'cloudwatch:GetMetricData',
  ]);

  it('grants no wildcard action, and no data or key action on every resource, in any policy or role', () => {
    const all = [
      stacks.data,
      stacks.edge,
      ...Object.values(stacks.regions).flatMap((r) => [r.streaming, r.media, r.api]),
    ];
    type Statement = { Effect?: string; Action?: unknown; Resource?: unknown };
    type Document = { Statement: Statement[] };
    const problems: string[] = [];
    let checked = 0;
    for (const stack of all) {
      const t = template(stack);
      const documents: Array<[string, Document]> = [];
      for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
        for (const [id, policy] of Object.entries(t.findResources(type))) {
          documents.push([id, (policy as { Properties: { PolicyDocument: Document } }).Properties.PolicyDocument]);
        }
      }
      // Inline policies of roles (`Policies` on AWS::IAM::Role) grant just as much.
      for (const [id, role] of Object.entries(t.findResources('AWS::IAM::Role'))) {
        const inline = (role as { Properties: { Policies?: Array<{ PolicyName: string; PolicyDocument: Document }> } })
          .Properties.Policies;
        for (const p of inline ?? []) documents.push([`${id}(${p.PolicyName})`, p.PolicyDocument]);
      }
      for (const [id, document] of documents) {
        for (const s of document.Statement) {
          if (s.Effect === 'Deny') continue;
          const actions = ([] as unknown[]).concat(s.Action ?? []).map(String);
          const resources = ([] as unknown[]).concat(s.Resource ?? []);
          for (const action of actions) {
            checked++;
            if (action === '*' || action.endsWith(':*')) problems.push(`${stack.stackName}/${id}: ${action}`);
            if (resources.includes('*') && (DATA_ACTION.test(action) || !ON_EVERY_RESOURCE.has(action)))
              problems.push(`${stack.stackName}/${id}: ${action} on *`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });
});

describe('config', () => {
  it('names every bad field', () => {
    expect(() =>
      parseInfraConfig({
        stage: 'Prod',
        account: '12',
        regions: [],
        domain: 'x',
        publicKeys: [{ id: 'k', pem: 'nope' }],
      }),
    ).toThrow(
      /stage: 1–20 lowercase[\s\S]*account: a 12-digit AWS account id[\s\S]*regions: [\s\S]*domain: a DNS name[\s\S]*publicKeys\.0\.pem: a PEM public key/,
    );
  });

  it('refuses the old ladder field, saying the ladder is chosen at ingest, and any other unknown field', () => {
    for (const ladder of ['default', 'premium-4k'])
      expect(() => parseInfraConfig({ ...config, ladder }, 'streamctl.infra.json')).toThrow(
        /streamctl\.infra\.json:\n {2}ladder: no longer read: the ladder is chosen at ingest \(`streamctl ingest --ladder <default\|mobile\|premium-4k>`\)/,
      );
    expect(parseInfraConfig(config)).not.toHaveProperty('ladder');
    expect(() => parseInfraConfig({ ...config, ladders: 'default' })).toThrow(/ladders/);
  });

  it('names a bad certificate ARN, a certificate in the wrong Region or account, and one for a Region not in regions', () => {
    const arn = (region: string, account = '123456789012') =>
      `arn:aws:acm:${region}:${account}:certificate/0f3c1e2a-8d4b-4b7e-9c1a-000000000001`;
    const { hostedZoneId: _id, hostedZoneName: _name, ...withoutZone } = config;
    const parse = (certificates: unknown) => () => parseInfraConfig({ ...withoutZone, certificates });
    expect(
      parse({
        edge: 'arn:aws:acm:us-east-1:123:cert',
        api: { 'us-east-1': arn('us-east-1'), 'eu-west-1': arn('eu-west-1') },
      }),
    ).toThrow(/certificates\.edge: an ACM certificate ARN/);
    expect(
      parse({
        edge: arn('us-east-1'),
        api: { 'us-east-1': arn('us-east-1'), 'eu-west-1': arn('eu-west-1'), 'ap-south-1': arn('ap-south-1') },
      }),
    ).toThrow(/certificates\.api\.ap-south-1: not one of the stage's regions \(us-east-1, eu-west-1\)/);
    let message = '';
    try {
      parse({ edge: arn('eu-west-1'), api: { 'us-east-1': arn('us-east-1', '210987654321'), 'eu-west-1': 'nope' } })();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(
      /certificates\.edge: a certificate in us-east-1 for watch\.example\.com \(CloudFront\), not eu-west-1/,
    );
    expect(message).toMatch(/certificates\.api\.us-east-1: a certificate of account 123456789012/);
    expect(message).toMatch(/certificates\.api\.eu-west-1: an ACM certificate ARN/);
    expect(parse({ edge: arn('us-east-1'), api: { 'us-east-1': arn('us-east-1') } })).toThrow(
      /certificates\.api\.eu-west-1: required: the certificate of api-eu-west-1\.watch\.example\.com in eu-west-1/,
    );
    expect(
      parse({ edge: arn('us-east-1'), api: { 'us-east-1': arn('eu-west-1'), 'eu-west-1': arn('eu-west-1') } }),
    ).toThrow(
      /certificates\.api\.us-east-1: a certificate in us-east-1 for api-us-east-1\.watch\.example\.com, not eu-west-1/,
    );
    // A hosted zone and certificates are two ways to the same end: one at a time.
    expect(() =>
      parseInfraConfig({
        ...config,
        certificates: { edge: arn('us-east-1'), api: { 'us-east-1': arn('us-east-1'), 'eu-west-1': arn('eu-west-1') } },
      }),
    ).toThrow(/certificates: either a hosted zone/);
  });

  it('names a hosted zone that is incomplete or not the zone of the domain', () => {
    expect(() => parseInfraConfig({ ...config, hostedZoneName: undefined })).toThrow(
      /hostedZoneName: required with hostedZoneId/,
    );
    expect(() => parseInfraConfig({ ...config, hostedZoneId: 'nope', hostedZoneName: 'example.org' })).toThrow(
      /hostedZoneId: a Route 53 hosted zone id[\s\S]*hostedZoneName: the zone of domain watch\.example\.com/,
    );
    expect(parseInfraConfig({ ...config, hostedZoneName: 'watch.example.com' }).hostedZoneName).toBe(
      'watch.example.com',
    );
  });
});

describe('cdk synth', () => {
  it('synthesizes and bundles every stack offline with no AWS credentials', { timeout: 180_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'streamctl-cdk-'));
    try {
      const env = { ...process.env };
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
        delete env[name];
      const run = spawnSync(
        process.execPath,
        [
          join(INFRA, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
          ...['synth', '--quiet', '--no-notices', '-o', out],
          ...['-c', `config=${EXAMPLE}`],
        ],
        { cwd: INFRA, env, encoding: 'utf8' },
      );
      expect(run.status, run.stderr).toBe(0);
      // Each function was bundled by esbuild from its TypeScript source.
      expect(readdirSync(out).filter((f) => f.startsWith('asset.')).length).toBeGreaterThanOrEqual(2);
      const templates = readdirSync(out).filter((f) => f.endsWith('.template.json'));
      expect(templates.sort()).toEqual(
        [
          'streamctl-prod-api-eu-west-1',
          'streamctl-prod-api-us-east-1',
          'streamctl-prod-data',
          'streamctl-prod-edge',
          'streamctl-prod-lake-eu-west-1',
          'streamctl-prod-lake-us-east-1',
          'streamctl-prod-media-eu-west-1',
          'streamctl-prod-media-replication-eu-west-1',
          'streamctl-prod-media-replication-us-east-1',
          'streamctl-prod-media-us-east-1',
          'streamctl-prod-streaming-eu-west-1',
          'streamctl-prod-streaming-us-east-1',
        ].map((s) => `${s}.template.json`),
      );
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { artifacts: object };
      expect(Object.keys(manifest.artifacts).length).toBeGreaterThanOrEqual(8);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
