/**
 * Sample engagement events: lines a newcomer can publish as they are, or
 * edit, to learn the event format. Built from the schema's own type list and
 * checked by {@link parseEvent}, so they validate whatever the schema becomes.
 */
import { randomUUID } from 'node:crypto';
import { type EngagementEvent, EVENT_TYPES, parseEvent } from './schema.js';

/** What {@link exampleEvents} makes events about. */
export interface ExampleEventsOptions {
  /** How many events (default: one of each type). */
  count?: number;
  userId?: string;
  titleId?: string;
  country?: string;
  /** The time of the last event; earlier ones are a few seconds apart before it. */
  now?: Date;
}

/** Event types that carry a playback position. */
const AT_POSITION: ReadonlySet<string> = new Set([
  'play',
  'pause',
  'seek',
  'progress',
  'complete',
  'quality_switch',
  'rebuffer',
]);

/** The length of the sample title, in seconds. */
const SAMPLE_DURATION_SEC = 5_400;

/**
 * Valid sample events of one viewing session, cycling through every event
 * type, each with a fresh id and a time just before `now`.
 *
 * @example
 * ```ts
 * for (const event of exampleEvents({ count: 3 })) console.log(JSON.stringify(event));
 * ```
 */
export function exampleEvents(options: ExampleEventsOptions = {}): EngagementEvent[] {
  const count = options.count ?? EVENT_TYPES.length;
  const now = (options.now ?? new Date()).getTime();
  const sessionId = randomUUID();
  return Array.from({ length: count }, (_, i) => {
    const type = EVENT_TYPES[i % EVENT_TYPES.length] as EngagementEvent['type'];
    const position = Math.min(i * 30, SAMPLE_DURATION_SEC);
    return parseEvent({
      v: 1,
      id: randomUUID(),
      type,
      userId: options.userId ?? 'alice',
      titleId: options.titleId ?? 't1',
      ts: new Date(now - (count - 1 - i) * 5_000).toISOString(),
      sessionId,
      ...(AT_POSITION.has(type)
        ? { positionSec: type === 'complete' ? SAMPLE_DURATION_SEC : position, durationSec: SAMPLE_DURATION_SEC }
        : {}),
      device: 'web',
      country: options.country ?? 'GB',
    });
  });
}
