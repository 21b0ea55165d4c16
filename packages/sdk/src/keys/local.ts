/**
 * The local stage's key set: a file in the data dir (mode 0600), read by the
 * local edge (which trusts every key in it, as CloudFront trusts a key group)
 * and by the local API's signer (which signs with the active key only). Both
 * look at the file on each use, so `streamctl keys rotate` takes effect on a
 * running `streamctl dev` at once: locally a key group change has nothing to
 * deploy.
 */
import { createHash, randomInt } from 'node:crypto';
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors/index.js';
import { dataDirLayout, isProcessAlive } from '../local/index.js';
import {
  createPlaybackVerifier,
  type PlaybackSigner,
  type PlaybackVerifier,
  type SignOptions,
} from '../playback/index.js';
import { sleep } from '../util/index.js';
import { keySetChanged } from './conflict.js';
import { generateSigningKeyPair } from './plan.js';
import type { KeyBackend, StoredKeySet } from './rotate.js';
import {
  parseSigningKeySet,
  publicKeysOf,
  type SigningKeySet,
  serializeSigningKeySet,
  signerForKeySet,
} from './set.js';

/**
 * The data dir's key set file.
 *
 * @example
 * ```ts
 * localKeySetFile('.streamctl/local'); // ".streamctl/local/keys/cloudfront.json"
 * ```
 */
export function localKeySetFile(dataDir: string): string {
  return join(dataDirLayout(dataDir).keys, 'cloudfront.json');
}

/** A key pair ID shaped like CloudFront's: K and 13 upper-case letters and digits. */
function localKeyPairId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return `K${Array.from({ length: 13 }, () => alphabet[randomInt(alphabet.length)]).join('')}`;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read the local signing key set ${file}: ${(err as Error).message}`, {
      cause: err,
      hint: 'check the data dir is yours and readable, or run `streamctl dev --reset`',
    });
  }
}

function readSet(file: string): SigningKeySet | undefined {
  const text = readText(file);
  return text === undefined ? undefined : parseSigningKeySet(text, file);
}

/** The file's version: a digest of its bytes, so any change to it (a hand edit too) is one. */
function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Writes next to the file and renames over it: a reader sees the old set or the new one, never half. */
function writeSet(file: string, set: SigningKeySet, exclusive: boolean): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomInt(1e9)}.tmp`;
  writeFileSync(temp, serializeSigningKeySet(set), { mode: 0o600, flag: 'wx' });
  try {
    if (exclusive) linkSync(temp, file);
    else renameSync(temp, file);
  } finally {
    if (exclusive) unlinkSync(temp);
  }
}

/** How long a writer waits for another's compare-and-rename (microseconds of work) before giving up. */
const WRITE_LOCK_WAIT_MS = 2_000;
const WRITE_LOCK_POLL_MS = 10;

/**
 * Runs `critical` holding `<file>.lock` (made with O_EXCL, naming this pid). Only a writer's
 * compare and rename run under it, never a whole rotation, so a second operator waits
 * milliseconds, then finds out from the compare. A lock whose process is gone is taken over, as
 * the data dir lock of `streamctl dev` is; one held by a live process past the wait is a `CONFLICT`.
 */
async function withWriteLock<T>(file: string, critical: () => T): Promise<T> {
  const lock = `${file}.lock`;
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  for (let waited = 0; ; waited += WRITE_LOCK_POLL_MS) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      try {
        writeFileSync(fd, String(process.pid));
        closeSync(fd);
        // Synchronous from here to the unlink: nothing of this process runs in between either.
        return critical();
      } finally {
        unlinkSync(lock);
      }
    }
    const owner = Number.parseInt(readText(lock) ?? '', 10);
    // A lock whose process is gone, or one left without a pid (a crash between open and write) long ago.
    const stale = Number.isFinite(owner)
      ? owner !== process.pid && !isProcessAlive(owner)
      : lockAgeMs(lock) > WRITE_LOCK_WAIT_MS;
    if (stale) {
      try {
        unlinkSync(lock);
      } catch {
        // Another writer took it over first; the next attempt decides.
      }
      continue;
    }
    if (waited >= WRITE_LOCK_WAIT_MS) {
      throw keySetChanged(file, {
        why: `another \`streamctl keys\` run (pid ${Number.isFinite(owner) ? owner : 'unknown'}) has held ${lock} for ${WRITE_LOCK_WAIT_MS / 1000} s`,
      });
    }
    await sleep(WRITE_LOCK_POLL_MS);
  }
}

