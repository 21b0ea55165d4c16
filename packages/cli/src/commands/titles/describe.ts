import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';

interface DescribeOptions {
  originalName?: string;
  aliases?: string;
  cast?: string;
  crew?: string;
  synopsis?: string;
}

/** A comma-separated list; an empty value clears the field. */
const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** `streamctl titles describe <titleId>`. */
export const titlesDescribe = defineCommand<DescribeOptions>({
  name: 'titles describe',
  description: "set a title's original name, aliases, cast, crew or synopsis (search finds a published title by them)",
  arguments: [{ name: 'titleId', description: 'the title', required: true }],
  options: [
    { flags: '--original-name <name>', description: 'the name in its original language ("" removes it)' },
    { flags: '--aliases <a,b>', description: 'other names viewers know it by, comma-separated ("" removes them)' },
    { flags: '--cast <a,b>', description: 'principal cast, comma-separated, billing order ("" removes it)' },
    { flags: '--crew <a,b>', description: 'directors, writers, comma-separated ("" removes it)' },
    { flags: '--synopsis <text>', description: 'one paragraph ("" removes it)' },
  ],
  examples: [
    'streamctl titles describe amelie --original-name "Le Fabuleux Destin d\'Amélie" --aliases Amelie',
    'streamctl titles describe clip --cast "Ana Lune,Jo Brel" --crew "Oskar Lind" --json',
  ],
  async handler(ctx, args, options) {
    const titleId = args[0] as string;
    const sdk = await import('@streamctl/sdk');
    const text = (value: string | undefined) => (value === undefined ? undefined : value.trim() || null);
    const details = Object.fromEntries(
      Object.entries({
        originalName: text(options.originalName),
        aliases: list(options.aliases),
        cast: list(options.cast),
        crew: list(options.crew),
        synopsis: text(options.synopsis),
      }).filter(([, v]) => v !== undefined),
    );
    // The SDK's own rules, checked before the platform is reached.
    const valid = sdk.TitleDetailsSchema.safeParse(details);
    if (!valid.success) {
      const issue = valid.error.issues[0];
      const field = issue?.path[0] ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : '';
      throw new UsageError(
        field ? `invalid ${field}: ${issue?.message ?? 'not valid'}` : (issue?.message ?? 'invalid details'),
        field
          ? 'see streamctl titles describe --help'
          : 'pass at least one of --original-name, --aliases, --cast, --crew, --synopsis',
      );
    }
    const platform = sdk.createPlatform(await ctx.config());
    try {
      const { title, eventId } = await platform.publish.describe(titleId, details);
      if (ctx.globals.json) {
        ctx.json({
          titleId,
          status: title.status,
          ...(title.originalName ? { originalName: title.originalName } : {}),
          aliases: title.aliases ?? [],
          cast: title.cast ?? [],
          crew: title.crew ?? [],
          ...(title.synopsis ? { synopsis: title.synopsis } : {}),
          ...(eventId ? { eventId } : {}),
        });
        return;
      }
      ctx.print(`${titleId}: details saved.`);
      if (eventId) ctx.print('It is published: search finds it by its new details within seconds.');
    } finally {
      platform.close();
    }
  },
});
