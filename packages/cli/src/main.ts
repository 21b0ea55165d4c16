/**
 * `run(argv, io)` builds the commander program from the registry and runs
 * it; `main(argv, io)` maps what it throws to output and an exit code. The
 * bin is the only caller of `process.exit`.
 */

import type { ConfigFlags } from '@streamctl/sdk';
import { Command, type CommanderError, Option } from 'commander';
import { COMMANDS, GROUPS } from './commands/index.js';
import type { CommandContext, CommandDefinition, GlobalOptions, OptionDefinition } from './context.js';
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
    dataDir: str(raw.dataDir),
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
          dataDir: globals.dataDir,
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

/** `streamctl titles list` for a commander command. */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The option's checks: its parser, or its list of choices. Errors propagate as they are (one message, one hint). */
function buildOption(opt: OptionDefinition): Option {
  const option = new Option(opt.flags, opt.description);
  if (opt.default !== undefined) option.default(opt.default);
  const choices = opt.choices;
  if (choices) {
    option.choices(choices);
    const flag = option.long ?? opt.flags;
    option.argParser((value: string) => {
      if (choices.includes(value)) return value;
      throw new UsageError(`invalid ${flag} "${value}"`, `use one of ${choices.join(', ')}`);
    });
  } else if (opt.parse) {
    option.argParser(opt.parse);
  }
  return option;
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
    const group = i < path.length - 1 ? GROUPS.find((g) => g.name === path.slice(0, i + 1).join(' ')) : undefined;
    if (group) {
      parent.description(group.description);
      addExamples(parent, group.examples);
    }
  }
  const command = parent.description(definition.description);
  for (const arg of definition.arguments ?? []) {
    command.argument(arg.required ? `<${arg.name}>` : `[${arg.name}]`, arg.description);
  }
  for (const opt of definition.options ?? []) command.addOption(buildOption(opt));
  if (definition.examples?.length) addExamples(command, definition.examples);
  command.action(async (...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    const options = params[params.length - 2] as Record<string, unknown>;
    const args = params.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const all = self.optsWithGlobals();
    // A parent's option of the same name (`failover --to`) takes the value wherever it is written: hand it on.
    for (const option of self.options) {
      const key = option.attributeName();
      if (options[key] === undefined && all[key] !== undefined) options[key] = all[key];
    }
    await definition.handler(createContext(io, toGlobals(all)), args, options);
  });
}

function addExamples(command: Command, examples: readonly string[]): void {
  command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/** A commander error, with the command that raised it (for the hint pointing at its help). */
class CommandLineError extends Error {
  constructor(
    readonly error: CommanderError,
    readonly command: Command,
  ) {
    super(error.message);
    this.name = 'CommandLineError';
  }
}

/** Settings of {@link buildProgram}. */
export interface ProgramOptions {
  /**
   * `--json` was given: help that commander prints for a command line it
   * refuses (a group without its command) stays off stderr, which gets the
   * one error line only.
   */
  json?: boolean;
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
export function buildProgram(io: CliIO, options: ProgramOptions = {}): Command {
  const program = new Command('streamctl')
    .description('Operate a streaming and personalization platform on AWS, LocalStack or the embedded local platform.')
    .version(VERSION, '-v, --version', 'print the version')
    .option('--stage <stage>', 'stage to operate on (env STREAMCTL_STAGE; default local)')
    .option('--region <region>', 'AWS Region (env STREAMCTL_REGION, AWS_REGION)')
    .option('--profile <profile>', 'AWS profile (env STREAMCTL_PROFILE, AWS_PROFILE)')
    .option('--endpoint-url <url>', 'send every AWS call here, e.g. LocalStack (env STREAMCTL_ENDPOINT_URL)')
    .option('--data-dir <dir>', 'data dir of the local platform (env STREAMCTL_DATA_DIR; default .streamctl/<stage>)')
    .option('--json', 'machine output on stdout, nothing else there')
    .option('--yes', 'never prompt; accept defaults and confirmations')
    .option('--verbose', 'print stack traces and more detail')
    // Set before any sub-command exists, so every one inherits them.
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => {
        if (!options.json) io.stderr.write(s);
      },
      // A fixed width off a terminal keeps help (and its snapshots) stable.
      getOutHelpWidth: () => (io.stdout.isTTY ? (process.stdout.columns ?? 80) : 80),
      getErrHelpWidth: () => (io.stderr.isTTY ? (process.stderr.columns ?? 80) : 80),
      // main() prints usage errors in the house format.
      outputError: () => {},
    });
  program.addHelpText('after', "\nRun `streamctl <command> --help` for a command's options.\n");
  for (const definition of COMMANDS) attach(program, definition as CommandDefinition, io);
  // Sub-commands inherit exitOverride and output settings only when set before they exist.
  for (const command of [program, ...allCommands(program)]) {
    command
      .exitOverride((err) => {
        throw new CommandLineError(err, command);
      })
      .configureOutput(program.configureOutput());
  }
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs the CLI and throws what fails. Prefer {@link main}, which maps errors to exit codes. */
export async function run(argv: string[], io: CliIO = processIO()): Promise<void> {
  const program = buildProgram(io, { json: wantsJson(argv) });
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    throw new UsageError('no command given', 'run `streamctl --help` to list the commands');
  }
  await program.parseAsync(argv, { from: 'user' });
}

