import type { DrillMedia, Platform } from '@streamctl/sdk';
import { defineCommand } from '../../context.js';
import { ExitCode, ExitError, UsageError } from '../../errors.js';
import type { RegionControl } from '../../local-serving.js';

/** The drill's synthetic viewer watches from here; every drill title is published in all countries. */
const DRILL_VIEWER_COUNTRY = 'GB';

interface DrillOptions {
  to?: string;
}

/** The drill's title: its media in the target Region's bucket, replicated, and a viewer's grant through the edge. */
async function drillMedia(
  platform: Platform,
  controls: Record<string, RegionControl>,
  drill: { from: string; to: string; edge: string; token: string },
): Promise<DrillMedia> {
  const sdk = await import('@streamctl/sdk');
  const titleId = 'drill-media';
  // Played from the primary's bucket from the start: written in the target, replicated to the primary.
  const hls = await sdk.writeDrillMedia(platform.clients.s3(), controls[drill.to]?.cdnBucket as string, titleId, {
    replicas: [controls[drill.from]?.cdnBucket as string],
  });
  await platform.catalog.putTitle({ titleId, name: 'Drill media', genres: ['drama'], manifests: { hls } });
  await platform.catalog.publishTitle(titleId, { countries: 'ALL' });
  // The viewer's grant through the edge: its signed cookies come as Set-Cookie headers.
  const res = await fetch(`${drill.edge}/v1/playback/${titleId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${drill.token}` },
  });
  const grant = (await res.json()) as { manifestUrl?: string; error?: { message: string } };
  if (!res.ok || !grant.manifestUrl) {
    throw new sdk.StreamctlError(
      sdk.ErrorCode.Internal,
      `The drill's playback grant failed: HTTP ${res.status} ${grant.error?.message ?? ''}`,
    );
  }
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { manifestUrl: grant.manifestUrl, cookie };
}

