/**
 * Media: the raw and CDN buckets of one Region (KMS-encrypted, lifecycle
 * rules), the MediaConvert role, and the job-ended workflow.
 *
 * The SDK owns the transcode: `streamctl ingest` uploads the master (and its
 * caption sidecars) under `masters/<id>/<sha>/`, submits exactly one
 * MediaConvert job, and marks the title TRANSCODING with the job's id. Nothing
 * here listens to uploads. The job-ended workflow hears the end of this
 * stage's jobs (EventBridge "MediaConvert Job State Change", COMPLETE or ERROR,
 * `userMetadata.stage` = the stage) and records it as the SDK's
 * `recordTranscode` does: READY with the manifests, images, tracks and
 * protection the job carries in its `UserMetadata` (`jobRecordMetadata`), or
 * FAILED with the service's reason. Each write is conditional on the SDK's
 * lifecycle table (`transitionCondition`) and on the job being the title's
 * latest (`source.jobId`); an event that fails the condition (late after a
 * publish, duplicated, or of a job a re-ingest replaced) ends the execution
 * in `EventWasStale`, changing nothing.
 *
 * The CDN bucket replicates its titles to every other Region's CDN bucket
 * ({@link MediaReplicationStack} sets the rules; this stack makes the role
 * and gives the media key the alias the other Regions encrypt replicas with).
 */

import {
  JOB_RECORD_KEY,
  mediaReplicationRuleId,
  TITLE_STATUS,
  type TitleStatus,
  transitionCondition,
} from '@streamctl/sdk';
import { resourceNames } from '@streamctl/sdk/config';
import { catalogTable, MASTERS_PREFIX, titlePrefix } from '@streamctl/sdk/resources';
import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import {
  Choice,
  Condition,
  CustomState,
  DefinitionBody,
  type IChainable,
  JsonPath,
  LogLevel,
  Pass,
  Map as SfnMap,
  StateMachine,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  CallAwsService,
  DynamoAttributeValue,
  DynamoDeleteItem,
  DynamoUpdateItem,
  SnsPublish,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { accessLogBucket } from './access-logs.js';
import { type InfraConfig, mediaConvertRoleName, SPEKE_URL } from './config.js';

/**
 * The alias of a Region's media key, the same name in every Region: the CDN
 * replication of the other Regions encrypts its replicas with the key it names.
 *
 * @example
 * ```ts
 * mediaKeyAlias('prod'); // "alias/streamctl-prod-media"
 * ```
 */
export const mediaKeyAlias = (stage: string): string => `alias/streamctl-${stage}-media`;

/** The CDN bucket's tree that replicates: the titles (renditions, manifests, images). */
const REPLICATED_PREFIX = titlePrefix('*').split('*')[0] as string;

/** The sort key prefix of a title's rendition items (the catalog's `renditionItem`). */
const RENDITION_PREFIX = 'RENDITION#';

/** Days the media buckets' server access logs are kept. */
const ACCESS_LOG_DAYS = 90;

/** The error a conditional write that the title's status or job id refused ends in. */
const STALE = 'DynamoDB.ConditionalCheckFailedException';

/** DynamoDB answers worth another try; anything else fails the execution. */
const TRANSIENT = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.ThrottlingException',
  'DynamoDB.InternalServerErrorException',
];

/**
 * The condition of the workflow's write moving a title to `to`: the SDK's
 * transition condition, a title that exists, and the job being the one the
 * title's ingest recorded (so an older job's end never lands on a newer ingest).
 */
function recordCondition(to: TitleStatus) {
  const transition = transitionCondition(to);
  if (!transition) throw new Error(`No status may move to ${to}`);
  return {
    conditionExpression: `attribute_exists(PK) AND (${transition.ConditionExpression}) AND #src.jobId = :job`,
    names: { ...transition.ExpressionAttributeNames, '#src': 'source' },
    values: {
      ...Object.fromEntries(
        Object.entries(transition.ExpressionAttributeValues).map(([k, v]) => [k, DynamoAttributeValue.fromString(v)]),
      ),
      ':job': DynamoAttributeValue.fromString(JsonPath.stringAt('$.detail.jobId')),
    },
  };
}

