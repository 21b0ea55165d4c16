import type { CapacityPlan, CostLine, RegionPlan } from '@streamctl/sdk';
import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';

interface CapacityOptions {
  viewers?: number;
  peakConcurrency?: number;
  eventsPerViewerMinute?: number;
  regions?: string[];
  regionShare?: Record<string, number>;
  counterShards?: number;
  bitrateMbps?: number;
  segmentSeconds?: number;
  eventBytes?: number;
  assume?: Record<string, number>;
}

const NUMBER = /^(\d+|\d*\.\d+)(e\d+)?$/i;

/** A flag's number: digits (a decimal point, an exponent) only, above 0, whole when `whole`. */
function numberFlag(flag: string, example: string, whole: boolean) {
  return (value: string) => {
    const n = NUMBER.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n)))
      throw new UsageError(
        `invalid ${flag} "${value}"`,
        `use ${whole ? 'a whole number' : 'a number'} above 0, e.g. ${flag} ${example}`,
      );
    return n;
  };
}

/** `a=1,b=2` into `{a: 1, b: 2}`: each key once, each value a number. */
function pairsFlag(flag: string, example: string) {
  return (value: string) => {
    const pairs: Record<string, number> = {};
    for (const part of value.split(',')) {
      const [key = '', raw = '', ...rest] = part.split('=').map((s) => s.trim());
      const n = NUMBER.test(raw) ? Number(raw) : Number.NaN;
      if (!key || rest.length > 0 || !Number.isFinite(n) || key in pairs)
        throw new UsageError(
          `invalid ${flag} "${value}"`,
          `use key=number pairs separated by commas, e.g. ${flag} ${example}`,
        );
      pairs[key] = n;
    }
    return pairs;
  };
}

function regionsFlag(value: string): string[] {
  const regions = value.split(',').map((r) => r.trim());
  if (regions.some((r) => r === ''))
    throw new UsageError(
      `invalid --regions "${value}"`,
      'use Regions separated by commas, e.g. --regions us-east-1,eu-west-1',
    );
  return regions;
}

/** Where each input field of the SDK came from on the command line, and how to fix it. */
const FLAGS: Record<string, { flag: string; hint: string }> = {
  viewers: { flag: '--viewers', hint: 'pass the number of subscribers, e.g. --viewers 30000000' },
  peakConcurrency: {
    flag: '--peak-concurrency',
    hint: 'lower --peak-concurrency to at most --viewers, or raise --viewers',
  },
  eventsPerViewerMinute: { flag: '--events-per-viewer-minute', hint: 'e.g. --events-per-viewer-minute 6' },
  regions: { flag: '--regions', hint: 'list each AWS Region once, e.g. --regions us-east-1,eu-west-1' },
  regionShare: {
    flag: '--region-share',
    hint: 'give each Region of --regions one share, the shares summing to 1, e.g. --region-share us-east-1=0.6,eu-west-1=0.4',
  },
  counterShards: { flag: '--counter-shards', hint: 'use a whole number from 1 to 10000' },
  assumptions: { flag: '--assume', hint: 'see the assumptions `streamctl plan capacity` prints, and their bounds' },
};

