#!/usr/bin/env node
/**
 * bench/search: query latency and index build time of the embedded search
 * engine over a generated catalog (seeded, repeatable).
 *
 * Titles get two to four words of a name from a vocabulary of a few thousand
 * (some with accents), a synopsis, cast and crew, genres, a release year and
 * availability (most everywhere, some in a few countries, some with windows).
 * Queries are what viewers type: whole words, prefixes of a word being
 * typed, one or two typos, accents left out, several words, some with a
 * genre filter. Each query runs through the SDK's search use case (engine,
 * filtering, facets, popularity blend, paging), popularity warm.
 *
 * Prints the build time (documents into the index), the time to write the
 * index file and to load it again (a restart), and the p50/p95/p99 of a
 * query. Target: p95 ≤ 10 ms over 10,000 titles.
 *
 *   node bench/search/run.mjs [--titles 10000] [--queries 3000] [--seed 11] [--json]
 *
 * Needs a build (`pnpm run build`).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seeded } from '../../scripts/random.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TITLES = arg('titles', 10_000);
const QUERIES = arg('queries', 3000);
const SEED = arg('seed', 11);
const json = args.includes('--json');
const TARGET_P95_MS = 10;

if (!existsSync(join(ROOT, 'packages', 'sdk', 'dist', 'index.js'))) {
  console.error('error: the SDK is not built; run `pnpm run build` first');
  process.exit(1);
}
const sdk = await import(join(ROOT, 'packages', 'sdk', 'dist', 'index.js'));

const random = seeded(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

// A vocabulary of made-up words from syllables, a few with accents.
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ren',
  'tor',
  'va',
  'sel',
  'dun',
  'ri',
  'os',
  'ba',
  'quin',
  'thal',
  'mer',
  'zo',
  'ny',
  'gar',
  'pel',
  'ste',
  'wyn',
];
const ACCENTED = { a: 'á', e: 'é', o: 'ö', u: 'ü', n: 'ñ', s: 'ş' };
const word = () => {
  let w = '';
  for (let n = int(2, 4); n > 0; n--) w += pick(SYLLABLES);
  if (random() < 0.15) {
    const i = int(0, w.length - 1);
    const accent = ACCENTED[w[i]];
    if (accent) w = w.slice(0, i) + accent + w.slice(i + 1);
  }
  return w;
};
const VOCABULARY = [...new Set(Array.from({ length: 4000 }, word))];
const COMMON = ['the', 'night', 'river', 'last', 'house', 'of', 'city', 'winter', 'star', 'road'];
const GENRES = [
  'action',
  'comedy',
  'crime',
  'documentary',
  'drama',
  'family',
  'fantasy',
  'horror',
  'mystery',
  'romance',
  'science-fiction',
  'thriller',
];
const COUNTRIES = ['US', 'GB', 'FR', 'DE', 'ES', 'BR', 'JP', 'IN', 'CA', 'AU'];
const capital = (w) => w[0].toUpperCase() + w.slice(1);
const person = () => `${capital(pick(VOCABULARY))} ${capital(pick(VOCABULARY))}`;

const now = Date.parse('2026-12-01T12:00:00Z');
const titles = Array.from({ length: TITLES }, (_, i) => {
  const words = Array.from({ length: int(2, 4) }, () => (random() < 0.25 ? pick(COMMON) : pick(VOCABULARY)));
  const r = random();
  const availability =
    r < 0.7
      ? { countries: 'ALL' }
      : r < 0.9
        ? { countries: [...new Set(Array.from({ length: int(1, 4) }, () => pick(COUNTRIES)))] }
        : {
            countries: 'ALL',
            from: '2026-01-01T00:00:00Z',
            until: random() < 0.5 ? '2026-06-01T00:00:00Z' : '2028-01-01T00:00:00Z',
          };
  return {
    titleId: `b${i}`,
    name: words.map(capital).join(' '),
    kind: 'movie',
    genres: [...new Set([pick(GENRES), ...(random() < 0.5 ? [pick(GENRES)] : [])])],
    synopsis: Array.from({ length: int(10, 24) }, () => (random() < 0.4 ? pick(COMMON) : pick(VOCABULARY))).join(' '),
    releaseDate: `${int(1960, 2026)}-01-01`,
    cast: Array.from({ length: int(0, 4) }, person),
    crew: Array.from({ length: int(0, 2) }, person),
    aliases: [],
    manifests: { hls: `titles/b${i}/master.m3u8` },
    status: 'PUBLISHED',
    availability,
    seasons: [],
    renditions: [],
  };
});

// What viewers type.
const typo = (w) => {
  const i = int(1, w.length - 2);
  return random() < 0.5 ? w.slice(0, i) + w.slice(i + 1) : w.slice(0, i) + pick(['a', 'e', 'o', 'r']) + w.slice(i + 1);
};
const fold = (w) => w.normalize('NFD').replace(/\p{M}/gu, '');
const queries = Array.from({ length: QUERIES }, () => {
  const t = pick(titles);
  const words = t.name.toLowerCase().split(' ');
  const w = pick(words);
  const r = random();
  if (r < 0.25) return { q: w };
  if (r < 0.45) return { q: w.slice(0, Math.max(3, Math.ceil(w.length / 2))) };
  if (r < 0.6) return { q: w.length >= 4 ? typo(w) : w };
  if (r < 0.7) return { q: fold(w) };
  if (r < 0.85) return { q: words.slice(0, 2).join(' ') };
  if (r < 0.95) return { q: w, genre: t.genres[0] };
  return { q: pick(t.cast.length ? t.cast : [t.name]).toLowerCase() };
});

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (n) => Math.round(n * 1000) / 1000;

const byId = new Map(titles.map((t) => [t.titleId, t]));
const catalog = {
  findTitle: async (id) => byId.get(id),
  listTitles: async ({ limit = 100, cursor } = {}) => {
    const start = cursor ? Number(cursor) : 0;
    const items = titles
      .slice(start, start + limit)
      .map(({ titleId, name, status, genres }) => ({ titleId, name, status, genres }));
    return { items, ...(start + limit < titles.length ? { cursor: String(start + limit) } : {}) };
  },
};
// Popularity with a Zipf skew per country, as the models would hold it.
const popular = new Map(
  [...COUNTRIES, 'ALL'].map((cc) => [
    cc,
    titles
      .map((t, i) => ({ titleId: t.titleId, score: 1000 / (1 + ((i * 7919 + cc.charCodeAt(0)) % TITLES)) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 2000),
  ]),
);
const models = { popular: async (cc, limit) => (popular.get(cc) ?? []).slice(0, limit) };

const dir = mkdtempSync(join(tmpdir(), 'streamctl-bench-search-'));
try {
  const file = join(dir, 'search', 'index.json');
  const engine = sdk.createEmbeddedSearchEngine({ file });
  const search = sdk.createSearch({ engine, catalog, models, now: () => now });

  const buildStarted = performance.now();
  const rebuilt = await search.rebuild();
  const buildMs = performance.now() - buildStarted;
  const writeStarted = performance.now();
  await engine.close();
  const writeMs = performance.now() - writeStarted;
  const fileBytes = statSync(file).size;

  const loadStarted = performance.now();
  const reloaded = sdk.createEmbeddedSearchEngine({ file });
  const count = await reloaded.count();
  const loadMs = performance.now() - loadStarted;
  const served = sdk.createSearch({ engine: reloaded, catalog, models, now: () => now });

  // Warm-up: popularity of every country read once, the JIT settled.
  for (const q of queries.slice(0, 200)) await served.query({ country: pick(COUNTRIES) }, q);
  const times = [];
  let empty = 0;
  let results = 0;
  for (const q of queries) {
    const country = pick(COUNTRIES);
    const started = performance.now();
    const page = await served.query({ country }, q);
    times.push(performance.now() - started);
    results += page.items.length;
    if (!page.items.length) empty++;
  }
  times.sort((a, b) => a - b);
  const figures = {
    titles: TITLES,
    indexed: rebuilt.titles,
    reloaded: count,
    queries: QUERIES,
    buildMs: Math.round(buildMs),
    writeMs: Math.round(writeMs),
    loadMs: Math.round(loadMs),
    fileMB: round(fileBytes / 1e6),
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    p99Ms: round(percentile(times, 99)),
    maxMs: round(times[times.length - 1]),
    meanResults: round(results / QUERIES),
    emptyShare: round(empty / QUERIES),
    targetP95Ms: TARGET_P95_MS,
    heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
  };
  const ok = figures.p95Ms <= TARGET_P95_MS && figures.reloaded === figures.indexed;
  if (json) console.log(JSON.stringify({ ...figures, ok }));
  else {
    console.log(`search bench: ${TITLES} titles (${rebuilt.titles} indexed), ${QUERIES} queries, seed ${SEED}`);
    console.log(
      `  index build ${figures.buildMs} ms, write ${figures.writeMs} ms (${figures.fileMB} MB), load on restart ${figures.loadMs} ms`,
    );
    console.log(
      `  query p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms, p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms (target p95 ≤ ${TARGET_P95_MS} ms)`,
    );
    console.log(
      `  ${figures.meanResults} results per page on average, ${Math.round(figures.emptyShare * 100)} % of queries empty; heap ${figures.heapMB} MB`,
    );
    console.log(ok ? 'ok' : 'MISSED');
  }
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
