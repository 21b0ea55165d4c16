import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfraConfig } from '../lib/config.js';
import {
  DEV_ROUTES_FUNCTION,
  EdgeStack,
  PLAYER_INDEX_FUNCTION,
  playerContentSecurityPolicy,
} from '../lib/edge-stack.js';
import { example as config } from './example.js';

/** Managed-CachingOptimized. */
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';

let dist: string;
let built: EdgeStack;
let unbuilt: EdgeStack;
const templates = new Map<EdgeStack, Template>();
/** The stack's template, synthesized once. */
const template = (stack: EdgeStack) => {
  if (!templates.has(stack)) templates.set(stack, Template.fromStack(stack));
  return templates.get(stack) as Template;
};

/** The edge stack alone, in an app of its own, with the player's build at `playerDist`. */
const edge = (playerDist: string, c: InfraConfig = config) =>
  new EdgeStack(new App(), 'streamctl-prod-edge', c, {
    env: { account: c.account, region: 'us-east-1' },
    playerDist,
  });

beforeAll(() => {
  // A fake vite build: the page and a content-named asset.
  dist = mkdtempSync(join(tmpdir(), 'streamctl-player-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><script type="module" src="./assets/index-abc.js"></script>');
  writeFileSync(join(dist, 'assets', 'index-abc.js'), 'console.log("player");');
  built = edge(dist);
  unbuilt = edge(join(dist, 'not-built'));
  // Synthesize both here (the tests reuse the templates), so no single test pays for it.
  template(built);
  template(unbuilt);
}, 120_000);

afterAll(() => {
  rmSync(dist, { recursive: true, force: true });
});

type Behaviour = {
  PathPattern?: string;
  TargetOriginId: string;
  TrustedKeyGroups?: unknown[];
  CachePolicyId?: string;
  ResponseHeadersPolicyId?: unknown;
  ViewerProtocolPolicy: string;
  AllowedMethods?: string[];
  Compress?: boolean;
  FunctionAssociations?: Array<{ EventType: string; FunctionARN: unknown }>;
};
type DistributionConfig = {
  Origins: Array<{
    Id: string;
    DomainName: unknown;
    OriginAccessControlId?: unknown;
    OriginCustomHeaders?: unknown[];
    S3OriginConfig?: unknown;
  }>;
  OriginGroups: { Items: Array<{ Id: string }> };
  DefaultCacheBehavior: Behaviour;
  CacheBehaviors: Behaviour[];
};

const distributionConfig = (t: Template) =>
  (
    Object.values(t.findResources('AWS::CloudFront::Distribution'))[0] as {
      Properties: { DistributionConfig: DistributionConfig };
    }
  ).Properties.DistributionConfig;

const idOf = (t: Template, type: string, prefix: string) => {
  const ids = Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0] as string;
};

