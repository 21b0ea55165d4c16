/**
 * The key set format and the rotation rules: the new shape and the two older
 * one-key shapes are read, bad sets are refused without their secret in the
 * message, only the active key signs, and a rotation dates the old key's
 * retirement from the switch (the calendar moved years ahead included).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPlaybackVerifier } from '../playback/index.js';
import {
  activateKey,
  keyStatus,
  parseSigningKeySet,
  pendingKey,
  publicKeysOf,
  retirementDue,
  type SigningKey,
  type SigningKeySet,
  serializeSigningKeySet,
  signerForKeySet,
  withoutKeys,
  withPendingKey,
} from './index.js';

const rsa = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const A = rsa();
const B = rsa();
const T0 = Date.parse('2026-12-01T00:00:00Z');
const at = (ms: number) => new Date(ms).toISOString();
/** The key at an index, which the test put there. */
const nth = (keys: SigningKey[], i: number): SigningKey => {
  const key = keys.at(i);
  if (!key) throw new Error(`no key at ${i}`);
  return key;
};

const set: SigningKeySet = {
  keyGroupId: 'b7b9c3f5-0000-4e1a-9d4c-2f0f5d2a1e11',
  active: 'KAAAAAAAAAAAAA',
  keys: [
    { keyPairId: 'KAAAAAAAAAAAAA', privateKey: A, createdAt: at(T0), activatedAt: at(T0) },
    { keyPairId: 'KBBBBBBBBBBBBB', privateKey: B, createdAt: at(T0 + 1000) },
  ],
};

describe('signing key set format', () => {
  it('reads its own serialization, the old secret shape and the old local file shape', () => {
    expect(parseSigningKeySet(serializeSigningKeySet(set), 'test')).toEqual(set);
    const legacy = parseSigningKeySet(JSON.stringify({ keyPairId: 'K2JCJMDEHXQW5F', privateKey: A }), 'secret x');
    expect(legacy.active).toBe('K2JCJMDEHXQW5F');
    expect(legacy.keys).toEqual([{ keyPairId: 'K2JCJMDEHXQW5F', privateKey: A, createdAt: at(0), activatedAt: at(0) }]);
    const local = parseSigningKeySet(
      JSON.stringify({ keyPairId: 'KLOCAL0000001', privateKeyPem: A, publicKeyPem: 'x' }),
      'file',
    );
    expect(local.active).toBe('KLOCAL0000001');
    expect(keyStatus(local, nth(local.keys, 0), Date.now())).toBe('active');
  });

  it('refuses a bad set naming its source and the rule, never the private key', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...set, active: 'KNOTLISTED' }, /active: KNOTLISTED is not one of the keys/],
      [{ ...set, keys: [set.keys[0], set.keys[0]] }, /listed twice/],
      [{ ...set, keys: [{ ...set.keys[0], extra: 1 }] }, /keys\.0/],
      [{ ...set, keys: [{ ...set.keys[0], createdAt: 'yesterday' }] }, /keys\.0\.createdAt/],
      [{ ...set, keys: [] }, /keys/],
      [
        {
          active: 'KEC',
          keys: [
            {
              keyPairId: 'KEC',
              createdAt: at(T0),
              privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' })
                .privateKey.export({ type: 'pkcs8', format: 'pem' })
                .toString(),
            },
          ],
        },
        /a ec key, CloudFront signs with RSA/,
      ],
      [
        { keyPairId: 'K1', privateKey: '-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----' },
        /cannot be read/,
      ],
    ];
    for (const [value, message] of cases) {
      const text = JSON.stringify(value);
      let error: Error | undefined;
      try {
        parseSigningKeySet(text, 'secret streamctl/prod/cloudfront-signing');
      } catch (err) {
        error = err as Error;
      }
      expect(error, text.slice(0, 60)).toMatchObject({ code: 'CONFIG_INVALID' });
      expect(error?.message).toMatch(message);
      expect(error?.message).toContain('streamctl/prod/cloudfront-signing');
      expect(error?.message).not.toContain('PRIVATE KEY');
      expect(error?.message).not.toContain(A.slice(40, 80));
    }
    expect(() => parseSigningKeySet('not json but secret', 'src')).toThrow(/src is not valid: it is not JSON$/);
  });

  it('signs with the active key only; a verifier over the whole set accepts it, one over the pending key alone does not', () => {
    const signer = signerForKeySet(set);
    expect(signer.keyPairId).toBe('KAAAAAAAAAAAAA');
    expect(Object.keys(signer.publicKeys)).toEqual(['KAAAAAAAAAAAAA']);
    const url = 'https://d111111abcdef8.cloudfront.net/titles/t1/master.m3u8';
    const cookies = signer.signCookies(url, {
      expiresAt: T0 / 1000 + 3600,
      resource: 'https://d111111abcdef8.cloudfront.net/titles/t1/*',
    });
    expect(cookies['CloudFront-Key-Pair-Id']).toBe('KAAAAAAAAAAAAA');
    const request = { url, cookies: { ...cookies }, clientIp: '192.0.2.1', now: T0 / 1000 };
    expect(createPlaybackVerifier(publicKeysOf(set)).verify(request)).toMatchObject({ allowed: true });
    // The adversary: the pending key's public key with the active key's ID cannot verify this.
    const onlyPending = createPlaybackVerifier({ KAAAAAAAAAAAAA: publicKeysOf(set).KBBBBBBBBBBBBB as string });
    expect(onlyPending.verify(request)).toMatchObject({ allowed: false, reason: 'invalid-signature' });
    // Switching the set switches the signer; the old key no longer signs.
    const switched = activateKey(set, 'KBBBBBBBBBBBBB', T0 + 5000, 660);
    expect(signerForKeySet(switched).signCookies(url, { expiresAt: T0 / 1000 + 3600 })['CloudFront-Key-Pair-Id']).toBe(
      'KBBBBBBBBBBBBB',
    );
  });
});

