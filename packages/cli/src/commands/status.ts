import { defineCommand } from '../context.js';
import { ExitCode, ExitError } from '../errors.js';

/** `streamctl status`: health of every part of the stage. */
export const status = defineCommand<Record<string, never>>({
  name: 'status',
  description: 'show the health of every part of the stage (exit code 1 when any part is unhealthy)',
  examples: ['streamctl status', 'streamctl status --stage prod --region eu-west-1 --json'],
  async handler(ctx) {
    const config = await ctx.config();
    const { checkStage, runtimeNotices } = await import('@streamctl/sdk');
    const report = await checkStage(config);
    const notices = runtimeNotices();
    if (ctx.globals.json) {
      ctx.json({
        ...report,
        config: {
          file: config.configFile ?? null,
          endpointUrl: config.endpointUrl ?? null,
          dataDir: config.dataDir,
          sources: config.sources,
        },
        notices,
      });
    } else {
      const lines = [`Stage ${report.stage} (${report.region}): ${report.healthy ? 'healthy' : 'UNHEALTHY'}`];
      for (const part of report.parts) {
        const where = part.endpoint ?? 'AWS';
        lines.push(`  ${part.ok ? 'ok  ' : 'FAIL'} ${part.name.padEnd(9)} ${where}  ${part.latencyMs} ms`);
        for (const resource of part.resources) {
          lines.push(`         ${resource.ok ? ' ' : '!'} ${resource.name}: ${resource.status}`);
        }
        if (part.error) lines.push(`         ${part.error.message}${part.error.hint ? `; ${part.error.hint}` : ''}`);
      }
      ctx.print(lines.join('\n'));
      for (const notice of notices) ctx.ui.note(`note: ${notice.message}`);
    }
    if (!report.healthy) throw new ExitError(ExitCode.Failure);
  },
});
