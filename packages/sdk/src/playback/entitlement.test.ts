import { httpStatusFor } from '@streamctl/sdk/errors';
import { describe, expect, it } from 'vitest';
import { assertEntitled, type EntitlementTitle, isEntitled, NotEntitledError } from './entitlement.js';

const now = new Date('2026-11-24T12:00:00Z');
const title = (over: Partial<EntitlementTitle> = {}): EntitlementTitle => ({
  titleId: 't1',
  status: 'PUBLISHED',
  availability: { countries: ['US', 'GB'], from: '2026-11-01T00:00:00Z', until: '2027-01-01T00:00:00Z' },
  ...over,
});

describe('entitlement', () => {
  it('lets a viewer in an available country inside the window play', () => {
    expect(() => assertEntitled(title(), { country: 'gb' }, 't1', now)).not.toThrow();
    expect(isEntitled(title({ availability: { countries: 'ALL' } }), { country: 'JP' }, now)).toBe(true);
  });

  it.each([
    ['not published', title({ status: 'READY' }), 'US', 'not-published'],
    ['unpublished', title({ status: 'UNPUBLISHED' }), 'US', 'not-published'],
    ['another country', title(), 'FR', 'not-in-country'],
    [
      'before the window',
      title({ availability: { countries: 'ALL', from: '2026-12-01T00:00:00Z' } }),
      'US',
      'window-not-open',
    ],
    [
      'after the window',
      title({ availability: { countries: 'ALL', until: '2026-11-24T12:00:00Z' } }),
      'US',
      'window-closed',
    ],
  ])('refuses %s with a 403 error naming the reason', (_, t, country, reason) => {
    let error: unknown;
    try {
      assertEntitled(t, { country }, 't1', now);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(NotEntitledError);
    expect((error as NotEntitledError).reason).toBe(reason);
    expect((error as NotEntitledError).code).toBe('FORBIDDEN');
    expect((error as NotEntitledError).httpStatus).toBe(403);
  });

  it('answers an unknown title with NOT_FOUND (404)', () => {
    expect(() => assertEntitled(undefined, { country: 'US' }, 'nope', now)).toThrow(/Title nope does not exist/);
    try {
      assertEntitled(undefined, { country: 'US' }, 'nope', now);
    } catch (err) {
      expect((err as { code: string }).code).toBe('NOT_FOUND');
      expect(httpStatusFor('NOT_FOUND')).toBe(404);
    }
  });
});