describe('rotation rules', () => {
  it('a pending key becomes active and the old one is held for the longest grant plus the signer cache', () => {
    expect(pendingKey(set)?.keyPairId).toBe('KBBBBBBBBBBBBB');
    const switchAt = T0 + 60_000;
    const next = activateKey(set, 'KBBBBBBBBBBBBB', switchAt, 360 + 300);
    expect(next.active).toBe('KBBBBBBBBBBBBB');
    expect(next.keys).toEqual([
      { ...set.keys[0], retireAfter: at(switchAt + 660_000) },
      { ...set.keys[1], activatedAt: at(switchAt) },
    ]);
    expect(pendingKey(next)).toBeUndefined();
    expect(keyStatus(next, nth(next.keys, 0), switchAt + 659_999)).toBe('retiring');
    expect(retirementDue(next, switchAt + 659_999)).toEqual([]);
    expect(keyStatus(next, nth(next.keys, 0), switchAt + 660_000)).toBe('retired');
    expect(retirementDue(next, switchAt + 660_000).map((k) => k.keyPairId)).toEqual(['KAAAAAAAAAAAAA']);
    expect(withoutKeys(next, ['KAAAAAAAAAAAAA']).keys.map((k) => k.keyPairId)).toEqual(['KBBBBBBBBBBBBB']);
  });

  it('with the clock years ahead the active key is never due and never dropped; a re-added key starts pending', () => {
    const years = T0 + 20 * 365 * 86_400_000;
    const next = activateKey(set, 'KBBBBBBBBBBBBB', T0, 660);
    expect(retirementDue(next, years).map((k) => k.keyPairId)).toEqual(['KAAAAAAAAAAAAA']);
    expect(keyStatus(next, nth(next.keys, 1), years)).toBe('active');
    expect(withoutKeys(next, ['KBBBBBBBBBBBBB', 'KAAAAAAAAAAAAA']).keys.map((k) => k.keyPairId)).toEqual([
      'KBBBBBBBBBBBBB',
    ]);
    const readded = withPendingKey(next, { ...nth(set.keys, 0), retireAfter: at(T0), activatedAt: at(T0) });
    expect(keyStatus(readded, nth(readded.keys, -1), years)).toBe('pending');
  });
});
