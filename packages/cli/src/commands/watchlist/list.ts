import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';
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
  options: [
    USER_OPTION,
    {
      flags: '--limit <n>',
      description: 'titles per page (1–100, default 50)',
      parse: (value) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 100)
          throw new UsageError(`invalid --limit "${value}"`, 'use a whole number from 1 to 100');
        return n;
      },
    },
    {
      flags: '--cursor <cursor>',
      description: 'the cursor printed by the previous page',
      parse: (value) => {
        // Checked before the platform is reached; the SDK checks the cursor's fields against the list.
        let decoded: unknown;
        try {
          decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
        } catch {}
        if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded))
          throw new UsageError(
            `invalid --cursor "${value}"`,
            'pass back the cursor the previous page printed, unchanged',
          );
        return value;
      },
    },
  ],
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
