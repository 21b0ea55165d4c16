/**
 * The one wrapper around prompts (@inquirer/prompts), spinners (ora) and
 * task lists (listr2).
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
  /**
   * Runs steps as a task list on stderr: live (listr2's default renderer) on
   * a terminal, one line per step and per tenth of progress otherwise,
   * nothing under `--json`. The first failing step stops the list and its
   * error is rethrown.
   */
  tasks(steps: TaskStep[]): Promise<void>;
}

/** One step of {@link Ui.tasks}. */
export interface TaskStep {
  title: string;
  /** Does the step's work; `progress` shows a line under it (with a bar when a percent is given). */
  run(progress: (text: string, percent?: number) => void, setTitle: (title: string) => void): Promise<void>;
  /** Skip the step, with the reason shown. */
  skip?: () => string | false;
}

/** A text progress bar: `[██████░░░░] 60%`. */
export function progressBar(percent: number, width = 20): string {
  const p = Math.max(0, Math.min(100, percent));
  const filled = Math.round((p / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.floor(p)}%`;
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
    async tasks(steps) {
      const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
      const out = io.stderr as NodeJS.WriteStream;
      // The failing step's error is printed once, by the error line after the list: the
      // list only marks the step (listr2 would repeat the message as `[FAILED: …]`).
      let failure: { error: unknown } | undefined;
      const list = new Listr(
        steps.map((step) => ({
          title: step.title,
          skip: () => step.skip?.() ?? false,
          task: async (_ctx: unknown, task: { output: string; title: string }) => {
            let shown = -10;
            const work = step.run(
              (text, percent) => {
                if (percent === undefined) {
                  task.output = text;
                  return;
                }
                // Without a terminal every update is a new line: show each tenth only.
                if (!settings.interactive && percent - shown < 10 && percent < 100) return;
                shown = percent;
                task.output = `${progressBar(percent)} ${text}`;
              },
              (title) => {
                task.title = title;
              },
            );
            try {
              await work;
            } catch (error) {
              failure = { error };
              throw new Error('');
            }
          },
        })),
        {
          renderer: settings.json ? 'silent' : settings.interactive ? 'default' : 'simple',
          fallbackRenderer: settings.json ? 'silent' : 'simple',
          // Everything on stderr: stdout is for results (and for `--json`).
          rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(out, out) }) },
          fallbackRendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(out, out) }) },
          exitOnError: true,
          registerSignalListeners: false,
        },
      );
      try {
        await list.run();
      } catch (err) {
        throw failure ? failure.error : err;
      }
    },
  };
}
