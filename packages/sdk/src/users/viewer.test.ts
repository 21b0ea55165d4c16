import { describe, expect, it } from 'vitest';
import { viewerFromClaims } from './viewer.js';

describe('viewerFromClaims', () => {
  it('makes the viewer from the subject, the country (upper-cased) and the plan, as plain or Cognito claims', () => {
    expect(viewerFromClaims({ sub: 'alice', country: 'gb', plan: 'basic' })).toEqual({
      userId: 'alice',
      country: 'GB',
      plan: 'basic',
    });
    expect(viewerFromClaims({ sub: 'bob', 'custom:country': 'DE', 'custom:plan': 'premium' })).toEqual({
      userId: 'bob',
      country: 'DE',
      plan: 'premium',
    });
  });

  it.each([
    [{ sub: 'alice', plan: 'basic' }, /no country claim/],
    // No plan, no viewer: a made-up plan would be streams nobody paid for.
    [{ sub: 'alice', country: 'GB' }, /no plan claim/],
    [{ sub: 'alice', country: 'GB', plan: 'Premium' }, /plan claim "Premium" is refused/],
    [{ sub: 'alice', country: 'GB', plan: ['basic'] }, /plan claim \["basic"\] is refused/],
    [{ sub: 'alice', country: 'GB', plan: '' }, /plan claim "" is refused/],
    [{ sub: 'alice', country: '' }, /country claim "" is refused/],
    [{ sub: 'alice', country: 'USA' }, /country claim "USA" is refused: .*two-letter/],
    [{ sub: 'alice', country: 7 }, /country claim 7 is refused/],
    [{ sub: 'alice', country: 'UK' }, /country claim "UK" is refused: .*did you mean GB/],
    [{ country: 'GB' }, /no usable subject/],
    [{ sub: '../admin', country: 'GB' }, /no usable subject/],
    [{ sub: 'a'.repeat(129), country: 'GB' }, /no usable subject/],
  ])('refuses %j as UNAUTHORIZED, never defaulting', (claims, message) => {
    expect(() => viewerFromClaims(claims)).toThrow(message);
    try {
      viewerFromClaims(claims);
    } catch (err) {
      expect(err).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    }
  });
});
