/**
 * Erasing a viewer from the lake on AWS: Athena (mocked: there is no
 * emulator) finds the files holding the viewer and UNLOADs each one's other
 * rows; the S3 side runs for real on the target's S3. The files holding the
 * viewer are replaced by their rewrites, the scratch prefix is emptied, other
 * files are left alone, and a run that stopped half-way and runs again does
 * not duplicate anyone's rows.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createAthenaEngine, createAthenaViewerLake, createAwsClients, LAKE_REWRITE_PREFIX } from '@streamctl/sdk';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

describe.skipIf(!target.endpoints.s3)('the lake on AWS, erased through Athena', () => {
  const Bucket = `lake-erase-${Date.now()}`;
  let clients: ReturnType<typeof createAwsClients>;
  const athena = mockClient(AthenaClient);
  const sql: string[] = [];
  /** What the mocked Athena answers: the files holding the viewer, and what each UNLOAD writes. */
  let holding: Array<[string, number]> = [];

  beforeAll(async () => {
    clients = createAwsClients(await targetConfig(target));
    await clients.s3().send(new CreateBucketCommand({ Bucket }));
    let id = 0;
    const answers = new Map<string, string[][]>();
    athena.on(StartQueryExecutionCommand).callsFake(async (input: { QueryString: string }) => {
      const queryId = `q-${++id}`;
      sql.push(input.QueryString);
      if (input.QueryString.startsWith('SELECT "$path"'))
        answers.set(
          queryId,
          holding.map(([p, n]) => [p, String(n)]),
        );
      const unload = /^UNLOAD .* TO 's3:\/\/[^/]+\/(\.rewrite\/[^']+)'/.exec(input.QueryString);
      // Athena writes the file's other rows under the scratch prefix, as one or more objects.
      if (unload?.[1]) {
        for (const part of ['part-0', 'part-1'])
          await clients
            .s3()
            .send(new PutObjectCommand({ Bucket, Key: `${unload[1]}${part}`, Body: `rewrite ${part}` }));
      }
      return { QueryExecutionId: queryId };
    });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).callsFake(async (input: { QueryExecutionId: string }) => ({
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [
            { Name: '$path', Type: 'varchar' },
            { Name: '_col1', Type: 'bigint' },
          ],
        },
        Rows: (answers.get(input.QueryExecutionId) ?? []).map((r) => ({ Data: r.map((v) => ({ VarCharValue: v })) })),
      },
    }));
  });
  afterAll(() => {
    athena.restore();
    clients?.destroy();
  });

  const keys = async () =>
    ((await clients.s3().send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => o.Key).sort();

  it("replaces each file holding the viewer by its rewrite, and leaves everyone else's", async () => {
    const put = (Key: string) => clients.s3().send(new PutObjectCommand({ Bucket, Key, Body: 'parquet' }));
    await put('events/dt=2026-12-01/hour=09/a.parquet');
    await put('events/dt=2026-12-01/hour=10/b.parquet');
    await put('events/dt=2026-12-02/hour=00/untouched.parquet');
    holding = [
      [`s3://${Bucket}/events/dt=2026-12-01/hour=09/a.parquet`, 3],
      [`s3://${Bucket}/events/dt=2026-12-01/hour=10/b.parquet`, 1],
    ];
    const engine = createAthenaEngine(
      new AthenaClient({ region: 'us-east-1' }),
      {
        analyticsDatabase: 'streamctl_test',
        analyticsWorkgroup: 'streamctl-test-analytics',
      },
      { pollMs: 1 },
    );
    const lake = createAthenaViewerLake(engine, clients.s3(), { lakeBucket: Bucket }, 'us-east-1');
    expect(await lake.remove("o'brien")).toBe(4);
    expect(await keys()).toEqual([
      'events/dt=2026-12-01/hour=09/a.erased-0.parquet',
      'events/dt=2026-12-01/hour=09/a.erased-1.parquet',
      'events/dt=2026-12-01/hour=10/b.erased-0.parquet',
      'events/dt=2026-12-01/hour=10/b.erased-1.parquet',
      'events/dt=2026-12-02/hour=00/untouched.parquet',
    ]);
    // The viewer is quoted as SQL, and each UNLOAD keeps every row of its file but theirs.
    expect(sql[0]).toBe(`SELECT "$path", count(*) FROM events WHERE user_id = 'o''brien' GROUP BY 1`);
    expect(sql[1]).toMatch(
      new RegExp(
        `^UNLOAD \\(SELECT "id", "v", .*"error_code" FROM events WHERE "\\$path" = 's3://${Bucket}/events/dt=2026-12-01/hour=09/a.parquet' AND user_id IS DISTINCT FROM 'o''brien'\\) TO 's3://${Bucket}/${LAKE_REWRITE_PREFIX.replace('.', '\\.')}[0-9a-f-]+/' WITH \\(format = 'PARQUET', compression = 'SNAPPY'\\)$`,
      ),
    );

    // A run that stopped before deleting an original, run again: its earlier rewrite is replaced, not added to.
    await put('events/dt=2026-12-01/hour=10/b.parquet');
    holding = [[`s3://${Bucket}/events/dt=2026-12-01/hour=10/b.parquet`, 1]];
    expect(await lake.remove("o'brien")).toBe(1);
    expect((await keys()).filter((k) => k?.includes('hour=10'))).toEqual([
      'events/dt=2026-12-01/hour=10/b.erased-0.parquet',
      'events/dt=2026-12-01/hour=10/b.erased-1.parquet',
    ]);
    expect((await keys()).some((k) => k?.startsWith(LAKE_REWRITE_PREFIX))).toBe(false);
  });
});
