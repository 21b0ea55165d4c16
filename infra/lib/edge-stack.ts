/**
 * Edge: one CloudFront distribution for the stage (deployed in us-east-1,
 * where CloudFront's WAF lives): media from an origin group of two Regions'
 * CDN buckets (the primary's, failing over to the next Region's) through
 * origin access control with Origin Shield, signed URLs and cookies checked
 * against a key group, cache policies for HLS/DASH manifests and segments,
 * the API's reads behind an origin group over the Regions' API origins
 * (failover on 5xx) and its writes on the primary API origin, the web player
 * (its own bucket, through the same origin access control) under `/player/`,
 * response headers, a WAF web ACL with rate limiting, and access logs
 * (CloudFront's standard logs, the player bucket's) in a log bucket.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_WRITES_ORIGIN_ID, mediaOriginId } from '@streamctl/sdk';
import { ORIGIN_SECRET_HEADER, resourceNames, secretNames } from '@streamctl/sdk/config';
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  type BehaviorOptions,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  type IKeyGroup,
  KeyGroup,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  PublicKey,
  ResponseHeadersPolicy,
  S3OriginAccessControl,
  SecurityPolicyProtocol,
  SSLMethod,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, OriginGroup, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AaaaRecord, ARecord, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { accessLogBucket } from './access-logs.js';
import {
  apiHost,
  apiPrimaryRegion,
  controlTablePlacement,
  customDomains,
  type InfraConfig,
  primaryRegion,
} from './config.js';
import { domainCertificate, stageZone } from './domains.js';

/** The API host of a Region, re-exported where it always was. */
export { apiHost } from './config.js';

/** Where the web player lives on the distribution: its page is `https://<domain>/player/`. */
export const PLAYER_PATH = '/player/';

/** The web player's vite build in this repository (`examples/web-player/dist`), deployed when it exists. */
export const DEFAULT_PLAYER_DIST = fileURLToPath(new URL('../../examples/web-player/dist', import.meta.url));

/**
 * The viewer-request function of the player's behaviours (cloudfront-js-2.0; plain JS, so the tests
 * run it in Node). The build's asset paths are relative (`./assets/…`), so the page must be read at
 * `/player/`: `/player` redirects there (query kept as the viewer sent it), and `/player/` is the
 * page object, `player/index.html`. Anything else under `/player/` is a file of the build.
 */
export const PLAYER_INDEX_FUNCTION = `function handler(event) {
  var request = event.request;
  if (request.uri === '/player') {
    var query = [];
    for (var name in request.querystring) {
      var param = request.querystring[name];
      var values = param.multiValue ? param.multiValue : [param];
      for (var i = 0; i < values.length; i++)
        query.push(values[i].value === '' ? name : name + '=' + values[i].value);
    }
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: '/player/' + (query.length ? '?' + query.join('&') : '') } },
    };
  }
  if (request.uri === '/player/') request.uri = '/player/index.html';
  return request;
}`;

/**
 * The viewer-request function of `/dev/*`: dev tokens exist only on the local platform (`streamctl
 * dev`), so on AWS the edge answers 404 itself, in the API's error shape, and never asks an origin.
 */
export const DEV_ROUTES_FUNCTION = `function handler(event) {
  return {
    statusCode: 404,
    statusDescription: 'Not Found',
    headers: { 'content-type': { value: 'application/json' }, 'cache-control': { value: 'no-store' } },
    body: {
      encoding: 'text',
      data: '{"error":{"code":"NOT_FOUND","message":"Dev routes exist only on the local platform (streamctl dev); sign in with the user pool of the stage"}}',
    },
  };
}`;

/**
 * The web player's Content-Security-Policy: everything from the page's own origin (the distribution
 * serves the player, the API and the media), `blob:` where Media Source Extensions and hls.js's
 * worker need it, the configured licence servers for EME, and no framing.
 *
 * @example
 * ```ts
 * playerContentSecurityPolicy(config); // "default-src 'none'; script-src 'self'; …; frame-ancestors 'none'"
 * ```
 */
