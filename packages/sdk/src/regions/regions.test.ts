/**
 * Regions without storage: the CloudFront origin group (aws-sdk-client-mock,
 * requests checked against the service model), Region API URLs, and the
 * Region router's breakers. runFailover, which needs the tables, stream and
 * buckets, runs on the emulators in test/e2e/regions-routing.test.ts.
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
import { resolveConfig } from '../config/index.js';
import { ErrorCode, NotFoundError, StreamctlError } from '../errors/index.js';
import {
  API_WRITES_ORIGIN_ID,
  apiOrder,
  createRegionRouter,
  failsOver,
  regionApiUrl,
  repointOriginGroup,
} from './index.js';

const cf = mockClient(CloudFrontClient);
afterEach(() => cf.reset());

const origin = (id: string, domain: string) => ({
  Id: id,
  DomainName: domain,
  CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only' as const },
});
const distributionConfig = (first: string, second: string) => ({
  CallerReference: 'ref',
  Comment: 'streamctl prod',
  Enabled: true,
  Origins: {
    Quantity: 2,
    Items: [origin('api-us', 'api-us-east-1.watch.example.com'), origin('api-eu', 'api-eu-west-1.watch.example.com')],
  },
  OriginGroups: {
    Quantity: 1,
    Items: [
      {
        Id: 'api-group',
        FailoverCriteria: { StatusCodes: { Quantity: 4, Items: [500, 502, 503, 504] } },
        Members: { Quantity: 2, Items: [{ OriginId: first }, { OriginId: second }] },
      },
    ],
  },
  DefaultCacheBehavior: { TargetOriginId: 'api-group', ViewerProtocolPolicy: 'https-only' as const },
});
const client = () => new CloudFrontClient({ region: 'us-east-1' });

describe('CloudFront origin group', () => {
  it('puts the Region first with IfMatch, in a request that fits the model, and waits until deployed', async () => {
    cf.on(GetDistributionConfigCommand).resolves({
      ETag: 'E1',
      DistributionConfig: distributionConfig('api-us', 'api-eu'),
    });
    cf.on(UpdateDistributionCommand).resolves({ ETag: 'E2' });
    cf.on(GetDistributionCommand)
      .resolvesOnce({ Distribution: { Status: 'InProgress' } as never })
      .resolves({ Distribution: { Status: 'Deployed' } as never });
    const result = await repointOriginGroup({
      client,
      distributionId: 'E2QWRUHAPOMQZL',
      region: 'eu-west-1',
      pollMs: 1,
      sleep: async () => {},
    });
    expect(result).toEqual({
      changed: true,
      distributionId: 'E2QWRUHAPOMQZL',
      primaryOriginId: 'api-eu',
      status: 'Deployed',
    });
    const sent = cf.commandCalls(UpdateDistributionCommand)[0]?.args[0].input;
    expect(sent?.IfMatch).toBe('E1');
    expect(sent?.DistributionConfig?.OriginGroups?.Items?.[0]?.Members?.Items?.map((m) => m.OriginId)).toEqual([
      'api-eu',
      'api-us',
    ]);
    expect(modelProblems(sent, cloudfront.UpdateDistributionRequest$)).toEqual([]);
    expect(
      modelProblems(
        cf.commandCalls(GetDistributionConfigCommand)[0]?.args[0].input,
        cloudfront.GetDistributionConfigRequest$,
      ),
    ).toEqual([]);
    expect(cf.commandCalls(GetDistributionCommand)).toHaveLength(2);
  });

  it('moves the write origin to the Region too, keeping every other origin as it was', async () => {
    const base = distributionConfig('api-eu', 'api-us');
    const origins = base.Origins?.Items ?? [];
    const us = origins.find((o) => o.Id === 'api-us');
    const withWrites = {
      ...base,
      Origins: {
        Quantity: origins.length + 1,
        Items: [...origins, { ...(us as NonNullable<typeof us>), Id: API_WRITES_ORIGIN_ID }],
      },
    };
    cf.on(GetDistributionConfigCommand).resolves({ ETag: 'E7', DistributionConfig: withWrites });
    cf.on(UpdateDistributionCommand).resolves({ ETag: 'E8' });
    cf.on(GetDistributionCommand).resolves({ Distribution: { Status: 'Deployed' } as never });
    // The group already prefers eu-west-1, but writes still go to us-east-1: that alone is a change.
    expect(
      await repointOriginGroup({ client, distributionId: 'D2', region: 'eu-west-1', sleep: async () => {} }),
    ).toMatchObject({
      changed: true,
      primaryOriginId: 'api-eu',
    });
    const sent = cf.commandCalls(UpdateDistributionCommand)[0]?.args[0].input;
    expect(modelProblems(sent, cloudfront.UpdateDistributionRequest$)).toEqual([]);
    const items = sent?.DistributionConfig?.Origins?.Items ?? [];
    const eu = origins.find((o) => o.Id === 'api-eu');
    expect(items.find((o) => o.Id === API_WRITES_ORIGIN_ID)).toEqual({ ...eu, Id: API_WRITES_ORIGIN_ID });
    expect(items.filter((o) => o.Id !== API_WRITES_ORIGIN_ID)).toEqual(origins);
    expect(sent?.DistributionConfig?.Origins?.Quantity).toBe(items.length);
    // Once writes and the group agree, re-running changes nothing.
    cf.reset();
    cf.on(GetDistributionConfigCommand).resolves({
      ETag: 'E8',
      DistributionConfig: { ...withWrites, Origins: { Quantity: items.length, Items: items } },
    });
    expect(await repointOriginGroup({ client, distributionId: 'D2', region: 'eu-west-1' })).toMatchObject({
      changed: false,
    });
    expect(cf.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
  });

  it('changes nothing when the Region is already first, and reports a concurrent edit as a conflict', async () => {
    cf.on(GetDistributionConfigCommand).resolves({
      ETag: 'E1',
      DistributionConfig: distributionConfig('api-eu', 'api-us'),
    });
    expect(await repointOriginGroup({ client, distributionId: 'D1', region: 'eu-west-1' })).toMatchObject({
      changed: false,
    });
    expect(cf.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
    cf.reset();
    cf.on(GetDistributionConfigCommand).resolves({
      ETag: 'E1',
      DistributionConfig: distributionConfig('api-us', 'api-eu'),
    });
    cf.on(UpdateDistributionCommand).rejects(Object.assign(new Error('ETag mismatch'), { name: 'PreconditionFailed' }));
    await expect(repointOriginGroup({ client, distributionId: 'D1', region: 'eu-west-1' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'Distribution D1 changed while it was being repointed',
    });
  });
});

describe('Region APIs on AWS', () => {
  it("derive from the stage's domain as the CDK app names them, or are unknown without one", async () => {
    const config = await resolveConfig({
      flags: { stage: 'prod', regions: 'us-east-1,eu-west-1' },
      env: { STREAMCTL_DOMAIN: 'watch.example.com' },
      configFile: false,
    });
    expect(regionApiUrl(config, 'eu-west-1')).toBe('https://api-eu-west-1.watch.example.com');
    expect(regionApiUrl(config, 'eu-west-1', { 'eu-west-1': 'https://x.example.net' })).toBe('https://x.example.net');
    const bare = await resolveConfig({ flags: { stage: 'prod' }, env: {}, configFile: false });
    expect(regionApiUrl(bare, 'us-east-1')).toBeUndefined();
  });
});

/** Two Regions whose clients are just their names. */
const TWO_REGIONS = [
  { region: 'us-east-1', client: 'us' },
  { region: 'eu-west-1', client: 'eu' },
];

