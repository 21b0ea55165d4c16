import type { MediaLag } from '@streamctl/sdk';
import { defineCommand } from '../../context.js';
import { ExitCode, ExitError } from '../../errors.js';

/** One Region's media lag in a line. */
function describeLag(m: MediaLag): string {
  if (m.measuredBy === 'cloudwatch') return describeCloudWatchLag(m);
  const pending = m.pending
    ? `${m.pending} objects pending, oldest ${((m.oldestPendingMs ?? 0) / 1000).toFixed(1)} s`
    : 'in sync';
  const copied = `${m.replicated} replicated${m.lastLagMs !== null ? ` (last ${m.lastLagMs} ms, max ${m.maxLagMs} ms)` : ''}`;
  const failed = m.failedAttempts ? `; ${m.failedAttempts} failed attempts, retried (${m.lastError ?? ''})` : '';
  // The replicator reports every second: an older report means it stopped.
  const stale =
    m.reportAgeMs !== null && m.reportAgeMs > 5_000
      ? `; replicator silent for ${Math.round(m.reportAgeMs / 1000)} s`
      : '';
  return `${pending}; ${copied}${failed}${stale}`;
}

/** One Region's incoming media lag from S3's replication metrics: no data is said so, never shown as zero. */
function describeCloudWatchLag(m: MediaLag): string {
  const error = m.error ? `; could not read ${m.error}` : '';
  if (m.noData) return `no replication metrics in the last 15 min (idle, or not replicated yet)${error}`;
  const parts = [
    m.lastLagMs !== null
      ? `lag ${(m.lastLagMs / 1000).toFixed(0)} s (max ${((m.maxLagMs ?? 0) / 1000).toFixed(0)} s)`
      : 'lag: no data',
    m.pending !== null
      ? `${m.pending} operations pending${m.pendingBytes ? ` (${m.pendingBytes} bytes)` : ''}`
      : 'pending: no data',
  ];
  if (m.failedAttempts) parts.push(`${m.failedAttempts} failed operations`);
  if (m.reportAgeMs !== null) parts.push(`newest data point ${Math.round(m.reportAgeMs / 1000)} s old`);
  return `into this Region: ${parts.join('; ')}${error}`;
}

/** `streamctl failover status`. */
export const failoverStatus = defineCommand<Record<string, never>>({
  name: 'failover status',
  description: "the routing record, each Region's health and how far its media replication is behind",
  examples: ['streamctl failover status', 'streamctl failover status --json'],
  async handler(ctx) {
    const sdk = await import('@streamctl/sdk');
    const config = await ctx.config();
    const platform = sdk.createPlatform(config);
    try {
      const [record, health] = await Promise.all([
        platform.regions.routing(),
        platform.regions.health({ timeoutMs: 3_000 }),
      ]);
      // The local replicator's report, or on AWS S3's replication metrics (a CloudWatch error is the Region's `error`).
      const lag = await sdk.mediaLag(platform.config);
      const regions = platform.config.regions.map((region) => ({
        region,
        state: record?.regions[region] ?? 'unknown',
        primary: record?.primary === region,
        healthy: health[region]?.healthy ?? false,
        problems: (health[region]?.parts ?? [])
          .filter((p) => !p.ok)
          .map((p) => p.error?.message ?? `${p.name} is unhealthy`),
        media: lag?.[region] ?? null,
      }));
      if (ctx.globals.json) ctx.json({ stage: platform.config.stage, routing: record ?? null, regions });
      else {
        ctx.print(
          record
            ? `Stage ${platform.config.stage}: primary ${record.primary} (version ${record.version}, by ${record.changedBy} at ${record.changedAt})`
            : `Stage ${platform.config.stage}: no routing record yet (the first failover creates it; primary ${platform.config.regions[0]})`,
        );
        for (const r of regions) {
          ctx.print(
            `  ${r.primary ? '*' : ' '} ${r.region.padEnd(15)} ${String(r.state).padEnd(9)} ${r.healthy ? 'healthy' : `UNHEALTHY ${r.problems.join('; ')}`}`,
          );
          if (r.media) ctx.print(`      media ${describeLag(r.media)}`);
        }
        if (!lag)
          ctx.print(
            platform.config.stage === sdk.LOCAL_STAGE
              ? '  media replication lag: not measured (no multi-Region platform runs: `streamctl dev --regions`)'
              : '  media replication lag: none (a single-Region stage replicates nothing)',
          );
      }
      if (regions.some((r) => !r.healthy)) throw new ExitError(ExitCode.Failure);
    } finally {
      platform.close();
    }
  },
});
