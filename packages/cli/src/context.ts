/**
 * What a command handler receives: the global flags, the UI, output helpers
 * and the resolved configuration. Handlers parse, prompt and render; the
 * work itself happens in the SDK.
 */
import type { ConfigFlags, StreamctlConfig } from '@streamctl/sdk';
import type { CliIO } from './io.js';
import type { Ui } from './ui.js';

/** The global flags of SPEC §6. */
export interface GlobalOptions {
  stage?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** Data dir of the local platform; every command that finds or starts it honours this. */
  dataDir?: string;
  json: boolean;
  yes: boolean;
  verbose: boolean;
}

/** What every command handler gets. */
export interface CommandContext {
  io: CliIO;
  globals: GlobalOptions;
  ui: Ui;
  /** Resolves the configuration: flags (global plus `extra`) > env > file > defaults. */
  config(extra?: ConfigFlags): Promise<StreamctlConfig>;
  /** Prints a value as one JSON line on stdout (the only thing `--json` puts there). */
  json(value: unknown): void;
  /** Prints human output on stdout (skipped under `--json`). */
  print(text: string): void;
}

/** An option of a command, in commander's flag syntax. */
export interface OptionDefinition {
  flags: string;
  description: string;
  default?: string | boolean;
  /** Parses and checks the value; throw a UsageError to reject it. */
  parse?: (value: string) => unknown;
  /** The only values allowed; anything else is a usage error listing them (and `--help` shows them). */
  choices?: readonly string[];
}

/** A positional argument. */
export interface ArgumentDefinition {
  name: string;
  description: string;
  required: boolean;
}

/**
 * One command: its description, options and handler. Definition files import
 * nothing heavy at top level; handlers load the SDK lazily so `--help` is fast.
 */
export interface CommandDefinition<Options = Record<string, unknown>> {
  /** Space-separated path: `dev`, `failover status`. */
  name: string;
  description: string;
  arguments?: ArgumentDefinition[];
  options?: OptionDefinition[];
  /** Shown under the command's `--help`. */
  examples?: string[];
  handler(context: CommandContext, args: string[], options: Options): Promise<void>;
}

/**
 * A command group (`titles`, `ladder`, …): what `streamctl <group> --help`
 * says above its sub-commands.
 */
export interface GroupDefinition {
  name: string;
  description: string;
  examples: string[];
}

/** Identity helper that keeps the handler's options typed. */
export function defineCommand<Options>(definition: CommandDefinition<Options>): CommandDefinition<Options> {
  return definition;
}
