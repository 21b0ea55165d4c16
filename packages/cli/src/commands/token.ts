import { defineCommand } from '../context.js';
import { UsageError } from '../errors.js';
import { countryFlag } from '../flags.js';

interface TokenOptions {
  user: string;
  country?: string;
  plan: string;
  ttl: string;
}

/** `streamctl token`: a dev JWT the local API accepts. */
export const token = defineCommand<TokenOptions>({
  name: 'token',
  description: 'mint a dev JWT for the local stage (the local API accepts it; on AWS tokens come from Cognito)',
  options: [
    { flags: '--user <id>', description: "user id, the token's sub (required)" },
    {
      flags: '--country <CC>',
      description:
        "the viewer's country, ISO 3166 alpha-2: it decides what the viewer may watch (default: the one `streamctl users set-country` recorded for --user; required without it)",
    },
    {
      flags: '--plan <name>',
      description:
        "the viewer's plan: its streams at once and tallest rung (basic, standard, premium unless the stage's sessions.plans say otherwise)",
      default: 'standard',
    },
    { flags: '--ttl <duration>', description: 'lifetime, e.g. 15m, 1h, 7d', default: '1h' },
  ],
  examples: [
    'streamctl token --user alice --country US',
    'streamctl token --user carol --country DE --plan basic',
    'streamctl users set-country dave FR && streamctl token --user dave',
    'TOKEN=$(streamctl token --user bob --country GB --ttl 15m)',
  ],
  async handler(ctx, _args, options) {
    if (!options.user) throw new UsageError('--user is required', 'pass --user <id>');
    const { createLocalDirectory, ErrorCode, IdSchema, StreamctlError, parseDuration, isStreamctlError } = await import(
      '@streamctl/sdk'
    );
    let ttlSeconds: number;
    try {
      ttlSeconds = parseDuration(options.ttl, '--ttl');
    } catch (err) {
      throw new UsageError(isStreamctlError(err) ? err.message : String(err), 'e.g. --ttl 15m');
    }
    const config = await ctx.config();
    if (config.stage !== 'local') {
      throw new StreamctlError(
        ErrorCode.LocalStageOnly,
        `streamctl token works on the local stage only, not "${config.stage}"`,
        { hint: "on AWS, sign in through the stage's Cognito user pool; locally, use --stage local" },
      );
    }
    // The API's own rules: a token names a user id and a country the API accepts; none is made up.
    const given = options.country === undefined ? undefined : await countryFlag(options.country);
    if (!IdSchema.safeParse(options.user).success)
      throw new UsageError(`invalid --user "${options.user}"`, 'use letters, digits and . _ : - only');
    // Without --country, the country `streamctl users set-country` recorded for the user; --country wins.
    const country = given ?? (await createLocalDirectory(config.dataDir).country(options.user));
    if (!country)
      throw new UsageError(
        '--country is required: a token without a country is refused',
        `pass e.g. --country GB, or record the user's with \`streamctl users set-country ${options.user} GB\``,
      );
    // A plan the stage does not offer would mint a token every grant refuses: say so now.
    const plans = Object.keys(config.sessions.plans);
    if (!plans.includes(options.plan))
      throw new UsageError(
        `invalid --plan "${options.plan}": the stage offers ${plans.join(', ')}`,
        `use one of ${plans.join(', ')}`,
      );
    const { mintDevToken } = await import('@streamctl/local');
    const minted = await mintDevToken(config.dataDir, {
      userId: options.user,
      country,
      plan: options.plan,
      ttlSeconds,
    });
    if (ctx.globals.json) ctx.json(minted);
    else ctx.print(minted.token);
  },
});
