import { generateKeyPairSync, verify } from 'node:crypto';
import { getSignedCookies, getSignedUrl } from '@aws-sdk/cloudfront-signer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromCloudFrontBase64 } from './policy.js';
import { createPlaybackSigner } from './signer.js';
import { createPlaybackVerifier } from './verifier.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const keyPairId = 'K2JCJMDEHXQW5F';
const signer = createPlaybackSigner({ keyPairId, privateKey: pem });
const EXPIRES = new Date('2026-12-01T00:00:00.000Z');

function paramsOf(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

describe('canned policy URLs', () => {
  it('equal @aws-sdk/cloudfront-signer for the same inputs', () => {
    const url = 'https://d111111abcdef8.cloudfront.net/titles/t1/master.m3u8';
    expect(signer.signUrl(url, { expiresAt: EXPIRES })).toBe(
      getSignedUrl({ url, keyPairId, privateKey: pem, dateLessThan: EXPIRES }),
    );
  });

  it('equal it for URLs with query strings, unicode paths and odd expiries (property)', () => {
    const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/'));
    const queryPart = fc.string({ unit: 'binary', maxLength: 8 }).filter((s) => !/[&=#]/.test(s));
    const arbitrary = fc.record({
      host: fc.constantFrom('d111111abcdef8.cloudfront.net', 'cdn.example.com:8443', '127.0.0.1:4510'),
      scheme: fc.constantFrom('https', 'http'),
      segments: fc.array(segment, { minLength: 1, maxLength: 4 }),
      query: fc.array(fc.tuple(queryPart, queryPart), { maxLength: 3 }),
      // Odd expiries: fractions of a second, far past, far future.
      expiresMs: fc.integer({ min: 1_000, max: 4_102_444_800_000 }),
    });
    fc.assert(
      fc.property(arbitrary, ({ host, scheme, segments, query, expiresMs }) => {
        const qs = query.map(([k, v]) => `${k}=${v}`).join('&');
        const url = `${scheme}://${host}/${segments.join('/')}${qs ? `?${qs}` : ''}`;
        const expiresAt = new Date(expiresMs);
        const ours = signer.signUrl(url, { expiresAt });
        const theirs = getSignedUrl({ url, keyPairId, privateKey: pem, dateLessThan: expiresAt });
        expect(ours).toBe(theirs);
        const cookies = signer.signCookies(url, { expiresAt });
        const theirCookies = getSignedCookies({ url, keyPairId, privateKey: pem, dateLessThan: expiresAt });
        expect(cookies).toEqual(Object.fromEntries(Object.entries(theirCookies).map(([k, v]) => [k, String(v)])));
      }),
      { numRuns: 150 },
    );
  });
});

describe('custom policies', () => {
  const url = 'https://cdn.example.com/titles/t1/1080p/seg_0001.m4s';

  it('equal @aws-sdk/cloudfront-signer with a start time and an IP range', () => {
    const startsAt = new Date('2026-11-24T00:00:00Z');
    const ours = signer.signUrl(url, { expiresAt: EXPIRES, startsAt, ipRange: '203.0.113.0/24' });
    const theirs = getSignedUrl({
      url,
      keyPairId,
      privateKey: pem,
      dateLessThan: EXPIRES,
      dateGreaterThan: startsAt,
      ipAddress: '203.0.113.0/24',
    });
    expect(ours).toBe(theirs);
  });

  it('equal it for a wildcard resource given as a policy', () => {
    const resource = 'https://cdn.example.com/titles/t1/*';
    const policy = JSON.stringify({
      Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': EXPIRES.getTime() / 1000 } } }],
    });
    expect(signer.signUrl(url, { expiresAt: EXPIRES, resource })).toBe(
      getSignedUrl({ url, keyPairId, privateKey: pem, policy }),
    );
    expect(signer.signCookies(url, { expiresAt: EXPIRES, resource })).toEqual(
      getSignedCookies({ url, keyPairId, privateKey: pem, policy }),
    );
  });

  it('verify with the public key: RSA-SHA1 over the policy bytes, for URLs and cookies', () => {
    const resource = 'https://cdn.example.com/titles/t1/*';
    const signedUrl = signer.signUrl(url, { expiresAt: EXPIRES, resource, ipRange: '198.51.100.7' });
    const params = paramsOf(signedUrl);
    const policy = fromCloudFrontBase64(params.get('Policy') ?? '');
    expect(JSON.parse(policy.toString())).toEqual({
      Statement: [
        {
          Resource: resource,
          Condition: {
            DateLessThan: { 'AWS:EpochTime': EXPIRES.getTime() / 1000 },
            IpAddress: { 'AWS:SourceIp': '198.51.100.7/32' },
          },
        },
      ],
    });
    expect(verify('RSA-SHA1', policy, publicKey, fromCloudFrontBase64(params.get('Signature') ?? ''))).toBe(true);

    const cookies = signer.signCookies(url, { expiresAt: EXPIRES, resource });
    const cookiePolicy = fromCloudFrontBase64(cookies['CloudFront-Policy'] ?? '');
    expect(verify('RSA-SHA1', cookiePolicy, publicKey, fromCloudFrontBase64(cookies['CloudFront-Signature']))).toBe(
      true,
    );
    expect(cookies['CloudFront-Key-Pair-Id']).toBe(keyPairId);
  });
});

describe('key rotation', () => {
  const second = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const secondPem = second.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('signs with the active pair and lists every public key for verifiers', () => {
    const rotating = createPlaybackSigner({
      keyPairs: [
        { keyPairId, privateKey: pem },
        { keyPairId: 'KNEWKEY000001', privateKey: secondPem },
      ],
      activeKeyPairId: 'KNEWKEY000001',
    });
    const url = rotating.signUrl('https://cdn.example.com/a.m3u8', { expiresAt: EXPIRES });
    expect(paramsOf(url).get('Key-Pair-Id')).toBe('KNEWKEY000001');
    expect(Object.keys(rotating.publicKeys)).toEqual([keyPairId, 'KNEWKEY000001']);
    const verifier = createPlaybackVerifier(rotating.publicKeys);
    const now = EXPIRES.getTime() / 1000 - 60;
    expect(verifier.verify({ url, cookies: {}, clientIp: '127.0.0.1', now }).allowed).toBe(true);
    const old = signer.signUrl('https://cdn.example.com/a.m3u8', { expiresAt: EXPIRES });
    expect(verifier.verify({ url: old, cookies: {}, clientIp: '127.0.0.1', now }).allowed).toBe(true);
  });
});

describe('bad input', () => {
  it.each([
    [() => createPlaybackSigner({ keyPairId, privateKey: 'not a key' }), /Invalid private key for key pair/],
    [() => createPlaybackSigner({ keyPairId: 'bad id!', privateKey: pem }), /Invalid key pair ID/],
    [
      () =>
        createPlaybackSigner({
          keyPairId,
          privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' })
            .privateKey.export({ type: 'pkcs8', format: 'pem' })
            .toString(),
        }),
      /not RSA/,
    ],
    [() => signer.signUrl('/relative/path', { expiresAt: EXPIRES }), /expected an absolute http/],
    [() => signer.signUrl('https://x.test/a', { expiresAt: 'soon' }), /Invalid expiresAt "soon"/],
    [() => signer.signUrl('https://x.test/a', { expiresAt: EXPIRES, ipRange: '10.0.0.0/33' }), /Invalid IP range/],
    [() => signer.signUrl('https://x.test/a', { expiresAt: EXPIRES, startsAt: EXPIRES }), /startsAt must be before/],
  ])('%#: throws a typed error', (fn, message) => {
    expect(fn).toThrow(message);
    try {
      fn();
    } catch (err) {
      expect((err as { code: string }).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('verifier', () => {
  const verifier = createPlaybackVerifier({ [keyPairId]: publicPem });
  const base = 'http://127.0.0.1:4510/titles/t1/master.m3u8';
  const now = Math.floor(EXPIRES.getTime() / 1000) - 3600;
  const check = (url: string, extra: { cookies?: Record<string, string>; clientIp?: string; at?: number } = {}) =>
    verifier.verify({
      url,
      cookies: extra.cookies ?? {},
      clientIp: extra.clientIp ?? '127.0.0.1',
      now: extra.at ?? now,
    });

  it('accepts a valid canned URL and refuses a tampered one', () => {
    const url = signer.signUrl(base, { expiresAt: EXPIRES });
    expect(check(url)).toMatchObject({ allowed: true, via: 'url' });
    expect(check(url.replace('master', 'other'))).toMatchObject({ allowed: false, reason: 'invalid-signature' });
    expect(check(url.replace(/Expires=\d+/, `Expires=${now + 999_999}`))).toMatchObject({
      reason: 'invalid-signature',
    });
  });

  it('refuses expired, not-yet-valid, wrong-IP and wrong-resource requests', () => {
    const url = signer.signUrl(base, { expiresAt: EXPIRES });
    expect(check(url, { at: now + 7200 })).toMatchObject({ reason: 'expired' });
    const later = signer.signUrl(base, { expiresAt: EXPIRES, startsAt: new Date(now * 1000 + 60_000) });
    expect(check(later)).toMatchObject({ reason: 'not-yet-valid' });
    expect(check(later, { at: now + 120 })).toMatchObject({ allowed: true });
    const ip = signer.signUrl(base, { expiresAt: EXPIRES, ipRange: '203.0.113.0/24' });
    expect(check(ip, { clientIp: '203.0.113.9' })).toMatchObject({ allowed: true });
    expect(check(ip, { clientIp: '::ffff:203.0.113.9' })).toMatchObject({ allowed: true });
    expect(check(ip, { clientIp: '198.51.100.1' })).toMatchObject({ reason: 'ip-not-allowed' });
    const tree = signer.signUrl(base, { expiresAt: EXPIRES, resource: 'http://127.0.0.1:4510/titles/t1/*' });
    const policyPart = tree.slice(tree.indexOf('?'));
    expect(check(`http://127.0.0.1:4510/titles/t1/720p/seg_9.m4s${policyPart}`)).toMatchObject({ allowed: true });
    expect(check(`http://127.0.0.1:4510/titles/t2/master.m3u8${policyPart}`)).toMatchObject({
      reason: 'resource-mismatch',
    });
  });

  it('accepts signed cookies for a whole tree, and refuses without them or with an unknown key', () => {
    const cookies = signer.signCookies(base, { expiresAt: EXPIRES, resource: 'http://127.0.0.1:4510/titles/t1/*' });
    expect(check('http://127.0.0.1:4510/titles/t1/360p/seg_1.m4s', { cookies: { ...cookies } })).toMatchObject({
      allowed: true,
      via: 'cookies',
    });
    expect(check(base)).toMatchObject({ reason: 'missing-signature' });
    expect(
      check(base, { cookies: { ...cookies, 'CloudFront-Key-Pair-Id': 'KUNKNOWN' } as Record<string, string> }),
    ).toMatchObject({ reason: 'unknown-key-pair' });
  });
});
