import { defineCommand } from '../../context.js';
import { cursorOption, limitOption } from '../../flags.js';
import { idFlag, USER_OPTION, when } from '../users/ids.js';

interface ListOptions {
  user?: string;
  limit?: number;
  cursor?: string;
}

/** `streamctl watchlist list --user U`. */
export const watchlistList = defineCommand<ListOptions>({
  name: 'watchlist list',
  description: "an account's watchlist, newest first, a page at a time",
  options: [USER_OPTION, limitOption(100, 'titles per page (1–100, default 50)'), cursorOption],
  examples: ['streamctl watchlist list --user alice', 'streamctl watchlist list --user alice --limit 10 --json'],
  async handler(ctx, _args, options) {
    const userId = await idFlag('--user', options.user);
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      const page = await platform.users.listWatchlist(userId, {
        ...(options.limit ? { limit: options.limit } : {}),
        ...(options.cursor ? { cursor: options.cursor } : {}),
      });
      if (ctx.globals.json) {
        ctx.json({ userId, ...page });
        return;
      }
      if (!page.items.length)
        ctx.print(
          options.cursor
            ? 'No more titles.'
            : `${userId}'s watchlist is empty. Add a title with \`streamctl watchlist add --user ${userId} <titleId>\`.`,
        );
      for (const item of page.items) ctx.print(`${item.titleId.padEnd(28)} added ${when(item.addedAt)}`);
      if (page.cursor)
        ctx.print(
          `More: streamctl watchlist list --user ${userId}${options.limit ? ` --limit ${options.limit}` : ''} --cursor ${page.cursor}`,
        );
    } finally {
      platform.close();
    }
  },
});
