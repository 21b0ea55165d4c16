/**
 * What the QoE and engagement reports hold: computed by the SDK from the
 * lake (either engine), rendered by the CLI as a terminal table or a
 * self-contained HTML page with charts.
 */
import type { SloThresholds } from './slo.js';

/** One SLO measured against its threshold. */
export interface SloCheck {
  slo: keyof SloThresholds;
  label: string;
  unit: 'ms' | 'ratio';
  threshold: number;
  /** The measurement over the whole report; null when nothing measured it (no startups, no API log). */
  value: number | null;
  breached: boolean;
}

/** A breach: an SLO, where (the whole report, or one row's key), by how much. */
export interface SloBreach {
  slo: keyof SloThresholds;
  /** `all`, or the row's key (a title id, Region or device). */
  scope: string;
  value: number;
  threshold: number;
}

/** QoE of one group (a title, Region or device; or all). */
export interface QoeRow {
  key: string;
  /** Playback starts measured (`startup` events). */
  startups: number;
  startupP50Ms: number | null;
  startupP95Ms: number | null;
  /** Playing time reported (sum of `watch_ms`), seconds. */
  watchSeconds: number;
  /** Stall time reported (sum of rebuffers' `stall_ms`), seconds. */
  stallSeconds: number;
  rebuffers: number;
  /** stallSeconds / watchSeconds; null without watch time. */
  rebufferRatio: number | null;
  bitrateSwitches: number;
  errors: number;
  /** errors / startups; null without startups. */
  errorRate: number | null;
}

/** The QoE report. */
export interface QoeReport {
  kind: 'qoe';
  stage: string;
  engine: 'duckdb' | 'athena';
  generatedAt: string;
  since: string;
  until: string;
  by: 'title' | 'region' | 'device';
  thresholds: SloThresholds;
  totals: QoeRow;
  rows: QoeRow[];
  /** Per hour (arrival), for the charts. */
  hourly: Array<{
    hour: string;
    startups: number;
    startupP95Ms: number | null;
    rebufferRatio: number | null;
    errorRate: number | null;
  }>;
  /** API latency p99 over the window, where a request log was read (null otherwise). */
  apiP99Ms: number | null;
  slos: SloCheck[];
  breaches: SloBreach[];
  /** Bytes the engine scanned (Athena reports it; DuckDB reads local files). */
  bytesScanned?: number;
}

/** The engagement report. */
export interface EngagementReport {
  kind: 'engagement';
  stage: string;
  engine: 'duckdb' | 'athena';
  generatedAt: string;
  since: string;
  until: string;
  /** Per UTC day of the event time. */
  daily: Array<{
    day: string;
    activeViewers: number;
    plays: number;
    completions: number;
    completionRate: number | null;
  }>;
  totals: { activeViewers: number; plays: number; completions: number; completionRate: number | null };
  /** The most played titles of each country, best first (at most 10 per country). */
  topTitles: Array<{ country: string; rank: number; titleId: string; plays: number; viewers: number }>;
  bytesScanned?: number;
}
