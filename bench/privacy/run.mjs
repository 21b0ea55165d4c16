#!/usr/bin/env node
/**
 * bench/privacy: erasing one viewer among many, on the embedded platform's
 * dynalite. `--viewers` viewers are seeded with BatchWriteItem, each with the
 * footprint the platform gives a regular viewer: watchlist entries (one of
 * them a removal's tombstone), resume positions and their monthly history,
 * consent, devices and playback sessions, a taste model (per-title rows,
 * genres, the version) and, for one viewer in `--parked-every`, a parked
 * event with its reference. Then `--erasures` viewers picked at random
 * (seeded: `--seed`) are erased one at a time through
 * `createPlatform(config).privacy.erase`, each timed on its own, and one
 * other viewer is exported.
 *
 * Every DynamoDB request the platform's client sends is counted by operation
 * (a middleware on its DynamoDB client, before retries: requests, not
 * attempts); erasure must go by key, so a Scan fails the run, as does an
 * erasure whose record is not `done` with the counts seeded or that leaves a
 * row behind. Target (the privacy issue): erasing one viewer among 10,000
 * takes under 2 s locally, for every erasure of the run (the max).
 *
 *   node bench/privacy/run.mjs [--viewers 10000] [--erasures 15] [--parked-every 10] [--seed 7] [--json]
 *
 * Needs a build (`pnpm run build`).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seeded } from '../../scripts/random.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const viewers = opt('--viewers', 10_000);
const erasures = opt('--erasures', 15);
const parkedEvery = opt('--parked-every', 10);
const seed = opt('--seed', 7);
const json = args.includes('--json');
const TARGET_MS = 2000;
/** BatchWriteItem requests in flight while seeding. */
const SEED_CONCURRENCY = 8;
const WATCHLIST = 4;
const PROGRESS = 3;
const TASTE_TITLES = 10;
const GENRES = ['drama', 'comedy', 'thriller', 'documentary', 'animation', 'crime'];

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
// The document client's commands, from the SDK's own dependency (as the SDK sends them).
const { BatchWriteCommand, GetCommand, QueryCommand } = createRequire(join(ROOT, 'packages', 'sdk', 'package.json'))(
  '@aws-sdk/lib-dynamodb',
);

// The same viewers are picked for the same seed.
const random = seeded(seed);
const pick = (list) => list[Math.floor(random() * list.length)];
const quantile = (xs, q) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
const median = (xs) => quantile(xs, 0.5);

const run = randomUUID().slice(0, 8);
const nowMs = Date.now();
const iso = (msAgo) => new Date(nowMs - msAgo).toISOString();
const titleId = (n) => `title-${String(n).padStart(4, '0')}`;
const userIdOf = (i) => `viewer-${String(i).padStart(5, '0')}-${run}`;

/**
 * One viewer's items, table by table, shaped as the SDK writes them. Returns the rows per store
 * erasure reports (user-state rows, model rows, parked events).
 */