/** `streamctl failover drill`. */
export const failoverDrill = defineCommand<DrillOptions>({
  name: 'failover drill',
  description:
    'rehearse a Region failure: locally, a two-Region platform under load loses its primary and fails over; on AWS, the plan only',
  options: [{ flags: '--to <region>', description: 'the Region to fail over to (default: the second Region)' }],
  examples: ['streamctl failover drill', 'streamctl failover drill --json', 'streamctl failover drill --stage prod'],
  async handler(ctx, _args, options) {
    const sdk = await import('@streamctl/sdk');
    const config = await ctx.config();
    if (config.stage !== 'local') {
      // On AWS a drill stops nothing: it shows what a failover would do.
      const to = options.to ?? config.regions[1];
      if (!to)
        throw new UsageError(`stage ${config.stage} has one Region`, 'set STREAMCTL_REGIONS to two or more Regions');
      const plan = await sdk.runFailover(config, { to, dryRun: true, by: 'drill' });
      if (ctx.globals.json) ctx.json({ ...plan, drill: 'plan-only' });
      else {
        ctx.print(`Drill plan for stage ${config.stage} (nothing is stopped on AWS): ${plan.from} → ${plan.to}`);
        for (const [i, s] of plan.steps.entries()) ctx.print(`  ${i + 1}. ${s.title}`);
        ctx.print(`Rollback: ${plan.rollback}`);
      }
      return;
    }
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const local = await import('@streamctl/local');
    const { startRegions } = await import('../../local-serving.js');
    const regions =
      config.regions.length > 1
        ? config.regions
        : [config.region, config.region === 'eu-west-1' ? 'us-east-1' : 'eu-west-1'];
    const from = regions[0] as string;
    const to = options.to ?? (regions[1] as string);
    if (!regions.includes(to) || to === from)
      throw new UsageError(
        `--to ${to} is not another Region of the drill`,
        `use one of ${regions.slice(1).join(', ')}`,
      );
    const dataDir = await mkdtemp(join(tmpdir(), 'streamctl-drill-'));
    const platform = await ctx.ui.spin('Starting a two-Region local platform', () =>
      local.startLocalPlatform({ dataDir, region: from }),
    );
    try {
      const controls = await startRegions(platform, { host: '127.0.0.1', regions });
      const multi = { ...platform.config, regions };
      const drillPlatform = sdk.createPlatform(multi);
      const { catalog } = drillPlatform;
      const titleIds = Array.from({ length: 40 }, (_, i) => `drill-${String(i).padStart(2, '0')}`);
      for (const titleId of titleIds) {
        await catalog.putTitle({ titleId, name: `Drill ${titleId}`, genres: ['drama'], manifests: { hls: 'x.m3u8' } });
        await catalog.publishTitle(titleId, { countries: 'ALL' });
      }
      const userId = `drill-viewer-${Date.now()}`;
      // The drill's titles are published everywhere: its viewer's country only has to be a real one.
      const { token } = await local.mintDevToken(dataDir, { userId, country: DRILL_VIEWER_COUNTRY, plan: 'standard' });
      const edge = platform.parts.edge as string;
      // A title whose media lands in the target Region's bucket (as an ingest there would) and
      // replicates to the primary's; its viewer keeps playing through the edge during the drill.
      const media = await ctx.ui.spin(`Writing the drill's title in ${to} and replicating it`, () =>
        drillMedia(drillPlatform, controls, { from, to, edge, token }),
      );
      const report = await ctx.ui.spin(`Load through the edge; breaking ${from}; failing over to ${to}`, () =>
        sdk.runDrill({
          edgeUrl: edge,
          token,
          from,
          to,
          titleIds,
          media,
          breakPrimary: async () => {
            // The whole Region goes: its API, its stream and its CDN bucket.
            controls[from]?.stopMedia();
            await controls[from]?.stopApi();
            await controls[from]?.stopStream();
          },
          primaryHealthy: async () =>
            (await sdk.regionsHealth({ ...multi, regions: [from] }, { timeoutMs: 1_000 }))[from]?.healthy ?? false,
          // No --force: the preflight checks the target as an operator's failover would.
          failover: async () => {
            await sdk.runFailover(multi, { to, by: 'drill', reason: 'drill' });
          },
          readWatchlist: async () => {
            const page = await drillPlatform.users.listWatchlist(userId, { limit: 100 });
            return new Set(page.items.map((i) => i.titleId));
          },
          readPrimary: async () => (await drillPlatform.regions.routing())?.primary,
        }),
      );
      drillPlatform.close();
      if (ctx.globals.json) ctx.json(report);
      else {
        ctx.print(`Drill: ${from} broken, failover to ${to}`);
        ctx.print(
          `  requests ${report.requests}, failed ${report.failed} (${report.failedPct} %) ${JSON.stringify(report.errors)}`,
        );
        ctx.print(
          `  retries ${report.retries} over ${report.retriedRequests} writes (${report.retriedThenFailed} failed anyway) ${JSON.stringify(report.retriedErrors)}; last failed attempt ${report.lastFailedAttemptMs ?? '-'} ms after the failover began`,
        );
        ctx.print(
          `  served by ${Object.entries(report.servedBy)
            .map(([r, n]) => `${r} ${n}`)
            .join(', ')}`,
        );
        ctx.print(
          `  ${from} seen down after ${report.detectedMs ?? '-'} ms; failover took ${report.failoverMs} ms; every response from ${to} ${report.allFromTargetMs} ms after it began; ${report.fromOldPrimaryAfterFailover} from ${from} after it; routing record names ${report.primaryAfter}`,
        );
        ctx.print(`  acknowledged writes ${report.ackedWrites}, lost ${report.lostWrites.length}`);
        const m = report.media;
        if (m) {
          ctx.print(
            `  media: ${m.requests} requests (${m.segments} segments, ${(m.bytes / 1024 / 1024).toFixed(1)} MiB), failed ${m.failed} ${JSON.stringify(m.errors)}; served by ${Object.entries(
              m.servedBy,
            )
              .map(([r, n]) => `${r} ${n}`)
              .join(', ')}`,
          );
        }
      }
      if (
        report.lostWrites.length ||
        (report.media?.failed ?? 0) > 0 ||
        report.failedPct >= 1 ||
        report.primaryAfter !== to ||
        report.fromOldPrimaryAfterFailover > 0 ||
        report.allFromTargetMs === null ||
        report.allFromTargetMs > 5_000
      ) {
        throw new ExitError(ExitCode.Failure);
      }
    } finally {
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
});