export function playerContentSecurityPolicy(config: InfraConfig): string {
  const p = config.protection ?? {};
  const licences = [p.widevineLicenseUrl, p.playreadyLicenseUrl, p.fairplayLicenseUrl, p.fairplayCertificateUrl]
    .filter((url): url is string => url !== undefined)
    .map((url) => new URL(url).origin);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // `data:` for the page's empty favicon (`<link rel="icon" href="data:,">`).
    "img-src 'self' data:",
    // MSE plays a `blob:` URL of its MediaSource.
    "media-src 'self' blob:",
    ["connect-src 'self'", ...new Set(licences)].join(' '),
    "worker-src 'self' blob:",
    "font-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    'upgrade-insecure-requests',
  ].join('; ');
}

/**
 * The key group the distribution trusts. With `keyGroupId` it is the one `streamctl keys` owns, imported:
 * the app never changes its keys, so a deploy cannot undo a rotation. With `publicKeys` the app makes one
 * and retains it and its keys, so moving the config to `keyGroupId` (after `streamctl keys rotate
 * --key-group` adopted it) leaves the group in place instead of deleting keys the edge still trusts.
 */
function signingKeyGroup(scope: Construct, config: InfraConfig): IKeyGroup {
  if (config.keyGroupId) return KeyGroup.fromKeyGroupId(scope, 'SigningKeys', config.keyGroupId);
  const keys = (config.publicKeys ?? []).map((k) => {
    const key = new PublicKey(scope, `Key-${k.id}`, {
      encodedKey: k.pem,
      comment: `streamctl ${config.stage} ${k.id}`,
    });
    key.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return key;
  });
  const group = new KeyGroup(scope, 'SigningKeys', {
    comment: `streamctl ${config.stage}: keys that sign playback URLs and cookies`,
    items: keys,
  });
  group.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return group;
}

/** Settings of the edge stack beyond the stack's own. */
export interface EdgeStackProps extends StackProps {
  /**
   * The web player's build (vite's `dist`: `index.html` and `assets/`), deployed under `/player/`.
   * Default {@link DEFAULT_PLAYER_DIST}. Without an `index.html` there, synth warns and deploys no files.
   */
  playerDist?: string;
}

/**
 * The answers of the primary CDN bucket on which CloudFront asks the next Region's: 403 and 404 (an
 * object not there yet: S3 answers 403 for a missing key to a reader without ListBucket, as
 * CloudFront's origin access control is, while replication catches up) and the 5xx of a Region in trouble.
 */
export const MEDIA_FAILOVER_STATUS_CODES = [403, 404, 500, 502, 503, 504] as const;

/** The Region whose CDN bucket backs the primary's in the media origin group: the next in `regions`, if any. */
export function mediaFallbackRegion(config: InfraConfig): string | undefined {
  const primary = primaryRegion(config);
  if (config.regions.length < 2) return undefined;
  return config.regions[(config.regions.indexOf(primary) + 1) % config.regions.length];
}

/** Days the edge's access logs (CloudFront's and the player bucket's) are kept: they hold viewers' addresses. */
export const EDGE_LOG_RETENTION_DAYS = 30;

/** What a failover does to the routing record in the control table (read, conditional put and update, clear). */
export const ROUTING_RECORD_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;
/** What a failover does with its canary (`PK = ROUTING`) in the user-state replicas: write, read back, delete. */
export const ROUTING_CANARY_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'] as const;
/** What a failover does to the distribution: read its config and reorder the origin groups. */
export const DISTRIBUTION_FAILOVER_ACTIONS = [
  'cloudfront:GetDistribution',
  'cloudfront:GetDistributionConfig',
  'cloudfront:UpdateDistribution',
] as const;

/** What `failover status` and the failover's replica step read: S3's replication metrics in CloudWatch. */
export const MEDIA_LAG_ACTIONS = ['cloudwatch:GetMetricData'] as const;

/**
 * The managed policy an operator's role attaches to run `streamctl failover`: the routing record in
 * the control table of every control Region, the failover canaries (`PK = ROUTING` only) in every
 * Region's user-state replica, this distribution, and (read only) the media replication metrics. No
 * function of the app runs failovers; the CLI does, with the operator's credentials.
 */
