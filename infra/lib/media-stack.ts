/**
 * Media: the raw and CDN buckets of one Region (KMS-encrypted, lifecycle
 * rules), the MediaConvert role, and the ingest workflow: an upload to the
 * raw bucket starts a Step Functions workflow (validate → MediaConvert job
 * rendered from the stage's ladder → catalog TRANSCODING → notify); the job's
 * end (EventBridge) moves the title to READY or FAILED and notifies.
 */

import { type Ladder, loadLadder, mediaConvertOutputs, renderMediaConvertJob, TITLE_STATUS } from '@streamctl/sdk';
import { resourceNames } from '@streamctl/sdk/config';
import {
  catalogTable,
  MASTER_KEY_PATTERN,
  MASTER_KEY_TITLE_SEGMENT,
  MASTERS_PREFIX,
  mediaConvertManifestKeys,
  titleOutputUri,
  titlePrefix,
} from '@streamctl/sdk/resources';
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JsonPath,
  LogLevel,
  Pass,
  StateMachine,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  CallAwsService,
  DynamoAttributeValue,
  DynamoUpdateItem,
  SnsPublish,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { type InfraConfig, mediaConvertRoleName, SPEKE_URL } from './config.js';

/**
 * The MediaConvert protection of the workflow's jobs: none for a clear ladder; SPEKE (the key
 * provider sees the title id as the resource id, MediaConvert calls it as the stage's role) for a
 * protected one. The workflow cannot mint static keys: it renders the job once, at synth, and a
 * key minted by a state would sit in its execution history. A protected ladder needs `spekeUrl`.
 */
function workflowProtection(config: InfraConfig, ladder: Ladder, roleArn: string) {
  if (ladder.protection === 'none') return {};
  const url = config.protection?.spekeUrl;
  if (!url) {
    throw new Error(
      `Ladder ${ladder.name} is protected (${ladder.protection}), but the infra config has no protection.spekeUrl: ` +
        'the ingest workflow encrypts through a SPEKE key provider only (see docs/content-protection.md)',
    );
  }
  const certificateArn = config.protection?.spekeCertificateArn;
  const speke = { url, roleArn, resourceId: 'placeholder', ...(certificateArn ? { certificateArn } : {}) };
  return { protection: { scheme: ladder.protection, speke } } as const;
}

/** The ladder's CreateJob request with the workflow's values put in by JSONPath. */
async function jobParameters(config: InfraConfig, cdnBucket: string, roleArn: string) {
  const ladder = await loadLadder(config.ladder);
  const request = renderMediaConvertJob(ladder, {
    input: 's3://placeholder/placeholder',
    output: titleOutputUri(cdnBucket, 'placeholder'),
    role: roleArn,
    titleId: 'placeholder',
    ...workflowProtection(config, ladder, roleArn),
  }) as unknown as Record<string, unknown>;
  // Replace every placeholder with the workflow's title and object.
  const placeholderPrefix = `/${titlePrefix('placeholder')}`;
  const swap = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (value === 's3://placeholder/placeholder') {
        return JsonPath.format(
          's3://{}/{}',
          JsonPath.stringAt('$.detail.bucket.name'),
          JsonPath.stringAt('$.detail.object.key'),
        );
      }
      if (value.includes(placeholderPrefix)) {
        const [before, after] = value.split(placeholderPrefix) as [string, string];
        return JsonPath.format(`${before}/${titlePrefix('{}')}${after}`, JsonPath.stringAt('$.titleId'));
      }
      if (value === 'placeholder') return JsonPath.stringAt('$.titleId');
      return value;
    }
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  return swap(request) as Record<string, unknown>;
}

/** Buckets, MediaConvert role and the ingest workflow of one Region. */
export class MediaStack extends Stack {
  readonly rawBucket: Bucket;
  readonly cdnBucket: Bucket;
  readonly mediaConvertRole: Role;

  static async create(
    scope: Construct,
    id: string,
    config: InfraConfig,
    props: StackProps & { env: { region: string } },
  ) {
    const names = resourceNames(config.stage, props.env.region);
    const roleName = mediaConvertRoleName(config, props.env.region);
    const parameters = await jobParameters(config, names.cdnBucket, `arn:aws:iam::${config.account}:role/${roleName}`);
    return new MediaStack(scope, id, config, props, roleName, parameters, await loadLadder(config.ladder));
  }

