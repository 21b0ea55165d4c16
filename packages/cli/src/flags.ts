/**
 * Flags several commands share, parsed one way: a viewer's country is what
 * the API would accept in a token (ISO 3166-1 alpha-2, `UK` answered with
 * "did you mean GB?"), a page size within its list's bounds, a cursor as a
 * list printed it; each checked before any platform is reached.
 */
import { UsageError } from './errors.js';

/**
 * The `--country` flag's value, upper-cased; a usage error (exit 2) naming the fix otherwise.
 *
 * @example
 * ```ts
 * const country = await countryFlag(options.country); // "GB"
 * ```
 */
export async function countryFlag(value: string): Promise<string> {
  const { CountrySchema } = await import('@streamctl/sdk/contract');
  const parsed = CountrySchema.safeParse(value);
  if (!parsed.success)
    throw new UsageError(
      `invalid --country "${value}": ${parsed.error.issues[0]?.message ?? 'not a country code'}`,
      'pass an ISO 3166-1 alpha-2 code such as GB',
    );
  return parsed.data;
}

/**
 * A `--limit <n>` option of a paged list: a whole number from 1 to `max`.
 *
 * @example
 * ```ts
 * options: [limitOption(100, 'titles per page (1–100, default 50)')]
 * ```
 */
export function limitOption(max: number, description: string) {
  return {
    flags: '--limit <n>',
    description,
    parse: (value: string) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > max)
        throw new UsageError(`invalid --limit "${value}"`, `use a whole number from 1 to ${max}`);
      return n;
    },
  };
}

/**
 * A `--cursor <cursor>` option: the opaque cursor a list printed (base64url JSON). Checked for its
 * shape here; the SDK checks its fields against the list.
 */
export const cursorOption = {
  flags: '--cursor <cursor>',
  description: 'the cursor printed by the previous page',
  parse: (value: string) => {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    } catch {}
    if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded))
      throw new UsageError(`invalid --cursor "${value}"`, 'pass back the cursor the previous page printed, unchanged');
    return value;
  },
};
