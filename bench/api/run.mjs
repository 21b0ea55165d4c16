#!/usr/bin/env node
/**
 * bench/api: throughput and p50/p99 latency (autocannon on loopback, one
 * run) of GET /v1/home with a warm cache and of GET /v1/watchlist, each as a
 * ratio to the trivial GET /live of the same app in the same run (target for
 * the warm home page: >= 0.6x). Also the Lambda bundle's size and its cold
 * import time.
 *
 * Playback grants with sessions (many viewers, one title), served as on AWS:
 * the API's cache is Redis (Debian's redis-server, when installed), so the
 * stream limit is decided by the sessions' fast path and devices are kept in
 * DynamoDB. `--viewers` distinct viewers (a token each, plans
 * basic/standard/premium in turn) of each run first sign in and play once on
 * their device (their token verified, their device registered: the
 * "first play" figure), then start the same published title again on that
 * device, `POST /v1/playback/:titleId`, at the same concurrency: the headline
 * grants/s, the median over `--runs`, as a ratio to GET /live (target >= 0.5x,
 * reported, not enforced). A run with any non-200 answer is no figure: the
 * answers are counted by status and printed, and the bench exits 1.
 *
 *   node bench/api/run.mjs [--seconds 5] [--connections 10] [--viewers 2000] [--runs 5] [--json]
 *
 * Needs a build (`pnpm run build`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seconds = opt('--seconds', 5);
const connections = opt('--connections', 10);
const viewers = opt('--viewers', 2000);
const runs = opt('--runs', 5);
const json = args.includes('--json');
const TARGET = 0.6;
const GRANT_TARGET = 0.5;
const PLANS = ['basic', 'standard', 'premium'];
const local = await import(pathToFileURL(join(root, 'packages', 'local', 'dist', 'index.js')).href);

const child = spawn(process.execPath, [join(import.meta.dirname, 'server.mjs')], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
});
const ready = await new Promise((resolve, reject) => {
  createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
  child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
});
const headers = { authorization: `Bearer ${ready.token}` };

async function load(path) {
  // Warm the route (and the home page cache) first.
  for (let i = 0; i < 20; i++) await fetch(`${ready.url}${path}`, { headers }).then((r) => r.arrayBuffer());
  const result = await autocannon({ url: `${ready.url}${path}`, headers, connections, duration: seconds });
  if (result.non2xx) throw new Error(`${path}: ${result.non2xx} non-2xx answers`);
  return { rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99 };
}

/** `count` viewers of one run, each with a dev token whose plan claim cycles through the default plans. */
async function mintViewers(prefix, count) {
  const tokens = [];
  for (let i = 0; i < count; i++) {
    const minted = await local.mintDevToken(ready.dataDir, {
      userId: `${prefix}-${i}`,
      country: 'GB',
      plan: PLANS[i % PLANS.length],
    });
    tokens.push(minted.token);
  }
  return tokens;
}

const grantPath = `/v1/playback/${ready.titleId}`;
const grantInit = (token, i) => ({
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ deviceId: `tv-${i}`, kind: 'tv' }),
});

/** One pass: every viewer starts the title once; answers counted by status. */
async function grantPass(tokens) {
  let next = 0;
  const statuses = {};
  // From the first request sent to the last answer: autocannon's own start and finish are whole
  // seconds, and it resolves on its next one-second tick after the last answer.
  let first;
  let last;
  const result = await autocannon({
    url: ready.grantUrl,
    connections,
    amount: viewers,
    requests: [
      {
        setupRequest: (request) => {
          first ??= performance.now();
          const i = next++ % viewers;
          const init = grantInit(tokens[i], i);
          return { ...request, path: grantPath, method: init.method, headers: init.headers, body: init.body };
        },
        onResponse: (status) => {
          last = performance.now();
          statuses[status] = (statuses[status] ?? 0) + 1;
        },
      },
    ],
  });
  const answered = Object.values(statuses).reduce((a, b) => a + b, 0);
  const ok = statuses[200] ?? 0;
  const non200 = Object.fromEntries(Object.entries(statuses).filter(([status]) => status !== '200'));
  const errors = result.errors + result.timeouts;
  if (errors) non200.transport = errors;
  const elapsed = (last - first) / 1000;
  return {
    rps: Math.round(ok / elapsed),
    p50: result.latency.p50,
    p99: result.latency.p99,
    answered,
    non200,
    valid: ok === viewers && Object.keys(non200).length === 0,
  };
}

/** One run: fresh viewers play once (first play: token and device new), then start again (returning). */
async function grantRun(run) {
  const tokens = await mintViewers(`viewer-r${run}`, viewers);
  const first = await grantPass(tokens);
  const again = await grantPass(tokens);
  return { ...again, first, valid: first.valid && again.valid };
}

