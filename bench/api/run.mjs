#!/usr/bin/env node
/**
 * bench/api: throughput and p50/p99 latency (autocannon on loopback, one
 * run) of GET /v1/home with a warm cache and of GET /v1/watchlist, each as a
 * ratio to the trivial GET /live of the same app in the same run (target for
 * the warm home page: >= 0.6x). Also the Lambda bundle's size and its cold
 * import time.
 *
 *   node bench/api/run.mjs [--seconds 5] [--connections 10] [--json]
 *
 * Needs a build (`pnpm run build`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
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
const json = args.includes('--json');
const TARGET = 0.6;

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

const live = await load('/live');
const home = await load('/v1/home');
const watchlist = await load('/v1/watchlist');
child.kill('SIGTERM');

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
  lambda: { bundleBytes, coldImportMs: Number(median(imports).toFixed(1)) },
  target: TARGET,
};
result.pass = result.home.ratio >= TARGET;
if (json) console.log(JSON.stringify(result));
else {
  const row = (name, r) =>
    `${name.padEnd(18)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms${r.ratio !== undefined ? `  ratio ${r.ratio}` : ''}`;
  console.log(`autocannon: ${connections} connections, ${seconds} s per route, one run`);
  console.log(row('GET /live', live));
  console.log(row('GET /v1/home warm', result.home));
  console.log(row('GET /v1/watchlist', result.watchlist));
  console.log(`home ratio ${result.home.ratio} (target >= ${TARGET}): ${result.pass ? 'ok' : 'UNDER TARGET'}`);
  console.log(
    `Lambda bundle ${(bundleBytes / 1024).toFixed(0)} KiB, cold import median ${result.lambda.coldImportMs} ms (5 runs)`,
  );
}
process.exitCode = result.pass ? 0 : 1;
