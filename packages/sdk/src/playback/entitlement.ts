/**
 * Entitlement: may this viewer play this title now? A title is playable when
 * it is PUBLISHED, available in the viewer's country, and inside its window.
 */
import type { TitleStatus } from '../catalog/index.js';
import { ErrorCode, NotFoundError, StreamctlError } from '../errors/index.js';

/** A title's status in its lifecycle (SPEC §5), as the catalog's lifecycle defines it. */
export type { TitleStatus };

/** The availability of a title: where and when it may be played. */
export interface Availability {
  /** ISO 3166 alpha-2 codes, or `ALL`. */
  countries: string[] | 'ALL';
  /** ISO start of the window (inclusive); none means "from publication". */
  from?: string | undefined;
  /** ISO end of the window (exclusive); none means "open-ended". */
  until?: string | undefined;
}

/** What entitlement needs to know about a title. */
export interface EntitlementTitle {
  titleId: string;
  status: TitleStatus;
  availability?: Availability | undefined;
}

/** Why a viewer may not play a title. */
export type NotEntitledReason = 'not-published' | 'not-in-country' | 'window-not-open' | 'window-closed';

/** The viewer is not entitled to the title; the API answers 403. */
export class NotEntitledError extends StreamctlError {
  readonly reason: NotEntitledReason;
  constructor(titleId: string, reason: NotEntitledReason, message: string) {
    super(ErrorCode.Forbidden, message, { details: { titleId, reason } });
    this.reason = reason;
  }
}

/**
 * Throws unless the viewer may play the title now: `NOT_FOUND` (404) for an
 * unknown title, `FORBIDDEN` (403, {@link NotEntitledError}) otherwise.
 *
 * @example
 * ```ts
 * assertEntitled(title, { country: 'GB' });          // throws NotEntitledError if not playable
 * assertEntitled(undefined, { country: 'GB' }, 't1'); // throws NotFoundError
 * ```
 */
export function assertEntitled(
  title: EntitlementTitle | undefined,
  viewer: { country: string },
  titleId = title?.titleId ?? '',
  now: Date = new Date(),
): void {
  if (!title) throw new NotFoundError(`Title ${titleId} does not exist`, { details: { titleId } });
  if (title.status !== 'PUBLISHED' || !title.availability) {
    throw new NotEntitledError(title.titleId, 'not-published', `Title ${title.titleId} is not published`);
  }
  const { countries, from, until } = title.availability;
  const country = viewer.country.toUpperCase();
  if (countries !== 'ALL' && !countries.includes(country)) {
    throw new NotEntitledError(
      title.titleId,
      'not-in-country',
      `Title ${title.titleId} is not available in ${country}`,
    );
  }
  if (from && now.getTime() < Date.parse(from)) {
    throw new NotEntitledError(title.titleId, 'window-not-open', `Title ${title.titleId} is available from ${from}`);
  }
  if (until && now.getTime() >= Date.parse(until)) {
    throw new NotEntitledError(title.titleId, 'window-closed', `Title ${title.titleId} was available until ${until}`);
  }
}

/** True when {@link assertEntitled} would pass. */
export function isEntitled(title: EntitlementTitle | undefined, viewer: { country: string }, now?: Date): boolean {
  try {
    assertEntitled(title, viewer, title?.titleId, now);
    return true;
  } catch {
    return false;
  }
}
