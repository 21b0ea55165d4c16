import * as cloudfront from '@aws-sdk/client-cloudfront';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { modelProblems } from '../../../../test/aws-model.js';
import { createAwsClients } from '../aws/index.js';
import { resolveConfig } from '../config/index.js';
import { titleInvalidationPaths } from '../resources/index.js';
import { createCloudFrontInvalidator, invalidatorFor } from './index.js';

const cf = mockClient(CloudFrontClient);
afterEach(() => cf.reset());

describe('CDN invalidation', () => {
  it('sends CreateInvalidation requests that fit the CloudFront model', async () => {
    cf.on(CreateInvalidationCommand).resolves({
      Invalidation: {
        Id: 'I2J0I21PCUYOIK',
        Status: 'InProgress',
        CreateTime: new Date(),
        InvalidationBatch: { CallerReference: 'r', Paths: { Quantity: 0 } },
      },
    });
    const invalidator = createCloudFrontInvalidator({
      client: () => new CloudFrontClient({ region: 'us-east-1' }),
      distributionId: 'E2QWRUHAPOMQZL',
    });
    const result = await invalidator.invalidate(titleInvalidationPaths('t1'), 'publish-t1-1');
    expect(result).toEqual({ status: 'created', id: 'I2J0I21PCUYOIK', paths: ['/titles/t1/*'] });
    const sent = cf.commandCalls(CreateInvalidationCommand)[0]?.args[0].input;
    expect(modelProblems(sent, cloudfront.CreateInvalidationRequest$)).toEqual([]);
    // The walker does see mistakes: a wrong member name and a wrong scalar type.
    expect(
      modelProblems(
        { DistributionId: 'E1', InvalidationBatch: { CallerReference: 1, Paths: { Quantity: 1, Item: ['/a'] } } },
        cloudfront.CreateInvalidationRequest$,
      ),
    ).toEqual([
      '.InvalidationBatch.CallerReference: expected string, got number',
      '.InvalidationBatch.Paths.Item: not a member of Paths',
    ]);
    expect(sent).toEqual({
      DistributionId: 'E2QWRUHAPOMQZL',
      InvalidationBatch: { CallerReference: 'publish-t1-1', Paths: { Quantity: 1, Items: ['/titles/t1/*'] } },
    });
  });

  it('wraps CloudFront errors', async () => {
    cf.on(CreateInvalidationCommand).rejects(
      Object.assign(new Error('no such distribution'), { name: 'NoSuchDistribution' }),
    );
    const invalidator = createCloudFrontInvalidator({
      client: () => new CloudFrontClient({ region: 'us-east-1' }),
      distributionId: 'E2QWRUHAPOMQZL',
    });
    await expect(invalidator.invalidate(['/titles/t1/*'], 'r')).rejects.toMatchObject({
      message: expect.stringMatching(/cloudfront:CreateInvalidation/),
    });
  });

  it('picks the invalidator of the stage, and says when there is nothing to invalidate', async () => {
    const local = await resolveConfig({ env: {}, configFile: false });
    expect(await invalidatorFor(local, createAwsClients(local)).invalidate(['/x'], 'r')).toMatchObject({
      status: 'not-needed',
    });
    const prod = await resolveConfig({ flags: { stage: 'prod' }, env: {}, configFile: false });
    expect(await invalidatorFor(prod, createAwsClients(prod)).invalidate(['/x'], 'r')).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/STREAMCTL_DISTRIBUTION_ID/),
    });
    cf.on(CreateInvalidationCommand).resolves({
      Invalidation: {
        Id: 'I1',
        Status: 'InProgress',
        CreateTime: new Date(),
        InvalidationBatch: { CallerReference: 'r', Paths: { Quantity: 0 } },
      },
    });
    const configured = await resolveConfig({
      flags: { stage: 'prod' },
      env: { STREAMCTL_DISTRIBUTION_ID: 'E2QWRUHAPOMQZL' },
      configFile: false,
    });
    expect(await invalidatorFor(configured, createAwsClients(configured)).invalidate(['/x'], 'r')).toMatchObject({
      status: 'created',
      id: 'I1',
    });
  });

  it('refuses a malformed distribution id from the environment, naming the variable', async () => {
    await expect(
      resolveConfig({ flags: { stage: 'prod' }, env: { STREAMCTL_DISTRIBUTION_ID: 'not an id' }, configFile: false }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/\$STREAMCTL_DISTRIBUTION_ID/) });
  });
});
