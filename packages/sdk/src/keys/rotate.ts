/**
 * Listing, rotating and retiring a stage's signing keys over a
 * {@link KeyBackend}: the same steps on AWS (Secrets Manager and a
 * CloudFront key group) and locally (the data dir, trusted by the local edge).
 */
import { ConfigError, ErrorCode, StreamctlError } from '../errors/index.js';
import { sleep as pause } from '../util/index.js';
import { isConflict, KEY_SET_CONFLICT_HINT } from './conflict.js';
import {
  activateKey,
  generateSigningKeyPair,
  keyStatus,
  pendingKey,
  retirementDue,
  type SigningKeyStatus,
  withoutKeys,
  withPendingKey,
} from './plan.js';
import type { SigningKey, SigningKeySet } from './set.js';

/** Where a stage's key set is stored and its public keys are published. */
export interface KeyBackend {
  /** `aws`: Secrets Manager and CloudFront; `local`: the data dir. */
  readonly kind: 'aws' | 'local';
  /** Where the set is stored (the secret's name and Region, or the file). */
  readonly location: string;
  /** How long a signer may go on using a set it read (the server's secret cache), in seconds. */
  readonly signerCacheSeconds: number;
  /**
   * How long after a key is published signing may switch to it, in seconds, on top of the key group
   * change being deployed: a margin for the edge servers taking up the group (none locally).
   */
  readonly keyGroupSettleSeconds: number;
  /** The stored set; undefined when the stage has none yet. */
  read(): Promise<SigningKeySet | undefined>;
  /** The stored set with the version it was read at, for a later {@link KeyBackend.write}. */
  load(): Promise<StoredKeySet | undefined>;
  /**
   * Stores the set in place of version `expected` (as {@link KeyBackend.load} answered it), or, with
   * `expected` undefined, as the stage's first set (creating the store, replicated to every Region
   * of the stage). Answers the new version. When the store is no longer at `expected` (or, for a
   * first set, one exists), nothing is written and it throws a `CONFLICT`: two operators never
   * overwrite each other.
   */
  write(set: SigningKeySet, expected: string | undefined): Promise<string>;
  /** Publishes a public key and answers the key pair ID viewers' signatures will name. */
  createPublicKey(publicKeyPem: string, createdAt: number): Promise<string>;
  /**
   * Puts a key into the key group (creating the group, named for the stage, when `keyGroupId` is
   * undefined and the backend has groups) and answers the group's ID; a key already in it stays.
   */
  addToKeyGroup(keyGroupId: string | undefined, keyPairId: string): Promise<string | undefined>;
  /** Takes keys out of the key group (those already out are skipped). */
  removeFromKeyGroup(keyGroupId: string | undefined, keyPairIds: string[]): Promise<void>;
  /** Whether the last key group change is in effect at the edge (every distribution using it deployed). */
  keyGroupDeployed(keyGroupId: string | undefined): Promise<boolean>;
  /** Deletes a published public key that is in no key group (one already gone is skipped). */
  deletePublicKey(keyPairId: string): Promise<void>;
}

/** A key set as stored, and the version of the store it was read at. */
export interface StoredKeySet {
  set: SigningKeySet;
  /** Opaque: the secret's version ID on AWS, a digest of the file locally. */
  version: string;
}

/** One key as listed: never its private key. */
export interface ListedKey {
  keyPairId: string;
  status: SigningKeyStatus;
  createdAt: string;
  activatedAt?: string;
  retireAfter?: string;
}

/** A stage's keys as {@link listKeys} answers them. */
export interface KeyListing {
  backend: 'aws' | 'local';
  location: string;
  keyGroupId?: string;
  /** The key that signs; undefined when the stage has no key set yet. */
  active?: string;
  keys: ListedKey[];
}

/**
 * The stage's keys and their status, without private keys.
 *
 * @example
 * ```ts
 * const { active, keys } = await listKeys(backend);
 * ```
 */
export async function listKeys(backend: KeyBackend, options: { now?: () => number } = {}): Promise<KeyListing> {
  const now = (options.now ?? Date.now)();
  const set = await backend.read();
  if (!set) return { backend: backend.kind, location: backend.location, keys: [] };
  return {
    backend: backend.kind,
    location: backend.location,
    ...(set.keyGroupId ? { keyGroupId: set.keyGroupId } : {}),
    active: set.active,
    keys: set.keys.map((k) => ({
      keyPairId: k.keyPairId,
      status: keyStatus(set, k, now),
      createdAt: k.createdAt,
      ...(k.activatedAt ? { activatedAt: k.activatedAt } : {}),
      ...(k.retireAfter ? { retireAfter: k.retireAfter } : {}),
    })),
  };
}

