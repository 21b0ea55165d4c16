import type { z } from 'zod';
import { ValidationError } from '../errors/index.js';

/** Parses input with a schema, or throws a ValidationError naming `what` and every bad field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ValidationError.fromZod(what, parsed.error);
  return parsed.data;
}
