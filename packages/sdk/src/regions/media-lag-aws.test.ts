/**
 * Media replication lag on AWS from S3's replication metrics (aws-sdk-client-mock for CloudWatch,
 * requests checked against the client's own model and CloudWatch's limits).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cloudwatch from '@aws-sdk/client-cloudwatch';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { modelProblems } from '../../../../test/aws-model.js';
import { resolveConfig, resourceNames, type StreamctlConfig } from '../config/index.js';
import { mediaLag } from './health.js';
import { awsMediaLag, MEDIA_LAG_WINDOW_MS, mediaLagRequest, mediaReplicationRuleId } from './media-lag-aws.js';

const cw = mockClient(CloudWatchClient);
afterEach(() => cw.reset());

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'];
const NOW = Date.parse('2026-12-03T12:00:00Z');
const bucket = (region: string) => resourceNames('prod', region).cdnBucket;
const regionOf = (name: string | undefined) => REGIONS.find((r) => bucket(r) === name) as string;

let config: StreamctlConfig;
beforeAll(async () => {
  config = await resolveConfig({ flags: { stage: 'prod', regions: REGIONS.join(',') }, env: {}, configFile: false });
});

/** Data points per `source->destination` and metric name, newest first, one minute apart from `NOW - 60 s`. */
type Series = Record<string, Record<string, number[]>>;

/** Answers GetMetricData from `series` as CloudWatch would, and records which Region's client was asked. */
function answer(series: Series, failing: Record<string, Error> = {}): string[] {
  const asked: string[] = [];
  cw.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput, getClient) => {
    const region = await (getClient() as CloudWatchClient).config.region();
    asked.push(region);
    if (failing[region]) throw failing[region];
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const dims = q.MetricStat?.Metric?.Dimensions ?? [];
        const dim = (name: string) => dims.find((d) => d.Name === name)?.Value;
        const key = `${regionOf(dim('SourceBucket'))}->${regionOf(dim('DestinationBucket'))}`;
        const values = series[key]?.[q.MetricStat?.Metric?.MetricName ?? ''] ?? [];
        return {
          Id: q.Id,
          Label: q.Label,
          StatusCode: 'Complete' as const,
          Values: values,
          Timestamps: values.map((_, i) => new Date(NOW - 60_000 * (i + 1))),
        };
      }),
    };
  });
  return asked;
}

