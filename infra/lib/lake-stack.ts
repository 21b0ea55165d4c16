/**
 * The analytics lake of one Region: Kinesis Data Firehose copies the events
 * stream into a KMS-encrypted S3 bucket as Parquet (a transform Lambda keeps
 * engagement events only, drops erased viewers' and sends malformed records
 * to the error prefix), partitioned by arrival day and hour as the SDK's
 * table defines it; a Glue table with partition projection lets Athena query
 * it with no crawler, in a workgroup that caps the bytes a query scans. SLO
 * alarms hold playback quality (the QoE worker's metrics) and the HTTP API to
 * the thresholds the CLI's reports use.
 */
import {
  EVENTS_TABLE,
  FIREHOSE_ERROR_PREFIX,
  FIREHOSE_EVENTS_PREFIX,
  LAKE_COLUMNS,
  LAKE_EVENTS_PREFIX,
  LAKE_JSON_KEY_MAPPINGS,
  LAKE_PARTITION_KEYS,
  type QOE_METRICS,
  QOE_NAMESPACE,
  QOE_SERVICE,
  type SloThresholds,
} from '@streamctl/sdk';
import { resourceNames } from '@streamctl/sdk/config';
import { userStateTable } from '@streamctl/sdk/resources';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, LogStream, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, StorageClass } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { accessLogBucket } from './access-logs.js';
import { type AnalyticsSettings, analyticsSettings, type InfraConfig } from './config.js';
import { platformFunction } from './functions.js';
import { TOMBSTONE_READ } from './streaming-stack.js';

/** The lake's prefix of records Firehose could not transform or convert (`FIREHOSE_ERROR_PREFIX` starts with it). */
export const LAKE_ERRORS_PREFIX = 'errors/';
/** Days records under {@link LAKE_ERRORS_PREFIX} are kept: long enough to look at them, no longer. */
export const LAKE_ERRORS_RETENTION_DAYS = 30;
/** Days before event files move to S3 Intelligent-Tiering. */
export const LAKE_TIERING_AFTER_DAYS = 30;
/** Days the lake's server access logs are kept. */
export const LAKE_ACCESS_LOG_RETENTION_DAYS = 30;
/** Days Athena query results are kept. */
export const ATHENA_RESULTS_RETENTION_DAYS = 7;
/** Firehose's buffer before it writes a file: record format conversion needs at least 64 MB. */
export const LAKE_BUFFERING = { sizeInMBs: 128, intervalInSeconds: 300 } as const;
/** The log stream of Firehose's delivery errors (in `/aws/kinesisfirehose/<delivery stream>`). */
export const LAKE_LOG_STREAM = 'DestinationDelivery';
/** Athena's engine of the workgroup. */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';
/** The `consumer` dimension of the transform's `ErasedViewerEventsDropped` count (as the workers count theirs). */
export const LAKE_CONSUMER = 'lake';

/** What the lake stack takes from the other stacks of its Region. */
export interface LakeStackProps extends StackProps {
  env: { region: string; account?: string };
  /** The Region's events stream (the streaming stack's): Firehose's source. */
  stream: IStream;
  /** The Region's HTTP API (the API stack's): its latency p99 is an SLO. */
  api: IHttpApi;
}

/**
 * The lake bucket, Glue catalog, Firehose delivery stream, Athena workgroup and SLO alarms of one
 * Region, named as the SDK names them (`resourceNames`), so `streamctl` finds them by stage.
 */
export class LakeStack extends Stack {
  readonly lakeBucket: Bucket;
  readonly lakeKey: Key;
  readonly resultsBucket: Bucket;
  readonly database: CfnDatabase;
  readonly table: CfnTable;
  readonly deliveryStream: CfnDeliveryStream;
  /** The Firehose processor: engagement events only, erased viewers dropped, `ts` in UTC. */
  readonly transform: NodejsFunction;
  readonly firehoseRole: Role;
  readonly workgroup: CfnWorkGroup;
  /** The SLO alarms, by SLO. */
  readonly sloAlarms: Record<keyof SloThresholds, Alarm>;

