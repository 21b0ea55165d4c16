/**
 * CDN replication: every Region's CDN bucket replicates its titles to every other Region's CDN
 * bucket, SSE-KMS objects included, each replica encrypted with its Region's media key (by alias),
 * with a role that may do that and nothing more.
 */
import { mediaReplicationRuleId } from '@streamctl/sdk';
import { resourceNames } from '@streamctl/sdk/config';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformStacks } from '../lib/app.js';
import { mediaKeyAlias } from '../lib/media-stack.js';
import { example as config, synthesizedPlatform } from './example.js';

let stacks: PlatformStacks;
beforeAll(async () => {
  stacks = await synthesizedPlatform(config);
}, 120_000);

/** A template value flattened to text: joins joined, the partition `aws`, `<token>` for anything else (imports). */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(text).join(join[0]);
  if ((value as { Ref?: string }).Ref === 'AWS::Partition') return 'aws';
  return '<token>';
}

type Rule = {
  ID: string;
  Priority: number;
  Status: string;
  Filter: { Prefix: string };
  DeleteMarkerReplication: { Status: string };
  Metrics: { Status: string; EventThreshold?: unknown };
  SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: string } };
  Destination: { Bucket: string; EncryptionConfiguration: { ReplicaKmsKeyID: string } };
};

/** The replication rules a Region's replication stack puts on its CDN bucket, and the bucket. */
function replicationOf(region: string): { bucket: string; rules: Rule[]; role: string } {
  const stack = stacks.app.node.findChild(`streamctl-${config.stage}-media-replication-${region}`) as Stack;
  const resources = Object.values(Template.fromStack(stack).findResources('Custom::AWS')) as Array<{
    Properties: { Create: unknown };
  }>;
  expect(resources).toHaveLength(1);
  const create = JSON.parse(text(resources[0]?.Properties.Create)) as {
    action: string;
    parameters: { Bucket: string; ReplicationConfiguration: { Role: string; Rules: Rule[] } };
  };
  expect(create.action).toBe('putBucketReplication');
  return {
    bucket: create.parameters.Bucket,
    rules: create.parameters.ReplicationConfiguration.Rules,
    role: create.parameters.ReplicationConfiguration.Role,
  };
}

describe('CDN replication', () => {
  it('replicates every Region’s CDN bucket to every other Region’s, KMS-aware, into the media key of each', () => {
    expect(config.regions.length).toBeGreaterThan(1);
    for (const region of config.regions) {
      const { bucket, rules } = replicationOf(region);
      expect(bucket).toBe(resourceNames(config.stage, region).cdnBucket);
      const others = config.regions.filter((r) => r !== region);
      expect(rules.map((r) => r.Destination.Bucket).sort()).toEqual(
        others.map((r) => `arn:aws:s3:::${resourceNames(config.stage, r).cdnBucket}`).sort(),
      );
      for (const [i, rule] of rules.entries()) {
        const to = others[i] as string;
        expect(rule).toMatchObject({
          Status: 'Enabled',
          Priority: i + 1,
          Filter: { Prefix: 'titles/' },
          DeleteMarkerReplication: { Status: 'Enabled' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          // Replication metrics in CloudWatch, under the rule id `failover status` asks for.
          ID: mediaReplicationRuleId(to),
          Metrics: { Status: 'Enabled' },
          Destination: {
            EncryptionConfiguration: {
              ReplicaKmsKeyID: `arn:aws:kms:${to}:${config.account}:${mediaKeyAlias(config.stage)}`,
            },
          },
        });
      }
      // Metrics without Replication Time Control: no event threshold.
      for (const rule of rules) expect(rule.Metrics.EventThreshold).toBeUndefined();
      // Unique priorities: S3 takes several destinations only with the V2 schema (Filter and Priority per rule).
      expect(new Set(rules.map((r) => r.Priority)).size).toBe(rules.length);
    }
  });

  it('gives every Region’s media key the alias the others encrypt replicas with, and versions the CDN buckets', () => {
    for (const region of config.regions) {
      const t = Template.fromStack(stacks.regions[region]?.media as never);
      t.hasResourceProperties('AWS::KMS::Alias', { AliasName: mediaKeyAlias(config.stage) });
      t.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: resourceNames(config.stage, region).cdnBucket,
        VersioningConfiguration: { Status: 'Enabled' },
      });
    }
  });

  it('sets the rules after every Region’s media stack (the destination buckets must exist)', () => {
    for (const region of config.regions) {
      const stack = stacks.app.node.findChild(`streamctl-${config.stage}-media-replication-${region}`) as Stack;
      const deps = stack.dependencies.map((d) => d.stackName);
      for (const other of config.regions) expect(deps).toContain(`streamctl-${config.stage}-media-${other}`);
    }
  });

  it('replicates with a role that reads this bucket’s titles and writes the others’ titles, nothing else', () => {
    for (const region of config.regions) {
      const t = Template.fromStack(stacks.regions[region]?.media as never);
      const roles = t.findResources('AWS::IAM::Role', {
        Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 's3.amazonaws.com' } }] } },
      });
      expect(Object.keys(roles)).toHaveLength(1);
      const [roleId] = Object.keys(roles);
      const policies = Object.values(t.findResources('AWS::IAM::Policy')) as Array<{
        Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Array<Record<string, unknown>> } };
      }>;
      const statements = policies
        .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
      const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
      expect(actions.sort()).toEqual(
        [
          'kms:Decrypt',
          'kms:Encrypt',
          's3:GetObjectVersionAcl',
          's3:GetObjectVersionForReplication',
          's3:GetObjectVersionTagging',
          's3:GetReplicationConfiguration',
          's3:ListBucket',
          's3:ReplicateDelete',
          's3:ReplicateObject',
          's3:ReplicateTags',
        ].sort(),
      );
      const writes = statements.find((s) => [s.Action].flat().includes('s3:ReplicateObject'));
      const others = config.regions.filter((r) => r !== region);
      expect([writes?.Resource].flat().map(text)).toEqual(
        others.map((r) => `arn:aws:s3:::${resourceNames(config.stage, r).cdnBucket}/titles/*`),
      );
      const encrypt = statements.find((s) => [s.Action].flat().includes('kms:Encrypt'));
      expect(encrypt?.Condition).toEqual({
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': mediaKeyAlias(config.stage) },
      });
    }
  });
});