function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * A commander error as the house's usage error: its first line, "did you
 * mean" kept, and a pointer to the help of the command that refused.
 */
function usageErrorOf(err: CommandLineError): UsageError {
  const [first = err.message, ...rest] = err.error.message.split('\n');
  const message = first.replace(/^error:\s*/, '');
  const help = `\`${pathOf(err.command)} --help\``;
  // A command that runs itself and has commands (`failover`): a stray word after it is an unknown
  // command, said as a group says it, not "too many arguments".
  const { command } = err;
  if (err.error.code === 'commander.excessArguments' && command.commands.length && !command.registeredArguments.length)
    return new UsageError(`unknown command '${command.args[0]}'`, `see ${help}`);
  // A value that starts with '-' (an id, a negative number) given where the command takes an
  // argument reads as an unknown short option: name the way to pass it.
  const unknown = err.error.code === 'commander.unknownOption' ? message.match(/'(-[^-].+)'/)?.[1] : undefined;
  if (unknown && command.registeredArguments.length)
    return new UsageError(message, `if ${unknown} is a value, put it after \`--\`: ${pathOf(command)} -- ${unknown}`);
  const suggestion = rest.join(' ').match(/\(Did you mean (.+)\?\)/)?.[1];
  return new UsageError(message, suggestion ? `did you mean ${suggestion}? See ${help}` : `see ${help}`);
}

/**
 * Runs the CLI and returns its exit code: 0 success (help too), 1 failure
 * (a declined confirmation too), 2 usage error (a bad flag, argument or
 * value, whoever finds it).
 *
 * Errors print one line on stderr. With `--json` the same error is also one
 * JSON document on stdout, `{"error":{"code","message","hint"}}`, and
 * nothing else is printed there.
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
  } catch (thrown) {
    if (thrown instanceof ExitError) return thrown.exitCode;
    let failure: unknown = thrown;
    if (thrown instanceof CommandLineError) {
      const { code, exitCode } = thrown.error;
      // `--help`, `--version` and `streamctl help` end with exit code 0.
      if (code === 'commander.helpDisplayed' || code === 'commander.version') return ExitCode.Success;
      if (code === 'commander.help' && exitCode === 0) return ExitCode.Success;
      failure =
        code === 'commander.help'
          ? new UsageError(`${pathOf(thrown.command)} needs a command`, `see \`${pathOf(thrown.command)} --help\``)
          : usageErrorOf(thrown);
    }
    const report = describeError(failure);
    io.stderr.write(`${formatErrorLine(report)}\n`);
    if (argv.includes('--verbose')) io.stderr.write(`${formatVerbose(thrown)}\n`);
    if (wantsJson(argv)) {
      const { exitCode: _exitCode, ...error } = report;
      io.stdout.write(`${JSON.stringify({ error })}\n`);
    }
    return report.exitCode;
  }
}
