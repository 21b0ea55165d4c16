/**
 * What `privacy erase` and `privacy status` share: the erasure id as the
 * command line takes it, and an erasure record as operators read it.
 */
import type { ErasureRecord, ErasureStoreReport } from '@streamctl/sdk';
import type { CommandContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { when } from '../users/ids.js';

/**
 * An erasure id as `privacy erase` prints it: an RFC 9562 UUID (the nil and max UUIDs too), the
 * SDK's own rule for `privacy.status`. Spelt here because the SDK does not export its schema, and
 * checked here so a typo is refused before any platform is reached.
 */
const ERASURE_ID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i;

/**
 * The `erasureId` argument; a usage error (exit 2) naming where to find it otherwise.
 *
 * @example
 * ```ts
 * const erasureId = erasureIdArgument(args[0]); // "3f0c…"
 * ```
 */
export function erasureIdArgument(value: string | undefined): string {
  if (value === undefined || value === '')
    throw new UsageError('erasureId is required', 'pass the id `streamctl privacy erase` printed');
  if (!ERASURE_ID.test(value))
    throw new UsageError(
      `invalid erasureId "${value}": not an erasure id (a UUID)`,
      'copy it from the output of `streamctl privacy erase <user>`',
    );
  return value;
}

/**
 * The stores of an erasure as a table: store, Region, status and rows removed, one line each,
 * columns as wide as their widest value.
 *
 * @example
 * ```ts
 * storeTable([{ store: 'user-state', region: 'us-east-1', status: 'done', removed: 3, at: '…' }]);
 * // ["store       region     status  removed", "user-state  us-east-1  done          3"]
 * ```
 */
export function storeTable(stores: readonly ErasureStoreReport[]): string[] {
  const rows = stores.map((s) => [s.store, s.region, s.status, String(s.removed)]);
  const header = ['store', 'region', 'status', 'removed'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      // The count is right-aligned, the words left-aligned.
      .map((cell, i) => (i === 3 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * A one-line account of the stores an erasure could not finish (`models@eu-west-1: …`), or
 * undefined when none failed.
 *
 * @example
 * ```ts
 * failedStores(record); // "models@eu-west-1: Throttled"
 * ```
 */
export function failedStores(record: Pick<ErasureRecord, 'stores'>): string | undefined {
  const failed = record.stores.filter((s) => s.status === 'failed');
  if (!failed.length) return undefined;
  return failed.map((s) => `${s.store}@${s.region}${s.error ? `: ${s.error}` : ''}`).join('; ');
}

/**
 * Prints an erasure record for a person: its id and status, its times, the store table and
 * what to run next. Nothing under `--json` (the caller prints the record itself).
 *
 * @example
 * ```ts
 * printErasure(ctx, record, 'Erasure of alice on stage local');
 * ```
 */
export function printErasure(ctx: CommandContext, record: ErasureRecord, heading: string): void {
  ctx.print(heading);
  ctx.print(`  erasure:   ${record.erasureId}`);
  ctx.print(`  status:    ${record.status}`);
  ctx.print(`  viewer:    ${record.viewer} (pseudonym: records never hold the user id)`);
  ctx.print(
    `  requested: ${when(record.requestedAt)}${record.completedAt ? `, completed ${when(record.completedAt)}` : ''}`,
  );
  ctx.print(`  late events dropped until ${when(record.tombstoneUntil)}`);
  if (record.stores.length) for (const row of storeTable(record.stores)) ctx.print(`  ${row}`);
  else ctx.print('  no store reported yet');
  for (const s of record.stores.filter((r) => r.status === 'failed'))
    ctx.print(`  ${s.store}@${s.region} failed: ${s.error ?? 'no reason recorded'}`);
  for (const s of record.stores.filter((r) => r.note)) ctx.print(`  ${s.store}@${s.region}: ${s.note}`);
}
