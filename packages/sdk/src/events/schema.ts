/**
 * Engagement events (SPEC §8): the versioned schema and its validation.
 */
import { z } from 'zod';
import {
  CountryCodeSchema,
  EVENT_TYPE_NAMES,
  EVENT_TYPE_NAMES_V2,
  IdSchema,
  MAX_EVENTS_PER_BATCH,
  QOE_FIELD_LIMITS,
} from '../contract/index.js';
import { ValidationError } from '../errors/index.js';

/** The event types of schema version 1 (the API's contract lists them). */
export const EVENT_TYPES = EVENT_TYPE_NAMES;
/** The event types of schema version 2: version 1's, `startup` and `error`. */
export const EVENT_TYPES_V2 = EVENT_TYPE_NAMES_V2;

const common = {
  userId: IdSchema,
  titleId: IdSchema,
  ts: z.iso.datetime({ offset: true }),
  sessionId: z.string().min(1).max(128).optional(),
  positionSec: z.number().finite().min(0).max(1e6).optional(),
  durationSec: z.number().finite().positive().max(1e6).optional(),
  device: z.string().min(1).max(64).optional(),
  country: CountryCodeSchema.optional(),
  region: z.string().min(1).max(32).optional(),
};

/** An engagement event, schema version 1. */
export const EventV1Schema = z.object({ v: z.literal(1), id: z.uuid(), type: z.enum(EVENT_TYPES), ...common }).strict();

const ms = (max: number) => z.number().finite().min(0).max(max);
const bitrate = z.number().int().positive().max(QOE_FIELD_LIMITS.bitrate);

/** Which QoE field belongs to which event type in version 2 (a field on another type is refused). */
const QOE_FIELD_OF_TYPE = {
  startupMs: ['startup'],
  stallMs: ['rebuffer'],
  fromBitrate: ['quality_switch'],
  toBitrate: ['quality_switch'],
  errorCode: ['error'],
} as const;
/** The field a version 2 event of a type must carry. */
const REQUIRED_QOE_FIELD = { startup: 'startupMs', rebuffer: 'stallMs', error: 'errorCode' } as const;

/**
 * An engagement event, schema version 2: version 1 with the player's QoE measurements. A
 * `startup` carries its time to first frame, a `rebuffer` the stall's own duration (version 1's
 * rebuffer had only the title's), a `quality_switch` the bitrates, an `error` its code; any
 * playback event may carry `watchMs`, the playing time since the session's previous event.
 */
export const EventV2Schema = z
  .object({
    v: z.literal(2),
    id: z.uuid(),
    type: z.enum(EVENT_TYPES_V2),
    ...common,
    startupMs: ms(QOE_FIELD_LIMITS.startupMs).optional(),
    stallMs: ms(QOE_FIELD_LIMITS.stallMs).optional(),
    watchMs: ms(QOE_FIELD_LIMITS.watchMs).optional(),
    fromBitrate: bitrate.optional(),
    toBitrate: bitrate.optional(),
    errorCode: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_./:-]+$/, 'letters, digits and _ . / : -')
      .optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    for (const [field, types] of Object.entries(QOE_FIELD_OF_TYPE)) {
      if (
        event[field as keyof typeof QOE_FIELD_OF_TYPE] !== undefined &&
        !(types as readonly string[]).includes(event.type)
      )
        ctx.addIssue({ code: 'custom', path: [field], message: `only a ${types.join(' or ')} event carries ${field}` });
    }
    const required = REQUIRED_QOE_FIELD[event.type as keyof typeof REQUIRED_QOE_FIELD];
    if (required && event[required] === undefined)
      ctx.addIssue({ code: 'custom', path: [required], message: `a ${event.type} event carries ${required}` });
  });

/**
 * An engagement event of either version, as the platform reads it: version 1 events are version 2
 * events without the QoE fields (the schemas, not this type, keep each version to its own fields).
 */
export type EngagementEvent = Omit<z.infer<typeof EventV2Schema>, 'v'> & { v: 1 | 2 };
/** An engagement event of version 2. */
export type EngagementEventV2 = z.infer<typeof EventV2Schema>;

/** Versions this SDK reads; anything else is refused, not guessed at. */
export const SUPPORTED_EVENT_VERSIONS = [1, 2] as const;

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
    throw new ValidationError(
      `Unsupported event schema version ${JSON.stringify(v)}: this SDK reads versions 1 and 2`,
      [{ path: 'v', message: 'unsupported version' }],
    );
  }
  const parsed = (v === 2 ? EventV2Schema : EventV1Schema).safeParse(value);
  if (!parsed.success) throw ValidationError.fromZod('event', parsed.error);
  if (Buffer.byteLength(JSON.stringify(parsed.data)) > MAX_EVENT_BYTES) {
    throw new ValidationError(`Event larger than ${MAX_EVENT_BYTES} bytes`, [{ path: '', message: 'too large' }]);
  }
  return parsed.data;
}
