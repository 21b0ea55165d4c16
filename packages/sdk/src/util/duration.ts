import { ValidationError } from '../errors/index.js';

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Parses a duration such as `90s`, `15m`, `1h30m` or `2d` into whole seconds:
 * the one rule for every duration flag (`sign --expires-in`, `token --ttl`).
 * A unit is required: a bare `1` could mean a second, a minute or an hour, and
 * reading it as seconds would hand out signatures that expire before use.
 *
 * @example
 * ```ts
 * parseDuration('1h30m'); // 5400
 * ```
 */
export function parseDuration(input: string, what = 'duration'): number {
  const text = input.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    throw new ValidationError(
      `Invalid ${what} "${input}": a duration needs a unit, e.g. ${text}s, ${text}m or ${text}h`,
      [{ path: what, message: 'a number with a unit: s, m, h, d or w' }],
    );
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = re.exec(text); match; match = re.exec(text)) {
    total += Number(match[1]) * (UNITS[match[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length || total <= 0) {
    throw new ValidationError(`Invalid ${what} "${input}": use a number with a unit, e.g. 90s, 15m, 1h, 2d`, [
      { path: what, message: 'expected e.g. 90s, 15m, 1h, 2d' },
    ]);
  }
  return Math.round(total);
}
