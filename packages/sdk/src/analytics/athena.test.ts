/**
 * The Athena engine against a mocked Athena (there is no emulator): each
 * request is checked against the client's own model, and the engine polls,
 * reports progress and bytes scanned, pages results and types the cells.
 */
import * as athena from '@aws-sdk/client-athena';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { checkAgainstModel } from '../../../../test/aws-model.js';
import { resourceNames } from '../config/index.js';
import { createAthenaEngine } from './athena.js';

const names = resourceNames('prod', 'eu-west-1');
const mock = mockClient(AthenaClient);
afterEach(() => mock.reset());

function fitsModel(input: unknown, schema: unknown): string[] {
  const problems: string[] = [];
  checkAgainstModel(input, schema, '', problems);
  return problems;
}

const header = { Data: [{ VarCharValue: 'type' }, { VarCharValue: 'n' }, { VarCharValue: 'first' }] };
const columns = [
  { Name: 'type', Type: 'varchar' },
  { Name: 'n', Type: 'bigint' },
  { Name: 'first', Type: 'timestamp' },
];

describe('the Athena engine', () => {
  it('runs in the workgroup over the Glue database, polls to the end, and pages typed results', async () => {
    mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    mock
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' }, Statistics: { DataScannedInBytes: 1_000 } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 52_428 } } });
    mock
      .on(GetQueryResultsCommand)
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [
            header,
            { Data: [{ VarCharValue: 'play' }, { VarCharValue: '41' }, { VarCharValue: '2026-12-03 09:58:59.123' }] },
          ],
        },
        NextToken: 'page-2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [{ Data: [{ VarCharValue: 'startup' }, { VarCharValue: '9007199254740993' }, {}] }],
        },
      });
    const progress: string[] = [];
    const engine = createAthenaEngine(new AthenaClient({ region: 'eu-west-1' }), names, { pollMs: 1 });
    const result = await engine.query('select type, count(*) n, min(ts) first from events group by 1', {
      onProgress: (p) => progress.push(`${p.state}:${p.bytesScanned ?? '-'}`),
    });
    expect(progress).toEqual(['QUEUED:-', 'RUNNING:1000', 'SUCCEEDED:52428']);
    expect(result).toMatchObject({
      engine: 'athena',
      queryId: 'q-1',
      bytesScanned: 52_428,
      columns: [
        { name: 'type', type: 'varchar' },
        { name: 'n', type: 'bigint' },
        { name: 'first', type: 'timestamp' },
      ],
      // The header row is not data; a count past 2^53 stays exact as a string; a null is null.
      rows: [
        ['play', 41, '2026-12-03T09:58:59.123Z'],
        ['startup', '9007199254740993', null],
      ],
    });
    const start = mock.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(start).toEqual({
      QueryString: 'select type, count(*) n, min(ts) first from events group by 1',
      WorkGroup: 'streamctl-prod-analytics',
      QueryExecutionContext: { Database: 'streamctl_prod' },
    });
    expect(fitsModel(start, athena.StartQueryExecutionInput$)).toEqual([]);
    for (const call of mock.commandCalls(GetQueryExecutionCommand))
      expect(fitsModel(call.args[0].input, athena.GetQueryExecutionInput$)).toEqual([]);
    for (const call of mock.commandCalls(GetQueryResultsCommand))
      expect(fitsModel(call.args[0].input, athena.GetQueryResultsInput$)).toEqual([]);
  });

  it("fails with Athena's reason on one line, naming the query", async () => {
    mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    mock.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved\nor accessed",
        },
      },
    });
    const engine = createAthenaEngine(new AthenaClient({ region: 'eu-west-1' }), names, { pollMs: 1 });
    await expect(engine.query('select nope from events')).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      message: "athena: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved or accessed",
      details: { engine: 'athena', queryId: 'q-2' },
    });
  });

  it('wraps an AWS error (a missing workgroup) as a typed error', async () => {
    mock
      .on(StartQueryExecutionCommand)
      .rejects(Object.assign(new Error('WorkGroup is not found.'), { name: 'InvalidRequestException' }));
    const engine = createAthenaEngine(new AthenaClient({ region: 'eu-west-1' }), names);
    await expect(engine.query('select 1')).rejects.toMatchObject({ message: expect.stringMatching(/WorkGroup/) });
  });

  it('uses approx_percentile, and timestamps both engines read as UTC', () => {
    const engine = createAthenaEngine(new AthenaClient({ region: 'eu-west-1' }), names);
    expect(engine.dialect.percentile('startup_ms', 0.95)).toBe('approx_percentile(startup_ms, 0.95)');
    expect(engine.dialect.timestamp(new Date('2026-12-03T09:00:00Z'))).toBe("TIMESTAMP '2026-12-03 09:00:00.000'");
  });
});
