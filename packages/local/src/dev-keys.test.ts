import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER, ensureDevSigningKey, mintDevToken, verifyDevToken } from './dev-keys.js';

const dir = () => mkdtempSync(join(tmpdir(), 'streamctl-keys-'));

describe('dev tokens', () => {
  it('round-trip; the key is made once, mode 0600, and reused', async () => {
    const dataDir = dir();
    const { token } = await mintDevToken(dataDir, { userId: 'alice', country: 'GB', plan: 'basic' });
    await expect(verifyDevToken(dataDir, token)).resolves.toEqual({ userId: 'alice', country: 'GB', plan: 'basic' });
    const first = await ensureDevSigningKey(dataDir);
    expect((await ensureDevSigningKey(dataDir)).kid).toBe(first.kid);
    expect(statSync(join(dataDir, 'keys', 'dev-jwt.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses another data dir’s token, an expired token and garbage with FORBIDDEN', async () => {
    const dataDir = dir();
    const { token: foreign } = await mintDevToken(dir(), { userId: 'mallory', country: 'GB', plan: 'basic' });
    const key = await ensureDevSigningKey(dataDir);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ country: 'US' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setSubject('alice')
      .setIssuer(DEV_TOKEN_ISSUER)
      .setAudience(DEV_TOKEN_AUDIENCE)
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(await importJWK(key.privateJwk, 'ES256'));
    for (const token of [foreign, expired, 'garbage']) {
      await expect(verifyDevToken(dataDir, token)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it.each([
    [{ userId: 'has space', country: 'GB' }],
    // A user id the API would refuse is refused here too: one rule for ids.
    [{ userId: 'bob@example.com', country: 'GB', plan: 'basic' }],
    [{ userId: 'bob', country: 'usa', plan: 'basic' }],
    // No country, no token: a country is never made up. Nor is a plan.
    [{ userId: 'bob', plan: 'basic' }],
    [{ userId: 'bob', country: 'GB' }],
    [{ userId: 'bob', country: 'GB', plan: 'Premium Plus!' }],
    [{ userId: 'bob', country: 'GB', plan: 'basic', ttlSeconds: 10 }],
  ])('refuses %j with VALIDATION_FAILED', async (input) => {
    await expect(mintDevToken(dir(), input as Parameters<typeof mintDevToken>[1])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
