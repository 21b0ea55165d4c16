import type { z } from 'zod';
import { ValidationError } from '../errors/index.js';

/** A list position as an opaque cursor (base64url JSON). */
export function encodeCursor(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Reads a cursor back; a cursor this list did not produce is a validation error. */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new ValidationError('Invalid cursor: pass back the cursor of the previous page unchanged', [
      { path: 'cursor', message: 'not a cursor of this list' },
    ]);
  }
}

/**
 * A page of a list in its final order: the entries from the first one `isAfter` the cursor's
 * position (all when there is no cursor), at most `limit`, and the cursor of the next page
 * when more follow.
 *
 * @example
 * ```ts
 * pageAfter(entries, 50, after && ((e) => e.at < after.at), (last) => ({ at: last.at }));
 * ```
 */
export function pageAfter<T>(
  entries: T[],
  limit: number,
  isAfter: ((entry: T) => boolean) | undefined,
  positionOf: (last: T) => object,
): { items: T[]; cursor?: string } {
  const start = isAfter ? entries.findIndex(isAfter) : 0;
  if (start === -1) return { items: [] };
  const items = entries.slice(start, start + limit);
  const last = items[items.length - 1];
  return start + limit < entries.length && last ? { items, cursor: encodeCursor(positionOf(last)) } : { items };
}
