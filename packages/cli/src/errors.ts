/**
 * CLI errors and their exit codes: 0 success (help included), 1 failure (a
 * declined confirmation included), 2 usage error (a bad flag, argument or
 * value, whichever command finds it: `exitCodeFor` decides for SDK errors).
 * Only the bin turns these into `process.exit`.
 */
import { exitCodeFor, type StreamctlError } from '@streamctl/sdk/errors';

/** Exit codes of `streamctl`. */
export const ExitCode = { Success: 0, Failure: 1, Usage: 2 } as const;

/**
 * The command line was wrong: an unknown flag, a missing argument, a value
 * that does not parse, a prompt that cannot be asked. Exit code 2.
 */
export class UsageError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UsageError';
    this.hint = hint;
  }
}

/**
 * Ends the command with an exit code after its output was printed (e.g.
 * `status` on an unhealthy stage). Prints nothing more.
 */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}

/**
 * The user answered No to a confirmation: nothing was changed. Exit code 1
 * with a plain message, not an error line.
 *
 * @example
 * ```ts
 * if (!(await ctx.ui.confirm({ message: 'Fail over?' }))) throw new DeclinedError('failover');
 * ```
 */
export class DeclinedError extends Error {
  constructor(what: string) {
    super(`Nothing changed: ${what} not confirmed.`);
    this.name = 'DeclinedError';
  }
}

function isStreamctlError(err: unknown): err is StreamctlError {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === 'string' &&
    typeof (err as { toJSON?: unknown }).toJSON === 'function'
  );
}

/** What an error looks like to a user. */
export interface ReportedError {
  exitCode: number;
  code: string;
  message: string;
  hint?: string;
}

/** Classifies any thrown value. */
export function describeError(err: unknown): ReportedError {
  if (err instanceof DeclinedError) return { exitCode: ExitCode.Failure, code: 'DECLINED', message: err.message };
  if (err instanceof UsageError) {
    return { exitCode: ExitCode.Usage, code: 'USAGE', message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  }
  if (isStreamctlError(err)) {
    // The SDK's one table: a bad value given on the command line is a usage error, wherever it was caught.
    return {
      exitCode: exitCodeFor(err),
      code: err.code,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    exitCode: ExitCode.Failure,
    code: 'INTERNAL',
    message: `Unexpected error: ${message}`,
    hint: 'run again with --verbose and report the output at the streamctl issue tracker',
  };
}

/** One line: what failed and why, then what to do. A declined confirmation is said plainly. */
export function formatErrorLine(report: ReportedError): string {
  if (report.code === 'DECLINED') return report.message;
  const message = report.message.replace(/\s*\n\s*/g, ' ').replace(/[.\s]+$/, '');
  return `error: ${message}${report.hint ? `; ${report.hint}` : ''}`;
}

/** The stack and cause chain, for `--verbose`. */
export function formatVerbose(err: unknown): string {
  const lines: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    lines.push(
      depth === 0 ? String((current as Error).stack ?? current) : `caused by: ${(current as Error).stack ?? current}`,
    );
    current = (current as { cause?: unknown }).cause;
  }
  return lines.join('\n');
}