/** Buckets, MediaConvert role and the job-ended workflow of one Region. */
export class MediaStack extends Stack {
  readonly rawBucket: Bucket;
  readonly cdnBucket: Bucket;
  readonly mediaConvertRole: Role;
  /** The role S3 replicates the CDN bucket to the other Regions' CDN buckets with. */
  readonly replicationRole: Role;

  /**
   * The media stack of one Region (a promise, as the app awaits it).
   *
   * @example
   * ```ts
   * const media = await MediaStack.create(app, 'streamctl-prod-media-eu-west-1', config, { env: { region: 'eu-west-1' } });
   * ```
   */
  static create(
    scope: Construct,
    id: string,
    config: InfraConfig,
    props: StackProps & { env: { region: string } },
  ): Promise<MediaStack> {
    return Promise.resolve(new MediaStack(scope, id, config, props));
  }

  constructor(scope: Construct, id: string, config: InfraConfig, props: StackProps & { env: { region: string } }) {
    super(scope, id, props);
    const names = resourceNames(config.stage, props.env.region);
    const key = new Key(this, 'MediaKey', {
      enableKeyRotation: true,
      description: `streamctl ${config.stage} media buckets`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Server access logs of the raw and CDN buckets: who read or wrote which master or rendition, kept 90 days.
    const accessLogs = accessLogBucket(this, { of: 'the media buckets', retentionDays: ACCESS_LOG_DAYS });
    const common = {
      encryption: BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.rawBucket = new Bucket(this, 'Raw', {
      ...common,
      bucketName: names.rawBucket,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'raw/',
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(30) }] },
      ],
    });
    this.cdnBucket = new Bucket(this, 'Cdn', {
      ...common,
      bucketName: names.cdnBucket,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'cdn/',
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
    });
    key.addAlias(mediaKeyAlias(config.stage));
    this.replicationRole = this.cdnReplicationRole(config, props.env.region, key);

