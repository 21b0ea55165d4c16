import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEventsAcceptor } from './accept.js';
import type { EngagementEvent } from './schema.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const viewer = { userId: 'alice', country: 'GB', plan: 'standard' };

function acceptor(now = NOW) {
  const sent: EngagementEvent[] = [];
  const events = createEventsAcceptor({
    put: async (batch) => {
      sent.push(...batch);
      // The stream refuses the second entry of every call.
      return {
        accepted: batch.length - (batch.length > 1 ? 1 : 0),
        failed: batch.length > 1 ? [{ index: 1, code: 'THROTTLED', message: 'slow down' }] : [],
      };
    },
    titleVisible: async (titleId) => titleId === 't1' || titleId === 't2',
    now: () => now,
  });
  return { events, sent };
}

const event = (over: Record<string, unknown> = {}) => ({
  v: 1,
  id: randomUUID(),
  type: 'play',
  titleId: 't1',
  ts: new Date(NOW - 1_000).toISOString(),
  ...over,
});

describe('events.accept', () => {
  it('takes version 2 QoE events and refuses their fields on the wrong type or out of bounds', async () => {
    const { events, sent } = acceptor();
    const result = await events.accept(viewer, [
      event({ v: 2, type: 'startup', startupMs: 840, device: 'web' }),
      event({ v: 2, type: 'rebuffer' }), // a stall without its duration
      event({ v: 2, type: 'play', stallMs: 10 }), // a stall on a play
      event({ v: 1, type: 'startup', startupMs: 10 }), // version 1 has no startup
      event({ v: 2, type: 'startup', startupMs: 1e9 }),
      event({ v: 2, type: 'error', errorCode: '<script>' }),
    ]);
    expect(result.rejected.map((r) => r.index)).toEqual([1, 2, 3, 4, 5]);
    expect(sent).toEqual([expect.objectContaining({ v: 2, type: 'startup', startupMs: 840 })]);
  });

  it("stamps the viewer as user and country, whatever the body says, and maps the stream's refusals back", async () => {
    const { events, sent } = acceptor();
    const result = await events.accept(viewer, [
      event({ country: 'US' }),
      'not an event',
      event({ titleId: 't2', region: 'eu-west-1' }),
    ]);
    expect(sent.map((e) => [e.userId, e.country, e.titleId])).toEqual([
      ['alice', 'GB', 't1'],
      ['alice', 'GB', 't2'],
    ]);
    // The stream refused the second one sent: index 2 of the viewer's batch, to be sent again.
    expect(result).toEqual({
      accepted: 1,
      rejected: [
        { index: 1, code: 'VALIDATION_FAILED' },
        { index: 2, code: 'THROTTLED', retryable: true },
      ],
    });
  });

  it('stamps the serving Region over the one a body names', async () => {
    const sent: EngagementEvent[] = [];
    const events = createEventsAcceptor({
      put: async (batch) => {
        sent.push(...batch);
        return { accepted: batch.length, failed: [] };
      },
      titleVisible: async () => true,
      region: 'eu-west-1',
      now: () => NOW,
    });
    await events.accept(viewer, [event({ region: 'made-up-1' }), event()]);
    expect(sent.map((e) => e.region)).toEqual(['eu-west-1', 'eu-west-1']);
  });

  it('refuses forged users, times out of range and titles the viewer cannot see, each by index', async () => {
    const { events, sent } = acceptor();
    const batch = [
      event({ userId: 'bob' }),
      event({ ts: new Date(NOW + 10 * 60_000).toISOString() }), // ten minutes ahead
      event({ ts: '9999-12-31T23:59:59Z' }),
      event({ ts: new Date(NOW - 31 * 86_400_000).toISOString() }), // older than events are kept
      event({ titleId: 'made-up-1' }),
      event({ titleId: '..' }),
      event({ ts: new Date(NOW + 60_000).toISOString() }), // within the clock skew
    ];
    const result = await events.accept(viewer, batch);
    expect(result.rejected).toEqual([
      { index: 0, code: 'FORBIDDEN' },
      { index: 1, code: 'VALIDATION_FAILED' },
      { index: 2, code: 'VALIDATION_FAILED' },
      { index: 3, code: 'VALIDATION_FAILED' },
      { index: 4, code: 'NOT_FOUND' },
      { index: 5, code: 'VALIDATION_FAILED' },
    ]);
    expect(result.accepted).toBe(1);
    expect(sent).toHaveLength(1);
  });

  it('judges times by the platform clock, years ahead too', async () => {
    const later = NOW + 10 * 365 * 86_400_000;
    const { events } = acceptor(later);
    const today = await events.accept(viewer, [event()]);
    expect(today.rejected).toEqual([{ index: 0, code: 'VALIDATION_FAILED' }]);
    const then = await events.accept(viewer, [event({ ts: new Date(later - 1_000).toISOString() })]);
    expect(then).toEqual({ accepted: 1, rejected: [] });
  });

  it.each([[[]], [{}], ['x'], [Array.from({ length: 501 }, () => ({}))]])('refuses a batch %#', async (batch) => {
    await expect(acceptor().events.accept(viewer, batch)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
