import { describe, expect, it } from 'vitest';
import { CountrySchema, IdSchema } from './contract.js';

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
});
