/**
 * Signing keys in the CDK app: the key group belongs to `streamctl keys`
 * (imported by `keyGroupId`, never changed by a deploy), the functions get
 * the signing secret's name and `secretsmanager:GetSecretValue` on it, and
 * no function's environment holds a private key or a secret's value.
 */
import { secretNames } from '@streamctl/sdk/config';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformStacks } from '../lib/app.js';
import { type InfraConfig, parseInfraConfig } from '../lib/config.js';
import { EdgeStack } from '../lib/edge-stack.js';
import { example, synthesizedPlatform, TEMPLATES_ONLY } from './example.js';

const KEY_GROUP = '1f2e3d4c-5b6a-4789-9abc-def012345678';
const { publicKeys: _examplePublicKeys, ...withoutKeys } = example;
/** The example as `streamctl keys rotate` leaves a stage: the key group named, no public keys in the config. */
const owned: InfraConfig = parseInfraConfig({ ...withoutKeys, keyGroupId: KEY_GROUP }, 'keys test');
const signing = secretNames(owned.stage).cloudFrontSigning;

let stacks: PlatformStacks;
beforeAll(async () => {
  stacks = await synthesizedPlatform(owned);
}, 180_000);

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };
const allStacks = () => stacks.app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
const resources = (stack: Stack, type: string) =>
  Object.entries(Template.fromStack(stack).findResources(type) as Record<string, Resource>);

describe('signing keys in the CDK app', () => {
  it('no function environment holds a private key, a PEM or a resolved secret; the server gets the signing secret by name', () => {
    let functions = 0;
    for (const stack of allStacks()) {
      for (const [id, fn] of resources(stack, 'AWS::Lambda::Function')) {
        functions += 1;
        const environment = fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined;
        const variables = environment?.Variables ?? {};
        for (const [name, value] of Object.entries(variables)) {
          const text = JSON.stringify(value);
          const where = `${stack.stackName}/${id} ${name}`;
          expect(text, where).not.toMatch(/PRIVATE KEY|BEGIN [A-Z ]*KEY|MII[A-Za-z0-9+/]{20}/);
          // A dynamic reference would put the secret's value into the configuration at deploy time.
          expect(text, where).not.toContain('resolve:secretsmanager');
          expect(name, where).not.toMatch(/PRIVATE_KEY|_PEM$/);
        }
      }
    }
    expect(functions).toBeGreaterThan(5);
    for (const region of owned.regions) {
      Template.fromStack(stacks.regions[region]?.api as Stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ STREAMCTL_CF_SIGNING_SECRET_ID: signing }) },
      });
    }
  });

  it('only the API server may read the signing secret, by name in its own Region, and may only read it', () => {
    for (const stack of allStacks()) {
      for (const [id, policy] of resources(stack, 'AWS::IAM::Policy')) {
        const document = policy.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] } | undefined;
        const statements = document?.Statement ?? [];
        for (const statement of statements.filter((s) =>
          JSON.stringify(s.Resource ?? '').includes('cloudfront-signing'),
        )) {
          const where = `${stack.stackName}/${id}`;
          expect(stack.stackName, where).toMatch(/-api-/);
          expect(statement.Action, where).toEqual('secretsmanager:GetSecretValue');
          expect(JSON.stringify(statement.Resource), where).toContain(`:secret:${signing}-??????`);
          expect(JSON.stringify(statement.Resource), where).toContain(`:secretsmanager:${stack.region}:`);
        }
      }
    }
    for (const region of owned.regions) {
      const policies = resources(stacks.regions[region]?.api as Stack, 'AWS::IAM::Policy').map(([, p]) =>
        JSON.stringify(p.Properties?.PolicyDocument),
      );
      expect(
        policies.some((p) => p.includes(`:secret:${signing}-??????`) && p.includes('secretsmanager:GetSecretValue')),
      ).toBe(true);
    }
  });

  it("with keyGroupId the distribution trusts streamctl keys' group and the app makes no key group or key of its own", () => {
    const edge = Template.fromStack(stacks.edge);
    edge.resourceCountIs('AWS::CloudFront::KeyGroup', 0);
    edge.resourceCountIs('AWS::CloudFront::PublicKey', 0);
    const [[, distribution] = []] = resources(stacks.edge, 'AWS::CloudFront::Distribution');
    const config = JSON.stringify((distribution as Resource).Properties?.DistributionConfig);
    expect(config).toContain(`"TrustedKeyGroups":["${KEY_GROUP}"]`);
    edge.hasOutput('KeyGroupId', { Value: KEY_GROUP });
  });

  it('with publicKeys the app makes the group and keeps it and its keys when the config moves to keyGroupId', () => {
    const app = new App({ context: TEMPLATES_ONLY });
    const edge = new EdgeStack(app, 'edge', example, { env: { account: example.account, region: 'us-east-1' } });
    const t = Template.fromStack(edge);
    t.resourceCountIs('AWS::CloudFront::PublicKey', example.publicKeys?.length ?? 0);
    for (const type of ['AWS::CloudFront::KeyGroup', 'AWS::CloudFront::PublicKey'])
      for (const [, resource] of resources(edge, type)) expect(resource.DeletionPolicy, type).toBe('Retain');
    const [[groupId] = []] = resources(edge, 'AWS::CloudFront::KeyGroup');
    t.hasOutput('KeyGroupId', { Value: { Ref: groupId } });
  });

  it('a config gives the key group one way: keyGroupId or publicKeys, not both, not neither', () => {
    expect(() => parseInfraConfig({ ...example, keyGroupId: KEY_GROUP })).toThrow(
      /keyGroupId: give keyGroupId .* exactly one/,
    );
    expect(() => parseInfraConfig(withoutKeys)).toThrow(/keyGroupId: give keyGroupId/);
    expect(() => parseInfraConfig({ ...withoutKeys, keyGroupId: 'not a group!' })).toThrow(
      /keyGroupId: a CloudFront key group ID/,
    );
  });
});
