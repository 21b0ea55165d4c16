/**
 * `@streamctl/cli`: the `streamctl` command as a library, so it runs
 * in-process (tests, other tools).
 *
 * @example
 * ```ts
 * import { main } from '@streamctl/cli';
 *
 * const code = await main(['status', '--stage', 'local', '--json']);
 * ```
 *
 * @module
 */
export { COMMANDS } from './commands/index.js';
export type { CommandContext, CommandDefinition, GlobalOptions } from './context.js';
export { ExitCode, ExitError, UsageError } from './errors.js';
export { type CliIO, processIO } from './io.js';
export { buildProgram, main, type ProgramOptions, run } from './main.js';
export { VERSION } from './version.js';
