import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h30m', 5400],
    ['2d', 172800],
    ['1w', 604800],
    [' 1H ', 3600],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it('refuses a bare number, showing it with units', () => {
    expect(() => parseDuration('1', '--expires-in')).toThrow(
      'Invalid --expires-in "1": a duration needs a unit, e.g. 1s, 1m or 1h',
    );
    expect(() => parseDuration('3600', '--ttl')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it.each(['', 'abc', '10x', '0s', '1h junk', '-5m'])('refuses %j', (text) => {
    expect(() => parseDuration(text, '--ttl')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
