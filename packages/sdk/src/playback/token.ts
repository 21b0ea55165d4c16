/**
 * Short-lived playback tokens: a signed claim that one viewer may play one
 * title, for clients that must present proof to something other than
 * CloudFront (a license server, an edge function). HS256 with a shared secret.
 */
import { jwtVerify, SignJWT } from 'jose';
import { ErrorCode, StreamctlError, ValidationError } from '../errors/index.js';

const ISSUER = 'streamctl-playback';
/** Longest lifetime of a playback token: it is proof for one session start, not a session. */
export const MAX_PLAYBACK_TOKEN_SECONDS = 900;

/** The claims of a playback token. */
export interface PlaybackClaims {
  userId: string;
  titleId: string;
  country: string;
}

function secretBytes(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (bytes.length < 32) {
    throw new ValidationError('A playback token secret needs at least 32 bytes', [
      { path: 'secret', message: 'too short' },
    ]);
  }
  return bytes;
}

/**
 * Mints a playback token valid for `ttlSeconds` (at most 15 minutes).
 *
 * @example
 * ```ts
 * const token = await mintPlaybackToken(secret, { userId: 'u1', titleId: 't1', country: 'GB' }, 300);
 * ```
 */
export async function mintPlaybackToken(
  secret: string | Uint8Array,
  claims: PlaybackClaims,
  ttlSeconds = 300,
): Promise<string> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_PLAYBACK_TOKEN_SECONDS) {
    throw new ValidationError(`A playback token lives 1–${MAX_PLAYBACK_TOKEN_SECONDS} s, not ${ttlSeconds}`, [
      { path: 'ttlSeconds', message: 'out of range' },
    ]);
  }
  return new SignJWT({ tid: claims.titleId, country: claims.country })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(secretBytes(secret));
}

/**
 * Verifies a playback token, optionally for one title. Throws `FORBIDDEN`.
 *
 * @example
 * ```ts
 * const { userId } = await verifyPlaybackToken(secret, token, 't1');
 * ```
 */
export async function verifyPlaybackToken(
  secret: string | Uint8Array,
  token: string,
  titleId?: string,
): Promise<PlaybackClaims> {
  try {
    const { payload } = await jwtVerify(token, secretBytes(secret), { issuer: ISSUER, algorithms: ['HS256'] });
    const claims = { userId: String(payload.sub), titleId: String(payload.tid), country: String(payload.country) };
    if (titleId !== undefined && claims.titleId !== titleId) throw new Error(`token is for title ${claims.titleId}`);
    return claims;
  } catch (cause) {
    if (cause instanceof ValidationError) throw cause;
    throw new StreamctlError(ErrorCode.Forbidden, `Invalid playback token: ${(cause as Error).message}`, { cause });
  }
}