/** Options of {@link rotateKeys} and {@link retireKeys}. */
export interface RotateOptions {
  /** The longest a grant signed now lives, in seconds (`longestGrantSeconds(config.sessions.grantSeconds)`). */
  longestGrantSeconds: number;
  /** Adopt this CloudFront key group when the stored set names none (a group made before `keys rotate`). */
  keyGroupId?: string;
  /** Wait for the key group change to deploy before switching signing. Default true. */
  wait?: boolean;
  /** How long to wait, and how often to look. Defaults 20 min and 15 s. */
  timeoutMs?: number;
  pollMs?: number;
  /** Milliseconds since the epoch. Default: `Date.now`. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What a rotation did. */
export interface RotationResult {
  backend: 'aws' | 'local';
  location: string;
  keyGroupId?: string;
  /** Keys past their retireAfter that left the key group and the set. */
  retired: string[];
  /** The key this run created and published, if it did. */
  added?: string;
  /** The key that signs now, when this run switched (or, for a new set, chose) it. */
  activated?: string;
  /** A published key still waiting for the key group change to deploy: run `keys rotate` again. */
  pending?: string;
  /** The key that signed until now, and when it may leave the key group. */
  retiring?: { keyPairId: string; retireAfter: string };
  /** True when this run created the key set (and, on AWS, the key group). */
  created: boolean;
}

/**
 * Removes keys past their `retireAfter` from the key group, deletes their public keys and drops
 * them from the set. Answers the IDs removed. The set is written conditionally on the version
 * read: when another run changed it meanwhile, this one throws a `CONFLICT` and theirs stands
 * (the keys it took out of the group were due to leave whichever set wins).
 *
 * @example
 * ```ts
 * const { retired } = await retireKeys(backend);
 * ```
 */
export async function retireKeys(
  backend: KeyBackend,
  options: Pick<RotateOptions, 'now'> = {},
): Promise<{ retired: string[]; set: SigningKeySet | undefined }> {
  const { retired, stored } = await retireStored(backend, await backend.load(), options.now ?? Date.now);
  return { retired, set: stored?.set };
}

async function retireStored(
  backend: KeyBackend,
  stored: StoredKeySet | undefined,
  now: () => number,
): Promise<{ retired: string[]; stored: StoredKeySet | undefined }> {
  if (!stored) return { retired: [], stored };
  const due = retirementDue(stored.set, now()).map((k) => k.keyPairId);
  if (due.length === 0) return { retired: [], stored };
  // Out of the group first: CloudFront deletes no public key a group still holds, and a key out
  // of the group is refused at the edge whatever the set says.
  await backend.removeFromKeyGroup(stored.set.keyGroupId, due);
  for (const id of due) await backend.deletePublicKey(id);
  const kept = withoutKeys(stored.set, due);
  return { retired: due, stored: { set: kept, version: await backend.write(kept, stored.version) } };
}

/**
 * Rotates the signing key. Keys past their `retireAfter` leave first. Then, with no key set, a
 * first key is made, published and made active (on AWS with a new key group). Otherwise a new
 * key is made and stored as pending (so its private key is never lost), added to the key group,
 * and once the change is in effect at the edge (every distribution using the group deployed, and
 * the backend's settle time since the key was published passed), signing switches to it; the key that signed
 * before gets `retireAfter` = now + the longest grant + the signer cache. A run that stops
 * before the switch (`wait: false`, a timeout) leaves the key pending; the next run finishes it.
 *
 * Every write of the set is conditional on the version this run last read or wrote, so of two
 * operators rotating at once one wins and the other gets a `CONFLICT` at its next write, having
 * changed nothing the winner relies on: a key it published but could not store is deleted again.
 *
 * @example
 * ```ts
 * const result = await rotateKeys(backend, { longestGrantSeconds: longestGrantSeconds(config.sessions.grantSeconds) });
 * result.activated; // the new key pair ID
 * ```
 */
export async function rotateKeys(backend: KeyBackend, options: RotateOptions): Promise<RotationResult> {
  const now = options.now ?? Date.now;
  const base = { backend: backend.kind, location: backend.location };
  const { retired, stored } = await retireStored(backend, await backend.load(), now);

  if (!stored) {
    const pair = generateSigningKeyPair();
    const createdAt = now();
    const keyPairId = await backend.createPublicKey(pair.publicKey, createdAt);
    let keyGroupId: string | undefined;
    try {
      keyGroupId = await backend.addToKeyGroup(options.keyGroupId, keyPairId);
    } catch (err) {
      // Another run made the stage's key group first: it makes the set too.
      throw await withdrawKey(backend, err, keyPairId, undefined);
    }
    const at = new Date(createdAt).toISOString();
    const first: SigningKeySet = {
      ...(keyGroupId ? { keyGroupId } : {}),
      active: keyPairId,
      keys: [{ keyPairId, privateKey: pair.privateKey, createdAt: at, activatedAt: at }],
    };
    try {
      await backend.write(first, undefined);
    } catch (err) {
      throw await withdrawKey(backend, err, keyPairId, keyGroupId);
    }
    return {
      ...base,
      ...(keyGroupId ? { keyGroupId } : {}),
      retired,
      added: keyPairId,
      activated: keyPairId,
      created: true,
    };
  }

  const set = stored.set;
  if (set.keyGroupId && options.keyGroupId && set.keyGroupId !== options.keyGroupId) {
    throw new ConfigError(
      `The signing key set in ${backend.location} belongs to key group ${set.keyGroupId}, not ${options.keyGroupId}`,
      { hint: 'run `streamctl keys rotate` without --key-group: the set keeps its key group' },
    );
  }
  const keyGroupId = set.keyGroupId ?? options.keyGroupId;
  if (backend.kind === 'aws' && !keyGroupId) {
    throw new ConfigError(`The signing key set in ${backend.location} names no CloudFront key group`, {
      hint: 'pass the key group the distribution trusts: `streamctl keys rotate --key-group <id>` (the KeyGroupId output of the edge stack)',
    });
  }
  let current: SigningKeySet = set;
  let version = stored.version;
  let pending: SigningKey | undefined = pendingKey(current);
  let added: string | undefined;
  if (!pending) {
    const pair = generateSigningKeyPair();
    const createdAt = now();
    const keyPairId = await backend.createPublicKey(pair.publicKey, createdAt);
    pending = { keyPairId, privateKey: pair.privateKey, createdAt: new Date(createdAt).toISOString() };
    current = withPendingKey(current, pending);
    // Stored before the group trusts it: whatever fails next, the private key is kept.
    try {
      version = await backend.write(current, version);
    } catch (err) {
      // The group does not hold it yet: a lost race leaves nothing of this run behind.
      throw await withdrawKey(backend, err, keyPairId, undefined);
    }
    added = keyPairId;
  }
  await backend.addToKeyGroup(keyGroupId, pending.keyPairId);
  if (keyGroupId && current.keyGroupId !== keyGroupId) {
    // An adopted group is recorded once it took a key: a mistyped ID is never stored.
    current = { ...current, keyGroupId };
    version = await backend.write(current, version);
  }

  const group = keyGroupId ? { keyGroupId } : {};
  const settledAt = Date.parse(pending.createdAt) + backend.keyGroupSettleSeconds * 1000;
  if (!(await waitForDeployment(backend, keyGroupId, settledAt, options))) {
    return { ...base, ...group, retired, ...(added ? { added } : {}), pending: pending.keyPairId, created: false };
  }
  const previous = current.active;
  const hold = options.longestGrantSeconds + backend.signerCacheSeconds;
  current = activateKey(current, pending.keyPairId, now(), hold);
  version = await backend.write(current, version);
  const retireAfter = current.keys.find((k) => k.keyPairId === previous)?.retireAfter;
  return {
    ...base,
    ...group,
    retired,
    ...(added ? { added } : {}),
    activated: pending.keyPairId,
    ...(retireAfter ? { retiring: { keyPairId: previous, retireAfter } } : {}),
    created: false,
  };
}

/**
 * After a lost race (`CONFLICT`), takes back the public key this run published but could not
 * store: out of the key group (when it got in) and deleted, so the loser leaves no key the set
 * does not know. Answers the error to throw; any other error is answered as it is.
 */
async function withdrawKey(
  backend: KeyBackend,
  err: unknown,
  keyPairId: string,
  keyGroupId: string | undefined,
): Promise<unknown> {
  if (!isConflict(err)) return err;
  try {
    await backend.removeFromKeyGroup(keyGroupId, [keyPairId]);
    await backend.deletePublicKey(keyPairId);
  } catch (cleanup) {
    const conflict = err as StreamctlError;
    return new StreamctlError(
      ErrorCode.Conflict,
      `${conflict.message}; the public key ${keyPairId} this run published could not be withdrawn: ${(cleanup as Error).message}`,
      {
        cause: err,
        hint: `take ${keyPairId} out of the key group and delete it (aws cloudfront delete-public-key --id ${keyPairId}), then ${KEY_SET_CONFLICT_HINT}`,
        details: { ...conflict.details, strayPublicKey: keyPairId },
      },
    );
  }
  return err;
}

async function waitForDeployment(
  backend: KeyBackend,
  keyGroupId: string | undefined,
  settledAt: number,
  options: RotateOptions,
): Promise<boolean> {
  const now = options.now ?? Date.now;
  const ready = async () => now() >= settledAt && (await backend.keyGroupDeployed(keyGroupId));
  if (await ready()) return true;
  if (options.wait === false) return false;
  const sleep = options.sleep ?? pause;
  const pollMs = options.pollMs ?? 15_000;
  const timeoutMs = options.timeoutMs ?? 20 * 60_000;
  // Counted in polls, not by the clock, so a test's sleep that returns at once still ends.
  for (let waited = 0; waited < timeoutMs; waited += pollMs) {
    await sleep(pollMs);
    if (await ready()) return true;
  }
  return false;
}
