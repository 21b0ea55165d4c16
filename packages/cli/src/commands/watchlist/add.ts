import { defineCommand } from '../../context.js';
import { idFlag, USER_OPTION } from '../users/ids.js';
import { homeChanged, printChange } from './change.js';

interface AddOptions {
  user?: string;
}

/** `streamctl watchlist add --user U <titleId>`. */
export const watchlistAdd = defineCommand<AddOptions>({
  name: 'watchlist add',
  description: "add a title of the catalog to an account's watchlist (adding a listed title changes nothing)",
  arguments: [{ name: 'titleId', description: 'the title', required: true }],
  options: [USER_OPTION],
  examples: ['streamctl watchlist add --user alice clip', 'streamctl watchlist add --user alice clip --json'],
  async handler(ctx, args, options) {
    const userId = await idFlag('--user', options.user);
    const titleId = await idFlag('titleId', args[0]);
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      const title = await platform.catalog.findTitle(titleId);
      if (!title)
        throw new sdk.NotFoundError(`Title ${titleId} does not exist in the catalog`, {
          hint: 'find its id with `streamctl titles list` or `streamctl search "<name>"`',
          details: { titleId },
        });
      if (title.status !== sdk.TITLE_STATUS.PUBLISHED)
        ctx.ui.note(`note: ${titleId} is ${title.status}, not published: the viewer sees it on the list once it is`);
      const changed = await platform.users.addToWatchlist(userId, titleId);
      if (changed) await homeChanged(ctx, platform, userId);
      printChange(ctx, { userId, titleId, onWatchlist: true, changed });
    } finally {
      platform.close();
    }
  },
});