/** `streamctl plan capacity`: sizes and prices the platform for a viewer base. */
export const planCapacity = defineCommand<CapacityOptions>({
  name: 'plan capacity',
  description:
    'size the platform for a viewer base: Kinesis shards, DynamoDB units, Lambda concurrency, Redis, CloudFront and a monthly cost per Region',
  options: [
    {
      flags: '--viewers <n>',
      description: 'subscribers (accounts)',
      parse: numberFlag('--viewers', '30000000', true),
    },
    {
      flags: '--peak-concurrency <n>',
      description: 'concurrent viewers at the worldwide peak (at most --viewers)',
      parse: numberFlag('--peak-concurrency', '10000000', true),
    },
    {
      flags: '--events-per-viewer-minute <n>',
      description: 'engagement events a playing viewer sends per minute',
      parse: numberFlag('--events-per-viewer-minute', '6', false),
    },
    { flags: '--regions <list>', description: 'Regions, comma-separated: us-east-1,eu-west-1', parse: regionsFlag },
    {
      flags: '--region-share <list>',
      description: 'share of the peak per Region, summing to 1 (default: even), e.g. us-east-1=0.6,eu-west-1=0.4',
      parse: pairsFlag('--region-share', 'us-east-1=0.6,eu-west-1=0.4'),
    },
    {
      flags: '--counter-shards <n>',
      // The SDK's DEFAULT_PLAN_COUNTER_SHARDS (definitions stay light: no SDK import here).
      description: "sub-keys the popularity counters are spread over (default 8, the platform's models.counterShards)",
      parse: numberFlag('--counter-shards', '16', true),
    },
    {
      flags: '--bitrate-mbps <n>',
      description: 'average delivered bitrate in Mbit/s (default 5)',
      parse: numberFlag('--bitrate-mbps', '5', false),
    },
    {
      flags: '--segment-seconds <n>',
      description: 'seconds of video per segment request (default 6, HLS)',
      parse: numberFlag('--segment-seconds', '6', false),
    },
    {
      flags: '--event-bytes <n>',
      description: 'bytes of one event on the stream (default 600)',
      parse: numberFlag('--event-bytes', '600', true),
    },
    {
      flags: '--assume <list>',
      description: 'override any printed assumption, e.g. apiDurationMs=30,averageToPeakRatio=0.4',
      parse: pairsFlag('--assume', 'apiDurationMs=30'),
    },
  ],
  examples: [
    'streamctl plan capacity --viewers 30000000 --peak-concurrency 10000000 --events-per-viewer-minute 6 --regions us-east-1,eu-west-1,ap-northeast-1',
    'streamctl plan capacity --viewers 1000000 --peak-concurrency 250000 --events-per-viewer-minute 6 --regions us-east-1 --json',
    'streamctl plan capacity --viewers 5000000 --peak-concurrency 1000000 --events-per-viewer-minute 4 --regions us-east-1,eu-west-1 --region-share us-east-1=0.7,eu-west-1=0.3 --counter-shards 32',
  ],
  async handler(ctx, _args, options) {
    const required: Array<[keyof CapacityOptions, string]> = [
      ['viewers', '--viewers <subscribers>'],
      ['peakConcurrency', '--peak-concurrency <viewers>'],
      ['eventsPerViewerMinute', '--events-per-viewer-minute <n>'],
      ['regions', '--regions <r1,r2>'],
    ];
    for (const [key, usage] of required) {
      if (options[key] === undefined) throw new UsageError(`${usage.split(' ')[0]} is required`, `pass ${usage}`);
    }
    const sdk = await import('@streamctl/sdk');
    const assumptions: Record<string, number> = { ...options.assume };
    for (const key of Object.keys(assumptions)) {
      if (!(key in sdk.CAPACITY_DEFAULTS))
        throw new UsageError(
          `invalid --assume: no assumption "${key}"`,
          `use one of ${Object.keys(sdk.CAPACITY_DEFAULTS).join(', ')}`,
        );
    }
    if (options.bitrateMbps !== undefined) assumptions.bitrateMbps = options.bitrateMbps;
    if (options.segmentSeconds !== undefined) assumptions.segmentSeconds = options.segmentSeconds;
    if (options.eventBytes !== undefined) assumptions.eventBytes = options.eventBytes;
    let plan: CapacityPlan;
    try {
      plan = sdk.planCapacity({
        viewers: options.viewers as number,
        peakConcurrency: options.peakConcurrency as number,
        eventsPerViewerMinute: options.eventsPerViewerMinute as number,
        regions: options.regions as string[],
        ...(options.regionShare ? { regionShare: options.regionShare } : {}),
        ...(options.counterShards !== undefined ? { counterShards: options.counterShards } : {}),
        assumptions,
      });
    } catch (err) {
      // The SDK names the field; the operator typed a flag: name the flag and its fix.
      if (err instanceof sdk.ValidationError && err.issues[0]) {
        const issue = err.issues[0];
        const [field = '', ...rest] = issue.path.split('.');
        const source = FLAGS[field] ?? { flag: field, hint: 'fix the named flag' };
        // A list's index adds nothing the message does not say; a key (a Region, an assumption) does.
        const where = rest.filter((part) => !/^\d+$/.test(part)).join('.');
        const detail = where ? `${where}: ${issue.message}` : issue.message;
        throw new UsageError(`invalid ${source.flag}: ${detail}`, source.hint);
      }
      throw err;
    }
    if (ctx.globals.json) ctx.json(plan);
    else ctx.print(renderPlan(plan));
  },
});