    // CloudFront (in the edge stack) reads through origin access control; the key must let it decrypt.
    const cloudfront = new ServicePrincipal('cloudfront.amazonaws.com');
    const fromOwnDistributions = {
      StringLike: { 'AWS:SourceArn': `arn:aws:cloudfront::${config.account}:distribution/*` },
    };
    this.cdnBucket.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [cloudfront],
        actions: ['s3:GetObject'],
        resources: [this.cdnBucket.arnForObjects('*')],
        conditions: fromOwnDistributions,
      }),
    );
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudfront],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: fromOwnDistributions,
      }),
    );

    this.mediaConvertRole = new Role(this, 'MediaConvertRole', {
      roleName: mediaConvertRoleName(config, props.env.region),
      assumedBy: new ServicePrincipal('mediaconvert.amazonaws.com'),
      description: 'MediaConvert reads masters from the raw bucket and writes renditions to the CDN bucket',
    });
    // Least privilege: read masters and their caption sidecars, write under the titles' tree, and the media key
    // for both (SSE-KMS: decrypt what it reads; data keys, and Decrypt to complete multipart uploads, for what it writes).
    const masters = this.rawBucket.arnForObjects(`${MASTERS_PREFIX}*`);
    const titles = this.cdnBucket.arnForObjects(`${titlePrefix('*')}*`);
    this.mediaConvertRole.addToPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [masters] }));
    this.mediaConvertRole.addToPolicy(
      new PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [titles] }),
    );
    this.mediaConvertRole.addToPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket', 's3:GetBucketLocation'],
        resources: [this.rawBucket.bucketArn, this.cdnBucket.bucketArn],
      }),
    );
    this.mediaConvertRole.addToPolicy(
      new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
    );
    const logicalId = (bucket: Bucket) => this.resolve((bucket.node.defaultChild as CfnBucket).logicalId) as string;
    Validations.of(this.mediaConvertRole).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${logicalId(this.rawBucket)}.Arn>/${MASTERS_PREFIX}*]`,
        reason:
          'MediaConvert reads the master and caption sidecars of any title an ingest submits: their keys ' +
          '(masters/<titleId>/<sha256>/...) are made per ingest, so the role may read the masters/ tree only.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${logicalId(this.cdnBucket)}.Arn>/${titlePrefix('*')}*]`,
        reason:
          "MediaConvert writes each job's renditions, manifests and images under titles/<titleId>/, a prefix " +
          'made per title: the role may write the titles/ tree only, nothing else in the CDN bucket.',
      },
    );
    // MediaConvert calls a SPEKE key provider with the job's role: this one may invoke that endpoint (POST), nothing else.
    const spekeUrl = config.protection?.spekeUrl;
    const speke = spekeUrl ? SPEKE_URL.exec(spekeUrl) : null;
    if (speke) {
      const [, apiId, region, stage, path = '/'] = speke;
      this.mediaConvertRole.addToPolicy(
        new PolicyStatement({
          actions: ['execute-api:Invoke'],
          // The key provider's API may live in its vendor's account: the API id names it.
          resources: [`arn:${this.partition}:execute-api:${region}:*:${apiId}/${stage}/POST${path}`],
        }),
      );
      Validations.of(this.mediaConvertRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${region}:*:${apiId}/${stage}/POST${path}]`,
        reason:
          "The key provider's API may live in its vendor's account, which the config does not name: the API id, " +
          'stage, method and path pin the one endpoint.',
      });
    }

    const catalog = TableV2.fromTableName(this, 'Catalog', names[catalogTable.nameKey]);
    const topic = new Topic(this, 'MediaNotifications', { masterKey: key });

    // The job's end: READY with what the job wrote, or FAILED with the service's reason.
    const stale = new Pass(this, 'StaleEvent', {
      comment: "The title's status or job refused the write: the event is late, repeated or of a replaced job",
      parameters: {
        outcome: 'stale',
        'titleId.$': '$.detail.userMetadata.titleId',
        'jobId.$': '$.detail.jobId',
        'jobStatus.$': '$.detail.status',
      },
    }).next(new Succeed(this, 'EventWasStale', { comment: 'Nothing changed' }));
    const notify = new SnsPublish(this, 'NotifyJobEnded', {
      topic,
      message: TaskInput.fromJsonPathAt('$.detail'),
      resultPath: JsonPath.DISCARD,
    }).next(new Succeed(this, 'Recorded'));
    const titleKey = {
      PK: DynamoAttributeValue.fromString(
        JsonPath.format('VIDEO#{}', JsonPath.stringAt('$.detail.userMetadata.titleId')),
      ),
      SK: DynamoAttributeValue.fromString('METADATA'),
    };
    const now = DynamoAttributeValue.fromString(JsonPath.stringAt('$$.State.EnteredTime'));
    const write = (
      id: string,
      to: TitleStatus,
      update: { expression: string; values: Record<string, DynamoAttributeValue> },
      then: IChainable,
    ) => {
      const condition = recordCondition(to);
      return new DynamoUpdateItem(this, id, {
        table: catalog,
        key: titleKey,
        updateExpression: update.expression,
        conditionExpression: condition.conditionExpression,
        expressionAttributeNames: condition.names,
        expressionAttributeValues: {
          ':s': DynamoAttributeValue.fromString(TITLE_STATUS[to]),
          ':now': now,
          ...update.values,
          ...condition.values,
        },
        resultPath: JsonPath.DISCARD,
      })
        .addRetry({ errors: TRANSIENT, interval: Duration.seconds(1), maxAttempts: 4, backoffRate: 2 })
        .addCatch(stale, { errors: [STALE], resultPath: '$.refused' })
        .next(then);
    };
    // The renditions' items, once the title's own write has shown the event is the title's latest job.
    const putRendition = new CustomState(this, 'PutRendition', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${this.partition}:states:::dynamodb:putItem`,
        // Each item is whole in the job's record (`renditionItem`): key, name, size, bandwidth, playlist.
        InputPath: '$.item',
        Parameters: { TableName: catalog.tableName, 'Item.$': '$' },
      },
    }).addRetry({ errors: TRANSIENT, interval: Duration.seconds(1), maxAttempts: 4, backoffRate: 2 });
    const renditions = new SfnMap(this, 'RecordRenditions', {
      itemsPath: '$.record.renditions.L',
      itemSelector: { 'item.$': '$$.Map.Item.Value.M' },
      maxConcurrency: 5,
      resultPath: JsonPath.DISCARD,
    });
    renditions.itemProcessor(putRendition);
    renditions.next(notify);
    // Before them, the title's renditions this job does not write (an earlier ingest's bigger ladder) go, as in
    // the SDK's `setRenditions`; the ones it writes stay until overwritten, so a duplicate event removes nothing.
    const titlePk = JsonPath.format('VIDEO#{}', JsonPath.stringAt('$.detail.userMetadata.titleId'));
    const listRenditions = new CallAwsService(this, 'ListRenditions', {
      service: 'dynamodb',
      action: 'query',
      parameters: {
        TableName: catalog.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :r)',
        ExpressionAttributeValues: { ':pk': { S: titlePk }, ':r': { S: RENDITION_PREFIX } },
        ProjectionExpression: 'PK, SK',
      },
      iamResources: [catalog.tableArn],
      iamAction: 'dynamodb:Query',
      resultSelector: { 'keys.$': '$.Items' },
      resultPath: '$.existing',
    });
    const deleteRendition = new DynamoDeleteItem(this, 'DeleteRendition', {
      table: catalog,
      key: {
        PK: DynamoAttributeValue.fromString(JsonPath.stringAt('$.key.PK.S')),
        SK: DynamoAttributeValue.fromString(JsonPath.stringAt('$.key.SK.S')),
      },
      resultPath: JsonPath.DISCARD,
    }).addRetry({ errors: TRANSIENT, interval: Duration.seconds(1), maxAttempts: 4, backoffRate: 2 });
    const removeStale = new SfnMap(this, 'RemoveStaleRenditions', {
      itemsPath: '$.existing.keys',
      itemSelector: { 'key.$': '$$.Map.Item.Value', 'keep.$': '$.record.keep' },
      maxConcurrency: 5,
      resultPath: JsonPath.DISCARD,
    });
    removeStale.itemProcessor(
      new Pass(this, 'IsWritten', {
        parameters: { 'key.$': '$.key', 'written.$': 'States.ArrayContains($.keep, $.key.SK.S)' },
      }).next(
        new Choice(this, 'Stale')
          .when(Condition.booleanEquals('$.written', true), new Succeed(this, 'Overwritten'))
          .otherwise(deleteRendition),
      ),
    );
    listRenditions.next(removeStale).next(renditions);
    // The same attributes, in the same expressions, as the SDK's `Catalog.setRenditions`.
    const recorded = {
      ':m': DynamoAttributeValue.mapFromJsonPath('$.record.manifests.M'),
      ':i': DynamoAttributeValue.mapFromJsonPath('$.record.images.M'),
      ':t': DynamoAttributeValue.mapFromJsonPath('$.record.tracks.M'),
    };
    const ready = new Choice(this, 'Protected')
      .when(
        Condition.isPresent('$.detail.userMetadata.protection'),
        write(
          'MarkReadyProtected',
          'READY',
          {
            expression:
              'SET #s = :s, manifests = :m, images = :i, tracks = :t, protection = :p, updatedAt = :now REMOVE statusReason',
            values: {
              ...recorded,
              ':p': DynamoAttributeValue.fromMap({
                scheme: DynamoAttributeValue.fromString(JsonPath.stringAt('$.detail.userMetadata.protection')),
              }),
            },
          },
          listRenditions,
        ),
      )
      .otherwise(
        write(
          'MarkReady',
          'READY',
          {
            // A clear ingest removes an earlier ingest's protection.
            expression:
              'SET #s = :s, manifests = :m, images = :i, tracks = :t, updatedAt = :now REMOVE statusReason, protection',
            values: recorded,
          },
          listRenditions,
        ),
      );
    const readRecord = new Pass(this, 'ReadRecord', {
      comment: 'The title attributes the job carries (the SDK put them in its UserMetadata)',
      parameters: {
        'detail.$': '$.detail',
        'record.$': `States.StringToJson($.detail.userMetadata.${JOB_RECORD_KEY})`,
      },
    }).next(ready);
    const ended = new Choice(this, 'JobOutcome')
      .when(Condition.stringEquals('$.detail.status', 'COMPLETE'), readRecord)
      .otherwise(
        write(
          'MarkFailed',
          'FAILED',
          {
            expression: 'SET #s = :s, updatedAt = :now, statusReason = :r',
            values: { ':r': DynamoAttributeValue.fromString(JsonPath.stringAt('$.detail.errorMessage')) },
          },
          notify,
        ),
      );
    const jobEnded = new StateMachine(this, 'JobEndedWorkflow', {
      definitionBody: DefinitionBody.fromChainable(ended),
      timeout: Duration.minutes(5),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'JobEndedWorkflowLogs', { retention: RetentionDays.ONE_MONTH }),
        level: LogLevel.ALL,
        // The events carry no secret, but the history is enough to debug: keep execution data out of the logs.
        includeExecutionData: false,
      },
    });
    // The topic is encrypted with the media key: publishing needs the key as well as sns:Publish.
    key.grant(jobEnded, 'kms:GenerateDataKey', 'kms:Decrypt');
    Validations.of(jobEnded.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray trace upload and the CloudWatch Logs vended log delivery that Step Functions logging uses support no ' +
        'resource-level permissions; every data action of the workflow is on its table, topic or key.',
    });
    // PutRendition is a raw state (its item is whole in the record): its grant is explicit.
    jobEnded.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [catalog.tableArn] }));
    new Rule(this, 'JobEnded', {
      description: `A MediaConvert job of stage ${config.stage} completed or failed`,
      eventPattern: {
        source: ['aws.mediaconvert'],
        detailType: ['MediaConvert Job State Change'],
        detail: {
          status: ['COMPLETE', 'ERROR'],
          userMetadata: { stage: [config.stage], [JOB_RECORD_KEY]: [{ exists: true }] },
        },
      },
      targets: [new SfnStateMachine(jobEnded)],
    });
  }
  /**
   * The role S3 replicates the CDN bucket's titles with to every other Region's CDN bucket
   * (`MediaReplicationStack` sets the rules): read this bucket's object versions and decrypt them
   * with this Region's media key; replicate into the other buckets' titles/ trees, encrypting
   * with their media keys, found by alias.
   */
  private cdnReplicationRole(config: InfraConfig, region: string, key: Key): Role {
    const role = new Role(this, 'CdnReplicationRole', {
      assumedBy: new ServicePrincipal('s3.amazonaws.com'),
      description: `S3 replicates the ${config.stage} CDN bucket of ${region} to the other Regions' CDN buckets`,
    });
    const titles = this.cdnBucket.arnForObjects(`${REPLICATED_PREFIX}*`);
    const others = config.regions.filter((r) => r !== region);
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        resources: [this.cdnBucket.bucketArn],
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        resources: [titles],
      }),
    );
    role.addToPolicy(new PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }));
    const destinations = others.map((r) => `arn:${this.partition}:s3:::${resourceNames(config.stage, r).cdnBucket}`);
    const destinationKeys = others.map((r) => `arn:${this.partition}:kms:${r}:${this.account}:key/*`);
    if (others.length) {
      role.addToPolicy(
        new PolicyStatement({
          actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
          resources: destinations.map((bucket) => `${bucket}/${REPLICATED_PREFIX}*`),
        }),
      );
      role.addToPolicy(
        new PolicyStatement({
          actions: ['kms:Encrypt'],
          resources: destinationKeys,
          // Only the key each Region names with the media alias.
          conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': mediaKeyAlias(config.stage) } },
        }),
      );
    }
    const where = (arn: string) => arn.replace(`arn:${this.partition}:`, 'arn:<AWS::Partition>:');
    Validations.of(role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${this.resolve((this.cdnBucket.node.defaultChild as CfnBucket).logicalId)}.Arn>/${REPLICATED_PREFIX}*]`,
        reason:
          "Replication reads every version under titles/, whose keys are made per title: the role may read this bucket's titles tree only.",
      },
      ...destinations.map((bucket) => ({
        id: `AwsSolutions-IAM5[Resource::${where(bucket)}/${REPLICATED_PREFIX}*]`,
        reason:
          "Replication writes the titles/ tree of another Region's CDN bucket, object by object: the role may write that tree only.",
      })),
      ...destinationKeys.map((arn) => ({
        id: `AwsSolutions-IAM5[Resource::${where(arn)}]`,
        reason:
          "The other Region's media key is created by its own stack, so its id is not known here: the statement holds " +
          'only for the key that carries the media alias there (kms:ResourceAliases).',
      })),
    );
    return role;
  }
}

/**
 * The CDN bucket replication of one Region: every other Region of the stage
 * gets the titles tree, KMS-aware (SSE-KMS objects replicate; each replica is
 * encrypted with its Region's media key, named by {@link mediaKeyAlias}).
 * Every Region replicates to every other (not a ring: a title ingested
 * anywhere is in every Region after one hop, and losing one Region breaks no
 * chain). S3 refuses rules whose destination bucket does not exist yet, and
 * the buckets replicate to each other, so the rules cannot sit on the bucket
 * in its own stack: this stack sets them (PutBucketReplication through a
 * custom resource) once the media stacks of every Region are deployed.
 *
 * @example
 * ```ts
 * const replication = new MediaReplicationStack(app, 'streamctl-prod-media-replication-eu-west-1', config, {
 *   env: { account: config.account, region: 'eu-west-1' },
 *   media, // that Region's MediaStack (its replication role)
 * });
 * for (const other of mediaStacks) replication.addStackDependency(other);
 * ```
 */
export class MediaReplicationStack extends Stack {
  constructor(
    scope: Construct,
    id: string,
    config: InfraConfig,
    props: StackProps & { env: { region: string }; media: MediaStack },
  ) {
    super(scope, id, props);
    const region = props.env.region;
    const bucket = resourceNames(config.stage, region).cdnBucket;
    const others = config.regions.filter((r) => r !== region);
    const role = props.media.replicationRole.roleArn;
    const rules = others.map((to, i) => ({
      ID: mediaReplicationRuleId(to),
      Priority: i + 1,
      Status: 'Enabled',
      Filter: { Prefix: REPLICATED_PREFIX },
      // A title removed here is removed there too (current versions only; S3 never replicates version deletes).
      DeleteMarkerReplication: { Status: 'Enabled' },
      // S3 publishes this rule's ReplicationLatency, Operations/BytesPendingReplication and
      // OperationFailedReplication to CloudWatch (AWS/S3, by SourceBucket, DestinationBucket and RuleId),
      // which `streamctl failover status` reads. No EventThreshold: that is Replication Time Control's.
      Metrics: { Status: 'Enabled' },
      SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
      Destination: {
        Bucket: `arn:${this.partition}:s3:::${resourceNames(config.stage, to).cdnBucket}`,
        EncryptionConfiguration: {
          ReplicaKmsKeyID: `arn:${this.partition}:kms:${to}:${this.account}:${mediaKeyAlias(config.stage)}`,
        },
      },
    }));
    if (!rules.length) return;
    const put = {
      service: 'S3',
      action: 'putBucketReplication',
      parameters: { Bucket: bucket, ReplicationConfiguration: { Role: role, Rules: rules } },
      physicalResourceId: PhysicalResourceId.of(`${bucket}-replication`),
    };
    new AwsCustomResource(this, 'CdnReplication', {
      onCreate: put,
      onUpdate: put,
      onDelete: { service: 'S3', action: 'deleteBucketReplication', parameters: { Bucket: bucket } },
      installLatestAwsSdk: false,
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          actions: ['s3:PutReplicationConfiguration'],
          resources: [`arn:${this.partition}:s3:::${bucket}`],
        }),
        new PolicyStatement({ actions: ['iam:PassRole'], resources: [role] }),
      ]),
    });
    this.acknowledgeProvider();
  }

  /** The custom resources' provider function: CDK's own, with the AWS-managed execution policy it is made with. */
  private acknowledgeProvider(): void {
    const provider = this.node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (!provider) throw new Error('No AwsCustomResource provider function in the replication stack');
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's custom-resource provider runs with the basic execution policy (its own logs only); it calls nothing " +
        'else but what the custom resource policy grants (PutReplicationConfiguration on one bucket, PassRole on one role).',
    });
  }
}
