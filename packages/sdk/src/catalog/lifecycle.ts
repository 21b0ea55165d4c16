/**
 * A title's lifecycle (SPEC §5): the statuses, which status may follow
 * which, and the DynamoDB condition that makes a catalog write honour it.
 *
 * ```text
 * UPLOADING → TRANSCODING → READY → PUBLISHED ⇄ UNPUBLISHED
 *     ↓            ↓          ↑
 *     └──────→ FAILED ────────┘
 * ```
 *
 * Ingest may send any title back to UPLOADING: an interrupted run resumes,
 * a FAILED one is retried, and a transcoded one is re-ingested with another
 * ladder. Replacing a title's master with another file is allowed in fewer
 * statuses ({@link REPLACEABLE_STATUSES}).
 *
 * @module
 */
import { TITLE_STATUSES } from '../contract/index.js';
import { ConflictError } from '../errors/index.js';

// Every status a title can be in, in lifecycle order: part of the API's contract (`z.enum(TITLE_STATUSES)`).
export { TITLE_STATUSES };

/** A title's status in its lifecycle. */
export type TitleStatus = (typeof TITLE_STATUSES)[number];

/**
 * The statuses by name, for code that must not type them as strings (the
 * CDK app's workflow among it).
 *
 * @example
 * ```ts
 * DynamoAttributeValue.fromString(TITLE_STATUS.TRANSCODING);
 * ```
 */
export const TITLE_STATUS: { readonly [S in TitleStatus]: S } = {
  UPLOADING: 'UPLOADING',
  TRANSCODING: 'TRANSCODING',
  READY: 'READY',
  PUBLISHED: 'PUBLISHED',
  FAILED: 'FAILED',
  UNPUBLISHED: 'UNPUBLISHED',
};

/**
 * The transition table: for each status, the statuses a title may be in to
 * move to it. Every status write of the SDK and the CDK app's workflow
 * follows one of these edges.
 *
 * @example
 * ```ts
 * TITLE_TRANSITIONS.UNPUBLISHED; // ["PUBLISHED"]
 * ```
 */
export const TITLE_TRANSITIONS: { readonly [S in TitleStatus]: readonly TitleStatus[] } = {
  // Registering a master: an interrupted upload resumes, a failed or unfinished ingest is retried,
  // a transcoded (even published) title is re-ingested with another ladder.
  UPLOADING: TITLE_STATUSES,
  // The transcode is submitted; the cloud workflow may mark it after ingest did.
  TRANSCODING: ['UPLOADING', 'TRANSCODING'],
  // Renditions recorded; again when the job's end is heard twice (ingest and the workflow),
  // or after a watcher gave up on a job that then finished.
  READY: ['TRANSCODING', 'READY', 'FAILED'],
  // Publishing, republishing with another window, and bringing back a withdrawn title.
  PUBLISHED: ['READY', 'PUBLISHED', 'UNPUBLISHED'],
  // Upload, submit or transcode failed; failing a failed title again keeps the latest reason.
  FAILED: ['UPLOADING', 'TRANSCODING', 'FAILED'],
  UNPUBLISHED: ['PUBLISHED'],
};

/**
 * The statuses a title may be in to move to `to`.
 *
 * @example
 * ```ts
 * previousStatuses('TRANSCODING'); // ["UPLOADING", "TRANSCODING"]
 * ```
 */
export function previousStatuses(to: TitleStatus): readonly TitleStatus[] {
  return TITLE_TRANSITIONS[to];
}

/**
 * The statuses a title in `from` may move to.
 *
 * @example
 * ```ts
 * nextStatuses('PUBLISHED'); // ["UPLOADING", "PUBLISHED", "UNPUBLISHED"]
 * ```
 */
export function nextStatuses(from: TitleStatus): TitleStatus[] {
  return TITLE_STATUSES.filter((to) => TITLE_TRANSITIONS[to].includes(from));
}

/**
 * Whether a title in `from` may move to `to`.
 *
 * @example
 * ```ts
 * canTransition('READY', 'PUBLISHED'); // true
 * canTransition('TRANSCODING', 'PUBLISHED'); // false
 * ```
 */
export function canTransition(from: TitleStatus, to: TitleStatus): boolean {
  return TITLE_TRANSITIONS[to].includes(from);
}

/** The statuses of a title whose renditions are recorded. */
const TRANSCODED: readonly TitleStatus[] = ['READY', 'PUBLISHED', 'UNPUBLISHED'];

/**
 * Whether a title in this status has its renditions: READY, and the
 * statuses publishing moves it between. Ingest skips such a title when the
 * same master and ladder come again.
 *
 * @example
 * ```ts
 * isTranscoded('UNPUBLISHED'); // true
 * isTranscoded('FAILED'); // false
 * ```
 */