const number = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const percent = (share: number) => `${number(share * 100, 1)} %`;
const unitPrice = (n: number) =>
  `$${n < 0.01 ? n.toPrecision(4).replace(/0+$/, '') : n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;

function costLines(lines: CostLine[]): string[] {
  const width = Math.max(...lines.map((l) => l.item.length));
  return lines.map(
    (l) =>
      `    ${l.item.padEnd(width)}  ${`${number(l.quantity, l.quantity >= 1000 ? 0 : 2)} ${l.unit}`.padStart(34)} × ${unitPrice(l.unitPrice).padEnd(12)} ${usd(l.monthlyCost).padStart(17)}`,
  );
}

function renderRegion(plan: CapacityPlan, r: RegionPlan): string[] {
  const { kinesis: k, dynamodb: d, lambda: l, redis, cloudFront: cf } = r;
  const a = plan.assumptions;
  const hot = d.hottestKey;
  const hotVerdict =
    hot.writesPerSubKeyPerSecond > hot.partitionLimit ? `OVER: use --counter-shards ${hot.minSubKeys}+` : 'within';
  return [
    `${r.region}: ${percent(r.share)} of the peak, ${number(r.peakConcurrentViewers)} concurrent viewers`,
    `  Kinesis      ${number(k.recordsPerSecond)} records/s, ${number(k.bytesPerSecond / 1e6, 1)} MB/s in, read by ${k.consumers} consumers`,
    `               shards needed: ${number(k.shardsByRecords, 2)} by records, ${number(k.shardsByWriteBytes, 2)} by write bytes, ${number(k.shardsByReadBytes, 2)} by reads`,
    `               provisioned: ${number(k.provisionedShards)} shards (${k.boundBy} × ${a.shardHeadroom} headroom), ${usd(k.provisionedMonthlyCost)}/month; on-demand instead: ${usd(k.onDemandMonthlyCost)}/month`,
    `  DynamoDB     user-state (global, with the models): ${number(d.userState.wcu)} WCU (${number(d.userState.localWritesPerSecond)} local + ${number(d.userState.replicatedWritesPerSecond)} replicated writes/s), ${number(d.userState.rcu)} RCU`,
    `               platform (the idempotency ledger): ${number(d.platform.wcu)} WCU, ${number(d.platform.rcu)} RCU`,
    `               hottest key ${hot.key}: ${percent(hot.shareOfWrites)} of the Region's user-state writes, ${number(hot.writesPerSecond)} writes/s over ${hot.subKeys} sub-keys = ${number(hot.writesPerSubKeyPerSecond, 2)}/s each vs ${number(hot.partitionLimit)} WCU/s per partition (${percent(hot.utilization)}: ${hotVerdict})`,
    `  Lambda       workers: ${l.workers.map((w) => `${w.worker} ${number(w.concurrency)}`).join(', ')} (${number(k.provisionedShards)} shards × parallelization ${a.parallelizationFactor}; signals one batch per shard)`,
    `               API: ${number(l.api.requestsPerSecond)} req/s × ${a.apiDurationMs} ms = ${number(l.api.concurrency)}; total ${number(l.total)} of the default quota ${number(l.quota)}${l.total > l.quota ? ': request an increase' : ''}`,
    `  Redis        ${number(redis.dataBytes / 1e9, 2)} GB of sessions and home pages, ${number(redis.memoryGiB, 2)} GiB with overhead: ${redis.shards} shard${redis.shards === 1 ? '' : 's'} × ${1 + a.redisReplicasPerShard} nodes = ${redis.nodes} ${redis.nodeType} nodes`,
    `  CloudFront   ${number(cf.segmentRequestsPerSecond)} segment + ${number(cf.apiRequestsPerSecond)} API = ${number(cf.requestsPerSecond)} req/s; ${number(cf.peakGbps)} Gbit/s at peak; ${number(cf.monthlyTransferGb)} GB/month (${cf.edge} prices)`,
    `  Monthly cost ${usd(r.monthlyCost)}`,
    ...costLines(r.cost),
  ];
}

