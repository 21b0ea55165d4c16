import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';
import { formatBytes } from '../../report-render.js';
import { openAnalyticsEngine } from '../analytics/engine.js';
import { isoFlag, sinceFlag, writeHtml } from './window.js';

interface EngagementOptions {
  since: string;
  until?: string;
  html?: string;
}

/** `streamctl report engagement`. */
export const reportEngagement = defineCommand<EngagementOptions>({
  name: 'report engagement',
  description: 'engagement from the lake: daily active viewers, plays, completion rate and top titles per country',
  options: [
    {
      flags: '--since <when>',
      description: 'window start: a duration back from now (24h, 7d) or an ISO time',
      default: '7d',
    },
    { flags: '--until <time>', description: 'window end, an ISO time (default now)' },
    { flags: '--html <file>', description: 'also write a self-contained page with charts to this file' },
  ],
  examples: ['streamctl report engagement', 'streamctl report engagement --since 30d --html engagement.html'],
  async handler(ctx, _args, options) {
    const since = await sinceFlag(options.since);
    const until = options.until ? isoFlag('--until', options.until) : new Date();
    if (since.getTime() >= until.getTime()) throw new UsageError('--since is not before --until', 'widen the window');
    const sdk = await import('@streamctl/sdk');
    const config = await ctx.config();
    const engine = await openAnalyticsEngine(config);
    try {
      const report = await ctx.ui.spin(`engagement report on ${engine.name}`, () =>
        sdk.engagementReport(engine, { stage: config.stage, since, until }),
      );
      const render = await import('../../report-render.js');
      if (options.html) {
        await writeHtml(options.html, render.renderReportHtml(report));
        ctx.ui.note(`wrote ${options.html}`);
      }
      if (ctx.globals.json) ctx.json(report);
      else ctx.print(render.renderEngagementText(report));
      if (report.bytesScanned !== undefined) ctx.ui.note(`${formatBytes(report.bytesScanned)} scanned`);
    } finally {
      await engine.close();
    }
  },
});