export function isTranscoded(status: TitleStatus): boolean {
  return TRANSCODED.includes(status);
}

/**
 * The statuses in which a title's master may be replaced by another file
 * (`ingest --replace`): a FAILED title, and a transcoded one no viewer can
 * play (READY, UNPUBLISHED). A PUBLISHED title is withdrawn first, so that
 * viewers never get renditions of two masters mixed; an UPLOADING or
 * TRANSCODING one may have an ingest still working on it.
 *
 * @example
 * ```ts
 * REPLACEABLE_STATUSES; // ["READY", "FAILED", "UNPUBLISHED"]
 * ```
 */
export const REPLACEABLE_STATUSES: readonly TitleStatus[] = TITLE_STATUSES.filter(
  (s) => s === 'FAILED' || s === 'READY' || s === 'UNPUBLISHED',
);

/**
 * Throws `CONFLICT` unless a title in `status` may have its master
 * replaced, with a hint on what to do instead.
 *
 * @example
 * ```ts
 * assertReplaceable('clip', 'FAILED'); // fine
 * assertReplaceable('clip', 'PUBLISHED'); // throws: unpublish it first
 * ```
 */
export function assertReplaceable(titleId: string, status: TitleStatus): void {
  if (REPLACEABLE_STATUSES.includes(status)) return;
  const hints: Partial<Record<TitleStatus, string>> = {
    PUBLISHED: `viewers are watching it: unpublish it first (\`streamctl unpublish ${titleId}\`), then replace it`,
    TRANSCODING: `wait for its transcode to end (\`streamctl titles get ${titleId}\`), or re-run the ingest of the file it came from: it resumes`,
    UPLOADING: `an ingest of it may still be running; re-run the ingest of the file it came from (it resumes), or wait for it to end`,
  };
  throw new ConflictError(`Title ${titleId} is ${status}; its master cannot be replaced`, {
    hint:
      hints[status] ??
      `a title's master can be replaced when it is ${REPLACEABLE_STATUSES.join(', ')} (\`streamctl titles get ${titleId}\`)`,
    details: { titleId, status, replaceable: [...REPLACEABLE_STATUSES] },
  });
}

/** A title may not move from its status to the one asked for (`CONFLICT`). */
export class TitleTransitionError extends ConflictError {
  readonly titleId: string;
  readonly from: TitleStatus;
  readonly to: TitleStatus;
  constructor(titleId: string, from: TitleStatus, to: TitleStatus, hint?: string) {
    super(`Title ${titleId} is ${from} and cannot become ${to}`, {
      hint:
        hint ??
        `a ${from} title can become ${nextStatuses(from).join(', ') || 'nothing else'} (\`streamctl titles get ${titleId}\`)`,
      details: { titleId, status: from, to },
    });
    this.titleId = titleId;
    this.from = from;
    this.to = to;
  }
}

/**
 * Throws {@link TitleTransitionError} (`CONFLICT`) unless a title in `from`
 * may move to `to`.
 *
 * @example
 * ```ts
 * assertTransition('t1', title.status, 'UNPUBLISHED'); // throws unless t1 is PUBLISHED
 * ```
 */
export function assertTransition(titleId: string, from: TitleStatus, to: TitleStatus, hint?: string): void {
  if (!canTransition(from, to)) throw new TitleTransitionError(titleId, from, to, hint);
}

/** The parts of a DynamoDB write that hold it to the transition table. */
export interface TransitionCondition {
  /** `#s IN (:from0, …)`. */
  ConditionExpression: string;
  ExpressionAttributeNames: { '#s': 'status' };
  ExpressionAttributeValues: Record<string, TitleStatus>;
}

/**
 * The condition of a write that moves a title (its `status` attribute) to
 * `to`: the title must be in one of the statuses it may come from, and in
 * one of `only` when given. Undefined when no status qualifies.
 *
 * @example
 * ```ts
 * transitionCondition('UNPUBLISHED');
 * // { ConditionExpression: '#s IN (:from0)', ExpressionAttributeNames: { '#s': 'status' },
 * //   ExpressionAttributeValues: { ':from0': 'PUBLISHED' } }
 * ```
 */
export function transitionCondition(to: TitleStatus, only?: readonly TitleStatus[]): TransitionCondition | undefined {
  const from = previousStatuses(to).filter((s) => !only || only.includes(s));
  if (!from.length) return undefined;
  return {
    ConditionExpression: `#s IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: Object.fromEntries(from.map((s, i) => [`:from${i}`, s])),
  };
}
