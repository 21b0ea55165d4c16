/**
 * CloudFront signed URLs and signed cookies. The private key is parsed once
 * when the signer is made; each signature is one RSA-SHA1 over the policy
 * bytes, so a signer runs at the speed of raw RSA signing.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { ErrorCode, StreamctlError, ValidationError } from '../errors/index.js';
import {
  assertSignableUrl,
  canonicalUrl,
  epochSeconds,
  normalizeCidr,
  serializePolicy,
  toCloudFrontBase64,
} from './policy.js';

/** A CloudFront key pair: the public key's ID in the key group, and its private key. */
export interface KeyPair {
  /** The ID CloudFront shows for the public key (e.g. `K2JCJMDEHXQW5F`). */
  keyPairId: string;
  /** PEM text, a Buffer of it, or a parsed KeyObject. */
  privateKey: string | Buffer | KeyObject;
  /** Passphrase of an encrypted PEM. */
  passphrase?: string;
}

/** Options of {@link createPlaybackSigner}. */
export type PlaybackSignerOptions =
  | KeyPair
  | {
      /** Every key pair of the key group; signing uses the active one. */
      keyPairs: KeyPair[];
      /** Which pair signs. Default: the first. */
      activeKeyPairId?: string;
    };

/** When and where a signature is valid. */
export interface SignOptions {
  /** Expiry: a Date, an ISO string, or epoch seconds. */
  expiresAt: Date | string | number;
  /** Not valid before this time (custom policy). */
  startsAt?: Date | string | number | undefined;
  /** Only for viewers in this IPv4 CIDR (custom policy). */
  ipRange?: string | undefined;
  /**
   * The policy's resource, with `*` and `?` wildcards, so one signature
   * covers a whole HLS tree (custom policy). Default: the URL itself.
   */
  resource?: string | undefined;
}

/** Signed cookies, named as CloudFront reads them. */
export interface SignedCookies {
  'CloudFront-Key-Pair-Id': string;
  'CloudFront-Signature': string;
  'CloudFront-Expires'?: string;
  'CloudFront-Policy'?: string;
}

/** A signed policy, before it is put into a URL or cookies. */
export interface SignedPolicy {
  keyPairId: string;
  /** `canned` when only an expiry applies to one exact URL; `custom` otherwise. */
  kind: 'canned' | 'custom';
  /** The policy document that was signed. */
  policy: string;
  /** Epoch seconds of the expiry. */
  expires: number;
  /** CloudFront base64 of the RSA-SHA1 signature. */
  signature: string;
}

/** A signer bound to its key pairs. */
export interface PlaybackSigner {
  /** The key pair ID that signs. */
  readonly keyPairId: string;
  /** The public keys of every listed pair, for verifiers (PEM, by key pair ID). */
  readonly publicKeys: Record<string, string>;
  /** Signs a URL; the result carries `Expires` or `Policy`, then `Key-Pair-Id` and `Signature`. */
  signUrl(url: string, options: SignOptions): string;
  /** Signs cookies for a URL or, with `resource`, for everything the pattern matches. */
  signCookies(url: string, options: SignOptions): SignedCookies;
  /** Signs the policy for a URL and options, for callers that cache signatures by policy. */
  signPolicy(url: string, options: SignOptions): SignedPolicy;
}

function parseKey(pair: KeyPair): KeyObject {
  if (typeof pair.privateKey === 'object' && 'asymmetricKeyType' in pair.privateKey) {
    return pair.privateKey as KeyObject;
  }
  try {
    const key = createPrivateKey({
      key: pair.privateKey as string | Buffer,
      format: 'pem',
      ...(pair.passphrase ? { passphrase: pair.passphrase } : {}),
    });
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`a ${key.asymmetricKeyType} key, not RSA`);
    return key;
  } catch (cause) {
    throw new StreamctlError(
      ErrorCode.ValidationFailed,
      `Invalid private key for key pair ${pair.keyPairId}: ${(cause as Error).message}`,
      {
        cause,
        hint: 'pass the PEM of the RSA key whose public key is in the CloudFront key group',
      },
    );
  }
}

/**
 * Creates a CloudFront signer. Canned policies are used when only an expiry
 * is given for one URL; custom policies when a start time, IP range or
 * wildcard resource is. Output is identical to `@aws-sdk/cloudfront-signer`'s
 * `getSignedUrl`/`getSignedCookies` for the same inputs.
 *
 * @example
 * ```ts
 * const signer = createPlaybackSigner({ keyPairId: 'K2JCJMDEHXQW5F', privateKey: pem });
 * const url = signer.signUrl('https://d111111abcdef8.cloudfront.net/titles/t1/master.m3u8', {
 *   expiresAt: new Date(Date.now() + 3600_000),
 * });
 * const cookies = signer.signCookies('https://d111111abcdef8.cloudfront.net/titles/t1/master.m3u8', {
 *   expiresAt: '2026-12-01T00:00:00Z',
 *   resource: 'https://d111111abcdef8.cloudfront.net/titles/t1/*',
 * });
 * ```
 */
