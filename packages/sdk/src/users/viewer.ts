/**
 * The viewer: who is asking, made once from verified token claims. Every use
 * case that depends on who is asking (playback grants, events, rails, the
 * watchlist) takes a `Viewer`; none reads claims or picks defaults itself.
 */
import { UnauthorizedError } from '../errors/index.js';
import { CountrySchema, IdSchema } from './ids.js';

/** Who is asking, from verified claims. */
export interface Viewer {
  /** The token's subject. */
  readonly userId: string;
  /** ISO 3166 alpha-2, upper case: where the viewer is entitled to watch. */
  readonly country: string;
}

/** Claims of a verified token, as jose returns them. */
export type ViewerClaims = Readonly<Record<string, unknown>>;

/**
 * Builds the viewer from verified claims: `sub` is the user id, `country`
 * (or Cognito's `custom:country`) the country. A token without a usable
 * subject or country is refused, never defaulted: a made-up country would
 * entitle the viewer to another territory's catalogue.
 *
 * @example
 * ```ts
 * const viewer = viewerFromClaims({ sub: 'alice', country: 'gb' }); // { userId: 'alice', country: 'GB' }
 * viewerFromClaims({ sub: 'alice' }); // throws UnauthorizedError
 * ```
 */
export function viewerFromClaims(claims: ViewerClaims): Viewer {
  const sub = IdSchema.safeParse(claims.sub);
  if (!sub.success) {
    throw new UnauthorizedError('The token has no usable subject (sub): letters, digits and . _ : - only', {
      hint: 'sign the token with the user id as its subject',
    });
  }
  const raw = claims.country ?? claims['custom:country'];
  if (raw === undefined) {
    throw new UnauthorizedError('The token carries no country claim', {
      hint: 'issue tokens with a country claim (custom:country on Cognito; streamctl token --country CC locally)',
    });
  }
  const country = CountrySchema.safeParse(raw);
  if (!country.success) {
    // The contract's reason (shape, or an unassigned code with the one meant: UK means GB).
    const why = country.error.issues[0]?.message ?? 'not a country code';
    throw new UnauthorizedError(`The token's country claim ${JSON.stringify(raw)} is refused: ${why}`);
  }
  return { userId: sub.data, country: country.data };
}
