#!/usr/bin/env node
/**
 * bench/scale: a premiere, scaled down, on the embedded platform. `--viewers`
 * viewers start one title within one minute and watch six minutes of it (a
 * play, then a progress event a minute: 7 events each, 3 of them taste
 * signals); their events, partitioned by viewer over `--shards` stream
 * shards, go through the real signals consumer (ledger, learner, DynamoDB
 * model store on the platform's dynalite) twice:
 *
 * - before: one event at a time, every counter on one key (the design
 *   before counters scaled: counterShards 1, popularity written per event);
 * - after: the worker set's signals consumer, batches per shard as Lambda
 *   forms them (100 records, or one second of the stream), popularity
 *   summed per batch and every hot counter spread over `--counter-shards`
 *   sub-keys.
 *
 * Each model write is counted per item and per second of stream time (a
 * batch's writes fall in the second of its last record). The figure is the
 * most writes any single item takes in one second, against DynamoDB's
 * 1,000 writes/s per partition scaled like the premiere: the simulation's
 * scale factor is its viewers per minute over a real premiere's 100,000.
 * Both runs' totals are checked against the in-memory models fed every
 * event once (exact: the bench exits 1 otherwise).
 *
 *   node bench/scale/run.mjs [--viewers 1200] [--shards 4] [--counter-shards 8] [--json]
 *
 * Needs a build (`pnpm run build`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const viewers = opt('--viewers', 1200);
const shards = opt('--shards', 4);
const counterShards = opt('--counter-shards', 8);
const json = args.includes('--json');
/** A real premiere: viewers starting it in its first minute. */
const REAL_PREMIERE_PER_MINUTE = 100_000;
/** DynamoDB: writes a second one partition (so one item) takes. */
const PARTITION_WRITES_PER_SECOND = 1000;
const BATCH_SIZE = 100;
const BATCH_WINDOW_MS = 1000;

const load = (pkg) => {
  const file = join(ROOT, 'packages', pkg, 'dist', 'index.js');
  if (!existsSync(file)) {
    console.error('error: the packages are not built; run `pnpm run build` first');
    process.exit(1);
  }
  return import(pathToFileURL(file).href);
};
const sdk = await load('sdk');
const local = await load('local');

// The premiere: starts spread over the first minute, a progress event every minute for six.
const start = Date.now() - 3_600_000;
const run = randomUUID().slice(0, 8);
const title = `premiere-${run}`;
const events = [];
for (let i = 0; i < viewers; i++) {
  const userId = `viewer-${i}-${run}`;
  const country = ['GB', 'SE', 'DE', 'FR'][i % 4];
  const t0 = start + Math.floor((i * 60_000) / viewers);
  const base = { v: 1, userId, titleId: title, country };
  events.push({ ...base, id: randomUUID(), type: 'play', ts: new Date(t0).toISOString() });
  for (let m = 1; m <= 6; m++) {
    events.push({
      ...base,
      id: randomUUID(),
      type: 'progress',
      ts: new Date(t0 + m * 60_000).toISOString(),
      positionSec: m * 60,
      durationSec: 600,
    });
  }
}
events.sort((a, b) => a.ts.localeCompare(b.ts));

// Stream records: a viewer's events on the shard their partition key hashes to, in order.
const shardOf = (userId) => createHash('md5').update(userId).digest().readUInt32BE(0) % shards;
const streams = Array.from({ length: shards }, () => []);
for (const event of events) {
  const s = shardOf(event.userId);
  const list = streams[s];
  list.push({
    event,
    at: Date.parse(event.ts),
    shardId: `shardId-${String(s).padStart(12, '0')}`,
    sequenceNumber: String(49_000_000_000 + list.length),
    data: Buffer.from(JSON.stringify(event)),
  });
}
/** Lambda's batches of a shard: up to 100 records, or what one second of the stream brings. */
const batchesOf = (records) => {
  const out = [];
  let current = [];
  for (const r of records) {
    if (current.length && (current.length >= BATCH_SIZE || r.at - current[0].at >= BATCH_WINDOW_MS)) {
      out.push(current);
      current = [];
    }
    current.push(r);
  }
  if (current.length) out.push(current);
  return out;
};

