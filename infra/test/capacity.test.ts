/**
 * The capacity block of the infra config: the numbers `streamctl plan
 * capacity` prints become the events stream's shards (provisioned mode) and
 * the API function's provisioned concurrency, per Region; without it the
 * stream stays on-demand and the API has no alias.
 */
import { CAPACITY_DEFAULTS } from '@streamctl/sdk';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformStacks } from '../lib/app.js';
import { capacityFor, parseInfraConfig } from '../lib/config.js';
import { SIGNALS_PARALLELIZATION, WORKER_MAPPING } from '../lib/streaming-stack.js';
import { example, synthesizedPlatform } from './example.js';

const planned = parseInfraConfig({
  ...example,
  capacity: { streamShards: { 'us-east-1': 477, 'eu-west-1': 36 }, apiProvisionedConcurrency: 500 },
});

let stacks: PlatformStacks;
let plain: PlatformStacks;
beforeAll(async () => {
  [stacks, plain] = await Promise.all([synthesizedPlatform(planned), synthesizedPlatform(example)]);
}, 120_000);

const template = (s: PlatformStacks, region: string, stack: 'streaming' | 'api') => {
  const found = s.regions[region]?.[stack];
  if (!found) throw new Error(`no ${stack} stack in ${region}`);
  return Template.fromStack(found);
};

describe('capacity from the plan', () => {
  it('makes each Region’s stream provisioned with its planned shards', () => {
    template(stacks, 'us-east-1', 'streaming').hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 477,
    });
    template(stacks, 'eu-west-1', 'streaming').hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 36,
    });
  });

  it('keeps the API warm on a `live` alias that the HTTP API invokes', () => {
    const t = template(stacks, 'us-east-1', 'api');
    t.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 500 },
    });
    const [aliasId] = Object.keys(t.findResources('AWS::Lambda::Alias'));
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { Ref: aliasId },
    });
  });

  it('leaves the stream on-demand and the API without an alias when the config plans nothing', () => {
    const stream = template(plain, 'us-east-1', 'streaming');
    stream.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      ShardCount: Match.absent(),
    });
    template(plain, 'us-east-1', 'api').resourceCountIs('AWS::Lambda::Alias', 0);
  });

  it('takes one number for every Region, or one per Region of the stage, and names a wrong Region', () => {
    const everywhere = parseInfraConfig({ ...example, capacity: { streamShards: 8 } });
    expect(example.regions.map((r) => capacityFor(everywhere, 'streamShards', r))).toEqual([8, 8]);
    expect(capacityFor(example, 'streamShards', 'us-east-1')).toBeUndefined();
    expect(() =>
      parseInfraConfig({ ...example, capacity: { streamShards: { 'us-east-1': 4, 'ap-south-1': 4 } } }),
    ).toThrow(
      /capacity\.streamShards\.ap-south-1: not one of the stage's regions[\s\S]*capacity\.streamShards\.eu-west-1: required: a count for eu-west-1/,
    );
    expect(() => parseInfraConfig({ ...example, capacity: { streamShards: 0 } })).toThrow(/capacity\.streamShards/);
    expect(() => parseInfraConfig({ ...example, capacity: { shards: 4 } })).toThrow(/capacity: Unrecognized key/);
  });

  it('plans with the workers’ own event source settings', () => {
    // The planner's Lambda concurrency is shards × parallelization factor; its worker cost, records ÷ batch size.
    expect(WORKER_MAPPING.parallelizationFactor).toBe(CAPACITY_DEFAULTS.parallelizationFactor);
    expect(WORKER_MAPPING.batchSize).toBe(CAPACITY_DEFAULTS.workerBatchSize);
    // The signals worker takes one batch of a shard at a time (its popularity counters take a shard's
    // records in order); the others the mapping's factor.
    expect(SIGNALS_PARALLELIZATION).toBe(1);
    const mappings = template(plain, 'us-east-1', 'streaming').findResources('AWS::Lambda::EventSourceMapping');
    const factors = Object.values(mappings).map(
      (m) => (m as { Properties: { ParallelizationFactor?: number } }).Properties.ParallelizationFactor,
    );
    expect(factors.sort()).toEqual([1, 2, 2, 2]);
  });
});
