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
    const { LOCAL_STAGE } = await import('@streamctl/sdk/config');
    const { runningEngines } = await import('@streamctl/sdk/local');
    const checked = await checkStage(config);
    // The local platform says which emulator runs each part (`streamctl dev --engines`).
    const engines: Record<string, string | undefined> =
      (config.stage === LOCAL_STAGE && !config.endpointUrl && runningEngines(config.dataDir)) || {};
    const report = {
      ...checked,
      parts: checked.parts.map((part) => (engines[part.name] ? { ...part, engine: engines[part.name] } : part)),
    };
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
        const engine = engines[part.name];
        const where = `${part.endpoint ?? 'AWS'}${engine ? ` (${engine})` : ''}`;
        lines.push(`  ${part.ok ? 'ok  ' : 'FAIL'} ${part.name.padEnd(9)} ${where}  ${part.latencyMs} ms`);
        for (const resource of part.resources) {
          lines.push(`         ${resource.ok ? ' ' : '!'} ${resource.name}: ${resource.status}`);
        }
        if (part.error) lines.push(`         ${part.error.message}${part.error.hint ? `; ${part.error.hint}` : ''}`);
      }
      ctx.print(lines.join('\n'));
      const due = ctx.globals.verbose ? notices : await dueToday(notices, ctx.io.env);
      for (const notice of due) ctx.ui.note(`note: ${notice.message}`);
    }
    if (!report.healthy) throw new ExitError(ExitCode.Failure);
  },
});

/**
 * The notices not yet shown today: a runtime note is worth reading once, not
 * on every `status` (`--verbose` shows them all). The day each was last shown
 * is kept in the user's cache dir ($XDG_CACHE_HOME or ~/.cache, then
 * streamctl/notices.json); a cache that cannot be read or written only means
 * the notice shows again.
 */
async function dueToday<T extends { code: string }>(
  notices: T[],
  env: Record<string, string | undefined>,
  now: Date = new Date(),
): Promise<T[]> {
  if (!notices.length) return notices;
  const { mkdir, readFile, writeFile } = await import('node:fs/promises');
  const { homedir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'streamctl');
  const file = join(dir, 'notices.json');
  let shown: Record<string, string> = {};
  try {
    shown = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  } catch {
    // First run, or a damaged file: show the notices and write it anew.
  }
  const today = now.toISOString().slice(0, 10);
  const due = notices.filter((notice) => shown[notice.code] !== today);
  if (due.length) {
    for (const notice of due) shown[notice.code] = today;
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(file, `${JSON.stringify(shown)}\n`);
    } catch {
      // A read-only home: the notice shows on every run, as before.
    }
  }
  return due;
}