function lockAgeMs(lock: string): number {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    // Gone already: the next attempt takes it.
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Stores `set` over the version `expected` of the file: under the write lock, the file is read
 * again and compared, so a set another run wrote after this run read it is never overwritten.
 */
async function writeOver(file: string, set: SigningKeySet, expected: string | undefined): Promise<string> {
  if (expected === undefined) {
    try {
      writeSet(file, set, true);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw keySetChanged(file, { cause: err, why: 'another run made the key set first' });
      throw err;
    }
    return versionOf(serializeSigningKeySet(set));
  }
  return withWriteLock(file, () => {
    const text = readText(file);
    if (text === undefined || versionOf(text) !== expected) throw keySetChanged(file);
    writeSet(file, set, false);
    return versionOf(serializeSigningKeySet(set));
  });
}

/**
 * The data dir's key set, made on first use with one active key.
 *
 * @example
 * ```ts
 * const set = ensureLocalKeySet('.streamctl/local');
 * set.active; // "K…"
 * ```
 */
export function ensureLocalKeySet(dataDir: string): SigningKeySet {
  const file = localKeySetFile(dataDir);
  const existing = readSet(file);
  if (existing) return existing;
  const at = new Date().toISOString();
  const keyPairId = localKeyPairId();
  const set: SigningKeySet = {
    active: keyPairId,
    keys: [{ keyPairId, privateKey: generateSigningKeyPair().privateKey, createdAt: at, activatedAt: at }],
  };
  try {
    writeSet(file, set, true);
  } catch (err) {
    // Lost a race with another process making the set: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readSet(file) as SigningKeySet;
    throw err;
  }
  return set;
}

/**
 * The key backend of the local stage: the set in the data dir, no key group to change (the
 * local edge trusts the set itself) and nothing to deploy.
 *
 * @example
 * ```ts
 * await rotateKeys(localKeyBackend('.streamctl/local'), { longestGrantSeconds: 360 });
 * ```
 */
export function localKeyBackend(dataDir: string): KeyBackend {
  const file = localKeySetFile(dataDir);
  return {
    kind: 'local',
    location: file,
    // The local signer and edge read the file on each use.
    signerCacheSeconds: 0,
    // The local edge reads the set on each request: nothing to settle.
    keyGroupSettleSeconds: 0,
    read: async () => readSet(file),
    load: async (): Promise<StoredKeySet | undefined> => {
      const text = readText(file);
      return text === undefined ? undefined : { set: parseSigningKeySet(text, file), version: versionOf(text) };
    },
    write: (set, expected) => writeOver(file, set, expected),
    createPublicKey: async () => localKeyPairId(),
    addToKeyGroup: async () => undefined,
    removeFromKeyGroup: async () => {},
    keyGroupDeployed: async () => true,
    deletePublicKey: async () => {},
  };
}

/** Follows a file: re-reads it when it changed (rename, size or time), else answers the last value. */
function following<T>(file: string, make: (set: SigningKeySet) => T): () => T {
  let seen: { stamp: string; value: T } | undefined;
  return () => {
    let stamp: string;
    try {
      const s = statSync(file);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (err) {
      if (seen && (err as NodeJS.ErrnoException).code !== 'ENOENT') return seen.value;
      throw new ConfigError(`The local signing key set ${file} is missing`, {
        cause: err,
        hint: 'restart `streamctl dev` (it makes one), or run `streamctl keys rotate`',
      });
    }
    if (seen?.stamp === stamp) return seen.value;
    const set = readSet(file);
    if (!set) throw new ConfigError(`The local signing key set ${file} is missing`);
    seen = { stamp, value: make(set) };
    return seen.value;
  };
}

/**
 * A signer over the data dir's key set that follows rotations: it signs with the set's active
 * key as the file says now (a pending or retiring key never signs).
 *
 * @example
 * ```ts
 * createPlatform(config, { playback: { signer: createLocalKeySetSigner(dataDir), cdnBaseUrl: edge } });
 * ```
 */
export function createLocalKeySetSigner(dataDir: string): PlaybackSigner {
  ensureLocalKeySet(dataDir);
  const current = following(localKeySetFile(dataDir), signerForKeySet);
  return {
    get keyPairId() {
      return current().keyPairId;
    },
    get publicKeys() {
      return current().publicKeys;
    },
    signUrl: (url: string, options: SignOptions) => current().signUrl(url, options),
    signCookies: (url: string, options: SignOptions) => current().signCookies(url, options),
    signPolicy: (url: string, options: SignOptions) => current().signPolicy(url, options),
  };
}

/**
 * A verifier for the local edge over every key of the data dir's set (active, pending and
 * retiring alike, as CloudFront trusts every key in the key group), following rotations: a key
 * that leaves the set is refused from the next request on.
 *
 * @example
 * ```ts
 * startEdge({ s3, bucket, verifier: createLocalKeySetVerifier(dataDir) });
 * ```
 */
export function createLocalKeySetVerifier(dataDir: string): PlaybackVerifier {
  ensureLocalKeySet(dataDir);
  const current = following(localKeySetFile(dataDir), (set) => createPlaybackVerifier(publicKeysOf(set)));
  return { verify: (request) => current().verify(request) };
}
