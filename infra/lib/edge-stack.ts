/**
 * Edge: one CloudFront distribution for the stage (deployed in us-east-1,
 * where CloudFront's WAF lives): the primary Region's CDN bucket through
 * origin access control with Origin Shield, signed URLs and cookies checked
 * against a key group, cache policies for HLS/DASH manifests and segments,
 * the API's reads behind an origin group over the Regions' API origins
 * (failover on 5xx) and its writes on the primary API origin, response
 * headers, and a WAF web ACL with rate limiting.
 */
import { API_WRITES_ORIGIN_ID } from '@streamctl/sdk';
import { ORIGIN_SECRET_HEADER, resourceNames, secretNames } from '@streamctl/sdk/config';
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  HttpVersion,
  KeyGroup,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  PublicKey,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  SSLMethod,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, OriginGroup, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { AaaaRecord, ARecord, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { apiHost, apiPrimaryRegion, customDomains, type InfraConfig, primaryRegion } from './config.js';
import { domainCertificate, stageZone } from './domains.js';

/** The API host of a Region, re-exported where it always was. */
export { apiHost } from './config.js';

/** The stage's CloudFront distribution and WAF. */
export class EdgeStack extends Stack {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, config: InfraConfig, props: StackProps) {
    super(scope, id, props);
    const primary = primaryRegion(config);
    const names = resourceNames(config.stage, primary);

    const keyGroup = new KeyGroup(this, 'SigningKeys', {
      comment: `streamctl ${config.stage}: keys that sign playback URLs and cookies`,
      items: config.publicKeys.map(
        (k) => new PublicKey(this, `Key-${k.id}`, { encodedKey: k.pem, comment: `streamctl ${config.stage} ${k.id}` }),
      ),
    });

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

    const cdnBucket = Bucket.fromBucketAttributes(this, 'CdnBucket', { bucketName: names.cdnBucket, region: primary });
    const media = S3BucketOrigin.withOriginAccessControl(cdnBucket, { originShieldRegion: primary });
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
      priceClass: PriceClass.PRICE_CLASS_ALL,
      webAclId: waf.attrArn,
      defaultBehavior: { ...signed, cachePolicy: segments },
      additionalBehaviors: {
        '*.m3u8': { ...signed, cachePolicy: manifests, compress: true },
        '*.mpd': { ...signed, cachePolicy: manifests, compress: true },
        // Before `/v1/*`: CloudFront takes the first matching pattern. The web ACL covers every behaviour.
        '/v1/events': writes,
        '/v1/playback/*': writes,
        '/v1/watchlist/*': writes,
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
    if (zone) {
      const target = RecordTarget.fromAlias(new CloudFrontTarget(this.distribution));
      new ARecord(this, 'Alias', { zone, recordName: config.domain, target });
      new AaaaRecord(this, 'AliasIpv6', { zone, recordName: config.domain, target });
    }
    new CfnOutput(this, 'DistributionId', {
      value: this.distribution.distributionId,
      description: 'STREAMCTL_DISTRIBUTION_ID (media.distributionId): invalidations and `streamctl failover`',
    });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.distribution.distributionDomainName,
      description: `The distribution's own host name (*.cloudfront.net), the target of ${config.domain}`,
    });
  }
}
