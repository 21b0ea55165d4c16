/**
 * The signing key set of a stage: every CloudFront key pair the key group
 * trusts, and which one signs. The same JSON lives in the stage's Secrets
 * Manager secret on AWS and in the data dir locally.
 *
 * ```json
 * { "keyGroupId": "…", "active": "K2JCJMDEHXQW5F",
 *   "keys": [{ "keyPairId": "K2JCJMDEHXQW5F", "privateKey": "-----BEGIN PRIVATE KEY-----…",
 *              "createdAt": "2026-12-01T00:00:00.000Z", "activatedAt": "2026-12-01T00:20:00.000Z" }] }
 * ```
 *
 * A key that is in the set but not `active` never signs: it is either pending (added to the key
 * group, waiting for the distribution to deploy the change) or retiring (it signed before, and
 * grants it signed are still alive until `retireAfter`).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { createPlaybackSigner, type PlaybackSigner } from '../playback/index.js';

/** A CloudFront public key ID as the key group and signed cookies carry it. */
const KeyPairId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only');
const Pem = z.string().includes('PRIVATE KEY', { message: 'a PEM private key' });
const Instant = z.iso.datetime({ offset: true });

/** One key pair of the set. */
export const SigningKeySchema = z
  .object({
    keyPairId: KeyPairId,
    /** PEM (PKCS#8 or PKCS#1) of an RSA key. */
    privateKey: Pem,
    createdAt: Instant,
    /** When it became the active key (absent while pending). */
    activatedAt: Instant.optional(),
    /** Once another key signs: after this instant no grant it signed is alive, and it may leave the key group. */
    retireAfter: Instant.optional(),
  })
  .strict();

/** One key pair of a {@link SigningKeySet}. */
export type SigningKey = z.infer<typeof SigningKeySchema>;

/** The set's JSON shape. */
export const SigningKeySetSchema = z
  .object({
    /** The CloudFront key group the keys are published in (AWS only; the local edge trusts the set itself). */
    keyGroupId: z.string().min(1).max(128).optional(),
    active: KeyPairId,
    keys: z.array(SigningKeySchema).min(1).max(10),
  })
  .strict()
  .superRefine((set, ctx) => {
    const ids = set.keys.map((k) => k.keyPairId);
    if (!ids.includes(set.active))
      ctx.addIssue({ code: 'custom', path: ['active'], message: `${set.active} is not one of the keys` });
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: 'custom', path: ['keys'], message: 'a key pair ID is listed twice' });
  });

/** Every key pair of a stage, and the one that signs. */
export type SigningKeySet = z.infer<typeof SigningKeySetSchema>;

/** The single-key shape written before key sets existed: `{ keyPairId, privateKey }`. */
const LegacySecret = z.object({ keyPairId: KeyPairId, privateKey: Pem });
/** The local edge's key file before key sets: `{ keyPairId, privateKeyPem, publicKeyPem }`. */
const LegacyLocalFile = z.object({ keyPairId: KeyPairId, privateKeyPem: Pem });

/**
 * Reads a key set from its JSON text. The older one-key shapes are read as a set of that one
 * active key (its dates unknown: the epoch). Throws a `ConfigError` naming `source` and never
 * what the text holds: it is a secret.
 *
 * @example
 * ```ts
 * const set = parseSigningKeySet(await secret.get(), 'secret streamctl/prod/cloudfront-signing');
 * set.active; // "K2JCJMDEHXQW5F"
 * ```
 */
export function parseSigningKeySet(text: string, source: string): SigningKeySet {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(source, 'it is not JSON');
  }
  const set = SigningKeySetSchema.safeParse(value);
  if (set.success) {
    for (const key of set.data.keys) assertRsa(key, source);
    return set.data;
  }
  const legacy = LegacySecret.safeParse(value);
  const local = LegacyLocalFile.safeParse(value);
  const one = legacy.success
    ? legacy.data
    : local.success
      ? { keyPairId: local.data.keyPairId, privateKey: local.data.privateKeyPem }
      : undefined;
  if (!one) {
    const issues = set.error.issues.map((i) => `${i.path.join('.') || 'set'}: ${i.message}`).join('; ');
    throw invalid(source, issues);
  }
  const epoch = new Date(0).toISOString();
  const key: SigningKey = { ...one, createdAt: epoch, activatedAt: epoch };
  assertRsa(key, source);
  return { active: key.keyPairId, keys: [key] };
}

function invalid(source: string, why: string): ConfigError {
  // Zod's issues name paths and rules, never values: safe to show.
  return new ConfigError(`The CloudFront signing key set from ${source} is not valid: ${why}`, {
    hint: 'store {"active": "K…", "keys": [{"keyPairId": "K…", "privateKey": "-----BEGIN PRIVATE KEY-----…", "createdAt": "…"}]}, or run `streamctl keys rotate` to write one',
  });
}

function assertRsa(key: SigningKey, source: string): void {
  let type: string | undefined;
  try {
    type = createPrivateKey(key.privateKey).asymmetricKeyType;
  } catch {
    throw invalid(source, `keys.${key.keyPairId}: the private key cannot be read as PEM`);
  }
  if (type !== 'rsa') throw invalid(source, `keys.${key.keyPairId}: a ${type} key, CloudFront signs with RSA`);
}

/**
 * The JSON text of a set, as stored.
 *
 * @example
 * ```ts
 * await writeFile(file, serializeSigningKeySet(set), { mode: 0o600 });
 * ```
 */
export function serializeSigningKeySet(set: SigningKeySet): string {
  return `${JSON.stringify(set, null, 2)}\n`;
}

/**
 * The active key of a set.
 *
 * @example
 * ```ts
 * const { keyPairId, privateKey } = activeSigningKey(set);
 * ```
 */
export function activeSigningKey(set: SigningKeySet): SigningKey {
  const key = set.keys.find((k) => k.keyPairId === set.active);
  // The schema refuses a set whose active key is not listed; a set built in code gets the same check.
  if (!key) throw new ConfigError(`The active key ${set.active} is not in the signing key set`);
  return key;
}

/**
 * A signer over the set's active key only: a pending or retiring key is never handed to it, so
 * it cannot sign with one.
 *
 * @example
 * ```ts
 * const signer = signerForKeySet(set); // signer.keyPairId === set.active
 * ```
 */
export function signerForKeySet(set: SigningKeySet): PlaybackSigner {
  const key = activeSigningKey(set);
  return createPlaybackSigner({ keyPairId: key.keyPairId, privateKey: key.privateKey });
}

/**
 * The public key (SPKI PEM) of every key in the set, by key pair ID: what a key group holds, and
 * what a verifier that stands in for CloudFront trusts.
 *
 * @example
 * ```ts
 * const verifier = createPlaybackVerifier(publicKeysOf(set));
 * ```
 */
export function publicKeysOf(set: SigningKeySet): Record<string, string> {
  return Object.fromEntries(set.keys.map((k) => [k.keyPairId, publicKeyPem(k.privateKey)]));
}

/**
 * The SPKI PEM public key of a PEM private key.
 *
 * @example
 * ```ts
 * publicKeyPem(privateKeyPem); // "-----BEGIN PUBLIC KEY-----…"
 * ```
 */
export function publicKeyPem(privateKey: string): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}