/** CloudFront's path pattern: `*` any run of characters, `?` one, case-sensitive, the whole path. */
const matches = (pattern: string, path: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(path);

/** The behaviour CloudFront picks for a path: the first matching pattern, else the default. */
const route = (cfg: DistributionConfig, path: string) =>
  cfg.CacheBehaviors.find((b) => matches(b.PathPattern as string, path)) ?? cfg.DefaultCacheBehavior;

/** A CloudFront Function's handler, compiled in Node from the code the template carries. */
const compile = (code: string) => new Function(`${code}\nreturn handler;`)() as (event: unknown) => unknown;

/** A viewer-request event as CloudFront Functions hands it over (event structure version 1.0). */
const viewerRequest = (uri: string, querystring: Record<string, unknown> = {}) => ({
  version: '1.0',
  context: {
    distributionDomainName: 'd111111abcdef8.cloudfront.net',
    distributionId: 'EDFDVBD6EXAMPLE',
    eventType: 'viewer-request',
    requestId: 'EXAMPLE-REQUEST-ID',
  },
  viewer: { ip: '198.51.100.11' },
  request: {
    method: 'GET',
    uri,
    querystring,
    headers: { host: { value: 'watch.example.com' }, accept: { value: 'text/html' } },
    cookies: {},
  },
});

describe('player bucket', () => {
  it('is private, encrypted, TLS only, and read by this distribution alone through the origin access control', () => {
    const t = template(built);
    const bucketId = idOf(t, 'AWS::S3::Bucket', 'PlayerBucket');
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(t.findResources('AWS::S3::Bucket')[bucketId]?.Properties).not.toHaveProperty('WebsiteConfiguration');

    const [policy] = Object.values(t.findResources('AWS::S3::BucketPolicy')).filter(
      (p) =>
        JSON.stringify((p as { Properties: { Bucket: unknown } }).Properties.Bucket) ===
        JSON.stringify({ Ref: bucketId }),
    ) as Array<{ Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }>;
    expect(policy).toBeDefined();
    const statements = policy?.Properties.PolicyDocument.Statement ?? [];
    // enforceSSL: every request without TLS is refused, whoever sends it.
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // The only Allow: CloudFront reading objects, for this distribution (SourceArn) and nothing else.
    const allows = statements.filter((s) => s.Effect === 'Allow');
    const [distributionId] = Object.keys(t.findResources('AWS::CloudFront::Distribution'));
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  { Ref: distributionId },
                ],
              ],
            },
          },
        },
      }),
    ]);
  });

  it('is an origin of the distribution through the one origin access control both buckets share, with no origin secret', () => {
    const t = template(built);
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const oac = idOf(t, 'AWS::CloudFront::OriginAccessControl', 'OriginAccessControl');
    t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
    const bucketId = idOf(t, 'AWS::S3::Bucket', 'PlayerBucket');
    const { Origins } = distributionConfig(t);
    const s3 = Origins.filter((o) => o.S3OriginConfig);
    // The player bucket and the two Regions' CDN buckets of the media origin group.
    expect(s3).toHaveLength(3);
    for (const origin of s3) {
      expect(origin.OriginAccessControlId, origin.Id).toEqual({ 'Fn::GetAtt': [oac, 'Id'] });
      // No OAI, and the API's origin secret never goes to a bucket.
      expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
      expect(origin.OriginCustomHeaders).toBeUndefined();
    }
    expect(s3.map((o) => JSON.stringify(o.DomainName)).filter((d) => d.includes(bucketId))).toHaveLength(1);
  });
});

describe('player behaviours', () => {
  const originOf = (t: Template, path: string) => route(distributionConfig(t), path).TargetOriginId;
  const playerOrigin = (t: Template) => {
    const bucketId = idOf(t, 'AWS::S3::Bucket', 'PlayerBucket');
    return distributionConfig(t).Origins.find((o) => JSON.stringify(o.DomainName).includes(bucketId))?.Id;
  };

  it('serves /player and /player/* from the player bucket: no signed cookies, cached, security headers, the index function', () => {
    const t = template(built);
    const cfg = distributionConfig(t);
    const fn = idOf(t, 'AWS::CloudFront::Function', 'PlayerIndex');
    const headers = idOf(t, 'AWS::CloudFront::ResponseHeadersPolicy', 'PlayerAppHeaders');
    for (const pattern of ['/player', '/player/*']) {
      const behaviour = cfg.CacheBehaviors.find((b) => b.PathPattern === pattern);
      expect(behaviour, pattern).toMatchObject({
        TargetOriginId: playerOrigin(t),
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: ['GET', 'HEAD'],
        CachePolicyId: CACHING_OPTIMIZED,
        ResponseHeadersPolicyId: { Ref: headers },
        Compress: true,
        FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fn, 'FunctionARN'] } }],
      });
      expect(behaviour?.TrustedKeyGroups, pattern).toBeUndefined();
    }
    for (const path of ['/player', '/player/', '/player/index.html', '/player/assets/index-abc.js', '/player/a.m3u8'])
      expect(originOf(t, path), path).toBe(playerOrigin(t));
  });

  it('keeps the media behind signed cookies and the API on its origins', () => {
    const t = template(built);
    const cfg = distributionConfig(t);
    for (const path of [
      '/titles/t1/master.m3u8',
      '/titles/t1/manifest.mpd',
      '/titles/t1/v/seg-1.m4s',
      '/playerx',
      '/',
    ]) {
      const behaviour = route(cfg, path);
      expect(behaviour.TargetOriginId, path).not.toBe(playerOrigin(t));
      expect(behaviour.TrustedKeyGroups, path).toHaveLength(1);
    }
    // The grant (Set-Cookie) and the session heartbeat and stop go to the write origin.
    for (const path of ['/v1/playback/t1', '/v1/sessions/s1', '/v1/devices/d1', '/v1/me', '/v1/me/consent'])
      expect(route(cfg, path), path).toMatchObject({
        TargetOriginId: 'api-writes',
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      });
    // Reads stay on the origin group that fails over between Regions.
    const apiGroup = distributionConfig(t).OriginGroups.Items.find((g) =>
      JSON.stringify(g).includes('"OriginId":"api-'),
    );
    expect(originOf(t, '/v1/home')).toBe(apiGroup?.Id);
  });

  it('sends no /dev/* path to the API: the edge answers it', () => {
    const t = template(built);
    const cfg = distributionConfig(t);
    const fn = idOf(t, 'AWS::CloudFront::Function', 'DevRoutes');
    const apiOrigins = cfg.Origins.filter((o) => o.Id.startsWith('api-')).map((o) => o.Id);
    expect(apiOrigins.length).toBeGreaterThan(0);
    for (const path of ['/dev/token', '/dev/token?user=a', '/dev/', '/dev/v1/playback/t1', '/dev/x.m3u8']) {
      const behaviour = route(cfg, path);
      expect(behaviour.PathPattern, path).toBe('/dev/*');
      expect(apiOrigins, path).not.toContain(behaviour.TargetOriginId);
      expect(behaviour.FunctionAssociations, path).toEqual([
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fn, 'FunctionARN'] } },
      ]);
    }
    // No behaviour of the distribution names /dev at all, but that one.
    expect(cfg.CacheBehaviors.map((b) => b.PathPattern).filter((p) => p?.startsWith('/dev'))).toEqual(['/dev/*']);
  });
});

