/**
 * Flags several commands share, parsed one way: a viewer's country is what
 * the API would accept in a token (ISO 3166-1 alpha-2, `UK` answered with
 * "did you mean GB?"), checked before any platform is reached.
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
