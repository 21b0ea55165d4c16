import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformStacks } from '../lib/app.js';
import { parseInfraConfig } from '../lib/config.js';
import { exampleJson as example, synthesizedPlatform } from './example.js';

const SPEKE = 'https://abc123def4.execute-api.eu-west-1.amazonaws.com/prod/speke/v2.0/copyProtection';
const protection = {
  spekeUrl: SPEKE,
  spekeCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666',
  widevineLicenseUrl: 'https://license.example.com/widevine',
  fairplayCertificateUrl: 'https://license.example.com/fairplay.cer',
};
const REGION = 'eu-west-1';
const ALIAS = 'alias/streamctl-prod-content-keys';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

/** Every statement of every IAM policy of a template. */
function statements(t: Template): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}
const actions = (s: Statement) => [s.Action].flat();

/** The environment of the API server function. */
function serverEnvironment(t: Template): Record<string, unknown> {
  const fns = Object.values(t.findResources('AWS::Lambda::Function')) as Array<{
    Properties: { Environment?: { Variables?: Record<string, unknown> } };
  }>;
  const server = fns.find((f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'streamctl-api');
  return server?.Properties.Environment?.Variables ?? {};
}

let plain: PlatformStacks;
let speke: PlatformStacks;

beforeAll(async () => {
  plain = await synthesizedPlatform(parseInfraConfig(example));
  speke = await synthesizedPlatform(parseInfraConfig({ ...example, protection }));
}, 120_000);

describe('content protection', () => {
  it('makes one content-key KMS key in the data stack: rotated, multi-Region, kept, under the stage alias', () => {
    const t = Template.fromStack(plain.data);
    const keys = t.findResources('AWS::KMS::Key', {
      Properties: { Description: Match.stringLikeRegexp('content keys') },
    });
    expect(Object.values(keys)).toHaveLength(1);
    expect(Object.values(keys)[0]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { EnableKeyRotation: true, MultiRegion: true },
    });
    t.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: ALIAS,
      TargetKeyId: { 'Fn::GetAtt': [Object.keys(keys)[0], 'Arn'] },
    });
    t.hasOutput('ContentKeyArn', {});
  });

  it('gives the API server the key alias and kms:Decrypt of that key only, under the { titleId, keyId } context', () => {
    for (const region of Object.keys(plain.regions)) {
      const t = Template.fromStack(plain.regions[region]?.api as never);
      expect(serverEnvironment(t)).toMatchObject({ STREAMCTL_PROTECTION_KMS_KEY_ID: ALIAS });
      // Without SPEKE in the config, no SPEKE or licence variable.
      expect(Object.keys(serverEnvironment(t)).filter((k) => k.startsWith('STREAMCTL_PROTECTION_'))).toEqual([
        'STREAMCTL_PROTECTION_KMS_KEY_ID',
      ]);
      const kms = statements(t).filter((s) => actions(s).some((a) => a.startsWith('kms:')));
      expect(kms).toEqual([
        expect.objectContaining({
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Resource: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${region}:123456789012:key/*`]],
          },
          Condition: {
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ALIAS },
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['titleId', 'keyId'] },
            Null: { 'kms:EncryptionContext:titleId': 'false', 'kms:EncryptionContext:keyId': 'false' },
          },
        }),
      ]);
    }
  });

  it('passes the SPEKE settings and licence URLs through, with the Region MediaConvert role as the SPEKE role', () => {
    const t = Template.fromStack(speke.regions[REGION]?.api as never);
    expect(serverEnvironment(t)).toMatchObject({
      STREAMCTL_PROTECTION_KMS_KEY_ID: ALIAS,
      STREAMCTL_PROTECTION_SPEKE_URL: SPEKE,
      STREAMCTL_PROTECTION_SPEKE_ROLE_ARN: `arn:aws:iam::123456789012:role/streamctl-prod-mediaconvert-${REGION}`,
      STREAMCTL_PROTECTION_SPEKE_CERTIFICATE_ARN: protection.spekeCertificateArn,
      STREAMCTL_PROTECTION_WIDEVINE_LICENSE_URL: protection.widevineLicenseUrl,
      STREAMCTL_PROTECTION_FAIRPLAY_CERTIFICATE_URL: protection.fairplayCertificateUrl,
    });
    expect(serverEnvironment(t)).not.toHaveProperty('STREAMCTL_PROTECTION_PLAYREADY_LICENSE_URL');
  });

  it('lets the MediaConvert role invoke the SPEKE endpoint (POST on its path) when one is configured, and nothing otherwise', () => {
    const invoke = (stacks: PlatformStacks) =>
      statements(Template.fromStack(stacks.regions[REGION]?.media as never)).filter((s) =>
        actions(s).some((a) => a.startsWith('execute-api:')),
      );
    expect(invoke(plain)).toEqual([]);
    expect(invoke(speke)).toEqual([
      expect.objectContaining({
        Action: 'execute-api:Invoke',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':execute-api:eu-west-1:*:abc123def4/prod/POST/speke/v2.0/copyProtection',
            ],
          ],
        },
      }),
    ]);
    Template.fromStack(speke.regions[REGION]?.media as never).hasResourceProperties('AWS::IAM::Role', {
      RoleName: `streamctl-prod-mediaconvert-${REGION}`,
    });
  });

  it('grants no function kms:Encrypt of the content key: the ingest workflow encrypts through SPEKE only', () => {
    for (const stacks of [plain, speke])
      for (const r of Object.values(stacks.regions))
        for (const stack of [r.api, r.media, r.streaming, r.lake]) {
          const encrypt = statements(Template.fromStack(stack as never)).filter((s) =>
            actions(s).some((a) => a === 'kms:Encrypt' || a === 'kms:*'),
          );
          expect(encrypt.filter((s) => JSON.stringify(s).includes('content-keys'))).toEqual([]);
        }
  });

  it('refuses a SPEKE URL that is not an API Gateway endpoint, and http licence URLs', () => {
    expect(() => parseInfraConfig({ ...example, protection: { spekeUrl: 'https://keys.example.com/speke' } })).toThrow(
      /protection\.spekeUrl: an API Gateway URL/,
    );
    expect(() =>
      parseInfraConfig({ ...example, protection: { widevineLicenseUrl: 'http://license.example.com/wv' } }),
    ).toThrow(/protection\.widevineLicenseUrl: an https:\/\/ URL/);
    expect(() =>
      parseInfraConfig({ ...example, protection: { spekeCertificateArn: protection.spekeCertificateArn } }),
    ).toThrow(/protection\.spekeUrl: required with spekeCertificateArn/);
  });
});
