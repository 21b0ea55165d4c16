/**
 * Secrets the server reads at run time from Secrets Manager (the CloudFront
 * signing key, the origin secret), so no secret value sits in a template or
 * in the function's environment. Each is cached in the process for a few
 * minutes (Powertools Parameters), and a failed read is remembered for a
 * while, so an unreachable or missing secret costs one call per minute, not
 * one per request.
 *
 * @module
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SECRET_CACHE_SECONDS } from '@streamctl/sdk/config';
import { ConfigError } from '@streamctl/sdk/errors';

/** Options of {@link createSecretReader}. */
export interface SecretReaderOptions {
  /** How long a value read is used before it is read again, in seconds. Default `SECRET_CACHE_SECONDS` (300), which key rotation counts on. */
  maxAgeSeconds?: number;
  /** How long a failed read is answered from memory before the next try, in seconds. Default 60. */
  retryAfterSeconds?: number;
  /** The provider to read through (its client's Region, retries). Default: one of the function's Region. */
  provider?: SecretsProvider;
  /** Milliseconds since the epoch. Default: `Date.now`. */
  now?: () => number;
}

/** One secret's current string value. */
export interface SecretReader {
  /** The secret's `SecretString`; throws a `ConfigError` (the read failed now or within `retryAfterSeconds`). */
  get(): Promise<string>;
}

/**
 * A reader of one Secrets Manager secret by name or ARN.
 *
 * @example
 * ```ts
 * const signing = createSecretReader(process.env.STREAMCTL_CF_SIGNING_SECRET_ID!);
 * const signer = signerForKeySet(parseSigningKeySet(await signing.get(), 'the signing secret'));
 * ```
 */
export function createSecretReader(secretId: string, options: SecretReaderOptions = {}): SecretReader {
  const provider = options.provider ?? new SecretsProvider();
  const maxAge = options.maxAgeSeconds ?? SECRET_CACHE_SECONDS;
  const retryAfterMs = (options.retryAfterSeconds ?? 60) * 1000;
  const now = options.now ?? Date.now;
  let failed: { at: number; error: ConfigError } | undefined;
  return {
    async get() {
      if (failed && now() - failed.at < retryAfterMs) throw failed.error;
      try {
        const value = await provider.get(secretId, { maxAge });
        if (typeof value !== 'string' || value === '') throw new Error('it holds no SecretString');
        failed = undefined;
        return value;
      } catch (cause) {
        const error = new ConfigError(`Cannot read the secret ${secretId}: ${(cause as Error).message}`, {
          cause,
          hint: 'check that the secret exists in this Region and that the function may call secretsmanager:GetSecretValue on it',
        });
        failed = { at: now(), error };
        throw error;
      }
    },
  };
}
