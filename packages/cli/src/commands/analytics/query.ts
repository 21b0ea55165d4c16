import type { QueryResult, QueryValue } from '@streamctl/sdk';
import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';
import { formatBytes } from '../../report-render.js';
import { openAnalyticsEngine } from './engine.js';

interface QueryOptions {
  csv?: boolean;
}

/** A cell as text: nulls empty in CSV, `NULL` in the table. */
const text = (value: QueryValue, empty: string) => (value === null ? empty : String(value));

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The result as CSV, a header line first. */
export function toCsv(result: QueryResult): string {
  const lines = [result.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of result.rows) lines.push(row.map((v) => csvField(text(v, ''))).join(','));
  return `${lines.join('\n')}\n`;
}

/** The result as an aligned table (numbers right-aligned), one line per row. */
export function toTable(result: QueryResult): string {
  const header = result.columns.map((c) => c.name);
  const cells = result.rows.map((row) => row.map((v) => text(v, 'NULL').replace(/\s+/g, ' ')));
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length))));
  const numeric = result.columns.map((_, i) => result.rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const cut = v.length > (widths[i] ?? 0) ? `${v.slice(0, (widths[i] ?? 1) - 1)}…` : v;
        return numeric[i] ? cut.padStart(widths[i] ?? 0) : cut.padEnd(widths[i] ?? 0);
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n');
}

/** `streamctl analytics query "<SQL>"`. */
export const analyticsQuery = defineCommand<QueryOptions>({
  name: 'analytics query',
  description:
    'run SQL over the lake\'s "events" table: DuckDB over the local lake, Athena on AWS (same table and columns)',
  arguments: [
    { name: 'sql', description: 'the query, e.g. "select type, count(*) from events group by 1"', required: true },
  ],
  options: [{ flags: '--csv', description: 'print the result as CSV (header line first)' }],
  examples: [
    'streamctl analytics query "select type, count(*) from events group by 1"',
    'streamctl analytics query "describe events"',
    'streamctl analytics query "select title_id, count(*) plays from events where type = \'play\' group by 1 order by 2 desc limit 10" --csv',
    'streamctl analytics query "select count(*) from events where dt = \'2026-12-03\'" --stage prod --json',
  ],
  async handler(ctx, args, options) {
    const sql = (args[0] ?? '').trim();
    if (!sql) throw new UsageError('the SQL is empty', 'pass a query, e.g. "select count(*) from events"');
    if (options.csv && ctx.globals.json) throw new UsageError('--csv and --json both given', 'pick one of them');
    const config = await ctx.config();
    const engine = await openAnalyticsEngine(config);
    try {
      let last = '';
      const result = await ctx.ui.spin(`query on ${engine.name}`, () =>
        engine.query(sql, {
          onProgress: (p) => {
            const line = `${p.state}${p.bytesScanned !== undefined ? `, ${formatBytes(p.bytesScanned)} scanned` : ''}`;
            if (engine.name === 'athena' && line !== last)
              ctx.ui.note(`query ${line} (${Math.round(p.elapsedMs / 1000)} s)`);
            last = line;
          },
        }),
      );
      if (ctx.globals.json) {
        ctx.json(result);
        return;
      }
      if (options.csv) ctx.io.stdout.write(toCsv(result));
      else ctx.print(toTable(result));
      const scanned =
        result.engine === 'athena' && result.bytesScanned !== undefined
          ? `, ${formatBytes(result.bytesScanned)} scanned`
          : '';
      ctx.ui.note(
        `${result.rows.length} row${result.rows.length === 1 ? '' : 's'} in ${result.elapsedMs} ms (${result.engine}${scanned})`,
      );
    } finally {
      await engine.close();
    }
  },
});
