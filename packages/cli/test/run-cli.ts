/**
 * Runs `streamctl` in-process with captured output, a given environment and
 * working directory, and a shutdown signal the test controls.
 */
import { PassThrough } from 'node:stream';
import { type CliIO, main } from '../src/index.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Pretend stdin/stdout are a terminal. */
  tty?: boolean;
  /** Resolves when the test wants `dev` to stop. */
  shutdown?: Promise<string>;
  /** Called with every chunk written to stdout, as it is written. */
  onStdout?: (chunk: string) => void;
}

function capture(onChunk?: (chunk: string) => void) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    onChunk?.(chunk.toString());
  });
  return { stream, text: () => text };
}

/** Runs the CLI and resolves with its exit code and output. */
export async function runCli(argv: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const out = capture(options.onStdout);
  const err = capture();
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.tty) {
    out.stream.isTTY = true;
    stdin.isTTY = true;
  }
  const io: CliIO = {
    stdout: out.stream,
    stderr: err.stream,
    stdin,
    env: { CI: 'true', ...options.env },
    cwd: options.cwd ?? process.cwd(),
    waitForShutdown: () => options.shutdown ?? new Promise(() => {}),
  };
  const code = await main(argv, io);
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: out.text(), stderr: err.text() };
}

/** Every non-empty stdout line must be JSON: what `--json` promises. */
export function jsonLines(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}
