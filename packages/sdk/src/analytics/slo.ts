/**
 * The service-level objectives of playback quality and the API, as the
 * reference architecture sets them: startup p95, rebuffer ratio, API p99
 * latency and error rate. The reports draw each against its threshold and
 * list the breaches; the CDK app alarms on the same thresholds.
 */
import { z } from 'zod';
import { ValidationError } from '../errors/index.js';

/** The thresholds (a measurement above one breaches it). */
export interface SloThresholds {
  /** 95th percentile of time to first frame, ms. */
  startupP95Ms: number;
  /** Stall time / watch time (0.005 = 0.5 %). */
  rebufferRatio: number;
  /** 99th percentile of API latency, ms. */
  apiP99Ms: number;
  /** Player errors per playback start (0.01 = 1 %). */
  errorRate: number;
}

/** The defaults: startup p95 ≤ 2 s, rebuffer ratio ≤ 0.5 %, API p99 ≤ 1 s, error rate ≤ 1 %. */
export const DEFAULT_SLOS: Readonly<SloThresholds> = {
  startupP95Ms: 2_000,
  rebufferRatio: 0.005,
  apiP99Ms: 1_000,
  errorRate: 0.01,
};

/** How each SLO reads, for reports. */
export const SLO_LABELS: Readonly<Record<keyof SloThresholds, { label: string; unit: 'ms' | 'ratio' }>> = {
  startupP95Ms: { label: 'Startup time p95', unit: 'ms' },
  rebufferRatio: { label: 'Rebuffer ratio', unit: 'ratio' },
  apiP99Ms: { label: 'API latency p99', unit: 'ms' },
  errorRate: { label: 'Playback error rate', unit: 'ratio' },
};

const SlosSchema = z
  .object({
    startupP95Ms: z.number().positive().max(600_000),
    rebufferRatio: z.number().positive().max(1),
    apiP99Ms: z.number().positive().max(60_000),
    errorRate: z.number().positive().max(1),
  })
  .partial()
  .strict();

/**
 * The thresholds with overrides (config's `analytics.slo`, or `--slo name=value,…`).
 *
 * @example
 * ```ts
 * resolveSlos(parseSloFlag('startupP95Ms=1500,rebufferRatio=0.01')); // { startupP95Ms: 1500, … }
 * ```
 */
export function resolveSlos(overrides: unknown = {}): SloThresholds {
  const parsed = SlosSchema.safeParse(overrides);
  if (!parsed.success) throw ValidationError.fromZod('SLO thresholds', parsed.error);
  return { ...DEFAULT_SLOS, ...parsed.data };
}

/** Parses `name=value,name=value` (the CLI's `--slo`). */
export function parseSloFlag(text: string): Partial<SloThresholds> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [name, value, ...rest] = part.split('=');
    const n = Number(value);
    if (!name || rest.length || value === undefined || value.trim() === '' || !Number.isFinite(n)) {
      throw new ValidationError(`Bad SLO "${part}": expected name=number, e.g. startupP95Ms=1500`, [
        { path: 'slo', message: 'expected name=number' },
      ]);
    }
    out[name.trim()] = n;
  }
  resolveSlos(out);
  return out;
}
