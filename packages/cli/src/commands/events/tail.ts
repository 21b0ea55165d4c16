import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';

interface TailOptions {
  fromStart?: boolean;
  limit?: number;
}

/** `streamctl events tail`. */
export const eventsTail = defineCommand<TailOptions>({
  name: 'events tail',
  description: 'follow the events stream (Ctrl-C stops); --json prints one record per line',
  options: [
    { flags: '--from-start', description: 'start at the oldest record the stream keeps, not at new ones' },
    {
      flags: '--limit <n>',
      description: 'stop after this many records',
      parse: (value) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1)
          throw new UsageError(`invalid --limit "${value}"`, 'pass a whole number of at least 1');
        return n;
      },
    },
  ],
  examples: ['streamctl events tail --stage local', 'streamctl events tail --from-start --limit 10 --json'],
  async handler(ctx, _args, options) {
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    const controller = new AbortController();
    void ctx.io.waitForShutdown().then(() => controller.abort());
    if (!ctx.globals.json) {
      // Until a record comes the screen stays empty: say what is followed, and that it waits.
      const where = platform.clients.endpointFor('kinesis') ?? `AWS ${platform.config.region}`;
      ctx.ui.note(
        `Following stream ${platform.config.resources.eventsStream} (${where}) ` +
          `${options.fromStart ? 'from its oldest record' : 'for new records'}; waiting for events… (Ctrl-C stops)`,
      );
    }
    await sdk.tailEvents(platform.clients, platform.config.resources, {
      from: options.fromStart ? 'start' : 'latest',
      signal: controller.signal,
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      onRecord: (record) => {
        if (ctx.globals.json) {
          ctx.json(record);
          return;
        }
        const e = record.event as Partial<Record<string, unknown>>;
        const where = e.positionSec !== undefined ? ` @${e.positionSec}s` : '';
        ctx.print(
          typeof record.event === 'object'
            ? `${String(e.ts ?? record.arrivedAt)}  ${String(e.type).padEnd(16)} ${String(e.userId)} ${String(e.titleId)}${where}`
            : `${record.arrivedAt ?? ''}  (not JSON) ${String(record.event).slice(0, 80)}`,
        );
      },
    });
    platform.close();
  },
});