async function grantLoad() {
  // Warm the route with viewers of their own, and check that a grant is a grant.
  const warm = await mintViewers('viewer-warm', 20);
  for (const [i, token] of warm.entries()) {
    const res = await fetch(`${ready.grantUrl}${grantPath}`, grantInit(token, i));
    const body = await res.json();
    if (res.status !== 200 || !body.manifestUrl || !body.session?.id) {
      throw new Error(`${grantPath}: warm-up grant answered ${res.status} ${JSON.stringify(body)}`);
    }
  }
  const all = [];
  for (let run = 0; run < runs; run++) all.push(await grantRun(run));
  const valid = all.every((r) => r.valid);
  const byRate = [...all].sort((a, b) => a.rps - b.rps);
  const mid = byRate[byRate.length >> 1];
  const firsts = [...all].sort((a, b) => a.first.rps - b.first.rps);
  const firstMid = firsts[firsts.length >> 1].first;
  const non200 = {};
  for (const r of all) {
    for (const pass of [r, r.first]) {
      for (const [status, n] of Object.entries(pass.non200)) non200[status] = (non200[status] ?? 0) + n;
    }
  }
  return {
    viewers,
    runs,
    sessions: ready.sessions,
    rps: mid.rps,
    p50: mid.p50,
    p99: mid.p99,
    perRun: all.map((r) => r.rps),
    firstPlay: { rps: firstMid.rps, p50: firstMid.p50, p99: firstMid.p99, perRun: all.map((r) => r.first.rps) },
    non200,
    valid,
  };
}

let live;
let home;
let watchlist;
let grants;
try {
  live = await load('/live');
  home = await load('/v1/home');
  watchlist = await load('/v1/watchlist');
  grants = await grantLoad();
} finally {
  // A failed route must not leave the server running.
  child.kill('SIGTERM');
}

// The Lambda bundle, as the CDK app's esbuild step would make it.
const out = mkdtempSync(join(tmpdir(), 'streamctl-bundle-'));
const bundle = join(out, 'lambda.mjs');
await build({
  entryPoints: [join(root, 'packages/server/dist/lambda.js')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  outfile: bundle,
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'silent',
});
const bundleBytes = statSync(bundle).size;
writeFileSync(
  join(out, 'import.mjs'),
  `const t = performance.now(); await import(${JSON.stringify(bundle)}); console.log(performance.now() - t);`,
);
const imports = [];
for (let i = 0; i < 5; i++) {
  const r = spawnSync(process.execPath, [join(out, 'import.mjs')], {
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  imports.push(Number(r.stdout.trim()));
}
rmSync(out, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const result = {
  seconds,
  connections,
  live,
  home: { ...home, ratio: Number((home.rps / live.rps).toFixed(2)) },
  watchlist: { ...watchlist, ratio: Number((watchlist.rps / live.rps).toFixed(2)) },
  grants: {
    ...grants,
    ratio: Number((grants.rps / live.rps).toFixed(2)),
    target: GRANT_TARGET,
    // Context, not the target: grants write (device, session) on the engine the watchlist reads from.
    ratioToWatchlist: Number((grants.rps / watchlist.rps).toFixed(2)),
    firstPlayRatio: Number((grants.firstPlay.rps / live.rps).toFixed(2)),
  },
  lambda: { bundleBytes, coldImportMs: Number(median(imports).toFixed(1)) },
  target: TARGET,
};
result.pass = result.home.ratio >= TARGET;
result.grants.met = result.grants.valid && result.grants.ratio >= GRANT_TARGET;
if (json) console.log(JSON.stringify(result));
else {
  const row = (name, r) =>
    `${name.padEnd(18)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms${r.ratio !== undefined ? `  ratio ${r.ratio}` : ''}`;
  console.log(`autocannon: ${connections} connections, ${seconds} s per route, one run`);
  console.log(row('GET /live', live));
  console.log(row('GET /v1/home warm', result.home));
  console.log(row('GET /v1/watchlist', result.watchlist));
  console.log(`${row('POST /v1/playback', result.grants)}  (grants/s, median of ${runs} runs)`);
  console.log(
    `${row('  first play', { ...result.grants.firstPlay, ratio: result.grants.firstPlayRatio })}  (token and device new)`,
  );
  console.log(`home ratio ${result.home.ratio} (target >= ${TARGET}): ${result.pass ? 'ok' : 'UNDER TARGET'}`);
  const g = result.grants;
  console.log(
    `grants (sessions on ${g.sessions}): ${viewers} viewers (plans ${PLANS.join('/')}) play ${ready.titleId} once, then start it again on the same device; grants/s per run ${g.perRun.join(', ')} (first play ${g.firstPlay.perRun.join(', ')})`,
  );
  const refused = Object.entries(g.non200).map(([status, n]) => `${n} × ${status}`);
  console.log(`grants non-200 answers: ${refused.length ? refused.join(', ') : 'none'}`);
  console.log(
    g.valid
      ? `grants ratio ${g.ratio} (target >= ${GRANT_TARGET}): ${g.met ? 'met' : 'not met'}; ${g.ratioToWatchlist}x GET /v1/watchlist`
      : 'grants: INVALID — some grants failed, so there is no figure',
  );
  console.log(
    `Lambda bundle ${(bundleBytes / 1024).toFixed(0)} KiB, cold import median ${result.lambda.coldImportMs} ms (5 runs)`,
  );
}
// The grants target is reported, not enforced; failed grants make the run invalid.
process.exitCode = result.pass && result.grants.valid ? 0 : 1;