describe('Region router', () => {
  it('hands back an error about the request at once, from a Region it still counts as healthy', async () => {
    const calls: string[] = [];
    const router = createRegionRouter({
      targets: TWO_REGIONS,
      preferred: 'us-east-1',
      threshold: 2,
    });
    for (let i = 0; i < 3; i++) {
      const error = await router
        .run(async (_, region) => {
          calls.push(region);
          throw new NotFoundError('Title t9 does not exist');
        })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(NotFoundError);
    }
    // Never retried in eu-west-1, and us-east-1's breaker stays closed after three such answers.
    expect(calls).toEqual(['us-east-1', 'us-east-1', 'us-east-1']);
    expect(router.states()).toEqual({ 'us-east-1': 'closed', 'eu-west-1': 'closed' });
    // A throttled or unreachable Region is the Region's fault: that fails over.
    expect(failsOver(new StreamctlError(ErrorCode.Throttled, 'slow down'))).toBe(true);
    expect(failsOver(new Error('socket hang up'))).toBe(true);
    expect(failsOver(new StreamctlError(ErrorCode.ValidationFailed, 'bad'))).toBe(false);
  });

  it('prefers the local Region, fails over on errors, opens its breaker, and comes back after a probe', async () => {
    let clock = 0;
    let usDown = true;
    const router = createRegionRouter({
      targets: TWO_REGIONS,
      preferred: 'us-east-1',
      threshold: 2,
      coolDownMs: 1_000,
      now: () => clock,
    });
    const calls: string[] = [];
    const call = () =>
      router.run(async (c) => {
        calls.push(c);
        if (c === 'us' && usDown) throw new Error('connect ECONNREFUSED');
        return c;
      });
    expect((await call()).region).toBe('eu-west-1');
    expect((await call()).region).toBe('eu-west-1');
    expect(router.states()['us-east-1']).toBe('open');
    calls.length = 0;
    expect(await call()).toMatchObject({
      region: 'eu-west-1',
      skipped: [{ region: 'us-east-1', reason: 'circuit open' }],
    });
    expect(calls).toEqual(['eu']); // an open breaker costs nothing
    usDown = false;
    clock += 1_000; // cool-down over: one probe goes to us-east-1 and closes the breaker
    expect((await call()).region).toBe('us-east-1');
    expect(router.states()['us-east-1']).toBe('closed');
  });

  it('tries a Region the routing record marks down last, and says so when none answers', async () => {
    const router = createRegionRouter({
      targets: TWO_REGIONS,
      preferred: 'us-east-1',
      routing: async () => ({
        primary: 'eu-west-1',
        regions: { 'us-east-1': 'down', 'eu-west-1': 'active' },
        version: 3,
        changedBy: 'ops',
        changedAt: '2026-11-24T00:00:00Z',
      }),
    });
    const order: string[] = [];
    await router.run(async (c) => {
      order.push(c);
      return c;
    });
    expect(order).toEqual(['eu']);
    await expect(
      router.run(async () => {
        throw new Error('boom');
      }),
    ).rejects.toMatchObject({
      code: 'ENDPOINT_UNREACHABLE',
      message: expect.stringMatching(/eu-west-1: boom; us-east-1: boom/),
    });
  });
});

describe('apiOrder', () => {
  it('puts the primary first and Regions marked down last, keeping the given order otherwise', () => {
    const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
    expect(apiOrder(undefined, regions)).toEqual(regions);
    expect(
      apiOrder(
        { primary: 'eu-west-1', regions: { 'us-east-1': 'down', 'eu-west-1': 'active', 'ap-southeast-2': 'active' } },
        regions,
      ),
    ).toEqual(['eu-west-1', 'ap-southeast-2', 'us-east-1']);
  });
});
