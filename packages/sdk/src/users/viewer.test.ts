import { describe, expect, it } from 'vitest';
import { viewerFromClaims } from './viewer.js';

describe('viewerFromClaims', () => {
  it('makes the viewer from the subject and the country (Cognito or plain claim), upper-cased', () => {
    expect(viewerFromClaims({ sub: 'alice', country: 'gb' })).toEqual({ userId: 'alice', country: 'GB' });
    expect(viewerFromClaims({ sub: 'bob', 'custom:country': 'DE' })).toEqual({ userId: 'bob', country: 'DE' });
  });

  it.each([
    [{ sub: 'alice' }, /no country claim/],
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