  private constructor(
    scope: Construct,
    id: string,
    config: InfraConfig,
    props: StackProps & { env: { region: string } },
    roleName: string,
    jobRequest: Record<string, unknown>,
    ladder: Ladder,
  ) {
    super(scope, id, props);
    const names = resourceNames(config.stage, props.env.region);
    const key = new Key(this, 'MediaKey', {
      enableKeyRotation: true,
      description: `streamctl ${config.stage} media buckets`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
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
      eventBridgeEnabled: true,
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(30) }] },
      ],
    });
    this.cdnBucket = new Bucket(this, 'Cdn', {
      ...common,
      bucketName: names.cdnBucket,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
    });
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
      roleName,
      assumedBy: new ServicePrincipal('mediaconvert.amazonaws.com'),
      description: 'MediaConvert reads masters from the raw bucket and writes renditions to the CDN bucket',
    });
    this.rawBucket.grantRead(this.mediaConvertRole);
    this.cdnBucket.grantPut(this.mediaConvertRole);
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
    }

    const catalog = TableV2.fromTableName(this, 'Catalog', names[catalogTable.nameKey]);
    const topic = new Topic(this, 'MediaNotifications', { masterKey: key });

    // Workflow 1: a master lands in the raw bucket.
    const titleOf = new Pass(this, 'TitleFromKey', {
      // masters/<titleId>/<sha256 prefix>/<file>
      parameters: {
        'titleId.$': `States.ArrayGetItem(States.StringSplit($.detail.object.key, '/'), ${MASTER_KEY_TITLE_SEGMENT})`,
        'detail.$': '$.detail',
      },
    });
    const createJob = new CallAwsService(this, 'CreateMediaConvertJob', {
      service: 'mediaconvert',
      action: 'createJob',
      parameters: jobRequest,
      iamResources: [`arn:aws:mediaconvert:${this.region}:${this.account}:queues/*`],
      iamAction: 'mediaconvert:CreateJob',
      additionalIamStatements: [
        new PolicyStatement({ actions: ['iam:PassRole'], resources: [this.mediaConvertRole.roleArn] }),
      ],
      resultSelector: { 'jobId.$': '$.Job.Id' },
      resultPath: '$.job',
    });
    const markTranscoding = new DynamoUpdateItem(this, 'MarkTranscoding', {
      table: catalog,
      key: {
        PK: DynamoAttributeValue.fromString(JsonPath.format('VIDEO#{}', JsonPath.stringAt('$.titleId'))),
        SK: DynamoAttributeValue.fromString('METADATA'),
      },
      updateExpression: 'SET #s = :s',
      expressionAttributeNames: { '#s': 'status' },
      expressionAttributeValues: { ':s': DynamoAttributeValue.fromString(TITLE_STATUS.TRANSCODING) },
      resultPath: JsonPath.DISCARD,
    });
    const notifySubmitted = new SnsPublish(this, 'NotifySubmitted', {
      topic,
      message: TaskInput.fromJsonPathAt('$'),
      resultPath: JsonPath.DISCARD,
    });
    const validate = new Choice(this, 'ValidateMaster')
      .when(
        Condition.and(
          Condition.numberGreaterThan('$.detail.object.size', 0),
          Condition.stringMatches('$.detail.object.key', MASTER_KEY_PATTERN),
        ),
        titleOf.next(createJob).next(markTranscoding).next(notifySubmitted).next(new Succeed(this, 'Submitted')),
      )
      .otherwise(
        new Fail(this, 'UnusableMaster', {
          error: 'MEDIA_INVALID',
          cause: `empty object or not under ${MASTERS_PREFIX}<titleId>/`,
        }),
      );
    const ingest = new StateMachine(this, 'IngestWorkflow', {
      definitionBody: DefinitionBody.fromChainable(validate),
      timeout: Duration.minutes(5),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'IngestWorkflowLogs', { retention: RetentionDays.ONE_MONTH }),
        level: LogLevel.ERROR,
      },
    });
    // The topic is encrypted with the media key: publishing needs the key as well as sns:Publish.
    key.grant(ingest, 'kms:GenerateDataKey*', 'kms:Decrypt');
    new Rule(this, 'MasterUploaded', {
      description: 'A master in the raw bucket starts the ingest workflow',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.rawBucket.bucketName] }, object: { key: [{ prefix: MASTERS_PREFIX }] } },
      },
      targets: [new SfnStateMachine(ingest)],
    });

    // Workflow 2: the job ends; the title becomes READY or FAILED.
    // The manifests the ladder's job writes (an aes-128 job: the HLS group's, no DASH), as the SDK reads them.
    const written = mediaConvertOutputs(ladder, {
      Role: '',
      Settings: {},
      UserMetadata: ladder.protection === 'none' ? {} : { protection: ladder.protection },
    });
    const manifests = written.dash ? mediaConvertManifestKeys('{}') : { hls: titlePrefix('{}') + written.hls };
    const titleProtection = written.protection
      ? { ':p': DynamoAttributeValue.fromMap({ scheme: DynamoAttributeValue.fromString(written.protection.scheme) }) }
      : undefined;
    // The workflow moves titles along the SDK's lifecycle: TRANSCODING → READY or FAILED.
    const setStatus = (id: string, status: typeof TITLE_STATUS.READY | typeof TITLE_STATUS.FAILED) =>
      new DynamoUpdateItem(this, id, {
        table: catalog,
        key: {
          PK: DynamoAttributeValue.fromString(
            JsonPath.format('VIDEO#{}', JsonPath.stringAt('$.detail.userMetadata.titleId')),
          ),
          SK: DynamoAttributeValue.fromString('METADATA'),
        },
        updateExpression:
          status === TITLE_STATUS.READY
            ? // The title records its renditions' scheme; a clear ingest removes an earlier one.
              titleProtection
              ? 'SET #s = :s, manifests = :m, #p = :p REMOVE statusReason'
              : 'SET #s = :s, manifests = :m REMOVE statusReason, #p'
            : 'SET #s = :s, statusReason = :r',
        expressionAttributeNames:
          status === TITLE_STATUS.READY ? { '#s': 'status', '#p': 'protection' } : { '#s': 'status' },
        expressionAttributeValues:
          status === TITLE_STATUS.READY
            ? {
                ':s': DynamoAttributeValue.fromString(TITLE_STATUS.READY),
                ':m': DynamoAttributeValue.fromMap({
                  hls: DynamoAttributeValue.fromString(
                    JsonPath.format(manifests.hls, JsonPath.stringAt('$.detail.userMetadata.titleId')),
                  ),
                  ...('dash' in manifests
                    ? {
                        dash: DynamoAttributeValue.fromString(
                          JsonPath.format(manifests.dash, JsonPath.stringAt('$.detail.userMetadata.titleId')),
                        ),
                      }
                    : {}),
                }),
                ...titleProtection,
              }
            : {
                ':s': DynamoAttributeValue.fromString(TITLE_STATUS.FAILED),
                ':r': DynamoAttributeValue.fromString(JsonPath.stringAt('$.detail.errorMessage')),
              },
        resultPath: JsonPath.DISCARD,
      });
    const notifyDone = new SnsPublish(this, 'NotifyJobEnded', {
      topic,
      message: TaskInput.fromJsonPathAt('$'),
      resultPath: JsonPath.DISCARD,
    });
    const ended = new Choice(this, 'JobOutcome')
      .when(
        Condition.stringEquals('$.detail.status', 'COMPLETE'),
        setStatus('MarkReady', TITLE_STATUS.READY).next(notifyDone),
      )
      .otherwise(setStatus('MarkFailed', TITLE_STATUS.FAILED).next(notifyDone));
    const jobEnded = new StateMachine(this, 'JobEndedWorkflow', {
      definitionBody: DefinitionBody.fromChainable(ended),
      timeout: Duration.minutes(5),
      tracingEnabled: true,
    });
    key.grant(jobEnded, 'kms:GenerateDataKey*', 'kms:Decrypt');
    new Rule(this, 'JobEnded', {
      description: 'A MediaConvert job of this stage completed or failed',
      eventPattern: {
        source: ['aws.mediaconvert'],
        detailType: ['MediaConvert Job State Change'],
        detail: { status: ['COMPLETE', 'ERROR'], userMetadata: { ladder: [config.ladder] } },
      },
      targets: [new SfnStateMachine(jobEnded)],
    });
  }
}
