/**
 * The viewer: who is asking, made once from verified token claims. Every use
 * case that depends on who is asking (playback grants, events, rails, the
 * watchlist) takes a `Viewer`; none reads claims or picks defaults itself.
 */
import { PlanNameSchema } from '../config/index.js';
import { UnauthorizedError } from '../errors/index.js';
import { CountrySchema, IdSchema } from './ids.js';

/** Who is asking, from verified claims. */
export interface Viewer {
  /** The token's subject. */
  readonly userId: string;
  /** ISO 3166 alpha-2, upper case: where the viewer is entitled to watch. */
  readonly country: string;
  /** The viewer's plan (`basic`, `standard`, `premium`, …): streams at once and the tallest rung. */
  readonly plan: string;
}

/** Claims of a verified token, as jose returns them. */
export type ViewerClaims = Readonly<Record<string, unknown>>;

/**
 * Builds the viewer from verified claims: `sub` is the user id, `country`
 * (or Cognito's `custom:country`) the country, `plan` (or `custom:plan`) the
 * plan. A token without a usable subject, country or plan is refused, never
 * defaulted: a made-up country would entitle the viewer to another
 * territory's catalogue, a made-up plan to streams nobody paid for.
 *
 * @example
 * ```ts
 * const viewer = viewerFromClaims({ sub: 'alice', country: 'gb', plan: 'basic' }); // { userId: 'alice', country: 'GB', plan: 'basic' }
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
  const rawPlan = claims.plan ?? claims['custom:plan'];
  if (rawPlan === undefined) {
    throw new UnauthorizedError('The token carries no plan claim', {
      hint: 'issue tokens with a plan claim (custom:plan on Cognito; streamctl token --plan NAME locally)',
    });
  }
  const plan = PlanNameSchema.safeParse(rawPlan);
  if (!plan.success) {
    throw new UnauthorizedError(`The token's plan claim ${JSON.stringify(rawPlan)} is refused: not a plan name`);
  }
  return { userId: sub.data, country: country.data, plan: plan.data };
}
