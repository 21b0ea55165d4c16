import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';

interface ListOptions {
  status?: string;
  limit?: number;
  cursor?: string;
}

/** `streamctl titles list`. */
export const titlesList = defineCommand<ListOptions>({
  name: 'titles list',
  description: 'list the titles of the catalog, a page at a time',
  options: [
    {
      flags: '--status <status>',
      description: 'only titles in this status of the lifecycle (e.g. READY, FAILED)',
    },
    {
      flags: '--limit <n>',
      description: 'titles per page (1–200, default 50)',
      parse: (value) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 200)
          throw new UsageError(`invalid --limit "${value}"`, 'use a whole number from 1 to 200');
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
  examples: ['streamctl titles list', 'streamctl titles list --status FAILED --json'],
  async handler(ctx, _args, options) {
    const sdk = await import('@streamctl/sdk');
    const status = options.status?.toUpperCase();
    if (status !== undefined && !(sdk.TITLE_STATUSES as readonly string[]).includes(status))
      throw new UsageError(`invalid --status "${options.status}"`, `use one of ${sdk.TITLE_STATUSES.join(', ')}`);
    const platform = sdk.createPlatform(await ctx.config());
    try {
      const page = await platform.catalog.listTitles({
        ...(status ? { status: status as (typeof sdk.TITLE_STATUSES)[number] } : {}),
        ...(options.limit ? { limit: options.limit } : {}),
        ...(options.cursor ? { cursor: options.cursor } : {}),
      });
      if (ctx.globals.json) {
        ctx.json(page);
        return;
      }
      if (!page.items.length) ctx.print('No titles. Add one with `streamctl ingest <file>`.');
      for (const t of page.items) {
        ctx.print(
          `${t.titleId.padEnd(28)} ${t.status.padEnd(12)} ${t.name}${t.genres.length ? ` (${t.genres.join(', ')})` : ''}`,
        );
      }
      if (page.cursor) ctx.print(`More: streamctl titles list --cursor ${page.cursor}`);
    } finally {
      platform.close();
    }
  },
});
