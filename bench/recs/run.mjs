#!/usr/bin/env node
/**
 * bench/recs: offline evaluation of the recommendation models against a
 * popularity-only baseline, measured in the same run on the same split.
 *
 * A generated data set with planted tastes (seeded, repeatable): titles in
 * genres with a Zipf popularity skew; users drawn from taste clusters of one
 * or two genres, who mostly watch and like titles of their genres and
 * sometimes sample popular titles elsewhere (and often skip those). Split:
 * leave-last-out by time (each user's last positive title is held out).
 * Metrics: HR@10 and NDCG@10 over a full-catalogue ranking (no sampled
 * negatives), excluding what the user saw in training.
 *
 * Also prints the model-update throughput (the worker's update path into
 * the in-memory store) and the warm p95 time to build one user's home page
 * from stored models (a page-cache miss with the process's shared reads
 * warm), with the catalog answering as the platform's does: 200 newest
 * titles at most, and which of any candidates may play. Over the same users
 * it compares the served Top Picks with the full-catalogue ranking. Targets: NDCG@10 ≥ 2× popularity's; p95 ≤ 5 ms; with the
 * events and the clock moved two and ten years ahead, NDCG@10 within 5 % of
 * today's and no home page degraded.
 *
 *   node bench/recs/run.mjs [--users 5000] [--titles 1000] [--events 200000] [--seed 7] [--json]
 *
 * Needs a build (`pnpm run build`).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seeded } from '../../scripts/random.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const USERS = arg('users', 5000);
const TITLES = arg('titles', 1000);
const EVENTS = arg('events', 200_000);
const SEED = arg('seed', 7);
const json = args.includes('--json');
const TARGET_RATIO = 2;
const TARGET_P95_MS = 5;

if (!existsSync(join(ROOT, 'packages', 'sdk', 'dist', 'index.js'))) {
  console.error('error: the SDK is not built; run `pnpm run build` first');
  process.exit(1);
}
const sdk = await import(join(ROOT, 'packages', 'sdk', 'dist', 'index.js'));

const random = seeded(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];
function weighted(items, weights) {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i];
    if (r <= 0) return items[i];
  }
  return items[items.length - 1];
}

// ---- the data set -----------------------------------------------------------
const GENRES = [
  'drama',
  'comedy',
  'thriller',
  'horror',
  'documentary',
  'animation',
  'romance',
  'scifi',
  'crime',
  'family',
  'action',
  'music',
];
const ranks = Array.from({ length: TITLES }, (_, i) => i).sort(() => random() - 0.5);
const titles = Array.from({ length: TITLES }, (_, i) => {
  const genres = [pick(GENRES)];
  if (random() < 0.3) {
    const second = pick(GENRES);
    if (second !== genres[0]) genres.push(second);
  }
  return { titleId: `t${String(i).padStart(4, '0')}`, name: `Title ${i}`, genres, pop: 1 / (ranks[i] + 1) ** 0.9 };
});
const byGenre = new Map(GENRES.map((g) => [g, titles.filter((t) => t.genres.includes(g))]));
const clusters = Array.from({ length: 24 }, () => {
  const first = pick(GENRES);
  const second = random() < 0.5 ? pick(GENRES) : first;
  return [...new Set([first, second])];
});

const start = Date.UTC(2026, 9, 1);
const events = [];
const users = Array.from({ length: USERS }, (_, u) => ({ userId: `u${u}`, taste: pick(clusters), seen: new Set() }));
const perUser = EVENTS / USERS;
for (const user of users) {
  const target = Math.max(6, Math.round(perUser * (0.4 + random() * 1.2)));
  let t = start + random() * 86_400_000;
  let made = 0;
  while (made < target) {
    const inTaste = random() < 0.8;
    const pool = inTaste ? byGenre.get(pick(user.taste)) : titles;
    const candidates = pool.filter((x) => !user.seen.has(x.titleId));
    if (!candidates.length) break;
    const title = weighted(
      candidates,
      candidates.map((x) => x.pop ** 0.6),
    );
    user.seen.add(title.titleId);
    const base = { v: 1, userId: user.userId, titleId: title.titleId, country: 'US', durationSec: 3600 };
    const emit = (type, extra = {}) => {
      t += 60_000 + random() * 600_000;
      events.push({ ...base, id: randomUUID(), type, ts: new Date(t).toISOString(), ...extra });
      made++;
    };
    emit('play', { positionSec: 0 });
    const likes = inTaste ? 0.85 : 0.25;
    if (random() < likes) {
      if (random() < 0.75) emit('complete', { positionSec: 3600 });
      else emit('progress', { positionSec: 2400 });
      if (random() < 0.35) emit('like');
    } else if (random() < 0.6) emit('skip');
    else emit('pause', { positionSec: 120 });
    t += random() * 3 * 86_400_000;
  }
}
events.sort((a, b) => a.ts.localeCompare(b.ts));

// ---- leave-last-out by time ----------------------------------------------------
const positive = (e) => sdk.signalWeight(e) > 0 && e.type !== 'play';
const heldOut = new Map();
for (const e of events) if (positive(e)) heldOut.set(e.userId, e);
const cut = new Map();
for (const e of events) {
  const h = heldOut.get(e.userId);
  if (h && e.titleId === h.titleId && !cut.has(e.userId)) cut.set(e.userId, e.ts);
}
const training = events.filter((e) => {
  const c = cut.get(e.userId);
  return !c || e.ts < c;
});

// ---- model updates and evaluation, today and with the clock years ahead ---------
// The same events, moved by whole years and read with the clock moved as far: the models must
// rank the same, so quality must not depend on the calendar.
const genresOf = new Map(titles.map((x) => [x.titleId, x.genres]));
const available = titles.map(({ titleId, name, genres }) => ({ titleId, name, genres }));
const YEAR_MS = 365.25 * 86_400_000;
const lastTs = Date.parse(events[events.length - 1].ts);
const blend = process.env.BLEND ? JSON.parse(process.env.BLEND) : undefined;

async function evaluate(shiftYears) {
  const shift = Math.round(shiftYears * YEAR_MS);
  const now = lastTs + shift;
  const store = sdk.createMemoryModelStore({ now: () => now });
  const t0 = process.hrtime.bigint();
  for (const e of training) {
    const update = sdk.planUpdate(
      shift ? { ...e, ts: new Date(Date.parse(e.ts) + shift).toISOString() } : e,
      genresOf.get(e.titleId) ?? [],
    );
    if (update) store.applySync(update);
  }
  const updateSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const popularAll = await store.popular('ALL', TITLES);
  const metrics = { model: { hits: 0, ndcg: 0 }, popularity: { hits: 0, ndcg: 0 } };
  let evaluated = 0;
  const ranks = new Map();
  const score = (bucket, rank) => {
    if (rank >= 0 && rank < 10) {
      metrics[bucket].hits += 1;
      metrics[bucket].ndcg += 1 / Math.log2(rank + 2);
    }
  };
  for (const user of users) {
    const target = heldOut.get(user.userId);
    if (!target) continue;
    const profile = await store.profile(user.userId);
    if (!profile.titles.size) continue;
    evaluated++;
    const neighbours = new Map();
    for (const seed of profile.positives.slice(0, 5)) neighbours.set(seed, await store.neighbours(seed, 50));
    const ranked = sdk.scoreCandidates({
      country: 'US',
      available,
      profile,
      popular: popularAll,
      neighbours,
      ...(blend ? { blend } : {}),
    });
    const rank = ranked.findIndex((r) => r.titleId === target.titleId);
    ranks.set(user.userId, rank);
    score('model', rank);
    const seen = new Set(profile.titles.keys());
    const baseline = popularAll.filter((p) => !seen.has(p.titleId));
    score(
      'popularity',
      baseline.findIndex((r) => r.titleId === target.titleId),
    );
  }
  return { store, now, metrics, evaluated, updateSeconds, ranks };
}

const today = await evaluate(0);
const { store, metrics, evaluated, updateSeconds } = today;
// ---- home rails from stored models, through the serving path (every user a cache miss) ----
// The catalog as the platform's: it lists at most 200 newest titles at a time, and says which of
// any titles are available (a Map here; BatchGetItem on the table).
const titleIndex = new Map(available.map((t) => [t.titleId, t]));
const catalog = {
  listAvailable: async (_country, o = {}) => available.slice(-Math.min(200, o.limit ?? 50)).reverse(),
  availableAmong: async (_country, ids) => ids.flatMap((id) => titleIndex.get(id) ?? []),
};
const usersStub = { continueWatching: async () => [], listWatchlist: async () => ({ items: [] }) };
const homes = sdk.createHomeService({ catalog, users: usersStub, models: store, cache: sdk.createMemoryCache() });
// Warm: the shared reads (charts, neighbours, which titles may play) are memoized per process, as
// on a server that has been up a while; then every page is dropped, so each timed build is a miss.
const timed = users.slice(0, 2000);
for (const user of timed) await homes.build({ userId: user.userId, country: 'US' });
// Three timed passes (every page dropped before each), the median pass's p95 quoted: the machine
// is shared, and one pass can land on another process's burst.
const passes = [];
const served = { users: 0, hits: 0, fullHits: 0 };
for (let pass = 0; pass < 3; pass++) {
  const timings = [];
  for (const user of timed) await homes.changed(user.userId);
  for (const user of timed) {
    const started = process.hrtime.bigint();
    const home = await homes.build({ userId: user.userId, country: 'US' });
    timings.push(Number(process.hrtime.bigint() - started) / 1e6);
    const picks = home.rails.find((r) => r.id === 'top-picks');
    if (home.degraded || !picks) throw new Error(`home of ${user.userId} lacks its rails`);
    // What is served against what the full-catalogue ranking would give, over the same users: the
    // page's candidates come from the models, so a title the models rank high must still be on it.
    const target = heldOut.get(user.userId);
    if (pass === 0 && target && today.ranks.has(user.userId)) {
      served.users++;
      const rank = today.ranks.get(user.userId);
      if (rank >= 0 && rank < 10) served.fullHits++;
      if (picks.items.slice(0, 10).some((i) => i.titleId === target.titleId)) served.hits++;
    }
  }
  timings.sort((a, b) => a - b);
  const at = (q) => timings[Math.min(timings.length - 1, Math.floor(q * timings.length))];
  passes.push({ p50: at(0.5), p95: at(0.95) });
}
passes.sort((a, b) => a.p95 - b.p95);
const median = passes[1];
// With the clock years ahead, after the timings (their stores would otherwise weigh on the heap).
const ahead = [];
const runsAhead = new Map();
for (const years of [2, 10]) {
  const run = await evaluate(years);
  runsAhead.set(years, run);
  ahead.push({
    years,
    ndcg10: run.metrics.model.ndcg / run.evaluated,
    hr10: run.metrics.model.hits / run.evaluated,
    ratioToToday: run.metrics.model.ndcg / Math.max(1e-9, metrics.model.ndcg),
  });
}

// Pages with the clock ten years ahead too: none may be degraded or lack its personal rails.
const later = runsAhead.get(10);
const laterHomes = sdk.createHomeService({
  catalog,
  users: usersStub,
  models: later.store,
  cache: sdk.createMemoryCache(),
});
for (const user of users.slice(0, 200)) {
  const home = await laterHomes.build({ userId: user.userId, country: 'US' });
  if (home.degraded || !home.rails.some((r) => r.id === 'top-picks'))
    throw new Error(`home of ${user.userId} ten years ahead lacks its rails`);
}

const report = {
  users: USERS,
  titles: TITLES,
  events: events.length,
  trainingEvents: training.length,
  evaluatedUsers: evaluated,
  model: { hr10: metrics.model.hits / evaluated, ndcg10: metrics.model.ndcg / evaluated },
  popularity: { hr10: metrics.popularity.hits / evaluated, ndcg10: metrics.popularity.ndcg / evaluated },
  ndcgRatio: metrics.model.ndcg / Math.max(1e-9, metrics.popularity.ndcg),
  updatesPerSecond: Math.round(training.length / updateSeconds),
  homeP50Ms: median.p50,
  homeP95Ms: median.p95,
  homeP95MsPasses: passes.map((x) => x.p95),
  clockAhead: ahead,
  served: {
    users: served.users,
    topPicksHr10: served.hits / Math.max(1, served.users),
    fullCatalogueHr10: served.fullHits / Math.max(1, served.users),
  },
};
if (json) console.log(JSON.stringify(report));
else {
  const f = (x) => x.toFixed(4);
  console.log(
    `bench/recs — ${report.users} users, ${report.titles} titles, ${report.events} events (seed ${SEED}), leave-last-out over ${evaluated} users`,
  );
  console.log(`  models      HR@10 ${f(report.model.hr10)}  NDCG@10 ${f(report.model.ndcg10)}`);
  console.log(`  popularity  HR@10 ${f(report.popularity.hr10)}  NDCG@10 ${f(report.popularity.ndcg10)}`);
  console.log(
    `  NDCG@10 ratio models/popularity ${report.ndcgRatio.toFixed(2)}x (${events.length / TITLES >= 100 ? `target ≥ ${TARGET_RATIO}x` : `not judged: ${Math.round(events.length / TITLES)} events a title, under 100`})`,
  );
  for (const a of ahead) {
    console.log(
      `  clock +${a.years} years: NDCG@10 ${f(a.ndcg10)}  HR@10 ${f(a.hr10)}  ${a.ratioToToday.toFixed(4)}x of today's (target within 5 %)`,
    );
  }
  console.log(
    `  model updates ${report.updatesPerSecond.toLocaleString('en-US')} events/s (in-memory store, one core)`,
  );
  console.log(
    `  served Top Picks HR@10 ${f(report.served.topPicksHr10)} vs full-catalogue ranking ${f(report.served.fullCatalogueHr10)} (same ${report.served.users} users; target ≥ 0.95x)`,
  );
  console.log(
    `  home rails from stored models: p50 ${report.homeP50Ms.toFixed(2)} ms, p95 ${report.homeP95Ms.toFixed(2)} ms, median of three passes' p95s [${report.homeP95MsPasses.map((x) => x.toFixed(2)).join(', ')}] (target ≤ ${TARGET_P95_MS} ms)`,
  );
}
const steady = ahead.every((a) => Math.abs(a.ratioToToday - 1) <= 0.05);
// What is served must be as good as the full ranking (candidates lose nothing that counts).
const servedWell = report.served.topPicksHr10 >= 0.95 * report.served.fullCatalogueHr10;
// The planted tastes can be learned only from enough events per title: below 100 a title (the
// default is 200), the ratio to popularity is printed, not judged.
const dense = events.length / TITLES >= 100;
const learned = !dense || report.ndcgRatio >= TARGET_RATIO;
process.exitCode = learned && servedWell && report.homeP95Ms <= TARGET_P95_MS && steady ? 0 : 1;