describe('player functions', () => {
  it('deploys both as cloudfront-js-2.0 functions with the code the fixtures run', () => {
    const t = template(built);
    t.resourceCountIs('AWS::CloudFront::Function', 2);
    for (const code of [PLAYER_INDEX_FUNCTION, DEV_ROUTES_FUNCTION])
      t.hasResourceProperties('AWS::CloudFront::Function', {
        AutoPublish: true,
        FunctionCode: code,
        FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
      });
  });

  it('redirects /player to /player/ with its query, reads /player/ as its index.html, and passes everything else', () => {
    const handler = compile(PLAYER_INDEX_FUNCTION);
    expect(handler(viewerRequest('/player'))).toEqual({
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: '/player/' } },
    });
    const redirected = handler(
      viewerRequest('/player', {
        engine: { value: 'dash' },
        debug: { value: '' },
        t: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] },
      }),
    ) as { headers: { location: { value: string } } };
    expect(redirected.headers.location.value).toBe('/player/?engine=dash&debug&t=1&t=2');

    const index = viewerRequest('/player/');
    expect(handler(index)).toEqual({ ...index.request, uri: '/player/index.html' });
    for (const uri of ['/player/index.html', '/player/assets/index-abc.js', '/player/assets/', '/playerx'])
      expect(handler(viewerRequest(uri))).toEqual(viewerRequest(uri).request);
  });

  it('answers every /dev/* request 404 in the API error shape, never cached', () => {
    const handler = compile(DEV_ROUTES_FUNCTION);
    const response = handler(viewerRequest('/dev/token', { user: { value: 'viewer' } })) as {
      statusCode: number;
      headers: Record<string, { value: string }>;
      body: { encoding: string; data: string };
    };
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']?.value).toBe('application/json');
    expect(response.headers['cache-control']?.value).toBe('no-store');
    expect(response.body.encoding).toBe('text');
    expect(JSON.parse(response.body.data)).toEqual({
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/local platform/) },
    });
  });
});

