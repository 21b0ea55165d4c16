import { defineCommand } from '../../context.js';
import { ExitCode, ExitError, UsageError } from '../../errors.js';
import { formatBytes } from '../../report-render.js';
import { openAnalyticsEngine } from '../analytics/engine.js';
import { isoFlag, sinceFlag, writeHtml } from './window.js';

interface QoeOptions {
  since: string;
  until?: string;
  by: 'title' | 'region' | 'device';
  html?: string;
  slo?: string;
}

/** `streamctl report qoe`. */
export const reportQoe = defineCommand<QoeOptions>({
  name: 'report qoe',
  description:
    'playback quality from the lake: startup p50/p95, rebuffer ratio, bitrate switches and errors per title, Region or device, held to the SLOs (exit 1 on a breach)',
  options: [
    {
      flags: '--since <when>',
      description: 'window start: a duration back from now (24h, 7d) or an ISO time',
      default: '24h',
    },
    { flags: '--until <time>', description: 'window end, an ISO time (default now)' },
    { flags: '--by <dimension>', description: 'one row per', default: 'title', choices: ['title', 'region', 'device'] },
    { flags: '--html <file>', description: 'also write a self-contained page with charts to this file' },
    {
      flags: '--slo <thresholds>',
      description:
        "thresholds over the stage's analytics.slo, e.g. startupP95Ms=1500,rebufferRatio=0.01 (also apiP99Ms, errorRate)",
    },
  ],
  examples: [
    'streamctl report qoe',
    'streamctl report qoe --since 7d --by device --html qoe.html',
    'streamctl report qoe --slo startupP95Ms=1500 --json',
  ],
  async handler(ctx, _args, options) {
    const since = await sinceFlag(options.since);
    const until = options.until ? isoFlag('--until', options.until) : new Date();
    if (since.getTime() >= until.getTime()) throw new UsageError('--since is not before --until', 'widen the window');
    const sdk = await import('@streamctl/sdk');
    let overrides = {};
    try {
      if (options.slo) overrides = sdk.parseSloFlag(options.slo);
    } catch (err) {
      throw new UsageError(
        (err as Error).message,
        'pass --slo name=number,… (startupP95Ms, rebufferRatio, apiP99Ms, errorRate)',
      );
    }
    const config = await ctx.config();
    const thresholds = sdk.resolveSlos({ ...config.analytics.slo, ...overrides });
    // The API's p99 from the local API's request log; on AWS the CDK app's alarm watches it.
    let apiP99Ms: number | null = null;
    if (config.stage === 'local') {
      const { readFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const log = await readFile(join(config.dataDir, sdk.LOCAL_REQUEST_LOG), 'utf8').catch(() => '');
      apiP99Ms = sdk.requestLatencyP99(log, since, until);
    }
    const engine = await openAnalyticsEngine(config);
    try {
      const report = await ctx.ui.spin(`QoE report on ${engine.name}`, () =>
        sdk.qoeReport(engine, { stage: config.stage, since, until, by: options.by, thresholds, apiP99Ms }),
      );
      const render = await import('../../report-render.js');
      if (options.html) {
        await writeHtml(options.html, render.renderReportHtml(report));
        ctx.ui.note(`wrote ${options.html}`);
      }
      if (ctx.globals.json) ctx.json(report);
      else ctx.print(render.renderQoeText(report));
      if (report.bytesScanned !== undefined) ctx.ui.note(`${formatBytes(report.bytesScanned)} scanned`);
      if (report.breaches.length) {
        ctx.ui.note(`${report.breaches.length} SLO breach${report.breaches.length === 1 ? '' : 'es'}`);
        throw new ExitError(ExitCode.Failure);
      }
    } finally {
      await engine.close();
    }
  },
});
