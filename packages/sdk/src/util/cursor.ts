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
