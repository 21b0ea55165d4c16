import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';
import { cursorOption, limitOption } from '../../flags.js';

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
    limitOption(200, 'titles per page (1–200, default 50)'),
    cursorOption,
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
