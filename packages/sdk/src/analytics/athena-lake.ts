/**
 * A viewer's rows in the lake on AWS, for privacy: read through Athena, and
 * erased by rewriting each Parquet file that holds them. Athena cannot edit a
 * file, so for each one it UNLOADs the file's other rows as Parquet to a
 * scratch prefix of the lake bucket (outside the table's location), the
 * result is copied next to the original under a name derived from it, and
 * the original is deleted. The names are derived, not random: an erasure
 * that stopped half-way and runs again replaces its own copies instead of
 * adding more.
 */
import { randomUUID } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ResourceNames } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';
import type { AnalyticsEngine } from './engine.js';
import type { ViewerLake } from './lake.js';
import { EVENTS_TABLE, LAKE_COLUMNS, LAKE_EVENTS_PREFIX } from './table.js';

/** Where UNLOAD writes a file's rewrite before it replaces the file (not under the table's location). */
export const LAKE_REWRITE_PREFIX = '.rewrite/';

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * The lake of one Region on AWS as a {@link ViewerLake}.
 *
 * @example
 * ```ts
 * const lake = createAthenaViewerLake(engine, clients.s3(), config.resources, config.region);
 * await lake.remove('alice'); // rows removed
 * ```
 */
export function createAthenaViewerLake(
  engine: AnalyticsEngine,
  s3: S3Client,
  names: Pick<ResourceNames, 'lakeBucket'>,
  region: string,
): ViewerLake {
  const Bucket = names.lakeBucket;
  const columns = LAKE_COLUMNS.map((c) => `"${c.name}"`).join(', ');
  const s3call = async <T>(operation: string, subject: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw wrapAwsError(err, `s3:${operation}`, subject);
    }
  };
  const list = async (Prefix: string): Promise<string[]> => {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await s3call('ListObjectsV2', `s3://${Bucket}/${Prefix}`, () =>
        s3.send(new ListObjectsV2Command({ Bucket, Prefix, ...(ContinuationToken ? { ContinuationToken } : {}) })),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    return keys;
  };
  const remove = (Key: string) =>
    s3call('DeleteObject', `s3://${Bucket}/${Key}`, () => s3.send(new DeleteObjectCommand({ Bucket, Key })));

  return {
    region,
    async rows(userId) {
      const result = await engine.query(`SELECT * FROM ${EVENTS_TABLE} WHERE user_id = ${quote(userId)} ORDER BY ts`);
      return result.rows.map((row) => Object.fromEntries(row.map((value, i) => [result.columns[i]?.name, value])));
    },
    async remove(userId) {
      const files = await engine.query(
        `SELECT "$path", count(*) FROM ${EVENTS_TABLE} WHERE user_id = ${quote(userId)} GROUP BY 1`,
      );
      let removed = 0;
      for (const [path, count] of files.rows) {
        const url = String(path);
        const prefix = `s3://${Bucket}/`;
        // Only the table's own files: anything else is not ours to rewrite.
        if (!url.startsWith(`${prefix}${LAKE_EVENTS_PREFIX}`)) continue;
        const key = url.slice(prefix.length);
        const base = key.replace(/\.parquet$/, '');
        const scratch = `${LAKE_REWRITE_PREFIX}${randomUUID()}/`;
        await engine.query(
          `UNLOAD (SELECT ${columns} FROM ${EVENTS_TABLE} WHERE "$path" = ${quote(url)} AND user_id IS DISTINCT FROM ${quote(userId)}) TO ${quote(`${prefix}${scratch}`)} WITH (format = 'PARQUET', compression = 'SNAPPY')`,
        );
        // A rewrite an earlier run left (it stopped before deleting the original) is replaced.
        for (const stale of await list(`${base}.erased-`)) await remove(stale);
        const outputs = (await list(scratch)).sort();
        for (const [k, output] of outputs.entries()) {
          await s3call('CopyObject', `s3://${Bucket}/${output}`, () =>
            s3.send(
              new CopyObjectCommand({
                Bucket,
                Key: `${base}.erased-${k}.parquet`,
                CopySource: `${Bucket}/${output.split('/').map(encodeURIComponent).join('/')}`,
              }),
            ),
          );
        }
        await remove(key);
        for (const output of outputs) await remove(output);
        removed += Number(count);
      }
      return removed;
    },
  };
}