  constructor(scope: Construct, id: string, config: InfraConfig, props: LakeStackProps) {
    super(scope, id, props);
    const region = props.env.region;
    const names = resourceNames(config.stage, region);
    const settings = analyticsSettings(config);

    this.lakeKey = new Key(this, 'LakeKey', {
      enableKeyRotation: true,
      description: `streamctl ${config.stage} analytics lake and Athena results (${region})`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const common = {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.lakeKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
    };
    // Server access logs of the lake and the results: who read viewers' events, kept for a month.
    const accessLogs = accessLogBucket(this, { of: 'the lake', retentionDays: LAKE_ACCESS_LOG_RETENTION_DAYS });
    this.lakeBucket = new Bucket(this, 'Lake', {
      ...common,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'lake/',
      bucketName: names.lakeBucket,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: lakeLifecycle(settings),
    });
    this.resultsBucket = new Bucket(this, 'AthenaResults', {
      ...common,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'athena-results/',
      bucketName: names.athenaResultsBucket,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-results', expiration: Duration.days(ATHENA_RESULTS_RETENTION_DAYS) },
        { id: 'abort-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });

    this.database = new CfnDatabase(this, 'Database', {
      catalogId: this.account,
      databaseInput: {
        name: names.analyticsDatabase,
        description: `streamctl ${config.stage}: the analytics lake of ${region}`,
      },
    });
    this.table = new CfnTable(this, 'EventsTable', {
      catalogId: this.account,
      databaseName: names.analyticsDatabase,
      tableInput: eventsTableInput(names.lakeBucket, settings.lakeRetentionDays),
    });
    this.table.addResourceDependency(this.database);

    this.transform = platformFunction(this, 'LakeTransform', {
      entry: 'packages/workers/src/lake-transform.ts',
      handler: 'handler',
      // Firehose waits up to the function's timeout for each invocation of a buffered batch (≤ 1 MB here).
      timeout: Duration.minutes(1),
      environment: {
        STREAMCTL_STAGE: config.stage,
        STREAMCTL_REGION: region,
        STREAMCTL_REGIONS: config.regions.join(','),
        POWERTOOLS_SERVICE_NAME: 'streamctl-workers',
        POWERTOOLS_METRICS_NAMESPACE: 'streamctl',
      },
    });
    // The erasure tombstone in this Region's user-state replica, and nothing else of it.
    TableV2.fromTableName(this, 'UserState', names[userStateTable.nameKey]).grant(this.transform, ...TOMBSTONE_READ);

    const logGroupName = `/aws/kinesisfirehose/${names.lakeDeliveryStream}`;
    const logGroup = new LogGroup(this, 'DeliveryLogs', { logGroupName, retention: RetentionDays.ONE_MONTH });
    const logStream = new LogStream(this, 'DeliveryLogStream', { logGroup, logStreamName: LAKE_LOG_STREAM });

    this.firehoseRole = new Role(this, 'DeliveryRole', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `Firehose ${names.lakeDeliveryStream}: reads the events stream, writes the lake`,
    });
    const tableArn = this.formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${names.analyticsDatabase}/${EVENTS_TABLE}`,
    });
    const lakeObjects = `<${this.getLogicalId(this.lakeBucket.node.defaultChild as CfnBucket)}.Arn>/*`;
    const policy = new Policy(this, 'DeliveryPolicy', {
      roles: [this.firehoseRole],
      statements: [
        new PolicyStatement({
          actions: ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
          resources: [props.stream.streamArn],
        }),
        new PolicyStatement({
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [this.lakeBucket.bucketArn],
        }),
        new PolicyStatement({
          actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
          resources: [this.lakeBucket.arnForObjects('*')],
        }),
        new PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [this.lakeKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
        }),
        // The schema of record format conversion: the events table, its database and the catalog.
        new PolicyStatement({
          actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
          resources: [
            this.formatArn({ service: 'glue', resource: 'catalog' }),
            this.formatArn({ service: 'glue', resource: 'database', resourceName: names.analyticsDatabase }),
            tableArn,
          ],
        }),
        new PolicyStatement({
          actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
          resources: [this.transform.functionArn],
        }),
        new PolicyStatement({
          actions: ['logs:PutLogEvents'],
          resources: [
            this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `${logGroupName}:log-stream:${LAKE_LOG_STREAM}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });

    this.deliveryStream = new CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamName: names.lakeDeliveryStream,
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: {
        kinesisStreamArn: props.stream.streamArn,
        roleArn: this.firehoseRole.roleArn,
      },
      extendedS3DestinationConfiguration: {
        bucketArn: this.lakeBucket.bucketArn,
        roleArn: this.firehoseRole.roleArn,
        prefix: FIREHOSE_EVENTS_PREFIX,
        errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
        bufferingHints: LAKE_BUFFERING,
        // Parquet files carry their own (Snappy) compression; the S3 object is not compressed again.
        compressionFormat: 'UNCOMPRESSED',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: this.lakeKey.keyArn } },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: 'Lambda',
              parameters: [
                { parameterName: 'LambdaArn', parameterValue: this.transform.functionArn },
                { parameterName: 'NumberOfRetries', parameterValue: '3' },
                { parameterName: 'BufferSizeInMBs', parameterValue: '1' },
                { parameterName: 'BufferIntervalInSeconds', parameterValue: '60' },
              ],
            },
          ],
        },
        dataFormatConversionConfiguration: {
          enabled: true,
          inputFormatConfiguration: {
            deserializer: {
              openXJsonSerDe: {
                // The events' keys are camelCase (`userId`); the default (case-insensitive) lowercases
                // JSON keys before it maps them, and `userid` would match no mapping.
                caseInsensitive: false,
                columnToJsonKeyMappings: { ...LAKE_JSON_KEY_MAPPINGS },
              },
            },
          },
          outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
          schemaConfiguration: {
            catalogId: this.account,
            databaseName: names.analyticsDatabase,
            tableName: EVENTS_TABLE,
            region,
            roleArn: this.firehoseRole.roleArn,
            versionId: 'LATEST',
          },
        },
      },
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${lakeObjects}]`,
      reason:
        'Firehose writes objects under keys it makes (prefix, day, hour, its own file names) in the lake bucket ' +
        'only; the statement names that one bucket and no other.',
    });
    Validations.of(this.deliveryStream).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason:
        'Firehose takes no server-side encryption setting when its source is a Kinesis stream: the records are ' +
        'encrypted in the source stream (KMS) and in the lake (the lake key), and in transit between them.',
    });
    // Firehose checks its role's permissions when the stream is created: the policy comes first.
    this.deliveryStream.node.addDependency(policy);
    this.deliveryStream.addResourceDependency(this.table);

    this.workgroup = new CfnWorkGroup(this, 'Workgroup', {
      name: names.analyticsWorkgroup,
      description: `streamctl ${config.stage}: queries of the analytics lake of ${region}`,
      state: 'ENABLED',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: settings.bytesScannedCutoffBytes,
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        resultConfiguration: {
          outputLocation: `s3://${names.athenaResultsBucket}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.lakeKey.keyArn },
        },
      },
    });

    // The table and workgroup name their buckets by name (as the SDK does): they follow the buckets.
    this.table.node.addDependency(this.lakeBucket);
    this.workgroup.node.addDependency(this.resultsBucket);

    this.sloAlarms = sloAlarms(this, config.stage, region, settings.slo, props.api);
    for (const [slo, alarm] of Object.entries(this.sloAlarms)) {
      new CfnOutput(this, `SloAlarm${slo[0]?.toUpperCase()}${slo.slice(1)}`, {
        value: alarm.alarmName,
        description: `The SLO alarm of ${slo}`,
      });
    }
    new CfnOutput(this, 'LakeBucket', { value: names.lakeBucket, description: 'The analytics lake' });
    new CfnOutput(this, 'AnalyticsDatabase', {
      value: names.analyticsDatabase,
      description: `The Glue database of the \`${EVENTS_TABLE}\` table`,
    });
    new CfnOutput(this, 'AnalyticsWorkgroup', {
      value: this.workgroup.name,
      description: 'The Athena workgroup of lake queries',
    });
    new CfnOutput(this, 'LakeDeliveryStream', {
      value: this.deliveryStream.ref,
      description: 'The Firehose stream from the events stream to the lake',
    });
  }
}

/** The lake's lifecycle: events tiered then expired, error records expired early, no stale multipart uploads. */
function lakeLifecycle(settings: AnalyticsSettings) {
  return [
    {
      id: 'events',
      prefix: LAKE_EVENTS_PREFIX,
      transitions: [
        { storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(LAKE_TIERING_AFTER_DAYS) },
      ],
      expiration: Duration.days(settings.lakeRetentionDays),
    },
    { id: 'errors', prefix: LAKE_ERRORS_PREFIX, expiration: Duration.days(LAKE_ERRORS_RETENTION_DAYS) },
    { id: 'abort-multipart', abortIncompleteMultipartUploadAfter: Duration.days(7) },
  ];
}

/**
 * The Glue table `events`: the SDK's columns and partition keys over Parquet under
 * `s3://<lake>/events/`, with partition projection (`dt` a day of the retention window up to
 * today, `hour` 00–23), so Athena finds partitions with no crawler and no `MSCK REPAIR`.
 *
 * @example
 * ```ts
 * new CfnTable(this, 'EventsTable', { catalogId, databaseName, tableInput: eventsTableInput('streamctl-prod-lake-eu-west-1', 400) });
 * ```
 */
export function eventsTableInput(bucketName: string, retentionDays: number): CfnTable.TableInputProperty {
  const location = `s3://${bucketName}/${LAKE_EVENTS_PREFIX}`;
  return {
    name: EVENTS_TABLE,
    description: 'streamctl engagement events, one row per event, partitioned by arrival day and hour (UTC)',
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      'parquet.compression': 'SNAPPY',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      // Relative to the query's day, as far back as files are kept: nothing older exists.
      'projection.dt.range': `NOW-${retentionDays}DAYS,NOW`,
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      'storage.location.template': `${location}dt=\${dt}/hour=\${hour}/`,
    },
    partitionKeys: LAKE_PARTITION_KEYS.map((k) => ({ name: k.name, type: k.glueType, comment: k.description })),
    storageDescriptor: {
      location,
      columns: LAKE_COLUMNS.map((c) => ({ name: c.name, type: c.glueType, comment: c.description })),
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      serdeInfo: {
        serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        parameters: { 'serialization.format': '1' },
      },
    },
  };
}

/** How long each SLO alarm looks: 5-minute periods, 2 of the last 3 breaching. */
const SLO_PERIOD = Duration.minutes(5);
const SLO_EVALUATION = { evaluationPeriods: 3, datapointsToAlarm: 2 } as const;

/**
 * The four SLO alarms of a Region: startup p95, rebuffer ratio and playback error rate from the
 * QoE worker's metrics of the Region, and the HTTP API's latency p99. Missing data (no viewers, no
 * requests) is not a breach.
 */
function sloAlarms(
  scope: Construct,
  stage: string,
  region: string,
  slo: SloThresholds,
  api: IHttpApi,
): Record<keyof SloThresholds, Alarm> {
  const qoe = (metricName: keyof typeof QOE_METRICS, statistic: string) =>
    new Metric({
      namespace: QOE_NAMESPACE,
      metricName,
      dimensionsMap: { service: QOE_SERVICE, region },
      statistic,
      period: SLO_PERIOD,
    });
  const ratio = (label: string, numerator: Metric, denominator: Metric) =>
    new MathExpression({
      // A period with plays and no stall (or no error) is a ratio of 0, not a missing point.
      expression: 'FILL(n, 0) / d',
      usingMetrics: { n: numerator, d: denominator },
      period: SLO_PERIOD,
      label,
    });
  const alarm = (id: keyof SloThresholds, metric: IMetric, threshold: number, description: string) =>
    new Alarm(scope, `Slo${id[0]?.toUpperCase()}${id.slice(1)}`, {
      alarmName: `streamctl-${stage}-slo-${id}-${region}`,
      alarmDescription: description,
      metric,
      threshold,
      ...SLO_EVALUATION,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  return {
    startupP95Ms: alarm(
      'startupP95Ms',
      qoe('StartupTime', 'p95'),
      slo.startupP95Ms,
      `Startup time p95 in ${region} is above ${slo.startupP95Ms} ms`,
    ),
    rebufferRatio: alarm(
      'rebufferRatio',
      ratio('Rebuffer ratio', qoe('RebufferSeconds', 'Sum'), qoe('WatchSeconds', 'Sum')),
      slo.rebufferRatio,
      `Rebuffer ratio (stall time / watch time) in ${region} is above ${slo.rebufferRatio}`,
    ),
    errorRate: alarm(
      'errorRate',
      ratio('Playback error rate', qoe('PlaybackErrors', 'Sum'), qoe('Startups', 'Sum')),
      slo.errorRate,
      `Playback errors per start in ${region} are above ${slo.errorRate}`,
    ),
    apiP99Ms: alarm(
      'apiP99Ms',
      api.metricLatency({ statistic: 'p99', period: SLO_PERIOD }),
      slo.apiP99Ms,
      `The HTTP API's latency p99 in ${region} is above ${slo.apiP99Ms} ms`,
    ),
  };
}