describe('player headers', () => {
  const directives = (csp: string) =>
    new Map(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name as string, values];
      }),
    );

  it('sends a strict Content-Security-Policy, HSTS, nosniff, a referrer policy and no framing', () => {
    const t = template(built);
    const id = idOf(t, 'AWS::CloudFront::ResponseHeadersPolicy', 'PlayerAppHeaders');
    const policy = t.findResources('AWS::CloudFront::ResponseHeadersPolicy')[id] as {
      Properties: { ResponseHeadersPolicyConfig: { SecurityHeadersConfig: Record<string, Record<string, unknown>> } };
    };
    const security = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(security.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: 31_536_000,
      IncludeSubdomains: true,
      Override: true,
    });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: 'same-origin', Override: true });
    expect(security.ContentSecurityPolicy?.Override).toBe(true);

    const csp = security.ContentSecurityPolicy?.ContentSecurityPolicy as string;
    expect(csp).toBe(playerContentSecurityPolicy(config));
    const d = directives(csp);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('media-src')).toEqual(["'self'", 'blob:']);
    expect(d.get('img-src')).toEqual(["'self'", 'data:']);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    // The adversary: nothing that lets an injected script or another host in.
    for (const loose of ["'unsafe-inline'", "'unsafe-eval'", '*', 'https:', 'http:'])
      expect(csp.split(/[\s;]+/)).not.toContain(loose);
    // CloudFront's limit for the header.
    expect(csp.length).toBeLessThanOrEqual(1783);
  });

  it('lets the player reach the configured licence servers, and no other host', () => {
    const csp = playerContentSecurityPolicy({
      ...config,
      protection: {
        widevineLicenseUrl: 'https://license.example.com/widevine',
        playreadyLicenseUrl: 'https://license.example.com/playready',
        fairplayCertificateUrl: 'https://fps.example.net/cert',
      },
    });
    expect(directives(csp).get('connect-src')).toEqual([
      "'self'",
      'https://license.example.com',
      'https://fps.example.net',
    ]);
    expect(directives(csp).get('script-src')).toEqual(["'self'"]);
  });
});

describe('player deployment', () => {
  it('deploys a build when it exists: content-named assets cached for good and kept, the page revalidated', {
    timeout: 60_000,
  }, () => {
    const t = template(built);
    const bucketId = idOf(t, 'AWS::S3::Bucket', 'PlayerBucket');
    t.resourceCountIs('Custom::CDKBucketDeployment', 2);
    t.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: bucketId },
      DestinationBucketKeyPrefix: 'player/assets/',
      Exclude: ['*'],
      Include: ['assets/*'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    t.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: bucketId },
      DestinationBucketKeyPrefix: 'player/',
      Exclude: ['assets/*'],
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    // No invalidation: nothing in the stack may call CloudFront.
    for (const d of Object.values(t.findResources('Custom::CDKBucketDeployment')))
      expect((d as { Properties: Record<string, unknown> }).Properties).not.toHaveProperty('DistributionId');
    expect(Annotations.fromStack(built).findWarning('*', Match.stringLikeRegexp('web player is not built'))).toEqual(
      [],
    );
  });

  it('deploys nothing and warns when the player is not built, and still synthesizes', { timeout: 60_000 }, () => {
    const t = template(unbuilt);
    t.resourceCountIs('Custom::CDKBucketDeployment', 0);
    Annotations.fromStack(unbuilt).hasWarning(
      '*',
      Match.stringLikeRegexp('The web player is not built: .*not-built/index\\.html does not exist'),
    );
    // The rest of the player is there: the bucket, the behaviours and the output.
    t.resourceCountIs('AWS::CloudFront::Function', 2);
    expect(distributionConfig(t).CacheBehaviors.map((b) => b.PathPattern)).toEqual(
      expect.arrayContaining(['/player', '/player/*', '/dev/*']),
    );
    expect(() => (unbuilt.node.root as App).synth()).not.toThrow();
  });

  // It builds a third edge stack.
  it('outputs the player URL on the custom domain, or on the distribution domain without one', {
    timeout: 60_000,
  }, () => {
    template(built).hasOutput('PlayerUrl', { Value: 'https://watch.example.com/player/' });
    const { hostedZoneId: _id, hostedZoneName: _name, ...bare } = config;
    const t = Template.fromStack(edge(dist, bare));
    const [distributionId] = Object.keys(t.findResources('AWS::CloudFront::Distribution'));
    t.hasOutput('PlayerUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/player/']] },
    });
  });
});