export function createPlaybackSigner(options: PlaybackSignerOptions): PlaybackSigner {
  const pairs = 'keyPairs' in options ? options.keyPairs : [options];
  if (pairs.length === 0) {
    throw new ValidationError('A playback signer needs at least one key pair', [
      { path: 'keyPairs', message: 'empty' },
    ]);
  }
  const keys = new Map<string, KeyObject>();
  for (const pair of pairs) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(pair.keyPairId ?? '')) {
      throw new ValidationError(`Invalid key pair ID "${pair.keyPairId}"`, [
        { path: 'keyPairId', message: 'letters, digits, - and _ only' },
      ]);
    }
    keys.set(pair.keyPairId, parseKey(pair));
  }
  const activeId = ('keyPairs' in options ? options.activeKeyPairId : undefined) ?? (pairs[0] as KeyPair).keyPairId;
  const activeKey = keys.get(activeId);
  if (!activeKey) {
    throw new ValidationError(`The active key pair ${activeId} is not among the listed key pairs`, [
      { path: 'activeKeyPairId', message: 'not listed' },
    ]);
  }
  const publicKeys = Object.fromEntries(
    [...keys].map(([id, key]) => [id, createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString()]),
  );

  // Signed URLs canonicalize the URL before it becomes a canned policy's
  // resource; signed cookies take it as given. Both as @aws-sdk/cloudfront-signer does.
  const signPolicy = (url: string, opts: SignOptions, canonical = true): SignedPolicy => {
    assertSignableUrl(url);
    const expires = epochSeconds(opts.expiresAt, 'expiresAt');
    const starts = opts.startsAt === undefined ? undefined : epochSeconds(opts.startsAt, 'startsAt');
    if (starts !== undefined && starts >= expires) {
      throw new ValidationError('startsAt must be before expiresAt', [{ path: 'startsAt', message: 'after expiry' }]);
    }
    const ipRange = opts.ipRange === undefined ? undefined : normalizeCidr(opts.ipRange);
    const custom = Boolean(starts) || Boolean(ipRange) || opts.resource !== undefined;
    const resource = opts.resource ?? (canonical ? canonicalUrl(url) : url);
    const policy = serializePolicy({ resource, expires, starts, ipRange });
    const signature = toCloudFrontBase64(sign('RSA-SHA1', Buffer.from(policy), activeKey).toString('base64'));
    return { keyPairId: activeId, kind: custom ? 'custom' : 'canned', policy, expires, signature };
  };

  return {
    keyPairId: activeId,
    publicKeys,
    signPolicy: (url, opts) => signPolicy(url, opts),
    signUrl: (url, opts) => signedUrl(url, signPolicy(url, opts)),
    signCookies: (url, opts) => signedCookies(signPolicy(url, opts, false)),
  };
}

/**
 * The signed URL of a policy signed for `url`: the canonical URL with `Expires` (canned) or
 * `Policy` (custom), then `Key-Pair-Id` and `Signature`, as CloudFront reads them.
 *
 * @example
 * ```ts
 * const signed = signer.signPolicy(url, { expiresAt, resource: `${cdn}/titles/t1/*` });
 * const [link, cookies] = [signedUrl(url, signed), signedCookies(signed)]; // one RSA signature
 * ```
 */
export function signedUrl(url: string, signed: SignedPolicy): string {
  const base = canonicalUrl(url);
  const first =
    signed.kind === 'canned'
      ? `Expires=${signed.expires}`
      : `Policy=${toCloudFrontBase64(Buffer.from(signed.policy).toString('base64'))}`;
  return `${base}${base.includes('?') ? '&' : '?'}${first}&Key-Pair-Id=${encodeURIComponent(signed.keyPairId)}&Signature=${signed.signature}`;
}

/**
 * The signed cookies of a policy. A canned policy's resource is the exact URL it was signed for;
 * a custom one (a wildcard resource) carries its policy.
 *
 * @example
 * ```ts
 * const cookies = signedCookies(signer.signPolicy(url, { expiresAt, resource: `${cdn}/titles/t1/*` }));
 * ```
 */
export function signedCookies(signed: SignedPolicy): SignedCookies {
  return {
    'CloudFront-Key-Pair-Id': signed.keyPairId,
    'CloudFront-Signature': signed.signature,
    ...(signed.kind === 'canned'
      ? { 'CloudFront-Expires': String(signed.expires) }
      : { 'CloudFront-Policy': toCloudFrontBase64(Buffer.from(signed.policy).toString('base64')) }),
  };
}
