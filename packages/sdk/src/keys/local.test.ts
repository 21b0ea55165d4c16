/**
 * The local key set file: a data dir from before key sets keeps its key, a
 * rotation turns it into a set, and the signer and verifier that follow the
 * file take a rotation and a retirement up without a restart.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createLocalKeySetSigner,
  createLocalKeySetVerifier,
  ensureLocalKeySet,
  localKeyBackend,
  localKeySetFile,
  retireKeys,
  rotateKeys,
} from './index.js';

const url = 'http://127.0.0.1:4510/titles/t1/master.m3u8';
const resource = 'http://127.0.0.1:4510/titles/t1/*';

describe('local key set', () => {
  it('keeps the key of an older data dir, and a rotation makes it a set of two', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-keys-local-'));
    mkdirSync(join(dataDir, 'keys'));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const legacy = {
      keyPairId: 'KLEGACY000001',
      privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    writeFileSync(localKeySetFile(dataDir), JSON.stringify(legacy), { mode: 0o600 });
    expect(ensureLocalKeySet(dataDir).active).toBe('KLEGACY000001');
    const result = await rotateKeys(localKeyBackend(dataDir), { longestGrantSeconds: 360, now: () => Date.now() });
    expect(result.retiring?.keyPairId).toBe('KLEGACY000001');
    const stored = JSON.parse(readFileSync(localKeySetFile(dataDir), 'utf8')) as { active: string; keys: unknown[] };
    expect(stored.active).toBe(result.activated);
    expect(stored.keys).toHaveLength(2);
    expect(statSync(localKeySetFile(dataDir)).mode & 0o777).toBe(0o600);
  });

  it('the signer and the verifier follow the file: a rotation switches signing, a retirement ends trust', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-keys-follow-'));
    const signer = createLocalKeySetSigner(dataDir);
    const verifier = createLocalKeySetVerifier(dataDir);
    const first = signer.keyPairId;
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    const old = signer.signCookies(url, { expiresAt, resource });
    const check = (cookies: Record<string, string | undefined>) =>
      verifier.verify({ url, cookies: cookies as Record<string, string>, clientIp: '127.0.0.1' });
    expect(check({ ...old })).toMatchObject({ allowed: true, keyPairId: first });

    const backend = localKeyBackend(dataDir);
    const rotated = await rotateKeys(backend, { longestGrantSeconds: 360 });
    expect(signer.keyPairId).toBe(rotated.activated);
    const fresh = signer.signCookies(url, { expiresAt, resource });
    expect(fresh['CloudFront-Key-Pair-Id']).toBe(rotated.activated);
    expect(check({ ...fresh })).toMatchObject({ allowed: true });
    expect(check({ ...old })).toMatchObject({ allowed: true, keyPairId: first });

    const retireAt = Date.parse(rotated.retiring?.retireAfter ?? '');
    expect((await retireKeys(backend, { now: () => retireAt })).retired).toEqual([first]);
    expect(check({ ...old })).toMatchObject({ allowed: false, reason: 'unknown-key-pair' });
    expect(check({ ...fresh })).toMatchObject({ allowed: true });
  });
});
