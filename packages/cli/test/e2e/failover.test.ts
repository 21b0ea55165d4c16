/**
 * The failover drill on a local two-Region platform of its own: steady load
 * through the edge, the primary's API and stream stopped, `failover`, and
 * the report (served by the other Region within 5 s, < 1 % failed, no
 * acknowledged write lost).
 */
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../run-cli.js';

describe('streamctl failover drill', () => {
  it('moves the traffic to the other Region quickly, failing almost nothing and losing no write', async () => {
    const run = await runCli(['failover', 'drill', '--json', '--stage', 'local'], {
      env: { STREAMCTL_REGIONS: 'us-east-1,eu-west-1' },
    });
    expect(run.code, run.stderr).toBe(0);
    const [report] = jsonLines(run.stdout) as Array<{
      from: string;
      to: string;
      requests: number;
      failedPct: number;
      servedBy: Record<string, number>;
      allFromTargetMs: number;
      firstFromTargetMs: number;
      ackedWrites: number;
      lostWrites: string[];
    }>;
    console.log(`[drill] ${JSON.stringify(report)}`);
    expect(report).toMatchObject({ from: 'us-east-1', to: 'eu-west-1', lostWrites: [] });
    expect(report?.requests).toBeGreaterThan(50);
    expect(report?.failedPct).toBeLessThan(1);
    expect(report?.servedBy['us-east-1']).toBeGreaterThan(0);
    expect(report?.servedBy['eu-west-1']).toBeGreaterThan(0);
    expect(report?.allFromTargetMs).toBeLessThanOrEqual(5_000);
    expect(report?.ackedWrites).toBeGreaterThan(10);
  });

  it('plans only, on a stage in AWS', async () => {
    const run = await runCli(
      ['failover', 'drill', '--stage', 'prod', '--endpoint-url', 'http://127.0.0.1:9', '--json'],
      {
        env: {
          STREAMCTL_REGIONS: 'us-east-1,eu-west-1',
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'y',
          STREAMCTL_MAX_ATTEMPTS: '1',
        },
      },
    );
    // Nothing answers there (and no credentials reach the in-process SDK): the plan step fails with one line, exit 1.
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: dynamodb:PutItem \(routing record\) failed: /),
    ]);
  });
});
