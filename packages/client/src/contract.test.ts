import { describe, expect, it } from 'vitest';
import { COUNTRY_CODES, CountryCodeSchema, CountrySchema, IdSchema } from './contract.js';

describe('the contract', () => {
  it('takes ids of letters, digits and . _ : -, but never a bare dot segment', () => {
    for (const ok of ['t1', 'a.b', 'user_1:x-2', '.hidden', 'a..b']) expect(IdSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['', '.', '..', '...', 'a/b', 'a b', 'é', 'x'.repeat(129)])
      expect(IdSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('takes a country in any case and gives it upper-cased, refusing anything else', () => {
    expect(CountrySchema.parse('gb')).toBe('GB');
    for (const bad of ['', 'G', 'GBR', 'G1', 12]) expect(CountrySchema.safeParse(bad).success).toBe(false);
  });

  it('takes only the codes ISO 3166-1 assigns, and names the one meant by a near-miss', () => {
    expect(COUNTRY_CODES).toHaveLength(249);
    for (const code of COUNTRY_CODES) expect(CountryCodeSchema.safeParse(code).success, code).toBe(true);
    const message = (value: string) => CountrySchema.safeParse(value).error?.issues.map((i) => i.message);
    expect(message('uk')).toEqual(['UK is not an ISO 3166-1 country code; did you mean GB?']);
    expect(message('EL')).toEqual(['EL is not an ISO 3166-1 country code; did you mean GR?']);
    expect(message('XX')).toEqual(['XX is not an ISO 3166-1 country code (such as US, GB, DE)']);
    expect(message('GBR')).toEqual([
      '"GBR" is not a two-letter country code (ISO 3166-1 alpha-2 in upper case, such as GB)',
    ]);
    for (const bad of ['ZZ', 'EU', 'UN', 'XK', 'QO']) expect(CountryCodeSchema.safeParse(bad).success, bad).toBe(false);
  });

  it('keeps a list every code of which the runtime can name', () => {
    // Intl cannot validate (it names EU and XK too), but it catches a typo in the list.
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    expect(COUNTRY_CODES.filter((code) => names.of(code) === code)).toEqual([]);
    expect([...COUNTRY_CODES].sort()).toEqual([...COUNTRY_CODES]);
  });
});
