/**
 * `run(argv, io)` builds the commander program from the registry and runs
 * it; `main(argv, io)` maps what it throws to output and an exit code. The
 * bin is the only caller of `process.exit`.
 */

import type { ConfigFlags } from '@streamctl/sdk';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMMANDS } from './commands/index.js';
import type { CommandContext, CommandDefinition, GlobalOptions } from './context.js';
import { describeError, ExitCode, ExitError, formatErrorLine, formatVerbose, UsageError } from './errors.js';
import { type CliIO, isCI, processIO } from './io.js';
import { createUi } from './ui.js';
import { VERSION } from './version.js';

function toGlobals(raw: Record<string, unknown>): GlobalOptions {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    stage: str(raw.stage),
    region: str(raw.region),
    profile: str(raw.profile),
    endpointUrl: str(raw.endpointUrl),
    json: raw.json === true,
    yes: raw.yes === true,
    verbose: raw.verbose === true,
  };
}

function createContext(io: CliIO, globals: GlobalOptions): CommandContext {
  const interactive = Boolean(io.stdin.isTTY && io.stdout.isTTY) && !isCI(io.env) && !globals.yes && !globals.json;
  return {
    io,
    globals,
    ui: createUi(io, { interactive, yes: globals.yes, json: globals.json }),
    async config(extra: ConfigFlags = {}) {
      const { resolveConfig } = await import('@streamctl/sdk/config');
      return resolveConfig({
        flags: {
          stage: globals.stage,
          region: globals.region,
          profile: globals.profile,
          endpointUrl: globals.endpointUrl,
          ...extra,
        },
        env: io.env,
        cwd: io.cwd,
      });
    },
    json(value) {
      io.stdout.write(`${JSON.stringify(value)}\n`);
    },
    print(text) {
      if (!globals.json) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}

function attach(program: Command, definition: CommandDefinition, io: CliIO): void {
  const path = definition.name.split(' ');
  let parent = program;
  for (const [i, word] of path.entries()) {
    const existing = parent.commands.find((c) => c.name() === word);
    if (existing && i < path.length - 1) {
      parent = existing;
      continue;
    }
    parent = parent.command(word);
  }
  const command = parent.description(definition.description);
  for (const arg of definition.arguments ?? []) {
    command.argument(arg.required ? `<${arg.name}>` : `[${arg.name}]`, arg.description);
  }
  for (const opt of definition.options ?? []) {
    const option = new Option(opt.flags, opt.description);
    if (opt.default !== undefined) option.default(opt.default);
    if (opt.parse) {
      const parse = opt.parse;
      option.argParser((value: string) => {
        try {
          return parse(value);
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message);
        }
      });
    }
    command.addOption(option);
  }
  if (definition.examples?.length) {
    command.addHelpText('after', `\nExamples:\n${definition.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  }
  command.action(async (...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    const options = params[params.length - 2] as Record<string, unknown>;
    const args = params.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const globals = toGlobals(self.optsWithGlobals());
    await definition.handler(createContext(io, globals), args, options);
  });
}

/**
 * Builds the `streamctl` program.
 *
 * @example
 * ```ts
 * const program = buildProgram(processIO());
 * program.helpInformation();
 * ```
 */
export function buildProgram(io: CliIO): Command {
  const program = new Command('streamctl')
    .description('Operate a streaming and personalization platform on AWS, LocalStack or the embedded local platform.')
    .version(VERSION, '-v, --version', 'print the version')
    .option('--stage <stage>', 'stage to operate on (env STREAMCTL_STAGE; default local)')
    .option('--region <region>', 'AWS Region (env STREAMCTL_REGION, AWS_REGION)')
    .option('--profile <profile>', 'AWS profile (env STREAMCTL_PROFILE, AWS_PROFILE)')
    .option('--endpoint-url <url>', 'send every AWS call here, e.g. LocalStack (env STREAMCTL_ENDPOINT_URL)')
    .option('--json', 'machine output on stdout, nothing else there')
    .option('--yes', 'never prompt; accept defaults and confirmations')
    .option('--verbose', 'print stack traces and more detail')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // A fixed width off a terminal keeps help (and its snapshots) stable.
      getOutHelpWidth: () => (io.stdout.isTTY ? (process.stdout.columns ?? 80) : 80),
      getErrHelpWidth: () => (io.stderr.isTTY ? (process.stderr.columns ?? 80) : 80),
      // main() prints usage errors in the house format.
      outputError: () => {},
    });
  program.addHelpText('after', "\nRun `streamctl <command> --help` for a command's options.\n");
  for (const definition of COMMANDS) attach(program, definition as CommandDefinition, io);
  // Sub-commands inherit exitOverride and output settings only when set before they exist.
  for (const command of allCommands(program)) {
    command.exitOverride().configureOutput(program.configureOutput());
  }
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs the CLI and throws what fails. Prefer {@link main}, which maps errors to exit codes. */
export async function run(argv: string[], io: CliIO = processIO()): Promise<void> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    throw new UsageError('no command given', 'run `streamctl --help` to list the commands');
  }
  await program.parseAsync(argv, { from: 'user' });
}

function wantsJson(argv: string[]): boolean {
  return argv.includes('--json');
}

/**
 * Runs the CLI and returns its exit code (0 success, 1 failure, 2 usage).
 * Errors print one line on stderr (and a JSON error on stdout with `--json`).
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  try {
    await run(argv, io);
    return ExitCode.Success;
  } catch (err) {
    if (err instanceof ExitError) return err.exitCode;
    let failure: unknown = err;
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.Success;
      if (err.code === 'commander.help') return ExitCode.Usage;
      const message = err.message.replace(/^error:\s*/, '').split('\n')[0] ?? err.message;
      const cause = (err as { nestedError?: unknown }).nestedError;
      failure = new UsageError(message, (cause as UsageError | undefined)?.hint ?? 'see `streamctl --help`');
    }
    const report = describeError(failure);
    io.stderr.write(`${formatErrorLine(report)}\n`);
    if (argv.includes('--verbose')) io.stderr.write(`${formatVerbose(err)}\n`);
    if (wantsJson(argv)) {
      const { exitCode: _exitCode, ...error } = report;
      io.stdout.write(`${JSON.stringify({ error })}\n`);
    }
    return report.exitCode;
  }
}
