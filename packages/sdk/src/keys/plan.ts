/**
 * The rotation rules, as pure functions over a key set: which keys are due
 * to leave, which key is pending, and what switching the signing key does.
 * The backends (Secrets Manager and CloudFront, or the data dir) only store
 * and publish what these decide.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { SigningKey, SigningKeySet } from './set.js';

/** Where a key is in its life. */
export type SigningKeyStatus = 'active' | 'pending' | 'retiring' | 'retired';

/**
 * The status of a key at `now`: `active` signs; `pending` is published but has never signed;
 * `retiring` signed before and is still trusted for grants it signed; `retired` is past its
 * `retireAfter` and leaves the key group at the next `keys rotate` or `keys retire`.
 *
 * @example
 * ```ts
 * keyStatus(set, set.keys[0], Date.now()); // "active"
 * ```
 */
export function keyStatus(set: SigningKeySet, key: SigningKey, now: number): SigningKeyStatus {
  if (key.keyPairId === set.active) return 'active';
  if (key.retireAfter !== undefined) return Date.parse(key.retireAfter) <= now ? 'retired' : 'retiring';
  // A key that signed before and has no retireAfter cannot be told from one that never signed
  // without `activatedAt`; one that has it is held like a retiring key until a rotation dates it.
  return key.activatedAt === undefined ? 'pending' : 'retiring';
}

/**
 * The keys of a set past their `retireAfter` at `now` (never the active key).
 *
 * @example
 * ```ts
 * retirementDue(set, Date.now()).map((k) => k.keyPairId);
 * ```
 */
export function retirementDue(set: SigningKeySet, now: number): SigningKey[] {
  return set.keys.filter((k) => keyStatus(set, k, now) === 'retired');
}

/**
 * The set without the listed keys. The active key is never removed.
 *
 * @example
 * ```ts
 * const kept = withoutKeys(set, ['KOLD']);
 * ```
 */
export function withoutKeys(set: SigningKeySet, keyPairIds: readonly string[]): SigningKeySet {
  const drop = new Set(keyPairIds.filter((id) => id !== set.active));
  return { ...set, keys: set.keys.filter((k) => !drop.has(k.keyPairId)) };
}

/**
 * The pending key of a set: published, never active. At most one exists, because a rotation
 * finishes a pending key before it starts another.
 *
 * @example
 * ```ts
 * const pending = pendingKey(set); // undefined when no rotation is half done
 * ```
 */
export function pendingKey(set: SigningKeySet): SigningKey | undefined {
  return set.keys.find((k) => keyStatus(set, k, 0) === 'pending');
}

/**
 * The set with a new key added as pending (it signs nothing until {@link activateKey}).
 *
 * @example
 * ```ts
 * const next = withPendingKey(set, { keyPairId: 'KNEW', privateKey: pem, createdAt: new Date().toISOString() });
 * ```
 */
export function withPendingKey(set: SigningKeySet, key: SigningKey): SigningKeySet {
  const { activatedAt: _a, retireAfter: _r, ...fresh } = key;
  return { ...set, keys: [...set.keys.filter((k) => k.keyPairId !== key.keyPairId), fresh] };
}

/**
 * Switches signing to `keyPairId` at `now`. The key that signed until now stays trusted for
 * `holdSeconds` more (the longest a grant it signed lives, plus how long a signer may keep
 * using a cached set): its `retireAfter` is set to `now + holdSeconds`.
 *
 * @example
 * ```ts
 * const next = activateKey(set, 'KNEW', Date.now(), longestGrantSeconds(300) + 300);
 * ```
 */
export function activateKey(set: SigningKeySet, keyPairId: string, now: number, holdSeconds: number): SigningKeySet {
  const at = new Date(now).toISOString();
  const retireAfter = new Date(now + holdSeconds * 1000).toISOString();
  return {
    ...set,
    active: keyPairId,
    keys: set.keys.map((k) => {
      if (k.keyPairId === keyPairId) {
        const { retireAfter: _r, ...rest } = k;
        return { ...rest, activatedAt: at };
      }
      // The key that signed until now, or one that signed before without a date: held from now.
      if (k.keyPairId === set.active || (k.activatedAt !== undefined && k.retireAfter === undefined))
        return { ...k, retireAfter };
      return k;
    }),
  };
}

/** A new RSA key pair in PEM. */
export interface NewKeyPair {
  privateKey: string;
  publicKey: string;
}

/**
 * A new 2048-bit RSA key pair, the size CloudFront accepts for public keys.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = generateSigningKeyPair();
 * ```
 */
export function generateSigningKeyPair(): NewKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