function footprint(i) {
  const userId = userIdOf(i);
  const user = sdk.userStatePartition(userId);
  const titles = Array.from({ length: TASTE_TITLES + WATCHLIST }, (_, k) => titleId((i * 7 + k * 13) % 5000));
  const userState = [];
  for (let k = 0; k < WATCHLIST; k++) {
    const removed = k === WATCHLIST - 1;
    const eventTs = iso((k + 1) * 86_400_000);
    userState.push({
      PK: user,
      SK: `WATCHLIST#${titles[k]}`,
      titleId: titles[k],
      eventTs,
      ...(removed
        ? { removed: true, expiresAt: Math.floor(Date.parse(eventTs) / 1000) + 90 * 86400 }
        : { addedAt: eventTs }),
    });
  }
  for (let k = 0; k < PROGRESS; k++) {
    const at = iso((k + 1) * 3_600_000);
    const durationSec = 2400 + k * 300;
    const positionSec = k === 0 ? durationSec : 300 * (k + 1);
    const ratio = positionSec / durationSec;
    const title = titles[WATCHLIST + k];
    userState.push({
      PK: user,
      SK: `PROGRESS#${title}`,
      titleId: title,
      positionSec,
      durationSec,
      ratio,
      completed: ratio >= 0.95,
      eventTs: at,
    });
    userState.push({
      PK: user,
      SK: `HISTORY#${at.slice(0, 7)}#${title}`,
      titleId: title,
      month: at.slice(0, 7),
      lastWatchedAt: at,
      completed: ratio >= 0.95,
    });
  }
  userState.push({ PK: user, SK: 'CONSENT', personalization: i % 5 !== 0, updatedAt: iso(30 * 86_400_000) });
  const device = `device-${i}`;
  userState.push({
    PK: user,
    SK: 'PLAYBACK#DEVICES',
    devices: { [device]: { name: 'Living room', kind: 'tv', firstSeenAt: iso(90 * 86_400_000), lastSeenAt: iso(0) } },
    version: 3,
    plan: 'standard',
  });
  userState.push({
    PK: user,
    SK: 'PLAYBACK#SESSIONS',
    sessions: {
      [`${randomUUID().slice(0, 16)}.s`]: {
        deviceId: device,
        titleId: titles[WATCHLIST],
        startedAt: iso(600_000),
        heartbeatAt: iso(30_000),
        endsAt: nowMs + 90_000,
      },
    },
    version: 5,
    expiresAt: Math.ceil((nowMs + 90_000) / 1000),
  });

  const profile = sdk.profilePartition(userId);
  const models = [];
  for (let k = 0; k < TASTE_TITLES; k++) {
    const at = nowMs - (k + 1) * 7_200_000;
    const { era, scaled } = sdk.decayed(k % 4 === 3 ? -1 : 2, at);
    models.push({
      PK: profile,
      SK: `T#${titles[k]}`,
      [`e${era}`]: scaled,
      ...(k % 4 === 3 ? {} : { posAt: new Date(at).toISOString(), lastAt: new Date(at).toISOString() }),
      ...(k % 3 === 0 ? { completed: true } : {}),
    });
  }
  for (let g = 0; g < 3; g++) {
    const { era, scaled } = sdk.decayed(1.5, nowMs - g * 3_600_000);
    models.push({ PK: profile, SK: `G#${GENRES[(i + g) % GENRES.length]}`, [`e${era}`]: scaled });
  }
  models.push({ PK: profile, SK: 'VERSION', v: 20 + (i % 50) });

  const platform = [...models];
  let parkedKey;
  if (i % parkedEvery === 0) {
    const consumer = i % 20 === 0 ? 'signals' : 'watch-state';
    const key = { PK: `DEADLETTER#${consumer}`, SK: `shardId-00000000000${i % 4}#${49_000_000_000 + i}` };
    const event = {
      v: 1,
      id: randomUUID(),
      type: 'progress',
      userId,
      titleId: titles[0],
      country: 'GB',
      ts: iso(3_600_000),
      positionSec: 120,
      durationSec: 2400,
    };
    const expiration = Math.floor(nowMs / 1000) + 14 * 86400;
    platform.push({ PK: sdk.viewerRefPartition(userId), SK: `${key.PK}#${key.SK}`, target: key, expiration });
    platform.push({
      ...key,
      consumer,
      shardId: key.SK.split('#')[0],
      sequenceNumber: String(49_000_000_000 + i),
      reason: 'processing failed 3 times: ProvisionedThroughputExceededException',
      data: JSON.stringify(event),
      parkedAt: iso(3_500_000),
      expiration,
    });
    parkedKey = key;
  }
  return {
    userId,
    userState,
    platform,
    counts: { userState: userState.length, models: models.length, parked: parkedKey ? 1 : 0, parkedKey },
  };
}

