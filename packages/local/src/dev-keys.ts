/**
 * The signing key of the local stage's dev JWTs. It lives in the data dir,
 * is created on first use, and is what the local API verifies tokens with.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CountrySchema, IdSchema, PlanNameSchema, viewerFromClaims } from '@streamctl/sdk';
import { ErrorCode, StreamctlError, ValidationError } from '@streamctl/sdk/errors';
import { dataDirLayout } from '@streamctl/sdk/local';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

/** Issuer of dev tokens. */
export const DEV_TOKEN_ISSUER = 'streamctl-local';
/** Audience of dev tokens. */
export const DEV_TOKEN_AUDIENCE = 'streamctl';
const ALG = 'ES256';

interface StoredKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

function keyFile(dataDir: string): string {
  return join(dataDirLayout(dataDir).keys, 'dev-jwt.json');
}

/**
 * Returns the data dir's dev signing key, creating it on first use (mode 0600).
 *
 * @example
 * ```ts
 * const { kid, publicJwk } = await ensureDevSigningKey('.streamctl/local');
 * ```
 */
export async function ensureDevSigningKey(dataDir: string): Promise<StoredKey> {
  const file = keyFile(dataDir);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredKey;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StreamctlError(ErrorCode.ConfigInvalid, `Cannot read the dev signing key ${file}`, {
        cause: err,
        hint: 'delete the file (a new key is made), or run `streamctl dev --reset`',
      });
    }
  }
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomUUID();
  const stored: StoredKey = {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG, use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' },
  };
  mkdirSync(dataDirLayout(dataDir).keys, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Lost a race with another process creating the key: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      return JSON.parse(readFileSync(file, 'utf8')) as StoredKey;
    }
    throw err;
  }
  return stored;
}

const DevTokenInput = z.object({
  // The API's own rules: a dev token names a user, a country and a plan the API accepts.
  userId: IdSchema,
  country: CountrySchema,
  plan: PlanNameSchema,
  ttlSeconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 86400)
    .default(3600),
});

/** Inputs of {@link mintDevToken}. */
export type DevTokenInput = z.input<typeof DevTokenInput>;

/** A dev token and when it expires. */
export interface DevToken {
  token: string;
  userId: string;
  country: string;
  plan: string;
  expiresAt: string;
}

/**
 * Mints a dev JWT for the local stage: `sub` is the user, `country` the
 * viewer's country, `plan` their plan, signed with the data dir's key.
 *
 * @example
 * ```ts
 * const { token } = await mintDevToken('.streamctl/local', { userId: 'alice', country: 'GB', plan: 'basic' });
 * ```
 */
export async function mintDevToken(dataDir: string, input: DevTokenInput): Promise<DevToken> {
  const parsed = DevTokenInput.safeParse(input);
  if (!parsed.success) throw ValidationError.fromZod('token request', parsed.error);
  const { userId, country, plan, ttlSeconds } = parsed.data;
  const key = await ensureDevSigningKey(dataDir);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ country, plan })
    .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(DEV_TOKEN_ISSUER)
    .setAudience(DEV_TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(randomUUID())
    .sign(await importJWK(key.privateJwk, ALG));
  return { token, userId, country, plan, expiresAt: new Date((now + ttlSeconds) * 1000).toISOString() };
}

/** The claims of a verified dev token. */
export interface DevTokenClaims {
  userId: string;
  country: string;
  plan: string;
}

/**
 * Verifies a dev token against the data dir's key (signature, issuer,
 * audience, expiry). Throws `FORBIDDEN` on any failure.
 *
 * @example
 * ```ts
 * const { userId } = await verifyDevToken('.streamctl/local', token);
 * ```
 */
export async function verifyDevToken(dataDir: string, token: string): Promise<DevTokenClaims> {
  const key = await ensureDevSigningKey(dataDir);
  try {
    const { payload } = await jwtVerify(token, await importJWK(key.publicJwk, ALG), {
      issuer: DEV_TOKEN_ISSUER,
      audience: DEV_TOKEN_AUDIENCE,
      algorithms: [ALG],
    });
    return viewerFromClaims(payload);
  } catch (cause) {
    throw new StreamctlError(ErrorCode.Forbidden, `Invalid dev token: ${(cause as Error).message}`, {
      cause,
      hint: 'mint a new one with `streamctl token --user <id>`',
    });
  }
}
