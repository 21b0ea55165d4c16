import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { ensureEdgeKeyPair } from '@streamctl/local';
import { createPlaybackVerifier } from '@streamctl/sdk';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../../test/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'streamctl-sign-'));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const keyFile = join(dir, 'pk.pem');
writeFileSync(keyFile, pem);
const badKeyFile = join(dir, 'bad.pem');
writeFileSync(badKeyFile, '-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----\n');
const url = 'https://d111111abcdef8.cloudfront.net/titles/t1/master.m3u8';
const key = ['--key-pair-id', 'K2JCJMDEHXQW5F', '--private-key', keyFile];

describe('streamctl sign', () => {
  it('prints {url} equal to @aws-sdk/cloudfront-signer for the same inputs', async () => {
    const run = await runCli(['sign', url, ...key, '--expires-at', '2030-01-01T00:00:00Z', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const expected = getSignedUrl({
      url,
      keyPairId: 'K2JCJMDEHXQW5F',
      privateKey: pem,
      dateLessThan: '2030-01-01T00:00:00Z',
    });
    expect(jsonLines(run.stdout)).toEqual([{ url: expected }]);
  });

  it('prints {cookies} with a policy for a wildcard resource', async () => {
    const run = await runCli(
      [
        'sign',
        url,
        ...key,
        '--expires-in',
        '6h',
        '--resource',
        'https://d111111abcdef8.cloudfront.net/titles/t1/*',
        '--cookies',
        '--json',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const [{ cookies }] = jsonLines(run.stdout) as [{ cookies: Record<string, string> }];
    expect(Object.keys(cookies).sort()).toEqual([
      'CloudFront-Key-Pair-Id',
      'CloudFront-Policy',
      'CloudFront-Signature',
    ]);
  });

  it('signs with the local dev key when the key flags are left out on the local stage', async () => {
    const dataDir = join(dir, 'data');
    const local = 'http://127.0.0.1:4510/titles/t1/master.m3u8';
    const run = await runCli(['sign', local, '--expires-in', '1h'], { cwd: dir, env: { STREAMCTL_DATA_DIR: dataDir } });
    expect(run.code).toBe(0);
    const pair = ensureEdgeKeyPair(dataDir);
    const verdict = createPlaybackVerifier({ [pair.keyPairId]: pair.publicKeyPem }).verify({
      url: run.stdout.trim(),
      cookies: {},
      clientIp: '127.0.0.1',
    });
    expect(verdict.allowed).toBe(true);
  });

  describe('on an AWS stage without key flags', () => {
    const secrets = mockClient(SecretsManagerClient);
    const aws = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1' };
    afterEach(() => secrets.reset());

    it("signs with the active key of the stage's key set, never a pending or retiring one", async () => {
      const pair = () => {
        const { privateKey: k, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        return {
          privateKey: k.export({ type: 'pkcs8', format: 'pem' }).toString(),
          publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        };
      };
      const [old, active, pending] = [pair(), pair(), pair()];
      const set = {
        keyGroupId: '1f2e3d4c-5b6a-4789-9abc-def012345678',
        active: 'K2ACTIVE',
        keys: [
          {
            keyPairId: 'K1OLD',
            privateKey: old.privateKey,
            createdAt: '2026-11-01T00:00:00.000Z',
            retireAfter: '2026-12-01T00:10:00.000Z',
          },
          {
            keyPairId: 'K2ACTIVE',
            privateKey: active.privateKey,
            createdAt: '2026-12-01T00:00:00.000Z',
            activatedAt: '2026-12-01T00:00:00.000Z',
          },
          { keyPairId: 'K3PENDING', privateKey: pending.privateKey, createdAt: '2026-12-02T00:00:00.000Z' },
        ],
      };
      secrets.on(GetSecretValueCommand).callsFake((input: { SecretId?: string }) => {
        expect(input.SecretId).toBe('streamctl/prod/cloudfront-signing');
        return { SecretString: JSON.stringify(set) };
      });
      const run = await runCli(['sign', url, '--stage', 'prod', '--expires-in', '1h', '--json'], {
        cwd: dir,
        env: aws,
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const [{ url: signed }] = jsonLines(run.stdout) as [{ url: string }];
      expect(new URL(signed).searchParams.get('Key-Pair-Id')).toBe('K2ACTIVE');
      const verify = (keyPairId: string, publicKey: string) =>
        createPlaybackVerifier({ [keyPairId]: publicKey }).verify({ url: signed, cookies: {}, clientIp: '192.0.2.1' })
          .allowed;
      expect(verify('K2ACTIVE', active.publicKey)).toBe(true);
      // The same ID with another key's public half does not verify: it was the active private key that signed.
      expect(verify('K2ACTIVE', pending.publicKey)).toBe(false);
    });

    it('names `streamctl keys rotate` when the stage has no key set yet', async () => {
      secrets.on(GetSecretValueCommand).rejects(
        Object.assign(new Error("Secrets Manager can't find the specified secret."), {
          name: 'ResourceNotFoundException',
        }),
      );
      const run = await runCli(['sign', url, '--stage', 'prod', '--expires-in', '1h'], { cwd: dir, env: aws });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toEqual([
        'error: stage prod has no signing keys in secret streamctl/prod/cloudfront-signing (eu-west-1); run `streamctl keys rotate --stage prod --yes` first, or pass --key-pair-id and --private-key',
      ]);
    });
  });

  it.each([
    [['sign', url, ...key], /an expiry is required; pass --expires-in/],
    [['sign', url, ...key, '--expires-in', '1h', '--expires-at', '2030-01-01T00:00:00Z'], /are exclusive/],
    [['sign', url, ...key, '--expires-at', '2001-01-01T00:00:00Z'], /is in the past/],
    [['sign', url, ...key, '--expires-in', 'later'], /Invalid --expires-in "later"/],
    [['sign', url, ...key, '--expires-at', 'tomorrow'], /invalid --expires-at "tomorrow"/],
    [
      ['sign', url, '--key-pair-id', 'K1', '--private-key', join(dir, 'missing.pem'), '--expires-in', '1h'],
      /cannot read --private-key .*ENOENT/,
    ],
    [
      ['sign', url, '--key-pair-id', 'K1', '--private-key', badKeyFile, '--expires-in', '1h'],
      /Invalid private key for key pair K1/,
    ],
    [['sign', url, '--key-pair-id', 'K1', '--expires-in', '1h'], /go together/],
    [['sign', url, ...key, '--expires-in', '1h', '--ip', '300.1.1.1'], /Invalid IP range "300.1.1.1"/],
    [['sign', 'not-a-url', ...key, '--expires-in', '1h'], /expected an absolute http/],
    [['sign', ...key, '--expires-in', '1h'], /missing required argument 'url'/],
  ])('%j is a one-line usage error', async (argv, message) => {
    const run = await runCli(argv as string[], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});

describe('one duration rule for sign --expires-in and token --ttl', () => {
  it.each([
    [
      ['sign', url, ...key, '--expires-in', '1'],
      'error: Invalid --expires-in "1": a duration needs a unit, e.g. 1s, 1m or 1h; e.g. --expires-in 6h',
    ],
    [
      ['token', '--user', 'alice', '--country', 'GB', '--ttl', '3600'],
      'error: Invalid --ttl "3600": a duration needs a unit, e.g. 3600s, 3600m or 3600h; e.g. --ttl 15m',
    ],
  ])('%j refuses a bare number, showing units', async (argv, message) => {
    const run = await runCli(argv as string[], { cwd: dir, env: { STREAMCTL_DATA_DIR: join(dir, 'data') } });
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(message);
    expect(run.code).toBe(2);
  });

  it.each([
    [['sign', url, ...key, '--expires-in', '90s', '--json'], 90],
    [['sign', url, ...key, '--expires-in', '7d', '--json'], 7 * 86400],
  ])('%j takes a duration with a unit', async (argv, seconds) => {
    const before = Math.floor(Date.now() / 1000);
    const run = await runCli(argv as string[], { cwd: dir });
    expect(run.code).toBe(0);
    const signed = new URL((jsonLines(run.stdout)[0] as { url: string }).url);
    const expires = Number(signed.searchParams.get('Expires'));
    expect(expires - before).toBeGreaterThanOrEqual(seconds);
    expect(expires - before).toBeLessThanOrEqual(seconds + 5);
  });
});