export function failoverOperatorPolicy(scope: Stack, config: InfraConfig, distribution: Distribution): ManagedPolicy {
  const table = (region: string, name: string) =>
    scope.formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: name });
  const policy = new ManagedPolicy(scope, 'FailoverOperator', {
    managedPolicyName: `streamctl-${config.stage}-failover`,
    description: `streamctl ${config.stage}: what streamctl failover does (routing record, canaries, distribution, replication metrics)`,
    statements: [
      new PolicyStatement({
        actions: [...ROUTING_RECORD_ACTIONS],
        resources: controlTablePlacement(config).regions.map((r) =>
          table(r, resourceNames(config.stage, r).controlTable),
        ),
      }),
      new PolicyStatement({
        actions: [...ROUTING_CANARY_ACTIONS],
        resources: config.regions.map((r) => table(r, resourceNames(config.stage, r).userStateTable)),
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['ROUTING'] } },
      }),
      new PolicyStatement({ actions: [...DISTRIBUTION_FAILOVER_ACTIONS], resources: [distribution.distributionArn] }),
      // S3's replication metrics, read by `failover status` and the failover's replica step.
      new PolicyStatement({ actions: [...MEDIA_LAG_ACTIONS], resources: ['*'] }),
    ],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'cloudwatch:GetMetricData has no resource-level permission (IAM takes only "*" for it); it reads metrics, ' +
      "which here are S3's replication lag of the stage's CDN buckets, and changes nothing.",
  });
  return policy;
}