const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-bench-scale-'));
const platform = await local.startLocalPlatform({ dataDir });
try {
  const clients = sdk.createAwsClients(platform.config);
  /** Writes per item per second of stream time, of the run being measured. */
  let counts = new Map();
  let second = 0;
  const documents = clients.documents();
  const send = documents.send.bind(documents);
  documents.send = (command, ...rest) => {
    const key = command.input?.Key;
    if (command.constructor.name === 'UpdateCommand' && key && /^(POP|ITEM|CO|UPROF)#/.test(String(key.PK))) {
      const id = `${key.PK} ${key.SK}`;
      const perItem = counts.get(id) ?? new Map();
      perItem.set(second, (perItem.get(second) ?? 0) + 1);
      counts.set(id, perItem);
    }
    return send(command, ...rest);
  };
  const catalog = { findTitle: async () => ({ genres: ['drama', 'thriller'] }) };
  // Every store reads scores at one time: they decay by the millisecond.
  const readAt = Date.now();
  const now = () => readAt;
  /**
   * The run's writes, and its hottest items: of the counters every viewer shares (popularity, a
   * title's viewers, co-occurrence), which a premiere makes hot, and of a viewer's own items
   * (`UPROF#`), which one viewer's events alone write whatever the audience.
   */
  const measure = () => {
    let writes = 0;
    let hottest = { item: '', second: 0, writes: 0 };
    let hottestOwn = { item: '', second: 0, writes: 0 };
    for (const [item, perSecond] of counts) {
      const own = item.startsWith('UPROF#');
      for (const [s, n] of perSecond) {
        writes += n;
        if (own && n > hottestOwn.writes) hottestOwn = { item, second: s, writes: n };
        if (!own && n > hottest.writes) hottest = { item, second: s, writes: n };
      }
    }
    const popularity = [...counts.keys()].filter((k) => k.startsWith('POP#')).length;
    return { writes, items: counts.size, popularityItems: popularity, hottest, hottestOwn };
  };

  // Before: one event at a time, one key per counter.
  const before = sdk.createDynamoModelStore(clients, platform.config.resources, { counterShards: 1, now });
  const beforeLearner = sdk.createLearner({ models: before, catalog });
  counts = new Map();
  let t = performance.now();
  for (const list of streams) {
    for (const r of list) {
      second = Math.floor((r.at - start) / 1000);
      await beforeLearner.learn({ ...r.event, userId: `b-${r.event.userId}`, titleId: `b-${title}` });
    }
  }
  const beforeFigures = { ...measure(), seconds: (performance.now() - t) / 1000 };

  // After: the worker set's signals consumer, batch by batch, each flushed before its checkpoint.
  const after = sdk.createDynamoModelStore(clients, platform.config.resources, { counterShards, now });
  const afterLearner = sdk.createLearner({ models: after, catalog });
  const consumer = sdk.createWorkerSet(
    { recommendations: afterLearner },
    { idempotency: sdk.createMemoryIdempotencyStore(), park: async (p) => console.error(`parked: ${p.reason}`) },
    { qoeSink: () => undefined, nameSuffix: `-${run}` },
  ).signals;
  counts = new Map();
  t = performance.now();
  // Every shard's batches in stream-time order, as the shards' workers would run them side by side.
  const batches = streams.flatMap((list) => batchesOf(list)).sort((a, b) => a.at(-1).at - b.at(-1).at);
  for (const batch of batches) {
    second = Math.floor((batch.at(-1).at - start) / 1000);
    for (const r of batch) {
      const outcome = await sdk.runRecord(consumer, r);
      if (outcome !== 'processed') throw new Error(`record ${r.sequenceNumber}: ${outcome}`);
    }
    await consumer.flush(batch[0].shardId);
  }
  const afterFigures = { ...measure(), seconds: (performance.now() - t) / 1000, batches: batches.length };

  // Exact: both stores against the memory models fed every event once.
  const memory = sdk.createMemoryModelStore({ now });
  for (const e of events) {
    const u = sdk.planUpdate(e, ['drama', 'thriller']);
    if (u) await memory.apply(u);
  }
  const expected = (await memory.popular('ALL', 1))[0]?.score ?? 0;
  const scoreOf = async (store, id) => (await store.popular('ALL', 10_000)).find((p) => p.titleId === id)?.score ?? 0;
  const beforeScore = await scoreOf(before, `b-${title}`);
  const afterScore = await scoreOf(after, title);
  const exact = (score) => Math.abs(score - expected) / expected < 1e-9;
  const gbExpected = (await memory.popular('GB', 1))[0]?.score ?? 0;
  const gbAfter = (await after.popular('GB', 10_000)).find((p) => p.titleId === title)?.score ?? 0;

  const scale = viewers / REAL_PREMIERE_PER_MINUTE;
  const limit = PARTITION_WRITES_PER_SECOND * scale;
  const result = {
    viewers,
    events: events.length,
    shards,
    counterShards,
    scale,
    limitPerItemPerSecond: Number(limit.toFixed(2)),
    before: beforeFigures,
    after: afterFigures,
    hottestRatio: Number((afterFigures.hottest.writes / beforeFigures.hottest.writes).toFixed(3)),
    writesRatio: Number((afterFigures.writes / beforeFigures.writes).toFixed(3)),
    exact: { expected, before: beforeScore, after: afterScore, gbExpected, gbAfter },
  };
  result.valid = exact(beforeScore) && exact(afterScore) && Math.abs(gbAfter - gbExpected) / gbExpected < 1e-9;
  result.met =
    result.valid && afterFigures.hottest.writes < limit && afterFigures.hottestOwn.writes < PARTITION_WRITES_PER_SECOND;
  if (json) console.log(JSON.stringify(result));
  else {
    const row = (name, f) =>
      `${name.padEnd(7)} ${String(f.writes).padStart(7)} model writes to ${String(f.items).padStart(5)} items (${f.popularityItems} popularity); hottest shared item ${f.hottest.writes} writes in one second (${f.hottest.item}), a viewer's own ${f.hottestOwn.writes}; ${f.seconds.toFixed(1)} s`;
    console.log(
      `premiere: ${viewers} viewers start ${title} within a minute, ${events.length} events on ${shards} shards; scale ${scale} of ${REAL_PREMIERE_PER_MINUTE.toLocaleString('en-US')}/min`,
    );
    console.log(row('before', beforeFigures));
    console.log(
      `${row('after', afterFigures)}; ${afterFigures.batches} batches, counters over ${counterShards} sub-keys`,
    );
    console.log(
      `hottest shared item: ${afterFigures.hottest.writes} vs ${beforeFigures.hottest.writes} writes/s (ratio ${result.hottestRatio}); limit at this scale ${result.limitPerItemPerSecond}/s (1,000 × ${scale}): ${afterFigures.hottest.writes < limit ? 'under' : 'OVER'}; a viewer's own items take at most ${afterFigures.hottestOwn.writes}/s at any audience size (limit 1,000)`,
    );
    console.log(`model writes, after / before: ${result.writesRatio}`);
    console.log(
      `totals: ${result.valid ? 'exact' : 'WRONG'} (popularity of ${title} in ALL ${afterScore.toFixed(6)} after, ${beforeScore.toFixed(6)} before, ${expected.toFixed(6)} from the memory models)`,
    );
  }
  clients.destroy();
  if (!result.valid) process.exitCode = 1;
} finally {
  await platform.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
