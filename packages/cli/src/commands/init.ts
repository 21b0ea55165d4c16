import { defineCommand } from '../context.js';
import { UsageError } from '../errors.js';

interface InitOptions {
  force?: boolean;
}

/** `streamctl init`: write `streamctl.config.json`, asking for each value. */
export const init = defineCommand<InitOptions>({
  name: 'init',
  description: 'write streamctl.config.json in the current directory (interactive; --yes takes flags and defaults)',
  options: [{ flags: '--force', description: 'overwrite an existing config file' }],
  examples: ['streamctl init', 'streamctl init --yes --stage prod --region eu-west-1 --profile streaming-prod'],
  async handler(ctx, _args, options) {
    const { existsSync } = await import('node:fs');
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { ConfigFileSchema, isStreamctlError, ValidationError } = await import('@streamctl/sdk');
    const file = join(ctx.io.cwd, 'streamctl.config.json');
    if (existsSync(file) && !options.force) {
      const overwrite = ctx.ui.interactive
        ? await ctx.ui.confirm({ message: `${file} exists. Overwrite it?`, default: false })
        : false;
      if (!overwrite) throw new UsageError(`${file} already exists`, 'pass --force to overwrite it');
    }
    const g = ctx.globals;
    // Each answer is checked where it is typed, by the config file's own schema: a bad one
    // is asked again instead of failing after the last prompt and losing every answer.
    const shape = ConfigFileSchema.shape;
    const check =
      (schema: { safeParse(value: unknown): { success: boolean; error?: { issues: Array<{ message: string }> } } }) =>
      (value: string): string | true => {
        if (value === '') return true;
        const result = schema.safeParse(value);
        return result.success || (result.error?.issues[0]?.message ?? 'not a valid value');
      };
    const stage = await ctx.ui.input({
      message: 'Default stage',
      flag: '--stage',
      default: g.stage ?? 'local',
      validate: (v) => (v === '' ? 'a stage name is needed, e.g. local or prod' : check(shape.stage)(v)),
    });
    const region = await ctx.ui.input({
      message: 'AWS Region',
      flag: '--region',
      default: g.region ?? 'us-east-1',
      validate: (v) => (v === '' ? 'a Region is needed, e.g. eu-west-1' : check(shape.region)(v)),
    });
    const profile =
      stage === 'local'
        ? (g.profile ?? '')
        : await ctx.ui.input({
            message: 'AWS profile (empty for the default credential chain)',
            flag: '--profile',
            default: g.profile ?? '',
            validate: check(shape.profile),
          });
    const endpointUrl =
      stage === 'local'
        ? (g.endpointUrl ?? '')
        : await ctx.ui.input({
            message: 'Endpoint URL (empty for AWS; e.g. http://localhost:4566 for LocalStack)',
            flag: '--endpoint-url',
            default: g.endpointUrl ?? '',
            validate: check(shape.endpointUrl),
          });
    const candidate = {
      stage,
      region,
      ...(profile ? { profile } : {}),
      ...(endpointUrl ? { endpointUrl } : {}),
    };
    const parsed = ConfigFileSchema.safeParse(candidate);
    if (!parsed.success) {
      // Only values nobody was asked for get here (flags, or defaults taken without a terminal).
      const err = ValidationError.fromZod('configuration', parsed.error);
      const flags = [
        ...new Set(
          parsed.error.issues.map((i) => `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`),
        ),
      ];
      throw new UsageError(isStreamctlError(err) ? err.message : String(err), `fix ${flags.join(', ')}`);
    }
    // Written in the order asked (zod puts keys in schema order).
    await writeFile(file, `${JSON.stringify({ ...candidate, ...parsed.data }, null, 2)}\n`);
    if (g.json) ctx.json({ file, config: parsed.data });
    else ctx.print(`Wrote ${file}\nCheck it with \`streamctl status\`.`);
  },
});
