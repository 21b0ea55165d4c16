/**
 * The report window flags: `--since 24h` (a duration back from now, or an
 * ISO time) and `--until` (an ISO time; default now), checked before any
 * engine is reached.
 */
import { UsageError } from '../../errors.js';

/** The window's start from `--since`: a duration (`24h`, `7d`) before now, or an ISO 8601 time. */
export async function sinceFlag(value: string, now = Date.now()): Promise<Date> {
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) return isoFlag('--since', value);
  const { parseDuration } = await import('@streamctl/sdk');
  try {
    return new Date(now - parseDuration(value, '--since') * 1000);
  } catch (err) {
    throw new UsageError((err as Error).message, 'pass a duration such as 24h or 7d, or an ISO time');
  }
}

/** An ISO 8601 time flag. */
export function isoFlag(flag: string, value: string): Date {
  const at = Date.parse(value);
  if (Number.isNaN(at))
    throw new UsageError(`invalid ${flag} "${value}"`, 'pass an ISO time such as 2026-12-01T00:00:00Z');
  return new Date(at);
}

/** Writes a report page, or says on one line why it could not. */
export async function writeHtml(file: string, html: string): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  try {
    await writeFile(file, html);
  } catch (err) {
    throw new UsageError(
      `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'pass a writable path to --html',
    );
  }
}
