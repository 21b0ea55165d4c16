#!/usr/bin/env node
/**
 * bench/cli: how long `streamctl --help` takes against a bare `node -e 0`,
 * measured in the same run, interleaved so machine noise hits both alike.
 * Prints the medians and their ratio; the target is a ratio of at most 2.5.
 *
 *   node bench/cli/run.mjs [--runs 30] [--json]
 *
 * Needs a build (`pnpm run build`): it runs the bin users run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'streamctl.js');
const TARGET = 2.5;

const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 30;
const json = args.includes('--json');

if (!existsSync(join(ROOT, 'packages', 'cli', 'dist', 'index.js'))) {
  console.error('error: the CLI is not built; run `pnpm run build` first');
  process.exit(1);
}

function time(argv) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Warm the file system cache for both.
time(['-e', '0']);
time([BIN, '--help']);

const baseline = [];
const help = [];
for (let i = 0; i < runs; i++) {
  baseline.push(time(['-e', '0']));
  help.push(time([BIN, '--help']));
}
const result = {
  runs,
  nodeMedianMs: Number(median(baseline).toFixed(1)),
  helpMedianMs: Number(median(help).toFixed(1)),
  ratio: Number((median(help) / median(baseline)).toFixed(2)),
  target: TARGET,
};
result.pass = result.ratio <= TARGET;

if (json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`node -e 0         median ${result.nodeMedianMs} ms (${runs} runs)`);
  console.log(`streamctl --help  median ${result.helpMedianMs} ms (${runs} runs)`);
  console.log(`ratio             ${result.ratio}x (target <= ${TARGET}x): ${result.pass ? 'ok' : 'OVER TARGET'}`);
}
process.exitCode = result.pass ? 0 : 1;
