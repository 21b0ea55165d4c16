/**
 * API: the Region-local HTTP API (API Gateway HTTP API → the server Lambda
 * bundled with esbuild), a Cognito user pool whose JWTs the server verifies,
 * ElastiCache Redis in a VPC with the function for the shared cache, and the
 * Region's OpenSearch Serverless search collection the server searches (the
 * streaming stack's search worker writes it; see `search-stack.ts`).
 * The server's request log lines feed metrics of playback starts: 5xx
 * answers (alarmed) and limit refusals (graphed). The server's privacy
 * routes (export, erasure, consent) reach the platform table and the
 * user-state replica of every Region of the stage, by ARN. `POST /v1/events`
 * puts into the Region's events stream and, when that fails, into another
 * Region's (the SDK's failover put), ordered by the routing record it reads
 * in the control table.
 */
import { resourceNames, secretNames } from '@streamctl/sdk/config';
import { catalogTable, controlTable, eventsStream, platformTable, userStateTable } from '@streamctl/sdk/resources';
import { Annotations, ArnFormat, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  ApiMapping,
  type CfnStage,
  DomainName,
  EndpointType,
  HttpApi,
  IpAddressType,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, Dashboard, GraphWidget, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AccountRecovery,
  ClientAttributes,
  Mfa,
  StringAttribute,
  UserPool,
  UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { CfnReplicationGroup, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alias, type IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FilterPattern, type JsonPattern, LogGroup, MetricFilter, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AaaaRecord, ARecord, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  apiHost,
  capacityFor,
  contentKeyAlias,
  controlTablePlacement,
  customDomains,
  type InfraConfig,
  protectionEnvironment,
} from './config.js';
import { domainCertificate, stageZone } from './domains.js';
import { platformFunction } from './functions.js';
import { SearchCollection } from './search-stack.js';

/**
 * The user pool's custom attributes, as the server reads them from the ID token (`custom:<name>`):
 * `country` (ISO 3166-1 alpha-2) gates titles by territory, `plan` (a plan name of the stage's
 * `sessions.plans`: 1–32 characters) sets the streams at once and the tallest rung. Both are the
 * operator's to set (admins, triggers, the billing system), never the viewer's: the app client's
 * write attributes leave them out, and its read attributes (all, by default) put them in the token.
 */
export const VIEWER_ATTRIBUTES = {
  country: { minLen: 2, maxLen: 2 },
  plan: { minLen: 1, maxLen: 32 },
} as const;

/**
 * A line of the server's request log (`requestLog` in `@streamctl/server`: one JSON object per
 * request, `{ message: 'request', method, route, status, … }`, the route as its pattern) for a playback start, `POST
 * /v1/playback/<titleId>`, whose status matches `status`.
 *
 * @example
 * ```ts
 * playbackStartLines(FilterPattern.numberValue('$.status', '>=', 500)).logPatternString;
 * // '{ ($.message = "request") && ($.method = "POST") && ($.route = "/v1/playback/:titleId") && ($.status >= 500) }'
 * ```
 */
export function playbackStartLines(status: JsonPattern): JsonPattern {
  return FilterPattern.all(
    FilterPattern.stringValue('$.message', '=', 'request'),
    FilterPattern.stringValue('$.method', '=', 'POST'),
    FilterPattern.stringValue('$.route', '=', '/v1/playback/:titleId'),
    status,
  );
}

/**
 * What the server does to the platform table of each Region of the stage (its own and the others'):
 * privacy finds a viewer's dead letters by key (`VIEWERREF#<user>` and the `DEADLETTER#…` rows
 * those name) for export and erasure, and deletes them in batches (`deleteKeys`). Nothing else:
 * the workers own the rows, and the recommendation models live in the user-state table.
 */
export const PRIVACY_PLATFORM_ACTIONS = ['dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'] as const;

/**
 * What the server does to the user-state replicas of the stage's other Regions: erasure deletes in
 * its own Region, then reads each other replica until the deletes show (Query) and deletes what one
 * still shows after the wait (BatchWriteItem); turning personalization off forgets the viewer's
 * taste through each Region's model store (the same Query and BatchWriteItem). This Region's replica
 * has the read-write grant.
 */
export const PRIVACY_REPLICA_ACTIONS = ['dynamodb:Query', 'dynamodb:BatchWriteItem'] as const;

/**
 * Forgetting a viewer's taste in another Region also moves that Region's profile version
 * (`PK = UPROF#<user>`, `SK = VERSION#<region>`), so its API instances rebuild the home page: this
 * action, on the other replicas, for the taste partitions alone ({@link TASTE_PARTITIONS}).
 */
export const PRIVACY_VERSION_ACTIONS = ['dynamodb:UpdateItem'] as const;

/** The partitions of a viewer's taste model (the SDK's `profilePartition`), as an IAM `dynamodb:LeadingKeys` pattern. */
export const TASTE_PARTITIONS = 'UPROF#*';

/**
 * What the events put (`POST /v1/events`) does to each Region's events stream: one PutRecords call
 * per batch, into this Region's stream, else the next Region's. Nothing else: the put neither lists
 * shards nor reads the stream. The streams use Kinesis's AWS managed key (`alias/aws/kinesis`),
 * which needs no KMS permission of a producer.
 */
export const EVENTS_PUT_ACTIONS = ['kinesis:PutRecords'] as const;

/**
 * What the events put does to the routing record (`PK = ROUTING`) to order the Regions: an
 * eventually consistent GetItem, in the control table of this Region, or of a control Region when
 * this one holds no replica; while the control table has no record, in the user-state table (where
 * stages made before the control table kept it) of the Region that answered.
 */
export const ROUTING_READ_ACTIONS = ['dynamodb:GetItem'] as const;

/** The partition of the routing record and the failover canaries (the SDK's routing key). */
export const ROUTING_PARTITION = 'ROUTING';

/**
 * What `GET /health` (the SDK's `health`) asks of this Region's resources, beyond the grants the
 * routes need: DescribeTable of each table here (the catalog and user-state grants include it),
 * DescribeStreamSummary of the events stream, HeadBucket of the raw and CDN buckets (which S3
 * authorizes as ListBucket). Nothing in another Region.
 */
export const HEALTH_ACTIONS = {
  table: ['dynamodb:DescribeTable'],
  stream: ['kinesis:DescribeStreamSummary'],
  bucket: ['s3:ListBucket'],
} as const;

/**
 * The encryption context every content key is wrapped under (`{ titleId, keyId }`): the key
 * policy statements allow KMS calls that carry exactly these keys, both present.
 */
export const CONTENT_KEY_CONTEXT = ['titleId', 'keyId'] as const;

/**
 * A statement allowing `actions` on the stage's content-key KMS key of a Region, named by its alias
 * (`kms:ResourceAliases`), so no stack needs the key's ARN from the data stack, and only for requests
 * whose encryption context is `{ titleId, keyId }`.
 *
 * @example
 * ```ts
 * fn.addToRolePolicy(contentKeyStatement(config, stack, ['kms:Decrypt']));
 * ```
 */
export function contentKeyStatement(config: InfraConfig, stack: Stack, actions: string[]): PolicyStatement {
  return new PolicyStatement({
    actions,
    resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
    conditions: {
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': contentKeyAlias(config) },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...CONTENT_KEY_CONTEXT] },
      // ForAllValues holds for an empty context too: both keys must be there.
      Null: Object.fromEntries(CONTENT_KEY_CONTEXT.map((k) => [`kms:EncryptionContext:${k}`, 'false'])),
    },
  });
}

/**
 * The port of the Redis cache: not 6379, so a scan for Redis's default port finds nothing here (the
 * security group admits only the API function anyway; AUTH and TLS do the rest).
 */
export const REDIS_PORT = 6380;

/**
 * Days the API's access logs and the VPC's flow logs are kept: a month, as the server's own log.
 * Both hold client addresses, so they are kept no longer than an investigation needs.
 */
export const NETWORK_LOG_RETENTION = RetentionDays.ONE_MONTH;

/**
 * The HTTP API's access log line (JSON, one per request): who asked (the caller's address, which
 * is CloudFront's for requests through the edge), what, the answer and its timing, and the
 * integration's error when the server failed. No header, query string or body: no token is logged.
 */
export const API_ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
});

