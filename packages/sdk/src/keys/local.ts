/**
 * The local stage's key set: a file in the data dir (mode 0600), read by the
 * local edge (which trusts every key in it, as CloudFront trusts a key group)
 * and by the local API's signer (which signs with the active key only). Both
 * look at the file on each use, so `streamctl keys rotate` takes effect on a
 * running `streamctl dev` at once: locally a key group change has nothing to
 * deploy.
 */
import { randomInt } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors/index.js';
import { dataDirLayout } from '../local/index.js';
import {
  createPlaybackVerifier,
  type PlaybackSigner,
  type PlaybackVerifier,
  type SignOptions,
} from '../playback/index.js';
import { generateSigningKeyPair } from './plan.js';
import type { KeyBackend } from './rotate.js';
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

function readSet(file: string): SigningKeySet | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read the local signing key set ${file}: ${(err as Error).message}`, {
      cause: err,
      hint: 'check the data dir is yours and readable, or run `streamctl dev --reset`',
    });
  }
  return parseSigningKeySet(text, file);
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
    write: async (set, created) => writeSet(file, set, created),
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
