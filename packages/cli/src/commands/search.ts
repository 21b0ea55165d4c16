import { defineCommand } from '../context.js';
import { UsageError } from '../errors.js';
import { countryFlag } from '../flags.js';

interface SearchOptions {
  country?: string;
  genre?: string;
  limit?: number;
  cursor?: string;
}

/** `streamctl search "<q>"`. */
export const search = defineCommand<SearchOptions>({
  name: 'search',
  description: 'search the published catalog as a viewer in a country would (typos and accents forgiven)',
  arguments: [{ name: 'query', description: 'what to look for: words of a name, a person, a genre', required: true }],
  options: [
    {
      flags: '--country <cc>',
      description: "the viewer's country (ISO 3166 alpha-2); without it, titles playable now in any country",
    },
    { flags: '--genre <genre>', description: 'only titles of this genre, e.g. drama' },
    {
      flags: '--limit <n>',
      description: 'results per page (1–50, default 20)',
      parse: (value) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 50)
          throw new UsageError(`invalid --limit "${value}"`, 'use a whole number from 1 to 50');
        return n;
      },
    },
    { flags: '--cursor <cursor>', description: 'the cursor printed by the previous page (same query and country)' },
  ],
  examples: [
    'streamctl search "amelie" --country FR',
    'streamctl search "harbr" --country GB --genre drama --json',
    'streamctl search "night" --limit 5',
  ],
  async handler(ctx, args, options) {
    const q = args[0] as string;
    const sdk = await import('@streamctl/sdk');
    const country = options.country === undefined ? undefined : await countryFlag(options.country);
    // The SDK checks the same rules; checked here first so a bad query needs no running platform.
    const params = { q, genre: options.genre, limit: options.limit, cursor: options.cursor };
    const { SearchQuerySchema } = await import('@streamctl/sdk/contract');
    const valid = SearchQuerySchema.safeParse(Object.fromEntries(Object.entries(params).filter(([, v]) => v)));
    if (!valid.success) {
      const issue = valid.error.issues[0];
      const field = issue?.path[0] === 'q' ? 'query' : `--${String(issue?.path[0] ?? 'query')}`;
      throw new UsageError(
        `invalid ${field}: ${issue?.message ?? 'not valid'}`,
        field === 'query' ? 'pass 1–200 characters, e.g. streamctl search "amelie"' : 'see streamctl search --help',
      );
    }
    const platform = sdk.createPlatform(await ctx.config());
    try {
      const page = await platform.search.query({ country }, params);
      if (ctx.globals.json) {
        ctx.json({ query: q, ...(country ? { country } : {}), ...page });
        return;
      }
      const where = country ? ` in ${country}` : '';
      if (!page.items.length) {
        ctx.print(`No published title${where} matches "${q}".`);
        return;
      }
      ctx.print(`${page.total} match${page.total === 1 ? '' : 'es'}${where}:`);
      for (const item of page.items) {
        const year = item.year ? ` (${item.year})` : '';
        ctx.print(
          `  ${item.titleId.padEnd(24)} ${`${item.name}${year}`.slice(0, 48).padEnd(48)} ${item.genres.join(', ')}`,
        );
      }
      if (page.facets.genres.length)
        ctx.print(`Genres: ${page.facets.genres.map((g) => `${g.value} ${g.count}`).join(', ')}`);
      if (page.nextCursor)
        ctx.print(
          `More: streamctl search ${JSON.stringify(q)}${country ? ` --country ${country}` : ''}${options.genre ? ` --genre ${options.genre}` : ''} --cursor ${page.nextCursor}`,
        );
    } finally {
      platform.close();
    }
  },
});
