/**
 * The local key set file: a data dir from before key sets keeps its key, a
 * rotation turns it into a set, the signer and verifier that follow the
 * file take a rotation and a retirement up without a restart, and two
 * operators changing the set at once never overwrite each other.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLocalKeySetSigner,
  createLocalKeySetVerifier,
  ensureLocalKeySet,
  type KeyBackend,
  localKeyBackend,
  localKeySetFile,
  parseSigningKeySet,
  retireKeys,
  rotateKeys,
} from './index.js';

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A process that lives until the test ends (or dies at once with `exitAt: 'now'`), and its pid. */
function child(exitAt: 'later' | 'now'): Promise<number> {
  const script = exitAt === 'now' ? '' : 'setTimeout(() => {}, 30000)';
  const proc = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  children.push(proc);
  return new Promise((resolve) => {
    if (exitAt === 'now') proc.once('exit', () => resolve(proc.pid as number));
    else proc.once('spawn', () => resolve(proc.pid as number));
  });
}

/**
 * Local backends over one data dir whose first reads all answer together, once `count` of them
 * have read: operators that read the set before either writes, whatever the scheduling.
 */
function readingTogether(dataDir: string, count: number): KeyBackend[] {
  const waiting: Array<() => void> = [];
  return Array.from({ length: count }, () => {
    const backend = localKeyBackend(dataDir);
    let first = true;
    return {
      ...backend,
      load: async () => {
        const stored = await backend.load();
        if (first) {
          first = false;
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            if (waiting.length === count) for (const release of waiting.splice(0)) release();
          });
        }
        return stored;
      },
    };
  });
}

const storedSet = (dataDir: string) =>
  parseSigningKeySet(readFileSync(localKeySetFile(dataDir), 'utf8'), localKeySetFile(dataDir));

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

  it('two rotations at once: one wins, the other gets CONFLICT; one active key, none lost', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-keys-race-'));
    const first = ensureLocalKeySet(dataDir).active;
    const now = Date.now();
    const outcomes = await Promise.allSettled(
      readingTogether(dataDir, 2).map((backend) => rotateKeys(backend, { longestGrantSeconds: 360, now: () => now })),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    const lost = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({
      code: 'CONFLICT',
      hint: expect.stringContaining('streamctl keys list'),
      message: expect.stringContaining(localKeySetFile(dataDir)),
    });
    const set = storedSet(dataDir);
    expect(set.active).toBe(won[0]?.activated);
    expect(set.keys.map((k) => k.keyPairId)).toEqual([first, won[0]?.activated]);
    expect(set.keys.find((k) => k.keyPairId === first)?.retireAfter).toBe(new Date(now + 360_000).toISOString());
    // The lock is gone with the write.
    expect(existsSync(`${localKeySetFile(dataDir)}.lock`)).toBe(false);
  });

  it('two first rotations of a data dir at once: one makes the set, the other gets CONFLICT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-keys-race-first-'));
    const outcomes = await Promise.allSettled(
      readingTogether(dataDir, 2).map((backend) => rotateKeys(backend, { longestGrantSeconds: 360 })),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    const lost = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason);
    expect(won).toMatchObject([{ created: true }]);
    expect(lost).toMatchObject([{ code: 'CONFLICT' }]);
    expect(storedSet(dataDir)).toMatchObject({ active: won[0]?.activated, keys: [{ keyPairId: won[0]?.activated }] });
  });

  it('a write lock left by a dead process is taken over; one a live process holds past the wait is a CONFLICT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-keys-lock-'));
    const first = ensureLocalKeySet(dataDir).active;
    const lock = `${localKeySetFile(dataDir)}.lock`;
    writeFileSync(lock, String(await child('now')));
    const rotated = await rotateKeys(localKeyBackend(dataDir), { longestGrantSeconds: 360 });
    expect(storedSet(dataDir).active).toBe(rotated.activated);
    expect(existsSync(lock)).toBe(false);
    // One left without a pid (a crash between making it and writing to it) a minute ago: taken over too.
    writeFileSync(lock, '');
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const again = await rotateKeys(localKeyBackend(dataDir), { longestGrantSeconds: 360, wait: false });
    expect(again.activated).toBeDefined();
    expect(existsSync(lock)).toBe(false);

    const holder = await child('later');
    writeFileSync(lock, String(holder));
    const before = readFileSync(localKeySetFile(dataDir), 'utf8');
    await expect(retireKeys(localKeyBackend(dataDir), { now: () => Date.now() + 86_400_000 })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`pid ${holder}`),
      hint: expect.stringContaining('streamctl keys list'),
    });
    // Nothing written, and the other process's lock left alone.
    expect(readFileSync(localKeySetFile(dataDir), 'utf8')).toBe(before);
    expect(readFileSync(lock, 'utf8')).toBe(String(holder));
    expect(storedSet(dataDir).keys.map((k) => k.keyPairId)).toEqual([first, rotated.activated, again.activated]);
  });
});
