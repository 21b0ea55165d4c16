/**
 * Content keys at rest: wrapped (encrypted) with a key-encryption key before
 * they are stored, bound to the title and key they belong to. On AWS the
 * key-encryption key is a KMS key (Encrypt/Decrypt with an encryption
 * context); on the local stage it is 32 random bytes in the data dir (mode
 * 0600) and the wrapping is AES-256-GCM with the same context as its
 * additional data. A wrapped key moved to another title does not unwrap.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { AwsClients } from '../aws/index.js';
import type { StreamctlConfig } from '../config/index.js';
import { ConfigError, ErrorCode, StreamctlError, wrapAwsError } from '../errors/index.js';
import { dataDirLayout } from '../local/index.js';

/** What a wrapped key is bound to: unwrapping with any other context fails. */
export interface KeyContext {
  titleId: string;
  keyId: string;
}

/** Wraps and unwraps content keys with a key-encryption key. */
export interface KeyWrapper {
  /** Names the key-encryption key (`kms:<key>` or `local:<fingerprint>`); stored beside each wrapped key. */
  readonly id: string;
  wrap(key: Uint8Array, context: KeyContext): Promise<Uint8Array>;
  /** The key; a typed error when the blob was not wrapped by this key or for this context. */
  unwrap(wrapped: Uint8Array, context: KeyContext): Promise<Uint8Array>;
}

const contextBytes = (c: KeyContext) => Buffer.from(`streamctl-content-key\u0000${c.titleId}\u0000${c.keyId}`);

/**
 * A wrapper over a 32-byte key-encryption key held by this process
 * (AES-256-GCM: 12-byte nonce, 16-byte tag, ciphertext).
 *
 * @example
 * ```ts
 * const wrapper = createLocalKeyWrapper(randomBytes(32));
 * const blob = await wrapper.wrap(key, { titleId: 't1', keyId });
 * ```
 */
export function createLocalKeyWrapper(kek: Uint8Array): KeyWrapper {
  if (kek.length !== 32) throw new ConfigError('The local key-encryption key must be 32 bytes');
  const fingerprint = createHash('sha256').update(kek).digest('hex').slice(0, 16);
  return {
    id: `local:${fingerprint}`,
    async wrap(key, context) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', kek, nonce);
      cipher.setAAD(contextBytes(context));
      const body = Buffer.concat([cipher.update(key), cipher.final()]);
      return Buffer.concat([nonce, cipher.getAuthTag(), body]);
    },
    async unwrap(wrapped, context) {
      const blob = Buffer.from(wrapped);
      try {
        const decipher = createDecipheriv('aes-256-gcm', kek, blob.subarray(0, 12));
        decipher.setAAD(contextBytes(context));
        decipher.setAuthTag(blob.subarray(12, 28));
        return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
      } catch (err) {
        throw new StreamctlError(
          ErrorCode.Internal,
          `The content key ${context.keyId} of ${context.titleId} does not unwrap with this key-encryption key`,
          { cause: err },
        );
      }
    },
  };
}

/**
 * A wrapper over a KMS key: `Encrypt` and `Decrypt` with the encryption
 * context `{ titleId, keyId }` (which CloudTrail records, and a key policy
 * may require).
 *
 * @example
 * ```ts
 * const wrapper = createKmsKeyWrapper(() => clients.kms(), 'alias/streamctl-prod-content-keys');
 * ```
 */
export function createKmsKeyWrapper(kms: () => KMSClient, kmsKeyId: string): KeyWrapper {
  const context = (c: KeyContext) => ({ titleId: c.titleId, keyId: c.keyId });
  return {
    id: `kms:${kmsKeyId}`,
    async wrap(key, c) {
      try {
        const out = await kms().send(
          new EncryptCommand({ KeyId: kmsKeyId, Plaintext: key, EncryptionContext: context(c) }),
        );
        if (!out.CiphertextBlob) throw new Error('KMS answered no ciphertext');
        return out.CiphertextBlob;
      } catch (err) {
        throw wrapAwsError(err, 'kms:Encrypt', kmsKeyId);
      }
    },
    async unwrap(wrapped, c) {
      try {
        const out = await kms().send(
          new DecryptCommand({ KeyId: kmsKeyId, CiphertextBlob: wrapped, EncryptionContext: context(c) }),
        );
        if (!out.Plaintext) throw new Error('KMS answered no plaintext');
        return out.Plaintext;
      } catch (err) {
        throw wrapAwsError(err, 'kms:Decrypt', kmsKeyId);
      }
    },
  };
}

/** The local stage's key-encryption key file in a data dir. */
export const localKekFile = (dataDir: string) => join(dataDirLayout(dataDir).keys, 'content-kek');

/**
 * The local stage's key-encryption key: 32 random bytes in the data dir,
 * created on first use (mode 0600, never overwritten).
 */
export function ensureLocalKek(dataDir: string): Buffer {
  const file = localKekFile(dataDir);
  const read = () => {
    const kek = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (kek.length !== 32) {
      throw new ConfigError(`The content key-encryption key ${file} is not 32 bytes`, {
        hint: 'restore it from a backup: the content keys it wrapped cannot be read without it',
      });
    }
    return kek;
  };
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDirLayout(dataDir).keys, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process made it first: theirs is the key.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return read();
}

/**
 * The key wrapper of a stage: KMS when `protection.kmsKeyId` is set; the data
 * dir's key on the local stage; otherwise `CONFIG_INVALID` naming the fix.
 *
 * @example
 * ```ts
 * const wrapper = keyWrapperFor(config, clients);
 * ```
 */
export function keyWrapperFor(config: StreamctlConfig, clients: Pick<AwsClients, 'kms'>): KeyWrapper {
  if (config.protection.kmsKeyId) return createKmsKeyWrapper(() => clients.kms(), config.protection.kmsKeyId);
  if (config.stage === 'local') return createLocalKeyWrapper(ensureLocalKek(config.dataDir));
  throw new ConfigError(`Stage ${config.stage} has no KMS key for content keys`, {
    hint: 'set protection.kmsKeyId in streamctl.config.json (or STREAMCTL_PROTECTION_KMS_KEY_ID); the CDK app creates alias/streamctl-<stage>-content-keys',
  });
}
