import { defineCommand } from '../../context.js';
import { ExitCode, ExitError } from '../../errors.js';

/** `streamctl failover status`. */
export const failoverStatus = defineCommand<Record<string, never>>({
  name: 'failover status',
  description: "the routing record and each Region's health",
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
      const regions = platform.config.regions.map((region) => ({
        region,
        state: record?.regions[region] ?? 'unknown',
        primary: record?.primary === region,
        healthy: health[region]?.healthy ?? false,
        problems: (health[region]?.parts ?? [])
          .filter((p) => !p.ok)
          .map((p) => p.error?.message ?? `${p.name} is unhealthy`),
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
        }
      }
      if (regions.some((r) => !r.healthy)) throw new ExitError(ExitCode.Failure);
    } finally {
      platform.close();
    }
  },
});
