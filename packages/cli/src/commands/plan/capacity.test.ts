/**
 * `streamctl plan capacity` run in-process: the text a person reads, the one
 * JSON document tooling reads (the SDK's plan, unchanged), and a usage error
 * (exit 2, one line naming the fix) for every bad flag before any planning.
 */
import { planCapacity } from '@streamctl/sdk';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../../../test/run-cli.js';

const ONE_MILLION = [
  'plan',
  'capacity',
  '--viewers',
  '1000000',
  '--peak-concurrency',
  '250000',
  '--events-per-viewer-minute',
  '6',
  '--regions',
  'us-east-1',
];

const TEN_MILLION = [
  'plan',
  'capacity',
  '--viewers',
  '30000000',
  '--peak-concurrency',
  '10000000',
  '--events-per-viewer-minute',
  '6',
  '--regions',
  'us-east-1,eu-west-1,ap-northeast-1',
];

describe('streamctl plan capacity', () => {
  it('prints the plan of each Region, the totals, the assumptions and the limits', async () => {
    const run = await runCli(ONE_MILLION);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const out = run.stdout;
    // The numbers of the SDK's hand-computed 1M plan (plan.test.ts), as a person reads them.
    expect(out).toMatch(
      /^Capacity plan: 1,000,000 viewers, 250,000 concurrent at peak, 6 events per viewer-minute, 1 Region,/,
    );
    expect(out).toContain('shards needed: 25 by records, 14.31 by write bytes, 28.61 by reads');
    expect(out).toContain(
      'provisioned: 36 shards (read-bytes × 1.25 headroom), $854.10/month; on-demand instead: $7,547.97/month',
    );
    expect(out).toContain(
      'user-state (global, with the models): 77,084 WCU (77,083 local + 0 replicated writes/s), 9,167 RCU',
    );
    expect(out).toContain('platform (the idempotency ledger): 150,000 WCU, 0 RCU');
    expect(out).toContain(
      "hottest key POP#us-east-1#ALL: 6.5 % of the Region's user-state writes, 5,000 writes/s over 8 sub-keys = 625/s each vs 1,000 WCU/s per partition (62.5 %: within)",
    );
    expect(out).toContain(
      'workers: watch-state 72, signals 36, qoe 72, search 72 (36 shards × parallelization 2; signals one batch per shard)',
    );
    expect(out).toContain('API: 16,667 req/s × 20 ms = 334; total 586 of the default quota 1,000\n');
    expect(out).toContain('1 shard × 2 nodes = 2 cache.r7g.xlarge nodes');
    expect(out).toContain('41,667 segment + 16,667 API = 58,333 req/s; 1,250 Gbit/s at peak');
    expect(out).toMatch(/Kinesis shard-hours\s+26,280 shard-hour × \$0\.015\s+\$394\.20\n/);
    expect(out).toMatch(/\n {2}total\s+250,000\s+36\s+150,000\s+77,084\s+586\s+2\s+58,333\s+\$4,163,082\.58\n/);
    expect(out).toContain(
      '  "capacity": {"streamShards":{"us-east-1":36},"apiProvisionedConcurrency":{"us-east-1":334}}\n',
    );
    expect(out).toContain('eventBytes=600');
    expect(out).toContain('heartbeatSeconds=30');
    expect(out).toMatch(/Prices: table \S+ \(USD, list prices as of \d{4}-\d{2}-\d{2}, 730 h\/month\)/);
    expect(out).not.toContain('Warnings');
    expect(out).toMatchSnapshot();
  });

  it('warns where a Region outgrows a limit, naming the fix', async () => {
    const run = await runCli(TEN_MILLION);
    expect(run.code).toBe(0);
    const warnings = run.stdout.split('\nWarnings\n')[1]?.split('\n\n')[0]?.split('\n') ?? [];
    expect(warnings).toContain(
      '  ! us-east-1: 7,784 concurrent Lambda executions is over the default quota of 1,000 in us-east-1: request a Lambda concurrency quota increase to at least 9,400',
    );
    expect(warnings).toContain(
      '  ! ap-northeast-1: 477 shards is over the default quota of 200 shards in ap-northeast-1: request a Kinesis shard quota increase',
    );
    // 66,667 writes/s a Region to its own POP#<region>#ALL over the default 8 sub-keys.
    for (const region of ['us-east-1', 'eu-west-1', 'ap-northeast-1'])
      expect(warnings.filter((w) => w.includes(`popularity counter POP#${region}#ALL takes 8,333.33`))).toHaveLength(1);
    // Each Region makes 227,778 watch-state + 800,000 model writes/s to the user-state table; each of the three
    // replicas takes all three Regions': 3,083,334 WCU each, 9,250,002 in all; the platform tables none.
    expect(run.stdout).toMatch(/\n {2}total\s+10,000,000\s+1,431\s+6,000,000\s+9,250,002\s/);
  });

  it('prints the SDK plan as one JSON document with --json', async () => {
    const run = await runCli([...ONE_MILLION, '--region-share', 'us-east-1=1', '--counter-shards', '32', '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const docs = jsonLines(run.stdout);
    expect(docs).toHaveLength(1);
    const expected = planCapacity({
      viewers: 1_000_000,
      peakConcurrency: 250_000,
      eventsPerViewerMinute: 6,
      regions: ['us-east-1'],
      regionShare: { 'us-east-1': 1 },
      counterShards: 32,
    });
    expect(docs[0]).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(docs[0]).toMatchObject({
      version: 1,
      input: { counterShards: 32 },
      regions: [{ region: 'us-east-1', kinesis: { provisionedShards: 36 } }],
      totals: { monthlyCost: 4_163_082.58 },
      warnings: [],
    });
  });

  it('takes assumptions from their flags and from --assume', async () => {
    const run = await runCli([
      ...ONE_MILLION,
      '--bitrate-mbps',
      '8',
      '--segment-seconds',
      '4',
      '--event-bytes',
      '200',
      '--assume',
      'apiDurationMs=30,averageToPeakRatio=0.4',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const [plan] = jsonLines(run.stdout) as Array<ReturnType<typeof planCapacity>>;
    expect(plan?.assumptions).toMatchObject({
      bitrateMbps: 8,
      segmentSeconds: 4,
      eventBytes: 200,
      apiDurationMs: 30,
      averageToPeakRatio: 0.4,
    });
    // 250,000 ÷ 4 s = 62,500 segment requests/s; 250,000 × 8 Mbps = 2,000 Gbit/s; 200-byte events: 32 shards.
    expect(plan?.regions[0]?.cloudFront).toMatchObject({ segmentRequestsPerSecond: 62_500, peakGbps: 2000 });
    expect(plan?.regions[0]?.kinesis.provisionedShards).toBe(32);
  });

  const flags = (change: Record<string, string | undefined>) => {
    const argv = [...ONE_MILLION];
    for (const [flag, value] of Object.entries(change)) {
      const at = argv.indexOf(flag);
      if (value === undefined) argv.splice(at, 2);
      else if (at >= 0) argv[at + 1] = value;
      else argv.push(flag, value);
    }
    return argv;
  };
  it.each<[Record<string, string | undefined>, string]>([
    [{ '--viewers': undefined }, 'error: --viewers is required; pass --viewers <subscribers>'],
    [{ '--regions': undefined }, 'error: --regions is required; pass --regions <r1,r2>'],
    [{ '--viewers': '-5' }, 'error: invalid --viewers "-5"; use a whole number above 0, e.g. --viewers 30000000'],
    [{ '--viewers': 'lots' }, 'error: invalid --viewers "lots"; use a whole number above 0, e.g. --viewers 30000000'],
    [
      { '--peak-concurrency': '2.5' },
      'error: invalid --peak-concurrency "2.5"; use a whole number above 0, e.g. --peak-concurrency 10000000',
    ],
    [
      { '--events-per-viewer-minute': '0' },
      'error: invalid --events-per-viewer-minute "0"; use a number above 0, e.g. --events-per-viewer-minute 6',
    ],
    [
      { '--peak-concurrency': '2000000' },
      'error: invalid --peak-concurrency: 2000000 concurrent viewers is more than the 1000000 viewers; lower --peak-concurrency to at most --viewers, or raise --viewers',
    ],
    [
      { '--regions': 'us-east-1,moon-1' },
      'error: invalid --regions: "moon-1" is not an AWS Region such as us-east-1; list each AWS Region once, e.g. --regions us-east-1,eu-west-1',
    ],
    [
      { '--regions': 'us-east-1,' },
      'error: invalid --regions "us-east-1,"; use Regions separated by commas, e.g. --regions us-east-1,eu-west-1',
    ],
    [
      { '--regions': 'us-east-1,eu-west-1', '--region-share': 'us-east-1=0.5,eu-west-1=0.4' },
      'error: invalid --region-share: the shares sum to 0.9, not 1; give each Region of --regions one share, the shares summing to 1, e.g. --region-share us-east-1=0.6,eu-west-1=0.4',
    ],
    [
      { '--regions': 'us-east-1,eu-west-1', '--region-share': 'us-east-1=1' },
      'error: invalid --region-share: eu-west-1: no share for eu-west-1; give each Region of --regions one share, the shares summing to 1, e.g. --region-share us-east-1=0.6,eu-west-1=0.4',
    ],
    [
      { '--region-share': 'us-east-1:1' },
      'error: invalid --region-share "us-east-1:1"; use key=number pairs separated by commas, e.g. --region-share us-east-1=0.6,eu-west-1=0.4',
    ],
    [
      { '--counter-shards': '0' },
      'error: invalid --counter-shards "0"; use a whole number above 0, e.g. --counter-shards 16',
    ],
    [
      { '--assume': 'warpFactor=9' },
      /^error: invalid --assume: no assumption "warpFactor"; use one of eventBytes, shardHeadroom, .*, averageToPeakRatio$/,
    ],
    [
      { '--assume': 'averageToPeakRatio=2' },
      /^error: invalid --assume: averageToPeakRatio: .*; see the assumptions `streamctl plan capacity` prints, and their bounds$/,
    ],
  ] as Array<[Record<string, string | undefined>, string]>)('%j is a usage error', async (change, line) => {
    const run = await runCli(flags(change));
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    if (typeof line === 'string') expect(lines[0]).toBe(line);
    else expect(lines[0]).toMatch(line);
  });

  it('describes itself and its group', async () => {
    const group = await runCli(['plan', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('plan the platform before it runs: capacity and monthly cost for a viewer base');
    const typo = await runCli(['plan', 'capcity']);
    expect({ code: typo.code, stderr: typo.stderr }).toEqual({
      code: 2,
      stderr: "error: unknown command 'capcity'; did you mean capacity? See `streamctl plan --help`\n",
    });
    const help = await runCli(['plan', 'capacity', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatchSnapshot();
  });
});