/** The stage's CloudFront distribution and WAF. */
export class EdgeStack extends Stack {
  readonly distribution: Distribution;
  /** The web player's bucket, read by CloudFront only. */
  readonly playerBucket: Bucket;
  /** What `streamctl failover` needs, for the operator's role to attach (see {@link failoverOperatorPolicy}). */
  readonly failoverPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, config: InfraConfig, props: EdgeStackProps) {
    super(scope, id, props);
    const primary = primaryRegion(config);

    const keyGroup = signingKeyGroup(this, config);

    const waf = new CfnWebACL(this, 'Waf', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: `streamctl-${config.stage}`,
        sampledRequestsEnabled: true,
      },
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: config.rateLimitPer5Min, aggregateKeyType: 'IP' } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'rate-limit', sampledRequestsEnabled: true },
        },
        {
          name: 'aws-common-rules',
          priority: 1,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'common-rules',
            sampledRequestsEnabled: true,
          },
        },
      ],
    });

    // Segments never change: cache long. Manifests of VOD titles are stable but re-published titles
    // are invalidated, so a short TTL bounds staleness when an invalidation is slow.
    const segments = new CachePolicy(this, 'Segments', {
      comment: 'HLS/DASH segments and images: keyed on the path only',
      defaultTtl: Duration.days(1),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      queryStringBehavior: CacheQueryStringBehavior.none(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
    });
    const manifests = new CachePolicy(this, 'Manifests', {
      comment: 'HLS/DASH manifests: keyed on the path, short TTL, compressed',
      defaultTtl: Duration.seconds(60),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.minutes(5),
      queryStringBehavior: CacheQueryStringBehavior.none(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const headers = new ResponseHeadersPolicy(this, 'PlayerHeaders', {
      comment: 'CORS for web players and security headers',
      corsBehavior: {
        accessControlAllowCredentials: true,
        accessControlAllowHeaders: ['Range', 'Authorization', 'Content-Type'],
        accessControlAllowMethods: ['GET', 'HEAD', 'OPTIONS'],
        accessControlAllowOrigins: [`https://${config.domain}`],
        accessControlExposeHeaders: ['Content-Length', 'Content-Range'],
        accessControlMaxAge: Duration.hours(1),
        originOverride: true,
      },
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });

    // One origin access control signs CloudFront's requests to both buckets (SigV4, always).
    const originAccessControl = new S3OriginAccessControl(this, 'OriginAccessControl', {
      description: `streamctl ${config.stage}: CloudFront reads the CDN and player buckets`,
    });
    // Media: the primary Region's CDN bucket, failing over to the next Region's (each Region's bucket is
    // replicated to the others by its media stack). Both through the origin access control, each with Origin
    // Shield in its own Region; origin ids are the SDK's `media-<region>`, which `streamctl failover` reorders.
    const cdnOrigin = (region: string, constructId: string) =>
      S3BucketOrigin.withOriginAccessControl(
        Bucket.fromBucketAttributes(this, constructId, {
          bucketName: resourceNames(config.stage, region).cdnBucket,
          region,
        }),
        { originId: mediaOriginId(region), originShieldRegion: region, originAccessControl },
      );
    const mediaFallback = mediaFallbackRegion(config);
    const media = mediaFallback
      ? new OriginGroup({
          primaryOrigin: cdnOrigin(primary, 'CdnBucket'),
          fallbackOrigin: cdnOrigin(mediaFallback, `CdnBucket-${mediaFallback}`),
          fallbackStatusCodes: [...MEDIA_FAILOVER_STATUS_CODES],
        })
      : cdnOrigin(primary, 'CdnBucket');
    // The bucket lives in the media stack of its Region, whose policy admits this account's distributions.
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
      'the media stack grants CloudFront (this account, SourceArn condition) read access to the CDN bucket',
    );
    const signed = {
      origin: media,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      trustedKeyGroups: [keyGroup],
      responseHeadersPolicy: headers,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
    };

    // The value CloudFront adds to every request it sends to an API origin: a request that carries it came
    // through this distribution, so the API believes its CloudFront-Viewer-Address and limits per viewer,
    // not per CloudFront server. Generated here, replicated to every Region's API, which reads it at run
    // time; the template holds a dynamic reference that CloudFormation resolves at deploy time.
    const originSecret = new Secret(this, 'OriginSecret', {
      secretName: secretNames(config.stage).originSecret,
      description: `streamctl ${config.stage}: the value CloudFront sends to the API origins in ${ORIGIN_SECRET_HEADER}`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      replicaRegions: config.regions.filter((r) => r !== this.region).map((region) => ({ region })),
    });
    Validations.of(originSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'CloudFront sends this value as an origin custom header that the template resolves at deploy time: a ' +
        'rotation outside a deploy would leave the distribution sending the old value, so it is rotated by ' +
        'deploying the edge stack with a new value; it is not a credential to any AWS resource.',
    });
    const originHeaders = { [ORIGIN_SECRET_HEADER]: originSecret.secretValue.unsafeUnwrap() };

    // Origin ids name the Region: `streamctl failover` finds the group member of a Region by id or host.
    const apiOrigin = (region: string, originId = `api-${region}`) =>
      new HttpOrigin(apiHost(config, region), {
        originId,
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
        customHeaders: originHeaders,
      });
    const apiPrimary = apiPrimaryRegion(config);
    const apiFallback = config.regions.find((r) => r !== apiPrimary);
    const api = apiFallback
      ? new OriginGroup({
          primaryOrigin: apiOrigin(apiPrimary),
          fallbackOrigin: apiOrigin(apiFallback),
          fallbackStatusCodes: [500, 502, 503, 504],
        })
      : apiOrigin(apiPrimary);
    // Writes cannot use the origin group: CloudFront accepts only GET/HEAD/OPTIONS on a behaviour whose
    // target is an origin group, and origin-group failover only ever retries GET/HEAD/OPTIONS. So the
    // write paths go to one origin, the API of `apiPrimaryRegion` (default: the primary Region). The
    // routing record decides where writes belong; `streamctl failover` flips it and reorders the origin
    // group's members, but it does not touch this origin. After a failover to R, set `apiPrimaryRegion`
    // to R in the infra config and deploy the edge stack (infra/README.md, "After a failover"): that
    // moves the writes and keeps the template's origin group in the order the failover left it.
    // The stable id keeps the origin in place while its host moves between Regions.
    const writeOrigin = apiOrigin(apiPrimary, API_WRITES_ORIGIN_ID);
    // Everything the viewer sent but Host (the API's custom domain answers), and CloudFront's own viewer
    // headers, CloudFront-Viewer-Address among them. A policy of our own cannot do this: it may not name
    // Authorization, a cache key cannot carry it with caching off, and a policy that forwards every
    // viewer header forwards Host too.
    const apiRequests = OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER;
    const writes = {
      origin: writeOrigin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: apiRequests,
    };

    // `<domain>` on the distribution: a certificate in us-east-1 (this stack's Region, as CloudFront requires).
    const domains = customDomains(config);
    const zone = stageZone(this, domains);
    const certificate = domainCertificate(this, 'Certificate', config.domain, domains, zone, 'edge');
    if (!certificate) {
      const hosts = config.regions.map((r) => apiHost(config, r)).join(', ');
      Annotations.of(this).addWarning(
        'No custom domains: the config has neither hostedZoneId/hostedZoneName nor certificates, so the ' +
          `distribution answers only on its *.cloudfront.net name, and its API origins (${hosts}) will not ` +
          "resolve until each api-<region>.<domain> exists as a custom domain of that Region's HTTP API.",
      );
    }

    // CloudFront's standard logs and the player bucket's server access logs: who fetched what, kept a month.
    const accessLogs = accessLogBucket(this, { of: 'the edge', retentionDays: EDGE_LOG_RETENTION_DAYS });

    const player = this.player(config, originAccessControl, props.playerDist ?? DEFAULT_PLAYER_DIST, accessLogs);
    this.playerBucket = player.bucket;

    this.distribution = new Distribution(this, 'Cdn', {
      comment: `streamctl ${config.stage}`,
      ...(certificate
        ? {
            domainNames: [config.domain],
            certificate,
            sslSupportMethod: SSLMethod.SNI,
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
      priceClass: PriceClass.PRICE_CLASS_ALL,
      webAclId: waf.attrArn,
      defaultBehavior: { ...signed, cachePolicy: segments },
      additionalBehaviors: {
        // First: CloudFront takes the first matching pattern, and nothing under these belongs to the media.
        '/dev/*': player.dev,
        '/player': player.app,
        '/player/*': player.app,
        '*.m3u8': { ...signed, cachePolicy: manifests, compress: true },
        '*.mpd': { ...signed, cachePolicy: manifests, compress: true },
        // Before `/v1/*`: CloudFront takes the first matching pattern. The web ACL covers every behaviour.
        '/v1/events': writes,
        '/v1/playback/*': writes,
        '/v1/watchlist/*': writes,
        // The player's heartbeat (PUT) and stop (DELETE) of a session, removing a device, consent and
        // erasure: the reads behaviour refuses these methods.
        '/v1/sessions/*': writes,
        '/v1/devices/*': writes,
        '/v1/me': writes,
        '/v1/me/*': writes,
        // Reads (GET /v1/home, /v1/titles/…, /v1/watchlist, …) fail over between Regions on 5xx.
        '/v1/*': {
          origin: api,
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: apiRequests,
        },
      },
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Territories are per title, not per distribution: the API refuses a playback grant (403) where the title ' +
        'is not available, and the media needs that signed grant. A distribution-wide geo block would also shut ' +
        'out the catalog and the player in whole countries.',
    });
    if (zone) {
      const target = RecordTarget.fromAlias(new CloudFrontTarget(this.distribution));
      new ARecord(this, 'Alias', { zone, recordName: config.domain, target });
      new AaaaRecord(this, 'AliasIpv6', { zone, recordName: config.domain, target });
    }
    new CfnOutput(this, 'KeyGroupId', {
      value: keyGroup.keyGroupId,
      description: 'The key group signed URLs and cookies are checked against: `streamctl keys` rotates its keys',
    });
    this.failoverPolicy = failoverOperatorPolicy(this, config, this.distribution);
    new CfnOutput(this, 'FailoverPolicyArn', {
      value: this.failoverPolicy.managedPolicyArn,
      description:
        'Attach to the role or user that runs `streamctl failover`: the routing record, canaries, the distribution',
    });
    new CfnOutput(this, 'DistributionId', {
      value: this.distribution.distributionId,
      description: 'STREAMCTL_DISTRIBUTION_ID (media.distributionId): invalidations and `streamctl failover`',
    });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.distribution.distributionDomainName,
      description: `The distribution's own host name (*.cloudfront.net), the target of ${config.domain}`,
    });
    new CfnOutput(this, 'PlayerUrl', {
      value: certificate
        ? `https://${config.domain}${PLAYER_PATH}`
        : `https://${this.distribution.distributionDomainName}${PLAYER_PATH}`,
      description: 'The web player, served by the distribution beside the API and the media',
    });
    new CfnOutput(this, 'PlayerBucketName', {
      value: this.playerBucket.bucketName,
      description: 'The web player bucket: the build lives under player/',
    });
  }

  /**
   * The CDK's own function that copies the player's files (one per stack, shared by both
   * deployments): its role and runtime are the library's, with no setting for either, and it runs
   * only during a deploy. What cdk-nag finds on it is acknowledged here, finding by finding.
   */
  private acknowledgeDeploymentHandler(bucket: Bucket) {
    const handler = this.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!handler) throw new Error('The player deployment has no handler function');
    const playerBucket = this.getLogicalId(bucket.node.defaultChild as CfnBucket);
    const reason =
      "The CDK's BucketDeployment handler copies the player build from the CDK asset bucket to the player bucket " +
      'during a deploy only; the library makes its role and grants (object trees of those two buckets) and offers ' +
      'no way to narrow them.';
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason,
      },
      ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason,
      })),
      { id: `AwsSolutions-IAM5[Resource::<${playerBucket}.Arn>/*]`, reason },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${this.account}-${this.region}/*]`,
        reason,
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          "The BucketDeployment handler's runtime is the one aws-cdk-lib ships it with (it bundles its own code for " +
          'it); it runs during a deploy only, never on a request.',
      },
    );
  }

  /**
   * The web player: its bucket (read through `originAccessControl` only), the build deployed under
   * `player/` when it exists, and the behaviours of `/player`, `/player/*` and `/dev/*`.
   */
  private player(config: InfraConfig, originAccessControl: S3OriginAccessControl, dist: string, logs: Bucket) {
    // The player is public app code, so S3-managed keys suffice: a KMS key would add a key policy
    // for CloudFront and a charge per request, and protect nothing a viewer cannot read anyway.
    const bucket = new Bucket(this, 'PlayerBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 's3/player/',
    });
    const origin = S3BucketOrigin.withOriginAccessControl(bucket, { originAccessControl });
    const prefix = PLAYER_PATH.slice(1);

    if (existsSync(join(dist, 'index.html'))) {
      const source = Source.asset(dist);
      // vite names every file under assets/ by its content: cache it for good. Older files stay
      // (no prune), so a page loaded before a deploy still finds the chunks it imports later.
      new BucketDeployment(this, 'PlayerAssets', {
        sources: [source],
        destinationBucket: bucket,
        destinationKeyPrefix: `${prefix}assets/`,
        exclude: ['*'],
        include: ['assets/*'],
        prune: false,
        cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(365)), CacheControl.immutable()],
      });
      // The page and any other file at the root: revalidated on every load, so a deploy shows at once
      // without an invalidation.
      new BucketDeployment(this, 'PlayerPage', {
        sources: [source],
        destinationBucket: bucket,
        destinationKeyPrefix: prefix,
        exclude: ['assets/*'],
        cacheControl: [CacheControl.noCache()],
      });
      this.acknowledgeDeploymentHandler(bucket);
    } else {
      Annotations.of(this).addWarningV2(
        '@streamctl/infra:playerNotBuilt',
        `The web player is not built: ${join(dist, 'index.html')} does not exist, so no player files are ` +
          `deployed and ${PLAYER_PATH} answers 403. Build it (npx -y pnpm@10.34.8 --filter @streamctl/web-player ` +
          'build) and synth again, or copy its dist/ to the PlayerBucketName output under player/.',
      );
    }

    const headers = new ResponseHeadersPolicy(this, 'PlayerAppHeaders', {
      comment: 'The web player: a strict Content-Security-Policy and security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: playerContentSecurityPolicy(config), override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.SAME_ORIGIN, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    const index = new EdgeFunction(this, 'PlayerIndex', {
      comment: `streamctl ${config.stage}: /player to /player/, /player/ to its index.html`,
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(PLAYER_INDEX_FUNCTION),
    });
    const devRoutes = new EdgeFunction(this, 'DevRoutes', {
      comment: `streamctl ${config.stage}: /dev/* is local only, 404 at the edge`,
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(DEV_ROUTES_FUNCTION),
    });
    // No trusted key group: the player is public app code; the grant it fetches is what opens the media.
    const app: BehaviorOptions = {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: headers,
      compress: true,
      functionAssociations: [{ function: index, eventType: FunctionEventType.VIEWER_REQUEST }],
    };
    const dev: BehaviorOptions = {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      functionAssociations: [{ function: devRoutes, eventType: FunctionEventType.VIEWER_REQUEST }],
    };
    return { bucket, app, dev };
  }
}