function renderTotals(plan: CapacityPlan): string[] {
  const head = [
    'Region',
    'concurrent',
    'shards',
    'platform WCU',
    'user-state WCU',
    'Lambda',
    'Redis nodes',
    'CDN req/s',
  ];
  const row = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(16) : c.padStart(i === cells.length - 1 ? 18 : 16))).join('');
  const t = plan.totals;
  return [
    row([...head, 'cost/month']),
    ...plan.regions.map((r) =>
      row([
        r.region,
        number(r.peakConcurrentViewers),
        number(r.kinesis.provisionedShards),
        number(r.dynamodb.platform.wcu),
        number(r.dynamodb.userState.wcu),
        number(r.lambda.total),
        number(r.redis.nodes),
        number(r.cloudFront.requestsPerSecond),
        usd(r.monthlyCost),
      ]),
    ),
    row([
      'total',
      number(t.peakConcurrentViewers),
      number(t.provisionedShards),
      number(t.platformWcu),
      number(t.userStateWcu),
      number(t.lambdaConcurrency),
      number(t.redisNodes),
      number(t.cloudFrontRequestsPerSecond),
      usd(t.monthlyCost),
    ]),
  ];
}

/** The human form of a plan: per Region, the totals, the warnings, then what it assumed. */
function renderPlan(plan: CapacityPlan): string {
  const i = plan.input;
  const p = plan.prices;
  const lines = [
    `Capacity plan: ${number(i.viewers)} viewers, ${number(i.peakConcurrency)} concurrent at peak, ${number(i.eventsPerViewerMinute, 2)} events per viewer-minute, ${i.regions.length} Region${i.regions.length === 1 ? '' : 's'}, popularity counters over ${i.counterShards} sub-keys`,
    `Capacity is sized for the peak; usage is billed at ${percent(plan.assumptions.averageToPeakRatio)} of it. Prices: table ${p.version} (${p.currency}, list prices as of ${p.asOf}, ${p.hoursPerMonth} h/month).`,
    '',
  ];
  for (const r of plan.regions) lines.push(...renderRegion(plan, r), '');
  lines.push('Totals', ...renderTotals(plan).map((l) => `  ${l}`));
  lines.push(
    `  with on-demand streams instead of provisioned: ${usd(plan.totals.monthlyCostWithOnDemandStreams)}/month; ${number(plan.totals.peakGbps)} Gbit/s at peak`,
    '',
  );
  if (plan.warnings.length) {
    lines.push('Warnings');
    for (const w of plan.warnings) lines.push(`  ! ${w.region}: ${w.message}`);
    lines.push('');
  }
  lines.push(
    'Infra config (streamctl.infra.json) to deploy this plan; provisioned concurrency is billed apart from the cost above:',
    `  "capacity": ${JSON.stringify(plan.infraCapacity)}`,
    '',
  );
  lines.push('Assumptions (override with --assume key=value,...)');
  const entries = Object.entries(plan.assumptions).map(([k, v]) => `${k}=${v}`);
  for (let n = 0; n < entries.length; n += 5) lines.push(`  ${entries.slice(n, n + 5).join('  ')}`);
  const limits = plan.limits;
  lines.push(
    'AWS limits used',
    `  Kinesis shard: ${number(limits.kinesisShardWriteRecordsPerSecond)} records/s and 1 MiB/s in, 2 MiB/s out shared by standard consumers; Lambda reads a shard ${plan.assumptions.parallelizationFactor} batches at a time (at most ${limits.kinesisMaxParallelizationFactor})`,
    `  DynamoDB partition: ${number(limits.dynamodbPartitionWcuPerSecond)} WCU/s and ${number(limits.dynamodbPartitionRcuPerSecond)} RCU/s; 1 WCU = one write ≤ 1 KB, 1 RCU = one strong read ≤ 4 KB (two eventual)`,
    `  Lambda: ${number(limits.lambdaConcurrencyQuota)} concurrent executions per Region by default`,
    'CloudFront above 5 PB a month and committed spend are priced privately by AWS: list prices overstate that part.',
  );
  return lines.join('\n');
}
