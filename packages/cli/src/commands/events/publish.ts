import { defineCommand } from '../../context.js';
import { ExitCode, ExitError, UsageError } from '../../errors.js';

interface PublishOptions {
  spool?: string;
}

/** `streamctl events publish <file.ndjson>`. */
export const eventsPublish = defineCommand<PublishOptions>({
  name: 'events publish',
  description: 'publish engagement events from an NDJSON file (one event per line) into the stage stream',
  arguments: [{ name: 'file', description: 'NDJSON file of events (schema version 1)', required: true }],
  options: [
    {
      flags: '--spool <file>',
      description:
        'where undelivered events are written, to replay with `events publish` (default <file>.undelivered.ndjson)',
    },
  ],
  examples: [
    'streamctl events publish events.ndjson --stage local',
    'streamctl events publish events.ndjson.undelivered.ndjson --json',
  ],
  async handler(ctx, args, options) {
    const file = args[0] as string;
    const { readFile, writeFile } = await import('node:fs/promises');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        'pass an NDJSON file of events',
      );
    }
    const sdk = await import('@streamctl/sdk');
    const { events, invalid } = sdk.readNdjson(text, sdk.parseEvent);
    const platform = sdk.createPlatform(await ctx.config());
    const publisher = platform.events.publisher();
    const undelivered = await ctx.ui.spin(`Publishing ${events.length} events`, async () => {
      for (const event of events) await publisher.publish(event);
      return publisher.close();
    });
    platform.close();
    const spool = options.spool ?? `${file}.undelivered.ndjson`;
    if (undelivered.length) {
      await writeFile(spool, `${undelivered.map((u) => JSON.stringify(u.event)).join('\n')}\n`);
    }
    const report = {
      file,
      read: events.length + invalid.length,
      delivered: publisher.stats.delivered,
      invalid,
      undelivered: undelivered.length,
      ...(undelivered.length ? { spool } : {}),
    };
    if (ctx.globals.json) ctx.json(report);
    else {
      ctx.print(`Delivered ${report.delivered} of ${report.read} events from ${file}.`);
      for (const bad of invalid.slice(0, 20)) ctx.print(`  line ${bad.line}: ${bad.message}`);
      if (invalid.length > 20) ctx.print(`  … and ${invalid.length - 20} more invalid lines`);
      if (undelivered.length)
        ctx.print(
          `${undelivered.length} undelivered events were written to ${spool}; replay with \`streamctl events publish ${spool}\`.`,
        );
    }
    if (invalid.length || undelivered.length) throw new ExitError(ExitCode.Failure);
  },
});
