import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h30m', 5400],
    ['2d', 172800],
    ['1w', 604800],
    ['3600', 3600],
    [' 1H ', 3600],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'abc', '10x', '0s', '1h junk', '-5m'])('refuses %j', (text) => {
    expect(() => parseDuration(text, '--ttl')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