describe('the GetMetricData request', () => {
  it("asks the source's rule to every other Region for the four replication metrics, as CloudWatch takes them", () => {
    const input = mediaLagRequest(config, 'us-east-1', NOW);
    expect(modelProblems(input, cloudwatch.GetMetricDataInput$)).toEqual([]);
    const queries = input.MetricDataQueries ?? [];
    // Two destinations, four metrics each; CloudWatch takes up to 500 queries per call.
    expect(queries).toHaveLength(8);
    for (const q of queries) expect(q.Id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
    expect(new Set(queries.map((q) => q.Id)).size).toBe(queries.length);
    expect(input.EndTime?.getTime()).toBe(NOW);
    expect(NOW - (input.StartTime?.getTime() ?? 0)).toBe(MEDIA_LAG_WINDOW_MS);
    expect(input.ScanBy).toBe('TimestampDescending');
    const stats = Object.fromEntries(queries.map((q) => [q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat]));
    expect(stats).toEqual({
      ReplicationLatency: 'Maximum',
      OperationsPendingReplication: 'Maximum',
      BytesPendingReplication: 'Maximum',
      OperationFailedReplication: 'Sum',
    });
    for (const q of queries) {
      // Standard-resolution metrics: a period of a multiple of 60 s.
      expect((q.MetricStat?.Period ?? 0) % 60).toBe(0);
      expect(q.MetricStat?.Period).toBeGreaterThan(0);
      expect(q.MetricStat?.Metric?.Namespace).toBe('AWS/S3');
      expect(q.ReturnData).toBe(true);
    }
    const destinations = queries.map((q) => q.MetricStat?.Metric?.Dimensions);
    expect(destinations).toContainEqual([
      { Name: 'SourceBucket', Value: bucket('us-east-1') },
      { Name: 'DestinationBucket', Value: bucket('ap-southeast-1') },
      { Name: 'RuleId', Value: 'titles-to-ap-southeast-1' },
    ]);
    expect(new Set(destinations.map((d) => d?.[1]?.Value))).toEqual(
      new Set([bucket('eu-west-1'), bucket('ap-southeast-1')]),
    );
    expect(mediaReplicationRuleId('eu-west-1')).toBe('titles-to-eu-west-1');
  });
});

describe('awsMediaLag', () => {
  it("maps each source's metrics into the lag of media coming into each Region, one call per source Region", async () => {
    const asked = answer({
      'us-east-1->eu-west-1': {
        ReplicationLatency: [30, 120, 5],
        OperationsPendingReplication: [4, 9],
        BytesPendingReplication: [1_000, 5_000],
        OperationFailedReplication: [1, 2],
      },
      'ap-southeast-1->eu-west-1': {
        ReplicationLatency: [10],
        OperationsPendingReplication: [0],
        BytesPendingReplication: [0],
      },
    });
    const lag = await awsMediaLag(config, { now: NOW });
    expect([...asked].sort()).toEqual([...REGIONS].sort());
    expect(lag['eu-west-1']).toEqual({
      measuredBy: 'cloudwatch',
      pending: 4,
      pendingBytes: 1_000,
      oldestPendingMs: null,
      replicated: null,
      lastLagMs: 30_000,
      maxLagMs: 120_000,
      failedAttempts: 3,
      reportAgeMs: 60_000,
      noData: false,
      sources: {
        'us-east-1': {
          lastLagMs: 30_000,
          maxLagMs: 120_000,
          pending: 4,
          pendingBytes: 1_000,
          failedAttempts: 3,
          dataAgeMs: 60_000,
        },
        'ap-southeast-1': {
          lastLagMs: 10_000,
          maxLagMs: 10_000,
          pending: 0,
          pendingBytes: 0,
          failedAttempts: null,
          dataAgeMs: 60_000,
        },
      },
    });
    // Nothing came into us-east-1 in the window: no data, not zero lag.
    expect(lag['us-east-1']).toMatchObject({ noData: true, pending: null, lastLagMs: null, reportAgeMs: null });
  });

  it('reads no data points as no data, never as zero', async () => {
    answer({});
    const lag = await awsMediaLag(config, { now: NOW });
    for (const region of REGIONS) {
      expect(lag[region]).toMatchObject({
        noData: true,
        pending: null,
        pendingBytes: null,
        lastLagMs: null,
        maxLagMs: null,
        failedAttempts: null,
        reportAgeMs: null,
      });
      expect(lag[region]?.error).toBeUndefined();
    }
  });

  it("names a source Region whose CloudWatch fails in the other Regions' error and keeps the rest", async () => {
    answer(
      { 'ap-southeast-1->eu-west-1': { ReplicationLatency: [12], OperationsPendingReplication: [2] } },
      {
        'us-east-1': Object.assign(new Error('User is not authorized to perform: cloudwatch:GetMetricData'), {
          name: 'AccessDenied',
        }),
      },
    );
    const lag = await mediaLag(config, { now: NOW });
    expect(lag?.['eu-west-1']).toMatchObject({ pending: 2, lastLagMs: 12_000, noData: false });
    expect(lag?.['eu-west-1']?.error).toMatch(/^us-east-1's CloudWatch: AccessDenied: User is not authorized/);
    expect(Object.keys(lag?.['eu-west-1']?.sources ?? {})).toEqual(['ap-southeast-1']);
    expect(lag?.['ap-southeast-1']?.error).toContain("us-east-1's CloudWatch");
    // us-east-1's own incoming lag comes from the other two, whose CloudWatch answered.
    expect(lag?.['us-east-1']?.error).toBeUndefined();
  });
});

describe('mediaLag picks the measure by stage', () => {
  it('asks CloudWatch on a multi-Region AWS stage only', async () => {
    const asked = answer({});
    expect(await mediaLag({ ...config, regions: ['us-east-1'] })).toBeUndefined();
    const local = await resolveConfig({ env: {}, configFile: false });
    // The local stage reads its replicator's report: none in an empty data dir.
    expect(await mediaLag({ ...local, dataDir: mkdtempSync(join(tmpdir(), 'media-lag-')) })).toBeUndefined();
    expect(asked).toEqual([]);
    expect((await mediaLag(config, { now: NOW }))?.['eu-west-1']?.measuredBy).toBe('cloudwatch');
    expect(asked).toHaveLength(3);
  });
});
