import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, EventV1Schema, exampleEvents } from './index.js';

describe('exampleEvents', () => {
  it('makes one valid event of every type by default, each with its own id, oldest first', () => {
    const now = new Date('2036-05-01T12:00:00Z');
    const events = exampleEvents({ now });
    expect(events.map((e) => e.type)).toEqual([...EVENT_TYPES]);
    for (const event of events) expect(EventV1Schema.parse(JSON.parse(JSON.stringify(event)))).toEqual(event);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.at(-1)?.ts).toBe(now.toISOString());
    const times = events.map((e) => Date.parse(e.ts));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('makes as many as asked, about whom it is told', () => {
    const events = exampleEvents({ count: 30, userId: 'bob', titleId: 'movie-1', country: 'DE' });
    expect(events).toHaveLength(30);
    expect(new Set(events.map((e) => `${e.userId} ${e.titleId} ${e.country}`))).toEqual(new Set(['bob movie-1 DE']));
  });

  it('refuses to make an event the schema would refuse', () => {
    expect(() => exampleEvents({ count: 1, country: 'UK' })).toThrow(/did you mean GB/);
  });
});
