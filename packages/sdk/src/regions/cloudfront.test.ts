/**
 * The media origin group on failover (aws-sdk-client-mock, requests checked
 * against the service model): the Region's CDN bucket goes first beside its
 * API, in one UpdateDistribution, whatever order the groups come in; a
 * distribution whose media group lacks the Region is refused before any change.
 */
import * as cloudfront from '@aws-sdk/client-cloudfront';
import {
  CloudFrontClient,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { modelProblems } from '../../../../test/aws-model.js';
import { mediaOriginId, repointOriginGroup } from './cloudfront.js';

const cf = mockClient(CloudFrontClient);
afterEach(() => cf.reset());

const api = (id: string, domain: string) => ({
  Id: id,
  DomainName: domain,
  CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only' as const },
});
const bucket = (region: string) => ({
  Id: mediaOriginId(region),
  DomainName: `streamctl-prod-cdn-${region}.s3.${region}.amazonaws.com`,
  S3OriginConfig: { OriginAccessIdentity: '' },
  OriginAccessControlId: 'E3OAC',
});
const group = (id: string, members: string[], codes: number[]) => ({
  Id: id,
  FailoverCriteria: { StatusCodes: { Quantity: codes.length, Items: codes } },
  Members: { Quantity: members.length, Items: members.map((OriginId) => ({ OriginId })) },
});
/** The edge stack's shape: the media group first (it is made first), then the API's. */
const distributionConfig = (media: string[], apis: string[]) => ({
  CallerReference: 'ref',
  Comment: 'streamctl prod',
  Enabled: true,
  Origins: {
    Quantity: 4,
    Items: [
      bucket('us-east-1'),
      bucket('eu-west-1'),
      api('api-us-east-1', 'api-us-east-1.watch.example.com'),
      api('api-eu-west-1', 'api-eu-west-1.watch.example.com'),
    ],
  },
  OriginGroups: {
    Quantity: 2,
    Items: [
      group('media-group', media, [403, 404, 500, 502, 503, 504]),
      group('api-group', apis, [500, 502, 503, 504]),
    ],
  },
  DefaultCacheBehavior: { TargetOriginId: 'media-group', ViewerProtocolPolicy: 'https-only' as const },
});
const client = () => new CloudFrontClient({ region: 'us-east-1' });
const sentGroups = () =>
  cf
    .commandCalls(UpdateDistributionCommand)[0]
    ?.args[0].input.DistributionConfig?.OriginGroups?.Items?.map((g) => [
      g.Id,
      g.Members?.Items?.map((m) => m.OriginId),
    ]);

describe('CloudFront media origin group', () => {
  it("puts the Region's CDN bucket first with its API, in one request that fits the model", async () => {
    cf.on(GetDistributionConfigCommand).resolves({
      ETag: 'E1',
      DistributionConfig: distributionConfig(
        ['media-us-east-1', 'media-eu-west-1'],
        ['api-us-east-1', 'api-eu-west-1'],
      ),
    });
    cf.on(UpdateDistributionCommand).resolves({ ETag: 'E2' });
    cf.on(GetDistributionCommand).resolves({ Distribution: { Status: 'Deployed' } as never });
    const result = await repointOriginGroup({
      client,
      distributionId: 'D1',
      region: 'eu-west-1',
      sleep: async () => {},
    });
    expect(result).toEqual({
      changed: true,
      distributionId: 'D1',
      primaryOriginId: 'api-eu-west-1',
      mediaOriginId: 'media-eu-west-1',
      status: 'Deployed',
    });
    expect(sentGroups()).toEqual([
      ['media-group', ['media-eu-west-1', 'media-us-east-1']],
      ['api-group', ['api-eu-west-1', 'api-us-east-1']],
    ]);
    expect(
      modelProblems(
        cf.commandCalls(UpdateDistributionCommand)[0]?.args[0].input,
        cloudfront.UpdateDistributionRequest$,
      ),
    ).toEqual([]);
  });

  it('moves the media alone when the API is already there, and nothing when both are', async () => {
    cf.on(GetDistributionConfigCommand).resolves({
      ETag: 'E3',
      DistributionConfig: distributionConfig(
        ['media-us-east-1', 'media-eu-west-1'],
        ['api-eu-west-1', 'api-us-east-1'],
      ),
    });
    cf.on(UpdateDistributionCommand).resolves({ ETag: 'E4' });
    cf.on(GetDistributionCommand).resolves({ Distribution: { Status: 'Deployed' } as never });
    expect(await repointOriginGroup({ client, distributionId: 'D2', region: 'eu-west-1' })).toMatchObject({
      changed: true,
      mediaOriginId: 'media-eu-west-1',
    });
    expect(sentGroups()?.[0]).toEqual(['media-group', ['media-eu-west-1', 'media-us-east-1']]);
    cf.reset();
    cf.on(GetDistributionConfigCommand).resolves({
      ETag: 'E4',
      DistributionConfig: distributionConfig(
        ['media-eu-west-1', 'media-us-east-1'],
        ['api-eu-west-1', 'api-us-east-1'],
      ),
    });
    expect(await repointOriginGroup({ client, distributionId: 'D2', region: 'eu-west-1' })).toMatchObject({
      changed: false,
      mediaOriginId: 'media-eu-west-1',
    });
    expect(cf.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
  });

  it('refuses a Region whose CDN bucket is not in the media group, changing nothing', async () => {
    cf.on(GetDistributionConfigCommand).resolves({
      ETag: 'E5',
      DistributionConfig: distributionConfig(
        ['media-us-east-1', 'media-eu-west-1'],
        ['api-us-east-1', 'api-ap-southeast-2'],
      ),
    });
    await expect(repointOriginGroup({ client, distributionId: 'D3', region: 'ap-southeast-2' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: "Distribution D3's media origin group has no CDN bucket of ap-southeast-2",
    });
    expect(cf.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
  });
});
