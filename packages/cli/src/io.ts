/**
 * Everything the CLI touches of its process, in one object, so the whole
 * CLI runs in-process in tests with captured streams and a fake signal.
 */
import type { Readable, Writable } from 'node:stream';

/** The process surface the CLI uses. */
export interface CliIO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves with the signal's name when the process is asked to stop (SIGINT/SIGTERM). */
  waitForShutdown(): Promise<string>;
}

/** The real process. */
export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    waitForShutdown: () =>
      new Promise((resolve) => {
        const onSignal = (signal: string) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }),
  };
}

/** True when the environment says CI (CI=true, CI=1, …; not CI=false or CI=0). */
export function isCI(env: Record<string, string | undefined>): boolean {
  const value = env.CI?.toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}
