import { defineCommand } from '../../context.js';
import { DeclinedError, ExitCode, ExitError } from '../../errors.js';
import { idFlag } from '../users/ids.js';
import { failedStores, printErasure } from './record.js';

/** `streamctl privacy erase <user> --yes`. */
export const privacyErase = defineCommand<Record<string, never>>({
  name: 'privacy erase',
  description:
    'erase a viewer from every store of the stage, in every Region, verify it and record it (cannot be undone; exit 1 if a store failed)',
  arguments: [{ name: 'user', description: 'the viewer (user id)', required: true }],
  examples: ['streamctl privacy erase alice --yes', 'streamctl privacy erase alice --yes --json'],
  async handler(ctx, args) {
    const userId = await idFlag('user', args[0]);
    const config = await ctx.config();
    // Asked before the platform is reached; without a terminal only --yes goes on.
    if (!(await ctx.ui.confirm({ message: `Erase ${userId} from stage ${config.stage} for good?` })))
      throw new DeclinedError('erasure');
    const sdk = await import('@streamctl/sdk');
    // The stage's shared cache when this machine reaches it (REDIS_URL, as `streamctl dev` takes it):
    // the viewer's cached page and sessions are then erased or exported too, not only left to expire.
    const redisUrl = ctx.io.env.REDIS_URL;
    const cache = redisUrl ? await sdk.createRedisCache(redisUrl, { timeoutMs: 1_000 }) : undefined;
    const { lakes, close: closeLakes } = await (await import('./lakes.js')).viewerLakes(config);
    const platform = sdk.createPlatform(config, { ...(cache ? { cache } : {}), lakes });
    try {
      const record = await ctx.ui.spin(`Erasing ${userId}`, () => platform.privacy.erase(userId));
      if (ctx.globals.json) ctx.json(record);
      else {
        printErasure(ctx, record, `Erasure of ${userId} on stage ${config.stage}`);
        ctx.print(`Check it again: streamctl privacy status ${record.erasureId}`);
      }
      const failed = failedStores(record);
      if (record.status === 'failed') {
        ctx.ui.note(
          `error: erasure ${record.erasureId} of ${userId} failed${failed ? ` (${failed})` : ''}; run \`streamctl privacy erase ${userId} --yes\` again: it erases what is left`,
        );
        throw new ExitError(ExitCode.Failure);
      }
    } finally {
      platform.close();
      closeLakes();
      await cache?.close();
    }
  },
});
