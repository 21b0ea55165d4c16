import { z } from 'zod';

/** Ids of users and titles: letters, digits and `._:-`, as they appear in keys. */
export const IdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

/**
 * A viewer's country: an ISO 3166 alpha-2 code, upper case. The one rule for
 * countries in tokens, events, availability checks and rails.
 */
export const CountrySchema = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'a two-letter ISO 3166 country code')
  .transform((value) => value.toUpperCase());
