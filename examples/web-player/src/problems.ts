/**
 * Every way the API or playback can fail, as a screen a viewer understands: a heading, a line on
 * what happened, and the way on (try again, sign in, play again, or back home). The stream limit
 * has its own panel (main.ts: stop another device), and an expired grant is renewed without a
 * screen (player.ts).
 */
import { ApiError } from '@streamctl/client';
import { ErrorCode } from '@streamctl/client/errors';

export type ProblemKind = 'offline' | 'not-entitled' | 'gone' | 'key-refused' | 'signed-out' | 'busy' | 'playback';

export interface Problem {
  kind: ProblemKind;
  heading: string;
  message: string;
  /** The main way on; "Back to Home" is always offered to a signed-in viewer. */
  action: 'retry' | 'sign-in' | 'play-again' | 'none';
}

/** What a failed playback reports (player.ts `onFailure`). */
export interface PlaybackFailure {
  code: string;
  keyRefused?: number;
}

const sentence = (message: string) => (/[.!?]$/.test(message) ? message : `${message}.`);

/**
 * The problem screen of a failure: an `ApiError` by its code, a `fetch` that never got an answer
 * (offline), or a playback failure.
 *
 * @example
 * ```ts
 * problemFor(new TypeError('Failed to fetch')).kind; // 'offline'
 * problemFor({ code: 'keySystemError/keyLoadError', keyRefused: 403 }).kind; // 'key-refused'
 * ```
 */
export function problemFor(err: unknown): Problem {
  if (err && typeof err === 'object' && 'code' in err && !(err instanceof Error)) {
    const failure = err as PlaybackFailure;
    if (failure.keyRefused !== undefined) {
      return {
        kind: 'key-refused',
        heading: "We couldn't unlock this title",
        message:
          failure.keyRefused === 403
            ? 'The key for this protected title was refused: it may not be available to you here, or your session ended.'
            : `The key for this protected title could not be fetched (HTTP ${failure.keyRefused || 'error'}).`,
        action: 'play-again',
      };
    }
    return {
      kind: 'playback',
      heading: "This title can't play right now",
      message: `Playback stopped with an error (${failure.code}).`,
      action: 'play-again',
    };
  }
  if (err instanceof ApiError) {
    switch (err.code) {
      case ErrorCode.Forbidden:
        return {
          kind: 'not-entitled',
          heading: "This title isn't available to you",
          message: `${sentence(err.message)} Titles depend on your country and plan.`,
          action: 'none',
        };
      case ErrorCode.NotFound:
        return {
          kind: 'gone',
          heading: 'This title is no longer available',
          message:
            'It may have been removed from the catalogue, or it has left your country. Find something else on Home.',
          action: 'none',
        };
      case ErrorCode.Unauthorized:
        return {
          kind: 'signed-out',
          heading: 'Your sign-in has expired',
          message: 'Sign in again to go on watching.',
          action: 'sign-in',
        };
      case ErrorCode.RateLimited:
        return {
          kind: 'busy',
          heading: 'Too many requests',
          message: `Wait ${err.retryAfter ? `${err.retryAfter} s` : 'a moment'} and try again.`,
          action: 'retry',
        };
      default:
        return {
          kind: 'busy',
          heading: 'Something went wrong on our side',
          message: `${sentence(err.message)} Try again in a moment.`,
          action: 'retry',
        };
    }
  }
  // `fetch` rejects (a TypeError) only when no answer came at all: the network or the API is away.
  if (err instanceof TypeError || (typeof navigator !== 'undefined' && navigator.onLine === false)) {
    return {
      kind: 'offline',
      heading: "You're offline",
      message: "We couldn't reach streamctl. Check your connection and try again.",
      action: 'retry',
    };
  }
  return {
    kind: 'busy',
    heading: 'Something went wrong',
    message: err instanceof Error ? sentence(err.message) : 'Try again in a moment.',
    action: 'retry',
  };
}
