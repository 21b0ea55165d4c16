/**
 * The one error family of streamctl: `@streamctl/client/errors`, re-exported
 * by `@streamctl/sdk/errors` and `@streamctl/sdk`.
 *
 * Every error the SDK, the API and the client throw on purpose is a
 * {@link StreamctlError} with a stable `code`: callers branch on the code,
 * never on the message text. {@link ERROR_TABLE} maps each code to its HTTP
 * status and CLI exit code. The class lives here, in a package with no
 * imports at all, so a browser gets it without the AWS SDK and
 * `instanceof StreamctlError` holds everywhere (one class, defined once).
 * Wrapping AWS errors (`wrapAwsError`) stays in `@streamctl/sdk`.
 *
 * @module
 */

/**
 * Stable error codes. Adding a code is a minor change; renaming one is a
 * breaking change, because CLIs, the HTTP API and users' code branch on them.
 */
export const ErrorCode = {
  /** Input failed validation (a zod schema, a flag value, a file). */
  ValidationFailed: 'VALIDATION_FAILED',
  /** The configuration (file, environment or flags) is invalid. */
  ConfigInvalid: 'CONFIG_INVALID',
  /** A named thing (title, table, stage, …) does not exist. */
  NotFound: 'NOT_FOUND',
  /** A conditional write lost a race or the thing already exists. */
  Conflict: 'CONFLICT',
  /** The caller may not do this (not entitled, not their data). */
  Forbidden: 'FORBIDDEN',
  /** The account plays on as many devices as its plan allows; `details.sessions` names them. */
  StreamLimit: 'STREAM_LIMIT',
  /** The account has as many registered devices as allowed; `details.devices` names them. */
  DeviceLimit: 'DEVICE_LIMIT',
  /** No valid credentials came with the request (a missing, expired or forged token). */
  Unauthorized: 'UNAUTHORIZED',
  /** The caller sent too many requests; `details.retryAfterSeconds` says when to come back. */
  RateLimited: 'RATE_LIMITED',
  /** A request body over the size limit. */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** The events stream refused an entry for a reason other than throttling. */
  StreamError: 'STREAM_ERROR',
  /** No credentials could be found for the AWS provider chain. */
  CredentialsMissing: 'CREDENTIALS_MISSING',
  /** An endpoint did not answer (connection refused, DNS, timeout). */
  EndpointUnreachable: 'ENDPOINT_UNREACHABLE',
  /** An AWS resource the stage needs is missing. */
  ResourceNotFound: 'RESOURCE_NOT_FOUND',
  /** AWS throttled the request and the retry budget ran out. */
  Throttled: 'THROTTLED',
  /** Any other AWS service error; `awsCode` carries the service's own name. */
  AwsError: 'AWS_ERROR',
  /** The embedded local platform is not running for this data dir. */
  LocalNotRunning: 'LOCAL_NOT_RUNNING',
  /** Another `streamctl dev` already owns this data dir. */
  LocalAlreadyRunning: 'LOCAL_ALREADY_RUNNING',
  /** A part of the embedded local platform failed to start. */
  LocalStartFailed: 'LOCAL_START_FAILED',
  /** The operation only exists on the `local` stage. */
  LocalStageOnly: 'LOCAL_STAGE_ONLY',
  /** A media file cannot be used (corrupt, no video, zero length, unsupported). */
  MediaInvalid: 'MEDIA_INVALID',
  /** A transcode job ended in error or was cancelled. */
  TranscodeFailed: 'TRANSCODE_FAILED',
  /** A transcode job never started or stopped making progress. */
  TranscodeStalled: 'TRANSCODE_STALLED',
  /** A tool the operation needs (ffmpeg, ffprobe) is not installed. */
  ToolMissing: 'TOOL_MISSING',
  /** An analytics query failed (bad SQL, a missing column, over the bytes-scanned limit); the message is the engine's. */
  QueryFailed: 'QUERY_FAILED',
  /** A bug: something that should not happen did. */
  Internal: 'INTERNAL',
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options every {@link StreamctlError} accepts. */
export interface StreamctlErrorOptions {
  /** The underlying error, kept for `--verbose` output and debugging. */
  cause?: unknown;
  /** What to do next, ideally an exact command (`run \`streamctl dev\``). */
  hint?: string;
  /** Structured, JSON-safe details (field errors, resource names). */
  details?: Record<string, unknown>;
}

/**
 * The base class of every error the SDK throws on purpose.
 *
 * @example
 * ```ts
 * try {
 *   await platform.health();
 * } catch (err) {
 *   if (isStreamctlError(err) && err.code === ErrorCode.LocalNotRunning) {
 *     console.error(err.hint); // "start it with `streamctl dev`"
 *   }
 * }
 * ```
 */
export class StreamctlError extends Error {
  /** A stable, documented code; branch on this. */
  readonly code: ErrorCode;
  /** What to do next, shown by the CLI after the message. */
  readonly hint: string | undefined;
  /** Structured, JSON-safe details. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: StreamctlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** The HTTP status the API answers this error with. */
  get httpStatus(): number {
    return httpStatusFor(this.code);
  }

  /** The JSON shape used by the HTTP API and by `--json` output. */
  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** One field that failed validation. */
export interface FieldIssue {
  /** Dotted path of the field (`rungs.2.bitrate`), empty for the whole value. */
  path: string;
  message: string;
}

/**
 * Input failed validation. `issues` names every bad field.
 *
 * @example
 * ```ts
 * throw new ValidationError('Invalid stage name "Prod!"', [{ path: 'stage', message: 'lowercase letters, digits and dashes only' }]);
 * ```
 */
export class ValidationError extends StreamctlError {
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[] = [], options: Omit<StreamctlErrorOptions, 'details'> = {}) {
    super(ErrorCode.ValidationFailed, message, { ...options, details: { issues } });
    this.issues = issues;
  }

  /**
   * Builds a ValidationError from a zod error, naming what was validated.
   *
   * @example
   * ```ts
   * const parsed = schema.safeParse(input);
   * if (!parsed.success) throw ValidationError.fromZod('config file streamctl.config.json', parsed.error);
   * ```
   */
  static fromZod(
    what: string,
    error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
    options: Omit<StreamctlErrorOptions, 'details'> = {},
  ): ValidationError {
    const issues = error.issues.map((issue) => ({
      path: issue.path.map((p) => String(p)).join('.'),
      message: issue.message,
    }));
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    return new ValidationError(`Invalid ${what}: ${summary}`, issues, options);
  }
}

/** The configuration is invalid (a bad file, environment variable or flag). */
export class ConfigError extends StreamctlError {
  constructor(message: string, options: StreamctlErrorOptions = {}) {
    super(ErrorCode.ConfigInvalid, message, options);
  }
}

/** Something named does not exist. */
export class NotFoundError extends StreamctlError {
  constructor(message: string, options: StreamctlErrorOptions = {}) {
    super(ErrorCode.NotFound, message, options);
  }
}

/** A conditional write lost, or the thing exists already. */
export class ConflictError extends StreamctlError {
  constructor(message: string, options: StreamctlErrorOptions = {}) {
    super(ErrorCode.Conflict, message, options);
  }
}

/** The request carries no valid credentials (HTTP 401). */
export class UnauthorizedError extends StreamctlError {
  constructor(message: string, options: StreamctlErrorOptions = {}) {
    super(ErrorCode.Unauthorized, message, options);
  }
}

/** The caller may not do this (HTTP 403). */
export class ForbiddenError extends StreamctlError {
  constructor(message: string, options: StreamctlErrorOptions = {}) {
    super(ErrorCode.Forbidden, message, options);
  }
}

/** An active playback session of an account, as the limit's error names it. */
export interface ActiveSession {
  sessionId: string;
  deviceId: string;
  deviceName?: string;
  titleId: string;
  startedAt: string;
}

/**
 * The account already plays as many streams as its plan allows (HTTP 409).
 * `sessions` names the active ones, so a client can offer to stop one.
 */
export class StreamLimitError extends StreamctlError {
  readonly sessions: ActiveSession[];
  readonly limit: number;
  constructor(
    message: string,
    limit: number,
    sessions: ActiveSession[],
    options: Omit<StreamctlErrorOptions, 'details'> = {},
  ) {
    super(ErrorCode.StreamLimit, message, { ...options, details: { limit, sessions } });
    this.limit = limit;
    this.sessions = sessions;
  }
}

/** The account has registered as many devices as allowed (HTTP 409); `details.devices` names them. */
export class DeviceLimitError extends StreamctlError {
  constructor(message: string, options: StreamctlErrorOptions = {}) {
    super(ErrorCode.DeviceLimit, message, options);
  }
}

/** Too many requests (HTTP 429); `retryAfterSeconds` says when to come back. */
export class RateLimitedError extends StreamctlError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, options: Omit<StreamctlErrorOptions, 'details'> = {}) {
    super(ErrorCode.RateLimited, message, { ...options, details: { retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A request body over the size limit (HTTP 413). */
export class PayloadTooLargeError extends StreamctlError {
  constructor(message: string, options: StreamctlErrorOptions = {}) {
    super(ErrorCode.PayloadTooLarge, message, options);
  }
}

/** Type guard for {@link StreamctlError}. */
export function isStreamctlError(value: unknown): value is StreamctlError {
  return value instanceof StreamctlError;
}

/**
 * The one mapping of error codes: the HTTP status the API answers with, and
 * the exit code of the CLI (1 failure, 2 usage). Every shell reads this
 * table; none keeps its own. Input that fails validation (a flag, an
 * argument, a file such as the config file) is the caller's to fix, so
 * VALIDATION_FAILED exits 2 like any other usage error; a bad environment
 * (CONFIG_INVALID from a variable) is a failure, 1, unless a flag gave it.
 */
export const ERROR_TABLE: Readonly<Record<ErrorCode, { readonly status: number; readonly exit: 1 | 2 }>> = {
  VALIDATION_FAILED: { status: 400, exit: 2 },
  CONFIG_INVALID: { status: 400, exit: 1 },
  NOT_FOUND: { status: 404, exit: 1 },
  CONFLICT: { status: 409, exit: 1 },
  FORBIDDEN: { status: 403, exit: 1 },
  STREAM_LIMIT: { status: 409, exit: 1 },
  DEVICE_LIMIT: { status: 409, exit: 1 },
  UNAUTHORIZED: { status: 401, exit: 1 },
  RATE_LIMITED: { status: 429, exit: 1 },
  PAYLOAD_TOO_LARGE: { status: 413, exit: 1 },
  STREAM_ERROR: { status: 503, exit: 1 },
  CREDENTIALS_MISSING: { status: 500, exit: 1 },
  ENDPOINT_UNREACHABLE: { status: 503, exit: 1 },
  RESOURCE_NOT_FOUND: { status: 404, exit: 1 },
  THROTTLED: { status: 429, exit: 1 },
  AWS_ERROR: { status: 500, exit: 1 },
  LOCAL_NOT_RUNNING: { status: 503, exit: 1 },
  LOCAL_ALREADY_RUNNING: { status: 500, exit: 1 },
  LOCAL_START_FAILED: { status: 500, exit: 1 },
  LOCAL_STAGE_ONLY: { status: 400, exit: 1 },
  MEDIA_INVALID: { status: 422, exit: 1 },
  TRANSCODE_FAILED: { status: 500, exit: 1 },
  TRANSCODE_STALLED: { status: 500, exit: 1 },
  TOOL_MISSING: { status: 500, exit: 1 },
  QUERY_FAILED: { status: 400, exit: 1 },
  INTERNAL: { status: 500, exit: 1 },
};

/** True when a string is one of the SDK's error codes (e.g. an API answer's `error.code`). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}

/** The HTTP status for an error code: 4xx for the caller's mistakes, 5xx for ours. */
export function httpStatusFor(code: ErrorCode): number {
  return ERROR_TABLE[code]?.status ?? 500;
}

/**
 * The exit code of the CLI for an error: 2 when it is about a value given on
 * the command line (`details.source` is `flag`, whatever the code), else the
 * code's own in {@link ERROR_TABLE} (2 for invalid input, 1 for failures).
 *
 * @example
 * ```ts
 * exitCodeFor(new ValidationError('Invalid --from "soon"')); // 2
 * exitCodeFor(new NotFoundError('No title "clip"'));          // 1
 * ```
 */
export function exitCodeFor(error: Pick<StreamctlError, 'code' | 'details'>): 1 | 2 {
  if (error.details?.source === 'flag') return 2;
  return ERROR_TABLE[error.code]?.exit ?? 1;
}

/**
 * The code an HTTP status stands for, for answers that carry no known code
 * (a proxy's 502, a gateway's 413).
 */
export function errorCodeForStatus(status: number): ErrorCode {
  if (status === 401) return ErrorCode.Unauthorized;
  if (status === 403) return ErrorCode.Forbidden;
  if (status === 404) return ErrorCode.NotFound;
  if (status === 409) return ErrorCode.Conflict;
  if (status === 413) return ErrorCode.PayloadTooLarge;
  if (status === 429) return ErrorCode.RateLimited;
  if (status === 503) return ErrorCode.EndpointUnreachable;
  return status < 500 ? ErrorCode.ValidationFailed : ErrorCode.Internal;
}
