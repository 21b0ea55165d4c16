import { defineCommand } from '../../context.js';
import { idFlag, USER_OPTION } from '../users/ids.js';
import { homeChanged, printChange } from './change.js';

interface RemoveOptions {
  user?: string;
}

/** `streamctl watchlist remove --user U <titleId>`. */
export const watchlistRemove = defineCommand<RemoveOptions>({
  name: 'watchlist remove',
  description: "remove a title from an account's watchlist (also one since deleted from the catalog)",
  arguments: [{ name: 'titleId', description: 'the title', required: true }],
  options: [USER_OPTION],
  examples: ['streamctl watchlist remove --user alice clip', 'streamctl watchlist remove --user alice clip --json'],
  async handler(ctx, args, options) {
    const userId = await idFlag('--user', options.user);
    const titleId = await idFlag('titleId', args[0]);
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      // Removing a title that is not listed is a success that changed nothing (exit 0), as the API's DELETE is.
      const changed = await platform.users.removeFromWatchlist(userId, titleId);
      if (changed) await homeChanged(ctx, platform, userId);
      printChange(ctx, { userId, titleId, onWatchlist: false, changed });
    } finally {
      platform.close();
    }
  },
});
