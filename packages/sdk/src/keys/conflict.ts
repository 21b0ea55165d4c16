/**
 * The one error an operator gets when another `streamctl keys` run (or a hand
 * edit) changed the key set between this run's read and its write. Both
 * backends write conditionally on the version they read, so the loser finds
 * out at its write and the winner's set stands untouched.
 */
import { ConflictError, ErrorCode, isStreamctlError } from '../errors/index.js';

/** What the loser of a key set race is told to do next. */
export const KEY_SET_CONFLICT_HINT =
  'run `streamctl keys list` to see the keys as they are now (the other change stands), then run the command again';

/**
 * A `CONFLICT`: the key set in `location` is no longer the version this run read.
 *
 * @example
 * ```ts
 * if (stored.version !== expected) throw keySetChanged('secret streamctl/prod/cloudfront-signing (us-east-1)');
 * ```
 */
export function keySetChanged(location: string, options: { cause?: unknown; why?: string } = {}): ConflictError {
  const why = options.why ?? 'another `streamctl keys` run changed it since this run read it';
  return new ConflictError(`The signing key set in ${location} was not written: ${why}`, {
    ...(options.cause !== undefined ? { cause: options.cause } : {}),
    hint: KEY_SET_CONFLICT_HINT,
    details: { location },
  });
}

/**
 * True for a `CONFLICT` of any `keys` step: a lost key set write, a lost key group update, a key
 * group or secret another run created first.
 *
 * @example
 * ```ts
 * if (isConflict(err)) await backend.deletePublicKey(keyPairId);
 * ```
 */
export function isConflict(err: unknown): boolean {
  return isStreamctlError(err) && err.code === ErrorCode.Conflict;
}
