import {
  DEFAULT_SLOS,
  FIREHOSE_ERROR_PREFIX,
  FIREHOSE_EVENTS_PREFIX,
  LAKE_COLUMNS,
  LAKE_JSON_KEY_MAPPINGS,
  LAKE_PARTITION_KEYS,
} from '@streamctl/sdk';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformStacks } from '../lib/app.js';
import { analyticsSettings, parseInfraConfig } from '../lib/config.js';
import { LakeStack } from '../lib/lake-stack.js';
import { exampleJson as example, synthesizedPlatform, TEMPLATES_ONLY } from './example.js';

// One threshold and the retention moved from their defaults: the template must show the config's values.
const config = parseInfraConfig({ ...example, analytics: { lakeRetentionDays: 730, slo: { startupP95Ms: 1500 } } });
const REGION = 'eu-west-1';
const LAKE = `streamctl-prod-lake-${REGION}`;
const RESULTS = `streamctl-prod-athena-results-${REGION}`;

let stacks: PlatformStacks;
let t: Template;

beforeAll(async () => {
  stacks = await synthesizedPlatform(config);
  t = Template.fromStack(stacks.regions[REGION]?.lake as never);
}, 120_000);

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; DependsOn?: string[] };

/** The one resource of a type (matching `props`) in the lake stack. */
function only(type: string, props?: object): [string, Resource] {
  const found = Object.entries(t.findResources(type, props ? { Properties: props } : undefined)) as Array<
    [string, Resource]
  >;
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('lake stack', () => {
  it('is made in every Region, after the streaming and API stacks of its Region', () => {
    for (const region of config.regions) {
      const r = stacks.regions[region];
      expect(r?.lake.region).toBe(region);
      const deps = r?.lake.dependencies.map((s) => s.stackName) ?? [];
      expect(deps).toEqual(
        expect.arrayContaining([
          `streamctl-prod-streaming-${region}`,
          `streamctl-prod-api-${region}`,
          'streamctl-prod-data',
        ]),
      );
    }
  });

  it('encrypts the lake bucket with its own rotating KMS key, blocks public access, enforces SSL, retains it', () => {
    const [keyId, key] = only('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    const [bucketId, bucket] = only('AWS::S3::Bucket', { BucketName: LAKE });
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(keyId) },
        },
      ],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(bucketId),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it("tiers events after 30 days and expires them after the config's retention; errors after 30 days; aborts stale uploads", () => {
    const [, bucket] = only('AWS::S3::Bucket', { BucketName: LAKE });
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        {
          Id: 'events',
          Prefix: 'events/',
          Status: 'Enabled',
          ExpirationInDays: 730,
          Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }],
        },
        { Id: 'errors', Prefix: 'errors/', Status: 'Enabled', ExpirationInDays: 30 },
        { Id: 'abort-multipart', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
      ]),
    );
    expect(rules).toHaveLength(3);
    // The error prefix Firehose writes under is the one that expires early.
    expect(FIREHOSE_ERROR_PREFIX.startsWith('errors/')).toBe(true);
    expect(FIREHOSE_EVENTS_PREFIX.startsWith('events/')).toBe(true);
  });

  it("has the SDK's events table in the stage's Glue database: columns, partition keys, Parquet, projection", () => {
    const [databaseId, database] = only('AWS::Glue::Database');
    expect(database.Properties.DatabaseInput).toMatchObject({ Name: 'streamctl_prod' });
    const [, table] = only('AWS::Glue::Table');
    expect(table.Properties.DatabaseName).toBe('streamctl_prod');
    expect(table.DependsOn).toContain(databaseId);
    const input = table.Properties.TableInput as {
      Name: string;
      TableType: string;
      Parameters: Record<string, string>;
      PartitionKeys: Array<{ Name: string; Type: string }>;
      StorageDescriptor: {
        Location: string;
        Columns: Array<{ Name: string; Type: string }>;
        InputFormat: string;
        OutputFormat: string;
        SerdeInfo: { SerializationLibrary: string };
      };
    };
    expect(input.Name).toBe('events');
    expect(input.TableType).toBe('EXTERNAL_TABLE');
    expect(input.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual(
      LAKE_COLUMNS.map((c) => [c.name, c.glueType]),
    );
    expect(input.PartitionKeys.map((k) => [k.Name, k.Type])).toEqual(
      LAKE_PARTITION_KEYS.map((k) => [k.name, k.glueType]),
    );
    expect(input.StorageDescriptor.Location).toBe(`s3://${LAKE}/events/`);
    expect(input.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
    expect(input.StorageDescriptor.OutputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat');
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    );
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      // As far back as the retention keeps files, up to the query's day.
      'projection.dt.range': 'NOW-730DAYS,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      'storage.location.template': `s3://${LAKE}/events/dt=\${dt}/hour=\${hour}/`,
    });
    // The template is the layout Firehose's prefix writes.
    expect(FIREHOSE_EVENTS_PREFIX.replace(/!\{timestamp:[^}]+\}/g, '#')).toBe('events/dt=#/hour=#/');
  });

  it('copies the events stream to the lake with Firehose: Parquet by the Glue table, OpenX mappings, prefixes, buffering, processor', () => {
    const [, stream] = only('AWS::KinesisFirehose::DeliveryStream');
    const p = stream.Properties;
    expect(p.DeliveryStreamName).toBe('streamctl-prod-events-lake');
    expect(p.DeliveryStreamType).toBe('KinesisStreamAsSource');
    const [roleId] = only('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'firehose.amazonaws.com' } })],
      }),
    });
    const source = p.KinesisStreamSourceConfiguration as { KinesisStreamARN: unknown; RoleARN: unknown };
    expect(source.RoleARN).toEqual(arnOf(roleId));
    // The streaming stack's stream, imported (same Region).
    expect(JSON.stringify(source.KinesisStreamARN)).toMatch(/Fn::ImportValue.*streaming-eu-west-1/);

    const s3 = p.ExtendedS3DestinationConfiguration as Record<string, unknown>;
    const [keyId] = only('AWS::KMS::Key');
    const [bucketId] = only('AWS::S3::Bucket', { BucketName: LAKE });
    expect(s3.BucketARN).toEqual(arnOf(bucketId));
    expect(s3.Prefix).toBe(FIREHOSE_EVENTS_PREFIX);
    expect(s3.ErrorOutputPrefix).toBe(FIREHOSE_ERROR_PREFIX);
    expect(s3.EncryptionConfiguration).toEqual({ KMSEncryptionConfig: { AWSKMSKeyARN: arnOf(keyId) } });
    const buffering = s3.BufferingHints as { SizeInMBs: number; IntervalInSeconds: number };
    expect(buffering.SizeInMBs).toBeGreaterThanOrEqual(64);
    expect(buffering.IntervalInSeconds).toBe(300);
    const [logGroupId] = only('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/kinesisfirehose/streamctl-prod-events-lake',
    });
    const [logStreamId] = only('AWS::Logs::LogStream', { LogStreamName: 'DestinationDelivery' });
    expect(s3.CloudWatchLoggingOptions).toEqual({
      Enabled: true,
      LogGroupName: ref(logGroupId),
      LogStreamName: ref(logStreamId),
    });

    const conversion = s3.DataFormatConversionConfiguration as {
      Enabled: boolean;
      InputFormatConfiguration: {
        Deserializer: { OpenXJsonSerDe: { CaseInsensitive: boolean; ColumnToJsonKeyMappings: object } };
      };
      OutputFormatConfiguration: { Serializer: { ParquetSerDe?: object } };
      SchemaConfiguration: Record<string, unknown>;
    };
    expect(conversion.Enabled).toBe(true);
    const openx = conversion.InputFormatConfiguration.Deserializer.OpenXJsonSerDe;
    expect(openx.ColumnToJsonKeyMappings).toEqual(LAKE_JSON_KEY_MAPPINGS);
    // The default lowercases JSON keys first, and `userid` would match no mapping.
    expect(openx.CaseInsensitive).toBe(false);
    expect(conversion.OutputFormatConfiguration.Serializer.ParquetSerDe).toBeDefined();
    expect(conversion.SchemaConfiguration).toMatchObject({
      DatabaseName: 'streamctl_prod',
      TableName: 'events',
      Region: REGION,
      RoleARN: arnOf(roleId),
      VersionId: 'LATEST',
    });

    const [fnId] = only('AWS::Lambda::Function', { Handler: 'index.handler' });
    const processing = s3.ProcessingConfiguration as {
      Enabled: boolean;
      Processors: Array<{ Type: string; Parameters: Array<{ ParameterName: string; ParameterValue: unknown }> }>;
    };
    expect(processing.Enabled).toBe(true);
    expect(processing.Processors).toHaveLength(1);
    expect(processing.Processors[0]?.Type).toBe('Lambda');
    expect(processing.Processors[0]?.Parameters).toContainEqual({
      ParameterName: 'LambdaArn',
      ParameterValue: arnOf(fnId),
    });
  });

  it('runs the transform with the stage and Region, reading only the erasure tombstone of user state', () => {
    const [, fn] = only('AWS::Lambda::Function', { Handler: 'index.handler' });
    expect((fn.Properties.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      STREAMCTL_STAGE: 'prod',
      STREAMCTL_REGION: REGION,
      STREAMCTL_REGIONS: config.regions.join(','),
    });
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.values(t.findResources('AWS::IAM::Policy')) as Resource[];
    const mine = policies.filter((p) =>
      (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r).includes(roleId)),
    );
    const statements = mine.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }).Statement,
    );
    const dynamo = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]?.Action).toBe('dynamodb:GetItem');
    expect(JSON.stringify(dynamo[0]?.Resource)).toContain('table/streamctl-prod-user-state');
  });

  it("gives Firehose's role named resources only: the stream, the bucket, the key, the Glue table, the function", () => {
    const [roleId] = only('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'firehose.amazonaws.com' } })],
      }),
    });
    const policies = (Object.entries(t.findResources('AWS::IAM::Policy')) as Array<[string, Resource]>).filter(
      ([, p]) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(ref(roleId))),
    );
    expect(policies).toHaveLength(1);
    const [policyId, policy] = policies[0] as [string, Resource];
    const statements = (
      policy.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }
    ).Statement;
    const byService = new Map<string, unknown[]>();
    for (const s of statements) {
      const resources = ([] as unknown[]).concat(s.Resource);
      for (const action of ([] as unknown[]).concat(s.Action).map(String)) {
        expect(action).not.toMatch(/\*/);
        expect(resources, action).not.toContain('*');
        const service = action.split(':')[0] as string;
        byService.set(service, [...(byService.get(service) ?? []), ...resources]);
      }
    }
    expect([...byService.keys()].sort()).toEqual(['glue', 'kinesis', 'kms', 'lambda', 'logs', 's3']);
    const text = (service: string) => JSON.stringify(byService.get(service));
    expect(text('kinesis')).toMatch(/Fn::ImportValue/);
    const [bucketId] = only('AWS::S3::Bucket', { BucketName: LAKE });
    for (const r of byService.get('s3') ?? []) expect(JSON.stringify(r)).toContain(bucketId);
    const [keyId] = only('AWS::KMS::Key');
    expect(byService.get('kms')).toEqual([arnOf(keyId), arnOf(keyId)]);
    expect(text('glue')).toContain('table/streamctl_prod/events');
    const [fnId] = only('AWS::Lambda::Function', { Handler: 'index.handler' });
    for (const r of byService.get('lambda') ?? []) expect(r).toEqual(arnOf(fnId));
    expect(text('logs')).toContain('/aws/kinesisfirehose/streamctl-prod-events-lake:log-stream:DestinationDelivery');
    // Firehose checks the role when the stream is created: the policy exists by then.
    const [, stream] = only('AWS::KinesisFirehose::DeliveryStream');
    expect(stream.DependsOn).toContain(policyId);
  });

  it('grants no wildcard action, and no data or key action on every resource, anywhere in the stack', () => {
    const DATA_ACTION = /^(dynamodb|s3|kinesis|sqs|kms|sns|secretsmanager|states|glue|lambda|firehose):/;
    const ON_EVERY_RESOURCE = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    const problems: string[] = [];
    for (const [id, policy] of Object.entries(t.findResources('AWS::IAM::Policy'))) {
      const doc = (policy as Resource).Properties.PolicyDocument as {
        Statement: Array<{ Effect: string; Action: unknown; Resource: unknown }>;
      };
      for (const s of doc.Statement) {
        const resources = ([] as unknown[]).concat(s.Resource);
        for (const action of ([] as unknown[]).concat(s.Action).map(String)) {
          if (action === '*' || action.endsWith(':*')) problems.push(`${id}: ${action}`);
          if (resources.includes('*') && (DATA_ACTION.test(action) || !ON_EVERY_RESOURCE.has(action)))
            problems.push(`${id}: ${action} on *`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('queries in an Athena workgroup (engine 3) with enforced settings, a bytes-scanned cutoff and encrypted results', () => {
    const [, workgroup] = only('AWS::Athena::WorkGroup');
    expect(workgroup.Properties.Name).toBe('streamctl-prod-analytics');
    const [keyId] = only('AWS::KMS::Key');
    expect(workgroup.Properties.WorkGroupConfiguration).toEqual({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
      EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
      ResultConfiguration: {
        OutputLocation: `s3://${RESULTS}/`,
        EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: arnOf(keyId) },
      },
    });
    const [resultsId, results] = only('AWS::S3::Bucket', { BucketName: RESULTS });
    expect(results.Properties.BucketEncryption).toMatchObject({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(keyId) } },
      ],
    });
    expect((results.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toContainEqual({
      Id: 'expire-results',
      Status: 'Enabled',
      ExpirationInDays: 7,
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(resultsId),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('takes the cutoff from the config', () => {
    // The lake stack alone, over a stream and an API of its own: no need for the whole platform.
    const small = parseInfraConfig({ ...example, analytics: { bytesScannedCutoffBytes: 1024 ** 3 } });
    const app = new App({ context: TEMPLATES_ONLY });
    const env = { account: small.account, region: REGION };
    const deps = new Stack(app, 'deps', { env });
    const lake = new LakeStack(app, 'lake', small, {
      env,
      stream: new Stream(deps, 'Events'),
      api: new HttpApi(deps, 'Api'),
    });
    Template.fromStack(lake).hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 1024 ** 3 }),
    });
  });

  it("alarms on the four SLOs with the config's thresholds; missing data does not breach", () => {
    const slo = analyticsSettings(config).slo;
    expect(slo).toEqual({ ...DEFAULT_SLOS, startupP95Ms: 1500 });
    const alarms = t.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
    const byName = new Map(Object.values(alarms).map((a) => [a.Properties.AlarmName as string, a.Properties]));
    const name = (id: string) => `streamctl-prod-slo-${id}-${REGION}`;
    expect([...byName.keys()].sort()).toEqual(
      ['apiP99Ms', 'errorRate', 'rebufferRatio', 'startupP95Ms'].map(name).sort(),
    );
    for (const props of byName.values()) {
      expect(props.TreatMissingData).toBe('notBreaching');
      expect(props.ComparisonOperator).toBe('GreaterThanThreshold');
    }
    const qoeDims = [
      { Name: 'region', Value: REGION },
      { Name: 'service', Value: 'qoe' },
    ];
    const startup = byName.get(name('startupP95Ms'));
    expect(startup).toMatchObject({
      Threshold: 1500,
      Namespace: 'streamctl',
      MetricName: 'StartupTime',
      ExtendedStatistic: 'p95',
    });
    expect(startup?.Dimensions).toEqual(expect.arrayContaining(qoeDims));
    expect(startup?.Dimensions).toHaveLength(2);

    const ratio = (id: string, numerator: string, denominator: string, threshold: number) => {
      const props = byName.get(name(id));
      expect(props?.Threshold).toBe(threshold);
      const queries = props?.Metrics as Array<{
        Id: string;
        Expression?: string;
        ReturnData?: boolean;
        MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] }; Stat: string };
      }>;
      const expression = queries.find((q) => q.Expression);
      expect(expression?.Expression).toBe('FILL(n, 0) / d');
      const stat = (qid: string) => queries.find((q) => q.Id === qid)?.MetricStat;
      expect(stat('n')).toMatchObject({ Metric: { Namespace: 'streamctl', MetricName: numerator }, Stat: 'Sum' });
      expect(stat('d')).toMatchObject({ Metric: { Namespace: 'streamctl', MetricName: denominator }, Stat: 'Sum' });
      for (const q of ['n', 'd']) expect(stat(q)?.Metric.Dimensions).toEqual(expect.arrayContaining(qoeDims));
    };
    ratio('rebufferRatio', 'RebufferSeconds', 'WatchSeconds', DEFAULT_SLOS.rebufferRatio);
    ratio('errorRate', 'PlaybackErrors', 'Startups', DEFAULT_SLOS.errorRate);

    const api = byName.get(name('apiP99Ms'));
    expect(api).toMatchObject({
      Threshold: DEFAULT_SLOS.apiP99Ms,
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
    });
    // The API stack's HTTP API of the same Region.
    expect(JSON.stringify(api?.Dimensions)).toMatch(/"ApiId".*Fn::ImportValue.*api-eu-west-1/);
  });

  it('outputs the lake bucket, database, workgroup, delivery stream and the alarm names', () => {
    const outputs = t.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.LakeBucket?.Value).toBe(LAKE);
    expect(outputs.AnalyticsDatabase?.Value).toBe('streamctl_prod');
    expect(outputs.AnalyticsWorkgroup?.Value).toBe('streamctl-prod-analytics');
    expect(outputs.LakeDeliveryStream?.Value).toEqual(ref(only('AWS::KinesisFirehose::DeliveryStream')[0]));
    for (const id of ['StartupP95Ms', 'RebufferRatio', 'ApiP99Ms', 'ErrorRate'])
      expect(outputs[`SloAlarm${id}`]?.Value).toBeDefined();
  });
});

describe('analytics config', () => {
  it('is optional, with the defaults', () => {
    const plain = parseInfraConfig(example);
    expect(plain.analytics).toBeUndefined();
    expect(analyticsSettings(plain)).toEqual({
      lakeRetentionDays: 400,
      bytesScannedCutoffBytes: 10 * 1024 ** 3,
      slo: DEFAULT_SLOS,
    });
  });

  it('names every bad field, with the SDK bounds of the SLOs', () => {
    expect(() =>
      parseInfraConfig({
        ...example,
        analytics: {
          lakeRetentionDays: 30,
          bytesScannedCutoffBytes: 1000,
          slo: { startupP95Ms: -1, rebufferRatio: 2 },
        },
      }),
    ).toThrow(
      /analytics\.lakeRetentionDays[\s\S]*analytics\.bytesScannedCutoffBytes[\s\S]*analytics\.slo\.startupP95Ms[\s\S]*analytics\.slo\.rebufferRatio/,
    );
    expect(() => parseInfraConfig({ ...example, analytics: { slo: { startupP99Ms: 1 } } })).toThrow(/analytics\.slo/);
    expect(() => parseInfraConfig({ ...example, analytics: { retention: 5 } })).toThrow(/analytics/);
  });
});
