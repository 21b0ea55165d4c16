import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier } from './tokens.js';

describe('createJwtVerifier', () => {
  it('makes the viewer of a valid token and refuses tokens without an expiry, forged or expired', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' };
    const verify = createJwtVerifier({ jwks: { keys: [jwk] }, issuer: 'https://issuer.test' });
    const sign = (claims: Record<string, unknown>, exp?: number | string) => {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k' })
        .setSubject('alice')
        .setIssuer('https://issuer.test');
      if (exp !== undefined) jwt.setExpirationTime(exp);
      return jwt.sign(privateKey);
    };
    await expect(verify(await sign({ country: 'gb', plan: 'basic' }, '10m'))).resolves.toEqual({
      userId: 'alice',
      country: 'GB',
      plan: 'basic',
    });
    // Without `exp` a token would be valid forever.
    await expect(verify(await sign({ country: 'GB' }))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(verify(await sign({ country: 'GB' }, Math.floor(Date.now() / 1000) - 60))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(verify(await sign({}, '10m'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // An expiry years ahead is as good as none; the longest a dev token lives (30 days) still passes.
    await expect(verify(await sign({ country: 'GB' }, '31d'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(verify(await sign({ country: 'GB', plan: 'basic' }, '30d'))).resolves.toMatchObject({
      userId: 'alice',
    });
    const other = await generateKeyPair('ES256');
    const forged = await new SignJWT({ country: 'GB' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .setSubject('alice')
      .setIssuer('https://issuer.test')
      .setExpirationTime('10m')
      .sign(other.privateKey);
    await expect(verify(forged)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
