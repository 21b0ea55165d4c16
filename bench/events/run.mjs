#!/usr/bin/env node
/**
 * bench/events, three figures from one run on the embedded platform:
 * 1. publisher throughput, batched (createEventPublisher) vs one PutRecord
 *    per event, against the same kinesalite (target >= 20x);
 * 2. worker processing throughput on one core with storage in memory
 *    (decode, validate, ledger, watch-state; target >= 100,000 events/s);
 * 3. end-to-end latency from publish to continue watching updated, through
 *    the stream, the watch-state poller and DynamoDB (p50/p95; target p95 <= 2 s).
 *
 *   node bench/events/run.mjs [--events 20000] [--json]
 *
 * Needs a build (`pnpm run build`).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = join(import.meta.dirname, '..', '..');
const load = (pkg, sub = 'index.js') => import(pathToFileURL(join(root, 'packages', pkg, 'dist', sub)).href);
const sdk = await load('sdk');
const local = await load('local');
const workers = await load('workers');
const { PutRecordCommand } = createRequire(join(root, 'packages/sdk/package.json'))('@aws-sdk/client-kinesis');
const args = process.argv.slice(2);
const count = Number(args[args.indexOf('--events') + 1] || 20_000) || 20_000;
const json = args.includes('--json');

const event = (i, over = {}) => ({
  v: 1,
  id: randomUUID(),
  type: 'progress',
  userId: `user-${i % 1000}`,
  titleId: `t-${i % 200}`,
  ts: new Date(Date.UTC(2026, 10, 24, 10, 0, 0, i)).toISOString(),
  positionSec: (i % 100) * 30,
  durationSec: 3600,
  ...over,
});

const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-bench-events-'));
const platform = await local.startLocalPlatform({ dataDir });
const clients = sdk.createAwsClients(platform.config);
const names = platform.config.resources;

// 1. Publisher: batched vs one PutRecord per event.
const batchedStart = performance.now();
const publisher = sdk.createEventPublisher(clients, names);
for (let i = 0; i < count; i++) await publisher.publish(event(i));
const undelivered = await publisher.close();
const batchedRate = count / ((performance.now() - batchedStart) / 1000);
const singles = Math.max(500, Math.round(count / 20));
const singleStart = performance.now();
for (let i = 0; i < singles; i++) {
  const e = event(i);
  await clients.kinesis().send(
    new PutRecordCommand({
      StreamName: names.eventsStream,
      PartitionKey: e.userId,
      Data: Buffer.from(JSON.stringify(e)),
    }),
  );
}
const singleRate = singles / ((performance.now() - singleStart) / 1000);

// 2. Worker throughput on one core, storage in memory.
const progress = new Map();
const memoryUsers = {
  async recordProgress(input) {
    const key = `${input.userId}\u0000${input.titleId}`;
    const old = progress.get(key);
    if (old && old.at >= input.at) return false;
    progress.set(key, input);
    return true;
  },
  async addToWatchlist() {
    return true;
  },
  async removeFromWatchlist() {
    return true;
  },
};
const consumer = {
  name: 'bench',
  process: async (event) => {
    await sdk.createWatchState({ users: memoryUsers }).apply(event);
  },
  idempotency: sdk.createMemoryIdempotencyStore(),
  park: async () => {},
};
const records = Array.from({ length: 200_000 }, (_, i) => ({
  data: Buffer.from(JSON.stringify(event(i))),
  shardId: 'shardId-000000000000',
  sequenceNumber: String(i),
}));
for (const r of records.slice(0, 10_000))
  await sdk.runRecord({ ...consumer, idempotency: sdk.createMemoryIdempotencyStore() }, r);
const cpuStart = process.cpuUsage();
const workStart = performance.now();
for (const r of records) await sdk.runRecord(consumer, r);
const wallSeconds = (performance.now() - workStart) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const workerRate = records.length / cpuSeconds;

// 3. End-to-end: publish → stream → watch-state poller → DynamoDB → continue watching.
const users = sdk.createUsers(clients, names);
const poller = await workers.startPoller(
  clients,
  names,
  {
    name: 'bench-watch-state',
    process: async (event) => {
      await sdk.createWatchState({ users }).apply(event);
    },
    idempotency: sdk.createDynamoIdempotencyStore(clients, names),
    park: sdk.createDeadLetterTable(clients, names),
  },
  { idleMs: 100 },
);
// Let the poller work through the backlog of part 1 before timing single events.
const backlog = count + singles;
while (poller.processed < backlog) await new Promise((r) => setTimeout(r, 200));
const latencies = [];
for (let i = 0; i < 30; i++) {
  const userId = `e2e-${i}`;
  const e = event(i, { userId, titleId: 'latency', positionSec: 600, ts: new Date().toISOString() });
  const start = performance.now();
  await sdk.putEvents(clients, names, [e]);
  for (;;) {
    const rail = await users.continueWatching(userId);
    if (rail.some((p) => p.titleId === 'latency')) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  latencies.push(performance.now() - start);
}
await poller.stop();
clients.destroy();
await platform.stop();
rmSync(dataDir, { recursive: true, force: true });
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const result = {
  events: count,
  undelivered: undelivered.length,
  publisher: {
    batchedPerSec: Math.round(batchedRate),
    singlePutRecordPerSec: Math.round(singleRate),
    ratio: Number((batchedRate / singleRate).toFixed(1)),
    target: 20,
  },
  worker: { eventsPerCpuSecond: Math.round(workerRate), wallSeconds: Number(wallSeconds.toFixed(2)), target: 100_000 },
  endToEnd: {
    p50Ms: Math.round(pct(latencies, 50)),
    p95Ms: Math.round(pct(latencies, 95)),
    samples: latencies.length,
    targetP95Ms: 2000,
  },
};
result.pass =
  result.publisher.ratio >= 20 &&
  result.worker.eventsPerCpuSecond >= 100_000 &&
  result.endToEnd.p95Ms <= 2000 &&
  undelivered.length === 0;
if (json) console.log(JSON.stringify(result));
else {
  console.log(
    `publisher batched        ${result.publisher.batchedPerSec} events/s (${count} events, ${undelivered.length} undelivered)`,
  );
  console.log(`one PutRecord per event  ${result.publisher.singlePutRecordPerSec} events/s (${singles} events)`);
  console.log(`ratio                    ${result.publisher.ratio}x (target >= 20x)`);
  console.log(`worker, one core, memory ${result.worker.eventsPerCpuSecond} events per CPU second (target >= 100,000)`);
  console.log(
    `publish → continue watching p50 ${result.endToEnd.p50Ms} ms, p95 ${result.endToEnd.p95Ms} ms (target p95 <= 2000 ms, ${latencies.length} samples)`,
  );
  console.log(result.pass ? 'all targets met' : 'SOME TARGET MISSED');
}
process.exitCode = result.pass ? 0 : 1;