/** The HTTP API of one Region. */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly server: NodejsFunction;
  /** The server function's role: the search collection's data access policy names it as a reader. */
  readonly serverRole: IRole;
  /** The Region's search collection (the catalog index). */
  readonly search: SearchCollection;
  /** The custom domain `api-<region>.<domain>`, unless the config gives neither a hosted zone nor certificates. */
  readonly domainName?: DomainName;

  /** Named zones (a, b): synth needs no AWS call to look them up. */
  override get availabilityZones(): string[] {
    return [`${this.region}a`, `${this.region}b`];
  }

  constructor(scope: Construct, id: string, config: InfraConfig, props: StackProps & { env: { region: string } }) {
    super(scope, id, props);
    const names = resourceNames(config.stage, props.env.region);
    const secrets = secretNames(config.stage);
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC },
        { name: 'app', subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'cache', subnetType: SubnetType.PRIVATE_ISOLATED },
      ],
      // DynamoDB traffic stays off the NAT gateway.
      gatewayEndpoints: { dynamodb: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
    });
    // Flow logs of every interface, accepted and rejected: what reached Redis and the function, and what was refused.
    vpc.addFlowLog('FlowLogs', {
      destination: FlowLogDestination.toCloudWatchLogs(
        new LogGroup(this, 'FlowLogGroup', { retention: NETWORK_LOG_RETENTION }),
      ),
      trafficType: FlowLogTrafficType.ALL,
    });
    const fnGroup = new SecurityGroup(this, 'ServerSg', { vpc, description: 'streamctl API function' });
    const cacheGroup = new SecurityGroup(this, 'CacheSg', {
      vpc,
      description: 'streamctl Redis',
      allowAllOutbound: false,
    });
    cacheGroup.addIngressRule(
      Peer.securityGroupId(fnGroup.securityGroupId),
      Port.tcp(REDIS_PORT),
      'API function to Redis',
    );
    const subnets = new CfnSubnetGroup(this, 'CacheSubnets', {
      description: 'streamctl Redis subnets',
      subnetIds: vpc.isolatedSubnets.map((s) => s.subnetId),
    });
    // Redis AUTH: the token is generated into Secrets Manager; CloudFormation hands it to ElastiCache through a
    // dynamic reference (the template holds none), and the server reads it from the secret at run time.
    const redisAuth = new Secret(this, 'RedisAuth', {
      description: `streamctl ${config.stage}: the Redis AUTH token of the API cache in ${props.env.region}`,
      // ElastiCache takes 16–128 printable characters but not / " @ or spaces: letters and digits only.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(redisAuth).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'ElastiCache rotates an AUTH token in two steps (ROTATE, then SET once every client uses the new one), ' +
        'which a Secrets Manager rotation function cannot sequence with the functions that cache the token; ' +
        'the token is only reachable from the API function security group, over TLS.',
    });
    const redis = new CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: `streamctl ${config.stage} cache`,
      engine: 'redis',
      cacheNodeType: 'cache.t4g.small',
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      port: REDIS_PORT,
      authToken: redisAuth.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: subnets.ref,
      securityGroupIds: [cacheGroup.securityGroupId],
    });

    const users = new UserPool(this, 'Viewers', {
      userPoolName: `streamctl-${config.stage}-viewers`,
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      // Viewers choose their own passwords: long, and not from one character class.
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // A second factor for viewers who want one (an authenticator app); SMS costs per message and is phishable.
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // The server reads the viewer's country and plan from the `custom:country` and `custom:plan` claims.
      customAttributes: {
        country: new StringAttribute({ ...VIEWER_ATTRIBUTES.country, mutable: true }),
        plan: new StringAttribute({ ...VIEWER_ATTRIBUTES.plan, mutable: true }),
      },
    });
    Validations.of(users).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is offered (TOTP), not forced: viewers sign in on TVs and consoles where an authenticator code is ' +
          'impractical, and a viewer account grants playback only, never operator access.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is charged per monthly active user; at streaming audience sizes ' +
          'that outweighs its value for accounts that grant playback only. The password policy, optional TOTP and ' +
          'the WAF rate limit at the edge protect sign-in instead.',
      },
    );
    const client = new UserPoolClient(this, 'PlayerClient', {
      userPool: users,
      authFlows: { userSrp: true },
      // The country gates titles by territory and the plan is what the viewer paid for: viewers may not
      // set either themselves (admins and triggers may). Read attributes stay unset: all, both included.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });
    const issuer = `https://cognito-idp.${this.region}.amazonaws.com/${users.userPoolId}`;
    this.search = new SearchCollection(this, 'Search', { stage: config.stage });
    // The function's own log group, made with the stack: the metric filters below need it to exist at
    // deploy time, before the first invocation would create `/aws/lambda/<name>`.
    const serverLogs = new LogGroup(this, 'ServerLogs', { retention: RetentionDays.ONE_MONTH });

    this.server = platformFunction(this, 'Server', {
      entry: 'packages/server/src/lambda.ts',
      handler: 'handler',
      memorySize: 1024,
      timeout: Duration.seconds(10),
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [fnGroup],
      logGroup: serverLogs,
      environment: {
        STREAMCTL_STAGE: config.stage,
        STREAMCTL_REGION: this.region,
        STREAMCTL_REGIONS: config.regions.join(','),
        // Where the routing record is: a Region outside these reads it in them.
        STREAMCTL_CONTROL_REGIONS: controlTablePlacement(config).regions.join(','),
        STREAMCTL_JWT_ISSUER: issuer,
        STREAMCTL_JWT_AUDIENCE: client.userPoolClientId,
        STREAMCTL_CDN_URL: `https://${config.domain}`,
        // Names only: the function reads the values from Secrets Manager at run time, so no key is in
        // the template, the function's configuration or anything that shows its environment.
        STREAMCTL_CF_SIGNING_SECRET_ID: secrets.cloudFrontSigning,
        STREAMCTL_ORIGIN_SECRET_ID: secrets.originSecret,
        REDIS_URL: `rediss://${redis.attrPrimaryEndPointAddress}:${redis.attrPrimaryEndPointPort}`,
        // The secret's ARN, not its value: the server reads the AUTH token at run time.
        STREAMCTL_REDIS_AUTH_SECRET_ID: redisAuth.secretArn,
        STREAMCTL_SEARCH_ENDPOINT: this.search.endpoint,
        STREAMCTL_SEARCH_INDEX: this.search.index,
        POWERTOOLS_SERVICE_NAME: 'streamctl-api',
        // The key route unwraps content keys with the content-key KMS key; grants carry the licence URLs.
        ...protectionEnvironment(config, props.env.region),
      },
    });
    if (!this.server.role) throw new Error('The API server function has no role');
    this.serverRole = this.server.role;
    this.search.grantApiAccess(this.server);
    // The Redis AUTH token: read, and nothing else, on this one secret.
    this.server.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [redisAuth.secretArn] }),
    );
    // Read the two secrets and nothing else: in this Region, by name (Secrets Manager adds six characters).
    // The origin secret is the edge stack's, replicated here; until it exists the server trusts no viewer address.
    this.server.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secrets.cloudFrontSigning, secrets.originSecret].map((name) =>
          this.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${name}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
    TableV2.fromTableName(this, 'Catalog', names[catalogTable.nameKey]).grantReadData(this.server);
    // The key route (GET /v1/keys/:titleId/:keyId) unwraps the title's content key: Decrypt only, with its context.
    this.server.addToRolePolicy(contentKeyStatement(config, this, ['kms:Decrypt']));
    Validations.of(this.serverRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:${this.region}:${this.account}:key/*]`,
      reason:
        "The content-key KMS key is the data stack's multi-Region key (a replica here), named by its alias: the " +
        'statement holds only for the key with that alias (kms:ResourceAliases) and for a {titleId, keyId} ' +
        'encryption context, so no stack needs the key ARN across Regions.',
    });
    // This Region's replica of user state: consent, erasure tombstones and records included (privacy writes them here).
    TableV2.fromTableName(this, 'UserState', names[userStateTable.nameKey]).grantReadWriteData(this.server);
    // The recommendation models (taste profiles, popularity, co-occurrence) that /v1/home reads live in the
    // user-state table too, each Region's rows beside the others': the grant above covers them.
    // Privacy reaches every Region of the stage: the server of any Region exports and erases a viewer
    // everywhere (dead letters are in each Region's platform table, same name in each) and verifies that the
    // global table's other replicas show the erasure. By ARN, Region by Region: no other table, no other Region.
    const tableArn = (table: string, region: string) =>
      this.formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: table });
    const otherRegions = config.regions.filter((r) => r !== props.env.region);
    this.server.addToRolePolicy(
      new PolicyStatement({
        actions: [...PRIVACY_PLATFORM_ACTIONS],
        resources: config.regions.map((region) =>
          tableArn(resourceNames(config.stage, region)[platformTable.nameKey], region),
        ),
      }),
    );
    if (otherRegions.length) {
      const otherReplicas = otherRegions.map((region) =>
        tableArn(resourceNames(config.stage, region)[userStateTable.nameKey], region),
      );
      this.server.addToRolePolicy(
        new PolicyStatement({ actions: [...PRIVACY_REPLICA_ACTIONS], resources: otherReplicas }),
      );
      this.server.addToRolePolicy(
        new PolicyStatement({
          actions: [...PRIVACY_VERSION_ACTIONS],
          resources: otherReplicas,
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TASTE_PARTITIONS] } },
        }),
      );
    }
    // The events put: every Region's stream, by the name the SDK derives there (this Region's first, the
    // others when it fails).
    this.server.addToRolePolicy(
      new PolicyStatement({
        actions: [...EVENTS_PUT_ACTIONS],
        resources: config.regions.map((region) =>
          this.formatArn({
            service: 'kinesis',
            region,
            resource: 'stream',
            resourceName: resourceNames(config.stage, region)[eventsStream.nameKey],
          }),
        ),
      }),
    );
    // The routing record the events put orders Regions by: the control table in each control Region (this
    // Region's replica first when it holds one), and its former place in the user-state replicas of the
    // control Regions that have one (the stage's Regions among them; this Region's is granted above).
    const control = controlTablePlacement(config);
    this.server.addToRolePolicy(
      new PolicyStatement({
        actions: [...ROUTING_READ_ACTIONS],
        resources: control.regions.map((region) =>
          tableArn(resourceNames(config.stage, region)[controlTable.nameKey], region),
        ),
      }),
    );
    const formerPlace = control.regions.filter((r) => r !== props.env.region && config.regions.includes(r));
    if (formerPlace.length) {
      this.server.addToRolePolicy(
        new PolicyStatement({
          actions: [...ROUTING_READ_ACTIONS],
          resources: formerPlace.map((region) =>
            tableArn(resourceNames(config.stage, region)[userStateTable.nameKey], region),
          ),
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ROUTING_PARTITION] } },
        }),
      );
    }
    // What the health check describes here: the platform table, the control table where this Region holds a
    // replica, the events stream and the two buckets.
    const healthTables = [names[platformTable.nameKey]];
    if (control.regions.includes(props.env.region)) healthTables.push(names[controlTable.nameKey]);
    this.server.addToRolePolicy(
      new PolicyStatement({
        actions: [...HEALTH_ACTIONS.table],
        resources: healthTables.map((table) => tableArn(table, props.env.region)),
      }),
    );
    this.server.addToRolePolicy(
      new PolicyStatement({
        actions: [...HEALTH_ACTIONS.stream],
        resources: [
          this.formatArn({ service: 'kinesis', resource: 'stream', resourceName: names[eventsStream.nameKey] }),
        ],
      }),
    );
    this.server.addToRolePolicy(
      new PolicyStatement({
        actions: [...HEALTH_ACTIONS.bucket],
        resources: [names.rawBucket, names.cdnBucket].map((bucket) =>
          this.formatArn({ service: 's3', region: '', account: '', resource: bucket }),
        ),
      }),
    );

    // `api-<region>.<domain>`: the host the edge's API origins (and the SDK) use for this Region.
    const host = apiHost(config, props.env.region);
    const domains = customDomains(config);
    const zone = stageZone(this, domains);
    const certificate = domainCertificate(this, 'ApiCertificate', host, domains, zone, props.env.region);
    if (certificate) {
      this.domainName = new DomainName(this, 'ApiDomain', {
        domainName: host,
        certificate,
        endpointType: EndpointType.REGIONAL,
        securityPolicy: SecurityPolicy.TLS_1_2,
        // IPv6 too, so the AAAA alias resolves (CloudFront reaches origins over IPv6 when it can).
        ipAddressType: IpAddressType.DUAL_STACK,
      });
    } else {
      Annotations.of(this).addWarning(
        `No custom domain for ${host}: the config has neither hostedZoneId/hostedZoneName nor certificates. ` +
          `The edge's API origin for ${props.env.region} will not resolve until ${host} exists and is mapped to this HTTP API.`,
      );
    }

    // Planned provisioned concurrency (`streamctl plan capacity`) lives on an alias of the current version, and the
    // HTTP API invokes that alias, so the warm environments are the ones requests reach.
    const warm = capacityFor(config, 'apiProvisionedConcurrency', props.env.region);
    const target: IFunction =
      warm === undefined
        ? this.server
        : new Alias(this, 'ServerLive', {
            aliasName: 'live',
            version: this.server.currentVersion,
            provisionedConcurrentExecutions: warm,
          });
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `streamctl-${config.stage}`,
      defaultIntegration: new HttpLambdaIntegration('Server', target),
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The server verifies every request itself: Cognito JWTs (issuer, audience, signature) on viewer routes, ' +
        'the CloudFront origin secret, and public catalog reads need none. An API Gateway authorizer in front ' +
        'would verify the same token twice and cannot express the public routes of the single $default route.',
    });
    // Access logs of the $default stage (set on the stage HttpApi made, so its logical id stays).
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: NETWORK_LOG_RETENTION });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage | undefined;
    if (!stage) throw new Error('The HTTP API has no $default stage');
    stage.accessLogSettings = { destinationArn: accessLogs.logGroupArn, format: API_ACCESS_LOG_FORMAT };
    if (this.domainName) {
      // `api-<region>.<domain>/` → the API's `$default` stage (the server routes every path itself).
      new ApiMapping(this, 'ApiMapping', {
        api: this.api,
        domainName: this.domainName,
        stage: this.api.defaultStage,
      });
    }
    if (this.domainName && zone) {
      const target = RecordTarget.fromAlias(
        new ApiGatewayv2DomainProperties(this.domainName.regionalDomainName, this.domainName.regionalHostedZoneId),
      );
      new ARecord(this, 'ApiAlias', { zone, recordName: host, target });
      new AaaaRecord(this, 'ApiAliasIpv6', { zone, recordName: host, target });
    }
    new Alarm(this, 'Api5xx', {
      metric: this.api.metricServerError({ period: Duration.minutes(1) }),
      threshold: 5,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'The API answers 5xx',
    });
    new Alarm(this, 'ServerThrottles', {
      metric: this.server.metricThrottles({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'The API function is throttled',
    });
    // Playback starts, from the request log: 5xx answers (viewers who cannot start) alarm; limit
    // refusals (409: STREAM_LIMIT, DEVICE_LIMIT) are graphed so operators see plan pressure. The log
    // line carries the status, not the error code, so the two limits count together.
    const playbackMetric = (metricName: string, status: JsonPattern): Metric =>
      new MetricFilter(this, metricName, {
        logGroup: serverLogs,
        filterPattern: playbackStartLines(status),
        metricNamespace: `streamctl/${config.stage}`,
        metricName,
        metricValue: '1',
      }).metric({ statistic: 'Sum', period: Duration.minutes(1) });
    const playbackErrors = playbackMetric('PlaybackStartErrors', FilterPattern.numberValue('$.status', '>=', 500));
    const playbackRefusals = playbackMetric('PlaybackLimitRefusals', FilterPattern.numberValue('$.status', '=', 409));
    new Alarm(this, 'PlaybackStartErrorsAlarm', {
      metric: playbackErrors,
      threshold: 3,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Playback starts (POST /v1/playback/*) answer 5xx: viewers cannot start playing',
    });
    new Dashboard(this, 'Dashboard', { dashboardName: `streamctl-${config.stage}-api-${props.env.region}` }).addWidgets(
      new GraphWidget({
        title: 'API requests, 4xx, 5xx',
        left: [this.api.metricCount()],
        right: [this.api.metricClientError(), this.api.metricServerError()],
      }),
      new GraphWidget({
        title: 'Server latency and throttles',
        left: [this.server.metricDuration({ statistic: 'p99' })],
        right: [this.server.metricThrottles()],
      }),
      new GraphWidget({
        title: 'Playback starts: 5xx and limit refusals (409)',
        left: [playbackErrors],
        right: [playbackRefusals],
      }),
    );
    new CfnOutput(this, 'ApiEndpoint', {
      value: this.api.apiEndpoint,
      description: `The HTTP API URL of ${props.env.region}: the target of api-${props.env.region}.${config.domain}`,
    });
    if (this.domainName) {
      new CfnOutput(this, 'ApiDomainTarget', {
        value: this.domainName.regionalDomainName,
        description: zone
          ? `The API Gateway host behind ${host} (Route 53 aliases it)`
          : `Point ${host} here (a CNAME, or an alias in Route 53)`,
      });
    }
    new CfnOutput(this, 'SearchEndpoint', {
      value: this.search.endpoint,
      description: `The search collection of ${props.env.region}: STREAMCTL_SEARCH_ENDPOINT / search.endpoint`,
    });
    new CfnOutput(this, 'UserPoolId', { value: users.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
  }
}
