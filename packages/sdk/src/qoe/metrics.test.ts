import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EngagementEvent } from '../events/index.js';
import { qoeMetrics, toEmf } from './metrics.js';

const base = { id: randomUUID(), userId: 'u1', titleId: 't1', ts: '2026-12-03T10:00:00Z', region: 'eu-west-1' };

describe('qoeMetrics', () => {
  it("reports a version 2 stall's own duration, never a version 1 rebuffer's title length", () => {
    const v1: EngagementEvent = { ...base, v: 1, type: 'rebuffer', durationSec: 5400 };
    const v2: EngagementEvent = { ...base, v: 2, type: 'rebuffer', stallMs: 1250, device: 'web' };
    expect(qoeMetrics(v1).map((m) => m.name)).toEqual(['Rebuffers']);
    expect(qoeMetrics(v2)).toContainEqual({
      name: 'RebufferSeconds',
      unit: 'Seconds',
      value: 1.25,
      dimensions: { titleId: 't1', region: 'eu-west-1', device: 'web' },
    });
  });

  it('measures startups, playing time, switches and errors', () => {
    const names = (e: Partial<EngagementEvent>) =>
      qoeMetrics({ ...base, v: 2, type: 'play', ...e } as EngagementEvent).map((m) => [m.name, m.value]);
    expect(names({ type: 'startup', startupMs: 900 })).toEqual([
      ['Startups', 1],
      ['StartupTime', 900],
    ]);
    expect(names({ type: 'progress', watchMs: 10_000 })).toEqual([['WatchSeconds', 10]]);
    expect(names({ type: 'quality_switch', fromBitrate: 1, toBitrate: 2 })).toEqual([['BitrateSwitches', 1]]);
    expect(names({ type: 'error', errorCode: 'mediaError' })).toEqual([['PlaybackErrors', 1]]);
    expect(names({ type: 'like' })).toEqual([]);
  });

  it('publishes each metric with its detail and under the Region alone', () => {
    const [startup] = qoeMetrics({ ...base, v: 2, type: 'startup', startupMs: 900 });
    const line = JSON.parse(toEmf(startup as never, 'streamctl', 0));
    expect(line._aws.CloudWatchMetrics[0].Dimensions).toEqual([['titleId', 'region', 'device'], ['region']]);
    expect(line).toMatchObject({ titleId: 't1', region: 'eu-west-1', device: 'unknown', Startups: 1 });
  });
});
