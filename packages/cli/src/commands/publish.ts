import type { StreamctlConfig } from '@streamctl/sdk';
import { defineCommand } from '../context.js';
import { DeclinedError, UsageError } from '../errors.js';

interface PublishOptions {
  countries?: string;
  from?: string;
  until?: string;
}

/** Parses `--countries US,GB` or `ALL` with the SDK's one country rule (assigned ISO 3166-1 codes). */
async function parseCountries(value: string): Promise<string[] | 'ALL'> {
  if (value.trim().toUpperCase() === 'ALL') return 'ALL';
  const { CountrySchema } = await import('@streamctl/sdk');
  const list = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (!list.length) throw new UsageError(`invalid --countries "${value}"`, 'pass ISO 3166 codes such as US,GB, or ALL');
  const countries: string[] = [];
  for (const code of list) {
    const parsed = CountrySchema.safeParse(code);
    if (!parsed.success) {
      const why = parsed.error.issues[0]?.message ?? 'not a country code';
      throw new UsageError(`invalid --countries "${value}": ${why}`, 'pass ISO 3166 codes such as US,GB, or ALL');
    }
    countries.push(parsed.data);
  }
  return countries;
}

/** The stage's publisher: catalog, catalog events, CDN invalidation. */
async function openPublisher(config: StreamctlConfig) {
  const sdk = await import('@streamctl/sdk');
  const platform = sdk.createPlatform(config);
  return { publisher: platform.publish, close: () => platform.close() };
}

/** An availability bound as given on the command line: a date-time Date.parse reads (the SDK checks the rest). */
function parseInstant(flag: string) {
  return (value: string) => {
    if (Number.isNaN(Date.parse(value)))
      throw new UsageError(`invalid ${flag} "${value}"`, 'use an ISO 8601 date-time such as 2026-12-01T00:00:00Z');
    return value;
  };
}

/** `streamctl publish <titleId>`. */
export const publish = defineCommand<PublishOptions>({
  name: 'publish',
  description: 'make a READY title available (countries, window), emit a catalog event, refresh the CDN',
  arguments: [{ name: 'titleId', description: 'the title to publish', required: true }],
  options: [
    { flags: '--countries <list>', description: 'US,GB,… or ALL (asked for on a terminal; default ALL)' },
    {
      flags: '--from <iso>',
      description: 'start of the availability window (ISO 8601, e.g. 2026-12-01T00:00:00Z)',
      parse: parseInstant('--from'),
    },
    {
      flags: '--until <iso>',
      description: 'end of the availability window (exclusive)',
      parse: parseInstant('--until'),
    },
  ],
  examples: [
    'streamctl publish clip --countries ALL',
    'streamctl publish clip --countries US,GB --from 2026-12-01T00:00:00Z --until 2027-01-01T00:00:00Z --json',
  ],
  async handler(ctx, args, options) {
    const titleId = args[0] as string;
    if (options.from && options.until && Date.parse(options.from) >= Date.parse(options.until))
      throw new UsageError(`--from ${options.from} is not before --until ${options.until}`, 'swap them, or move one');
    const countries = await parseCountries(
      options.countries ??
        (await ctx.ui.input({ message: 'Countries (US,GB,… or ALL)', flag: '--countries', default: 'ALL' })),
    );
    const { publisher, close } = await openPublisher(await ctx.config());
    try {
      const outcome = await ctx.ui.spin(`Publishing ${titleId}`, () =>
        publisher.publish(titleId, {
          countries,
          ...(options.from ? { from: options.from } : {}),
          ...(options.until ? { until: options.until } : {}),
        }),
      );
      if (ctx.globals.json) {
        ctx.json(outcome);
        return;
      }
      const where =
        outcome.availability?.countries === 'ALL' ? 'everywhere' : outcome.availability?.countries.join(', ');
      const window = [
        outcome.availability?.from ? `from ${outcome.availability.from}` : '',
        outcome.availability?.until ? `until ${outcome.availability.until}` : '',
      ]
        .filter(Boolean)
        .join(' ');
      ctx.print(`Title ${titleId} is ${outcome.status} ${where}${window ? ` ${window}` : ''}.`);
      ctx.print(
        outcome.invalidation.status === 'created'
          ? `CDN invalidation ${outcome.invalidation.id} of ${outcome.invalidation.paths.join(' ')} is in progress.`
          : `CDN: ${outcome.invalidation.reason}.`,
      );
    } finally {
      close();
    }
  },
});

/** `streamctl unpublish <titleId>`. */
export const unpublish = defineCommand<Record<string, never>>({
  name: 'unpublish',
  description: 'withdraw a published title everywhere, emit a catalog event, drop its CDN copies',
  arguments: [{ name: 'titleId', description: 'the title to withdraw', required: true }],
  examples: ['streamctl unpublish clip --yes'],
  async handler(ctx, args) {
    const titleId = args[0] as string;
    if (!(await ctx.ui.confirm({ message: `Withdraw ${titleId} from every country?` }))) {
      throw new DeclinedError('unpublish');
    }
    const { publisher, close } = await openPublisher(await ctx.config());
    try {
      const outcome = await ctx.ui.spin(`Unpublishing ${titleId}`, () => publisher.unpublish(titleId));
      if (ctx.globals.json) ctx.json(outcome);
      else ctx.print(`Title ${titleId} is ${outcome.status}.`);
    } finally {
      close();
    }
  },
});
