/**
 * The reports over a real local lake (DuckDB over Parquet the lake worker
 * wrote): figures computed by hand from the events written.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnalyticsEngine,
  createLakeConsumer,
  DEFAULT_SLOS,
  type EngagementEvent,
  engagementReport,
  qoeReport,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbParquetWriter, openLocalLake } from './lake.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function ev(type: EngagementEvent['type'], over: Partial<EngagementEvent>): EngagementEvent {
  return { v: 2, id: randomUUID(), type, userId: 'u1', titleId: 't1', ts: at(0), ...over } as EngagementEvent;
}

/** Two titles: t1 healthy, t2 slow to start and stalling; two days, two countries. */
const EVENTS: EngagementEvent[] = [
  // t1: startups 400, 600, 800 ms; 300 s watched, 0.6 s stalled (0.2 %).
  ev('startup', { startupMs: 400, device: 'web', region: 'us-east-1', country: 'US' }),
  ev('startup', { startupMs: 600, device: 'web', region: 'us-east-1', country: 'US', userId: 'u2' }),
  ev('startup', { startupMs: 800, device: 'tv', region: 'eu-west-1', country: 'GB', userId: 'u3' }),
  ev('progress', { watchMs: 300_000, device: 'web', region: 'us-east-1' }),
  ev('rebuffer', { stallMs: 600, device: 'web', region: 'us-east-1' }),
  ev('play', { country: 'US' }),
  ev('play', { country: 'US', userId: 'u2' }),
  ev('play', { country: 'GB', userId: 'u3', ts: at(24 * 60) }),
  ev('complete', { country: 'US' }),
  // t2: one startup of 5 s, 100 s watched with 3 s stalled (3 %), an error.
  ev('startup', { titleId: 't2', startupMs: 5_000, device: 'tv', region: 'eu-west-1', userId: 'u3' }),
  ev('progress', { titleId: 't2', watchMs: 100_000, device: 'tv', region: 'eu-west-1', userId: 'u3' }),
  ev('rebuffer', { titleId: 't2', stallMs: 3_000, device: 'tv', region: 'eu-west-1', userId: 'u3' }),
  ev('error', { titleId: 't2', errorCode: 'networkError/fragLoadError', device: 'tv', region: 'eu-west-1' }),
  ev('quality_switch', { titleId: 't2', fromBitrate: 3_000_000, toBitrate: 800_000, userId: 'u3' }),
  ev('play', { titleId: 't2', country: 'GB', userId: 'u3', ts: at(24 * 60 + 5) }),
  ev('play', { titleId: 't2', country: 'GB', userId: 'u4', ts: at(24 * 60 + 6) }),
  // Outside the window: neither report counts it.
  ev('play', { titleId: 't2', country: 'GB', userId: 'u9', ts: at(-60) }),
];

describe('reports over the local lake', () => {
  let engine: AnalyticsEngine;
  const window = { stage: 'local', since: new Date(T0), until: new Date(T0 + 2 * 86_400_000) };
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'lake-reports-'));
    const writer = await createDuckDbParquetWriter();
    const lake = createLakeConsumer({ root, writer, park: async () => {}, now: () => new Date(T0 + 3_600_000) });
    await lake.add(
      'shardId-000000000000',
      EVENTS.map((e, i) => ({ data: Buffer.from(JSON.stringify(e)), sequenceNumber: String(100 + i) })),
    );
    await lake.commit('shardId-000000000000', true);
    writer.close();
    engine = await openLocalLake(root);
  });
  afterAll(() => engine.close());

  it('QoE by title: percentiles, rebuffer ratio as stall over watch time, errors per startup, and breaches', async () => {
    const report = await qoeReport(engine, { ...window, by: 'title', thresholds: DEFAULT_SLOS });
    const t1 = report.rows.find((r) => r.key === 't1');
    const t2 = report.rows.find((r) => r.key === 't2');
    expect(t1).toMatchObject({
      startups: 3,
      startupP50Ms: 600,
      startupP95Ms: 780,
      watchSeconds: 300,
      stallSeconds: 0.6,
    });
    expect(t1?.rebufferRatio).toBeCloseTo(0.002, 10);
    expect(t2).toMatchObject({
      startups: 1,
      startupP95Ms: 5_000,
      rebuffers: 1,
      bitrateSwitches: 1,
      errors: 1,
      errorRate: 1,
    });
    expect(t2?.rebufferRatio).toBeCloseTo(0.03, 10);
    expect(report.totals).toMatchObject({ startups: 4, watchSeconds: 400, stallSeconds: 3.6, errors: 1 });
    expect(report.totals.rebufferRatio).toBeCloseTo(3.6 / 400, 10);
    expect(report.totals.errorRate).toBe(0.25);
    expect(report.slos.map((s) => [s.slo, s.breached])).toEqual([
      ['startupP95Ms', true],
      ['rebufferRatio', true],
      ['apiP99Ms', false],
      ['errorRate', true],
    ]);
    expect(report.slos.find((s) => s.slo === 'apiP99Ms')?.value).toBeNull();
    expect(report.breaches.filter((b) => b.scope === 't2').map((b) => b.slo)).toEqual([
      'startupP95Ms',
      'rebufferRatio',
      'errorRate',
    ]);
    expect(report.breaches.some((b) => b.scope === 't1')).toBe(false);
    expect(report.hourly).toEqual([
      expect.objectContaining({ hour: '2026-12-01T10:00:00.000Z', startups: 4 }),
      expect.objectContaining({ hour: '2026-12-02T10:00:00.000Z', startups: 0 }),
    ]);
  });

  it('QoE by device and by Region, with thresholds from the caller', async () => {
    const byDevice = await qoeReport(engine, {
      ...window,
      by: 'device',
      thresholds: { ...DEFAULT_SLOS, startupP95Ms: 10_000, rebufferRatio: 0.05, errorRate: 1 },
    });
    expect(byDevice.rows.map((r) => [r.key, r.startups])).toEqual([
      ['tv', 2],
      ['web', 2],
      ['unknown', 0],
    ]);
    expect(byDevice.breaches).toEqual([]);
    const byRegion = await qoeReport(engine, { ...window, by: 'region', thresholds: DEFAULT_SLOS });
    expect(byRegion.rows.find((r) => r.key === 'eu-west-1')?.watchSeconds).toBe(100);
  });

  it('engagement: daily active viewers, plays, completion rate and top titles per country', async () => {
    const report = await engagementReport(engine, window);
    expect(report.daily).toEqual([
      { day: '2026-12-01', activeViewers: 3, plays: 2, completions: 1, completionRate: 0.5 },
      { day: '2026-12-02', activeViewers: 2, plays: 3, completions: 0, completionRate: 0 },
    ]);
    expect(report.totals).toMatchObject({ activeViewers: 4, plays: 5, completions: 1 });
    expect(report.topTitles).toEqual([
      { country: 'GB', rank: 1, titleId: 't2', plays: 2, viewers: 2 },
      { country: 'GB', rank: 2, titleId: 't1', plays: 1, viewers: 1 },
      { country: 'US', rank: 1, titleId: 't1', plays: 2, viewers: 2 },
    ]);
  });

  it('refuses an empty window', async () => {
    await expect(
      engagementReport(engine, { stage: 'local', since: new Date(T0), until: new Date(T0) }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