/** Writes items 25 per BatchWriteItem, `SEED_CONCURRENCY` requests at a time, unprocessed ones again. */
async function batchWrite(documents, table, items) {
  let next = 0;
  let requests = 0;
  const worker = async () => {
    while (next < items.length) {
      const chunk = items.slice(next, next + 25);
      next += 25;
      let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
        const out = await documents.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        requests++;
        pending = out.UnprocessedItems?.[table] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  return requests;
}

const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-bench-privacy-'));
const started = await local.startLocalPlatform({ dataDir });
let failed = false;
try {
  const names = started.config.resources;
  const seeding = sdk.createAwsClients(started.config);
  const documents = seeding.documents();

  // Seeding: a thousand viewers at a time, so memory stays flat.
  let t = performance.now();
  const expected = new Map();
  let items = 0;
  let seedRequests = 0;
  for (let from = 0; from < viewers; from += 1000) {
    const userRows = [];
    const platformRows = [];
    for (let i = from; i < Math.min(viewers, from + 1000); i++) {
      const f = footprint(i);
      expected.set(f.userId, f.counts);
      userRows.push(...f.userState);
      platformRows.push(...f.platform);
    }
    items += userRows.length + platformRows.length;
    const [a, b] = await Promise.all([
      batchWrite(documents, names.userStateTable, userRows),
      batchWrite(documents, names.platformTable, platformRows),
    ]);
    seedRequests += a + b;
  }
  const seedSeconds = (performance.now() - t) / 1000;

  // The platform as the API runs it, its DynamoDB requests counted by operation.
  const cache = sdk.createMemoryCache();
  const platform = sdk.createPlatform(started.config, { cache });
  let counts = {};
  platform.clients.dynamodb().middlewareStack.add(
    (next) => async (input) => {
      const target = String(input.request?.headers?.['x-amz-target'] ?? 'unknown');
      const operation = target.split('.').pop();
      counts[operation] = (counts[operation] ?? 0) + 1;
      return next(input);
    },
    { step: 'build', name: 'benchCountRequests' },
  );

  /** Rows of a viewer left in the tables, the parked event included (read with the seeding clients: not counted). */
  const leftOf = async (userId) => {
    const parkedKey = expected.get(userId)?.parkedKey;
    const parked = parkedKey
      ? (await documents.send(new GetCommand({ TableName: names.platformTable, Key: parkedKey, ConsistentRead: true })))
          .Item
      : undefined;
    const query = async (table, pk) =>
      (
        await documents.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ConsistentRead: true,
            Select: 'COUNT',
          }),
        )
      ).Count ?? 0;
    return (
      (parked ? 1 : 0) +
      (await query(names.userStateTable, sdk.userStatePartition(userId))) +
      (await query(names.platformTable, sdk.profilePartition(userId))) +
      (await query(names.platformTable, sdk.viewerRefPartition(userId)))
    );
  };

  // The viewers to erase: at random, distinct, with a third of them among those with a parked event.
  const chosen = new Set();
  while (chosen.size < Math.min(erasures, viewers - 2)) {
    const parked = chosen.size % 3 === 0;
    const i = parked
      ? Math.floor(random() * Math.floor(viewers / parkedEvery)) * parkedEvery
      : Math.floor(random() * viewers);
    chosen.add(userIdOf(i));
  }
  // One warm-up erasure (module and connection set-up), reported apart.
  const warmId = userIdOf(viewers - 1);
  t = performance.now();
  await platform.privacy.erase(warmId);
  const warmMs = performance.now() - t;

  const runs = [];
  for (const userId of chosen) {
    for (const key of sdk.viewerCacheKeys(userId)) await cache.set(key, { cached: true }, 300);
    counts = {};
    t = performance.now();
    const record = await platform.privacy.erase(userId);
    const ms = performance.now() - t;
    const want = expected.get(userId);
    const got = Object.fromEntries(record.stores.map((s) => [s.store, s.removed]));
    const right =
      record.status === 'done' &&
      got['user-state'] === want.userState &&
      got.models === want.models &&
      got['dead-letters'] === want.parked &&
      got.cache === 4;
    const left = await leftOf(userId);
    runs.push({ ms, requests: counts, parked: want.parked === 1, right, left });
  }

  // One export of a viewer with a parked event, timed and counted the same way.
  const exportId = pick([...expected.keys()].filter((id, i) => i % parkedEvery === 0 && !chosen.has(id)));
  counts = {};
  t = performance.now();
  const exported = await platform.privacy.export(exportId);
  const exportMs = performance.now() - t;
  const exportRequests = counts;
  const want = expected.get(exportId);
  const exportedCount = (store) =>
    exported.stores.filter((s) => s.store === store).reduce((n, s) => n + s.items.length, 0);
  const exportRight =
    exportedCount('user-state') === want.userState &&
    exportedCount('models') === want.models &&
    exportedCount('dead-letters') === want.parked;

  const times = runs.map((r) => r.ms);
  const operations = [...new Set(runs.flatMap((r) => Object.keys(r.requests)))].sort();
  const perOperation = Object.fromEntries(
    operations.map((op) => {
      const n = runs.map((r) => r.requests[op] ?? 0);
      return [op, { median: median(n), min: Math.min(...n), max: Math.max(...n) }];
    }),
  );
  const totals = runs.map((r) => Object.values(r.requests).reduce((a, b) => a + b, 0));
  const totalOf = (parked) => {
    const n = runs.filter((r) => r.parked === parked).map((r) => Object.values(r.requests).reduce((a, b) => a + b, 0));
    return n.length ? median(n) : undefined;
  };
  const scans = runs.reduce((n, r) => n + (r.requests.Scan ?? 0), 0) + (exportRequests.Scan ?? 0);
  const result = {
    viewers,
    items,
    seed,
    seeding: { seconds: Number(seedSeconds.toFixed(1)), batchWrites: seedRequests },
    erasures: runs.length,
    withParkedEvent: runs.filter((r) => r.parked).length,
    warmUpMs: Number(warmMs.toFixed(1)),
    eraseMs: {
      median: Number(median(times).toFixed(1)),
      p90: Number(quantile(times, 0.9).toFixed(1)),
      max: Number(Math.max(...times).toFixed(1)),
    },
    requestsPerErasure: {
      withParkedEvent: totalOf(true),
      withoutParkedEvent: totalOf(false),
      total: { median: median(totals), min: Math.min(...totals), max: Math.max(...totals) },
      ...perOperation,
    },
    scans,
    valid: runs.every((r) => r.right && r.left === 0) && exportRight,
    export: { ms: Number(exportMs.toFixed(1)), requests: exportRequests, valid: exportRight },
    targetMs: TARGET_MS,
  };
  result.maxToTarget = Number((result.eraseMs.max / TARGET_MS).toFixed(3));
  result.medianToTarget = Number((result.eraseMs.median / TARGET_MS).toFixed(3));
  result.met = result.valid && scans === 0 && result.eraseMs.max < TARGET_MS;
  failed = !result.valid || scans > 0;

  if (json) console.log(JSON.stringify(result));
  else {
    console.log(
      `seeded ${viewers.toLocaleString('en-US')} viewers (${items.toLocaleString('en-US')} items, ${seedRequests.toLocaleString('en-US')} BatchWriteItem) in ${result.seeding.seconds} s; one viewer in ${parkedEvery} has a parked event`,
    );
    console.log(
      `erase, ${runs.length} viewers one at a time (${result.withParkedEvent} with a parked event; seed ${seed}): median ${result.eraseMs.median} ms, p90 ${result.eraseMs.p90} ms, max ${result.eraseMs.max} ms (warm-up ${result.warmUpMs} ms, not counted)`,
    );
    console.log(
      `DynamoDB requests per erasure: ${result.requestsPerErasure.total.median} median (${result.requestsPerErasure.total.min}–${result.requestsPerErasure.total.max}); ${result.requestsPerErasure.withoutParkedEvent ?? '–'} without a parked event, ${result.requestsPerErasure.withParkedEvent ?? '–'} with one`,
    );
    for (const op of operations) {
      const o = perOperation[op];
      console.log(`  ${op.padEnd(16)} ${String(o.median).padStart(3)} median (${o.min}–${o.max})`);
    }
    console.log(
      `Scan: ${scans === 0 ? 'none (every store read and deleted by key)' : `${scans} — FAILED: erasure must not scan`}`,
    );
    console.log(
      `records: ${runs.every((r) => r.right) ? 'every erasure done with the counts seeded' : 'WRONG counts or status'}; rows left: ${runs.reduce((n, r) => n + r.left, 0)}`,
    );
    console.log(
      `export of one viewer: ${result.export.ms} ms, ${Object.values(exportRequests).reduce((a, b) => a + b, 0)} requests (${Object.entries(
        exportRequests,
      )
        .map(([op, n]) => `${op} ${n}`)
        .join(', ')}); ${exportRight ? 'every item' : 'WRONG item counts'}`,
    );
    console.log(
      `target < ${TARGET_MS} ms (max erasure among ${viewers.toLocaleString('en-US')} viewers): ${result.met ? 'met' : 'not met'} (max / target ${result.maxToTarget}, median / target ${result.medianToTarget})`,
    );
  }
  platform.close();
  seeding.destroy();
} finally {
  await started.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
