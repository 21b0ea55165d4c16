import { defineCommand } from '../context.js';
import { UsageError } from '../errors.js';
import { countryFlag } from '../flags.js';

interface RecsOptions {
  country?: string;
}

/** `streamctl recs <user>`. */
export const recs = defineCommand<RecsOptions>({
  name: 'recs',
  description: "a viewer's home rails from the recommendation models, with why each title is there",
  arguments: [{ name: 'user', description: 'the viewer (user id)', required: true }],
  options: [
    {
      flags: '--country <cc>',
      description: "the viewer's country (ISO 3166 alpha-2, required), which decides what they may watch",
    },
  ],
  examples: ['streamctl recs alice --country GB', 'streamctl recs alice --country US --json'],
  async handler(ctx, args, options) {
    const userId = args[0] as string;
    const sdk = await import('@streamctl/sdk');
    if (!sdk.IdSchema.safeParse(userId).success)
      throw new UsageError(`invalid user "${userId}"`, 'use letters, digits and . _ : - only');
    if (!options.country)
      throw new UsageError(
        "recs needs the viewer's country",
        `pass --country, e.g. streamctl recs ${userId} --country GB`,
      );
    const country = await countryFlag(options.country);
    // An operator view may wait longer than a viewer's request.
    const platform = sdk.createPlatform(await ctx.config(), { homeBudgetMs: 5_000 });
    try {
      const home = await platform.home.build({ userId, country });
      // Version 0: the models have recorded nothing of this viewer (no event, no resume position, no
      // list change), so every rail is the country's popular and new titles. Unknown if unreadable.
      const history = await platform.recommendations.models.version(userId).then(
        (version) => version > 0,
        () => undefined,
      );
      if (ctx.globals.json) {
        ctx.json({ userId, country, ...home, ...(history !== undefined ? { history } : {}) });
        return;
      }
      if (history === false)
        ctx.ui.note(
          `${userId} has no viewing history yet: these rails are what is popular and new in ${country}; ` +
            `publish events (\`streamctl events example --user ${userId}\`) to personalize them`,
        );
      if (home.degraded) ctx.print('(degraded: a source failed or was slow; popular titles stand in)');
      if (!home.rails.length) ctx.print('No rails: the catalog has no titles published in this country.');
      for (const rail of home.rails) {
        ctx.print(`${rail.title}`);
        for (const item of rail.items.slice(0, 10)) {
          ctx.print(`  ${item.titleId.padEnd(24)} ${item.name.slice(0, 40).padEnd(40)} ${item.reason ?? ''}`);
        }
        if (rail.items.length > 10) ctx.print(`  … ${rail.items.length - 10} more`);
      }
    } finally {
      platform.close();
    }
  },
});
