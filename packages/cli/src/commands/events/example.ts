import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';

interface ExampleOptions {
  count?: number;
  user?: string;
  title?: string;
}

/** `streamctl events example`: sample lines for `events publish`. */
export const eventsExample = defineCommand<ExampleOptions>({
  name: 'events example',
  description: 'print valid sample events, one JSON line each, to publish as they are or edit',
  options: [
    {
      flags: '--count <n>',
      description: 'how many events (default: one of each type)',
      parse: (value) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 10_000)
          throw new UsageError(`invalid --count "${value}"`, 'pass a whole number from 1 to 10000');
        return n;
      },
    },
    { flags: '--user <id>', description: 'the userId of every event (default alice)' },
    { flags: '--title <id>', description: 'the titleId of every event (default t1)' },
  ],
  examples: [
    'streamctl events example > events.ndjson && streamctl events publish events.ndjson',
    'streamctl events example --count 100 --user bob --title movie-1',
  ],
  async handler(ctx, _args, options) {
    const sdk = await import('@streamctl/sdk');
    let events: import('@streamctl/sdk').EngagementEvent[];
    try {
      events = sdk.exampleEvents({
        ...(options.count !== undefined ? { count: options.count } : {}),
        ...(options.user !== undefined ? { userId: options.user } : {}),
        ...(options.title !== undefined ? { titleId: options.title } : {}),
      });
    } catch (err) {
      if (sdk.isStreamctlError(err) && err.code === sdk.ErrorCode.ValidationFailed) {
        throw new UsageError(err.message, 'use letters, digits and . _ : - in --user and --title');
      }
      throw err;
    }
    // NDJSON is already machine output: the same lines with or without --json.
    for (const event of events) ctx.json(event);
  },
});
