import { describe, expect, it } from 'vitest';
import { clock, recentMonths } from './show.js';

describe('users show', () => {
  it.each([
    ['2026-12-03T01:00:00Z', ['2026-12', '2026-11']],
    // January's last month is last year's December.
    ['2027-01-01T00:00:00Z', ['2027-01', '2026-12']],
    // The last moment of a month, in UTC whatever the machine's zone.
    ['2026-03-31T23:59:59.999Z', ['2026-03', '2026-02']],
    // The calendar years ahead.
    ['2099-01-15T12:00:00Z', ['2099-01', '2098-12']],
  ])('history covers this month and last month: %s', (now, months) => {
    expect(recentMonths(new Date(now))).toEqual(months);
  });

  it.each([
    [0, '00:00'],
    [59.9, '00:59'],
    [600, '10:00'],
    [4503.6, '75:03'],
    [-3, '00:00'],
  ])('positions read as mm:ss: %s s', (seconds, text) => {
    expect(clock(seconds)).toBe(text);
  });
});
