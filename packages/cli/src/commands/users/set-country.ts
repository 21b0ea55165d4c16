import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';
import { idFlag } from './ids.js';

/**
 * The `<CC>` argument: ISO 3166-1 alpha-2 as the API accepts it in a token, upper-cased; a usage
 * error (exit 2) otherwise, so a typo never reaches the user pool.
 *
 * @example
 * ```ts
 * await countryArgument('fr'); // "FR"
 * ```
 */
export async function countryArgument(value: string | undefined): Promise<string> {
  if (value === undefined || value === '') throw new UsageError('the country is required', 'pass e.g. GB');
  const { CountrySchema } = await import('@streamctl/sdk/contract');
  const parsed = CountrySchema.safeParse(value);
  if (!parsed.success)
    throw new UsageError(
      `invalid country "${value}": ${parsed.error.issues[0]?.message ?? 'not a country code'}`,
      'pass an ISO 3166-1 alpha-2 code such as GB',
    );
  return parsed.data;
}

/** `streamctl users set-country <user> <CC>`. */
export const usersSetCountry = defineCommand<Record<string, never>>({
  name: 'users set-country',
  description:
    "set a viewer's country (what they may watch): custom:country in the stage's user pool on AWS (STREAMCTL_USER_POOL_ID), the local user directory that `streamctl token` reads on the local stage",
  arguments: [
    { name: 'user', description: "the account (user id: the sub of the viewer's tokens)", required: true },
    { name: 'CC', description: 'the country, ISO 3166-1 alpha-2 (e.g. GB)', required: true },
  ],
  examples: [
    'streamctl users set-country alice GB',
    'STREAMCTL_USER_POOL_ID=eu-west-1_AbC123 streamctl users set-country --stage prod 3f1c2b7e-5a9d-4c1e-9b2f-7d4e8a6c0b15 FR --json',
  ],
  async handler(ctx, args) {
    // Both checked before the stage is resolved or any directory is touched.
    const userId = await idFlag('user', args[0]);
    const country = await countryArgument(args[1]);
    const { createUserDirectory } = await import('@streamctl/sdk');
    const directory = createUserDirectory(await ctx.config(), { env: ctx.io.env });
    try {
      const change = await directory.setCountry(userId, country);
      if (ctx.globals.json) {
        ctx.json(change);
        return;
      }
      const was =
        change.previous === null
          ? 'none before'
          : change.previous === change.country
            ? 'unchanged'
            : `was ${change.previous}`;
      if (change.directory === 'cognito') {
        ctx.print(`Set the country of ${userId} to ${change.country} (${was}) in the user pool ${change.location}.`);
        ctx.print(
          '  Tokens issued from now on (sign-in or refresh) carry it; one issued before keeps its country until it expires.',
        );
      } else {
        ctx.print(`Set the country of ${userId} to ${change.country} (${was}) in the local user directory.`);
        ctx.print(`  \`streamctl token --user ${userId}\` now mints tokens for ${change.country}.`);
      }
    } finally {
      directory.close();
    }
  },
});
