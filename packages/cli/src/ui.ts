/**
 * The one wrapper around prompts (@inquirer/prompts) and spinners (ora).
 * With no TTY, `CI=true`, `--yes` or `--json` nothing is asked and nothing
 * spins: a prompt takes its default or fails naming the flag to pass.
 */
import { UsageError } from './errors.js';
import type { CliIO } from './io.js';

/** Prompts and spinners, interactive or not. */
export interface Ui {
  /** True when prompts may be shown. */
  readonly interactive: boolean;
  /** Asks for text. Non-interactive: the default, or a usage error naming `flag`. */
  input(options: {
    message: string;
    flag: string;
    default?: string;
    validate?: (value: string) => string | true;
  }): Promise<string>;
  /** Asks yes/no. Non-interactive: true with `--yes`, else the default, else a usage error naming `--yes`. */
  confirm(options: { message: string; default?: boolean }): Promise<boolean>;
  /** Picks one of several values. Non-interactive: the default, or a usage error naming `flag`. */
  select<T extends string>(options: { message: string; flag: string; choices: readonly T[]; default?: T }): Promise<T>;
  /** Runs work under a spinner (stderr), or a plain progress line when not interactive. */
  spin<T>(text: string, work: () => Promise<T>): Promise<T>;
  /** A progress note on stderr (never on stdout, so `--json` stays pure). */
  note(text: string): void;
}

/** Settings that decide whether the UI may interact. */
export interface UiSettings {
  interactive: boolean;
  yes: boolean;
  json: boolean;
}

/**
 * Creates the UI for one command run.
 *
 * @example
 * ```ts
 * const stage = await ui.input({ message: 'Stage', flag: '--stage', default: 'local' });
 * ```
 */
export function createUi(io: CliIO, settings: UiSettings): Ui {
  const promptContext = { input: io.stdin, output: io.stderr };
  return {
    interactive: settings.interactive,
    async input({ message, flag, default: fallback, validate }) {
      if (!settings.interactive) {
        if (fallback !== undefined) return fallback;
        throw new UsageError(`${message} is required and there is no terminal to ask`, `pass ${flag}`);
      }
      const { input } = await import('@inquirer/prompts');
      return input(
        { message, ...(fallback !== undefined ? { default: fallback } : {}), ...(validate ? { validate } : {}) },
        promptContext,
      );
    },
    async confirm({ message, default: fallback }) {
      if (settings.yes) return true;
      if (!settings.interactive) {
        if (fallback !== undefined) return fallback;
        throw new UsageError(`${message}: confirmation needed and there is no terminal to ask`, 'pass --yes');
      }
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message, default: fallback ?? false }, promptContext);
    },
    async select({ message, flag, choices, default: fallback }) {
      if (!settings.interactive) {
        if (fallback !== undefined) return fallback;
        throw new UsageError(`${message} is required and there is no terminal to ask`, `pass ${flag}`);
      }
      const { select } = await import('@inquirer/prompts');
      return select(
        {
          message,
          choices: choices.map((value) => ({ value })),
          ...(fallback !== undefined ? { default: fallback } : {}),
        },
        promptContext,
      );
    },
    async spin(text, work) {
      if (!settings.interactive) {
        if (!settings.json) io.stderr.write(`${text}…\n`);
        return work();
      }
      const { default: ora } = await import('ora');
      const spinner = ora({ text, stream: io.stderr }).start();
      try {
        const result = await work();
        spinner.succeed();
        return result;
      } catch (err) {
        spinner.fail();
        throw err;
      }
    },
    note(text) {
      io.stderr.write(`${text}\n`);
    },
  };
}
