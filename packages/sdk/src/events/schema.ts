/**
 * Engagement events (SPEC §8): the versioned schema and its validation.
 */
import { z } from 'zod';
import { CountryCodeSchema, EVENT_TYPE_NAMES, IdSchema, MAX_EVENTS_PER_BATCH } from '../contract/index.js';
import { ValidationError } from '../errors/index.js';

/** The event types of schema version 1 (the API's contract lists them). */
export const EVENT_TYPES = EVENT_TYPE_NAMES;

/** An engagement event, schema version 1. */
export const EventV1Schema = z
  .object({
    v: z.literal(1),
    id: z.uuid(),
    type: z.enum(EVENT_TYPES),
    userId: IdSchema,
    titleId: IdSchema,
    ts: z.iso.datetime({ offset: true }),
    sessionId: z.string().min(1).max(128).optional(),
    positionSec: z.number().finite().min(0).max(1e6).optional(),
    durationSec: z.number().finite().positive().max(1e6).optional(),
    device: z.string().min(1).max(64).optional(),
    country: CountryCodeSchema.optional(),
    region: z.string().min(1).max(32).optional(),
  })
  .strict();

/** An engagement event. */
export type EngagementEvent = z.infer<typeof EventV1Schema>;

/** Versions this SDK reads; anything else is refused, not guessed at. */
export const SUPPORTED_EVENT_VERSIONS = [1] as const;

/** Largest encoded event Kinesis gets from us (the record limit is 1 MiB; ours are small). */
export const MAX_EVENT_BYTES = 16 * 1024;
/** Most records in one PutRecords call. */
export const MAX_BATCH = MAX_EVENTS_PER_BATCH;

/** Why one event of a batch was refused. */
export interface RejectedEvent {
  index: number;
  code: string;
  message: string;
}

/**
 * Validates one event; the error names the first bad field, or says that the
 * schema version is unknown.
 *
 * @example
 * ```ts
 * const event = parseEvent(JSON.parse(line));
 * ```
 */
export function parseEvent(value: unknown): EngagementEvent {
  const v = (value as { v?: unknown } | null)?.v;
  if (typeof value === 'object' && value !== null && v !== undefined && !SUPPORTED_EVENT_VERSIONS.includes(v as 1)) {
    throw new ValidationError(`Unsupported event schema version ${JSON.stringify(v)}: this SDK reads version 1`, [
      { path: 'v', message: 'unsupported version' },
    ]);
  }
  const parsed = EventV1Schema.safeParse(value);
  if (!parsed.success) throw ValidationError.fromZod('event', parsed.error);
  if (Buffer.byteLength(JSON.stringify(parsed.data)) > MAX_EVENT_BYTES) {
    throw new ValidationError(`Event larger than ${MAX_EVENT_BYTES} bytes`, [{ path: '', message: 'too large' }]);
  }
  return parsed.data;
}
