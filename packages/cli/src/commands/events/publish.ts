import { defineCommand } from '../../context.js';
import { ExitCode, ExitError, UsageError } from '../../errors.js';

interface PublishOptions {
  spool?: string;
}

/**
 * The event format as `--help` shows it. It mirrors the SDK's EventV1Schema and
 * the contract's EVENT_TYPE_NAMES (a test holds them together), written out here
 * so that `--help` loads no SDK.
 */
export const EVENT_FORMAT = `NDJSON file: one JSON event per line (schema versions 1 and 2)
  field        required  value
  v            yes       1, the schema version
  id           yes       a UUID, new for every event (a repeated id is a no-op)
  type         yes       play, pause, seek, progress, complete, like, dislike,
                         skip, watchlist_add, watchlist_remove, quality_switch
                         or rebuffer
  userId       yes       letters, digits and . _ : -
  titleId      yes       letters, digits and . _ : -
  ts           yes       ISO 8601 time with offset, e.g. 2026-12-01T20:15:00Z
  sessionId    no        string, up to 128 characters
  positionSec  no        number of seconds, 0 or more
  durationSec  no        number of seconds, more than 0
  device       no        string, up to 64 characters
  country      no        ISO 3166-1 alpha-2 code, e.g. GB
  region       no        string, up to 32 characters
  Version 2 ("v":2) also has the types startup and error, and QoE fields:
  startupMs    startup         time to first frame, ms (a startup carries it)
  stallMs      rebuffer        the stall's length, ms (a rebuffer carries it)
  watchMs      any             playing time since the session's previous event, ms
  fromBitrate  quality_switch  bitrate before, bit/s
  toBitrate    quality_switch  bitrate after, bit/s
  errorCode    error           what failed (an error carries it)
  No other fields. A line (\`streamctl events example\` prints more):
  {"v":1,"id":"7f8e1c52-3a4b-4c5d-9e6f-0a1b2c3d4e5f","type":"progress","userId":"alice","titleId":"t1","ts":"2026-12-01T20:15:00Z","positionSec":120,"durationSec":5400}`;

/** `streamctl events publish <file.ndjson>`. */
export const eventsPublish = defineCommand<PublishOptions>({
  name: 'events publish',
  description: 'publish engagement events from an NDJSON file (one event per line) into the stage stream',
  arguments: [{ name: 'file', description: EVENT_FORMAT, required: true }],
  options: [
    {
      flags: '--spool <file>',
      description:
        'where undelivered events are written, to replay with `events publish` (default <file>.undelivered.ndjson)',
    },
  ],
  examples: [
    'streamctl events example > events.ndjson',
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
