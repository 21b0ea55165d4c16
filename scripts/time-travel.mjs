#!/usr/bin/env node
/**
 * The time-dependent part of the suite, run again with the clock a year and
 * ten years ahead: recommendations (decayed scores), token expiry, signed
 * URLs and cookies, availability windows, event time bounds, caches and
 * TTLs, on the embedded platform end to end.
 *
 * The whole process tree sees the shifted clock (libfaketime intercepts the
 * system's real-time clock: Node, the in-process emulators, jose, the AWS
 * SDK alike); the monotonic clock is left alone, so timers and timeouts
 * behave. Tests written against the clock rather than fixed dates pass
 * unchanged, which is the point.
 *
 *   node scripts/time-travel.mjs [--years 1,10] [more vitest files…]
 *
 * Without libfaketime (`apt-get install faketime`) it says so and skips,
 * unless STREAMCTL_REQUIRE_FAKETIME=1 (CI), where that is a failure.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const yearsAt = args.indexOf('--years');
const years =
  yearsAt >= 0
    ? String(args[yearsAt + 1])
        .split(',')
        .map(Number)
    : [1, 10];
const extra = args.filter((_, i) => i !== yearsAt && i !== yearsAt + 1);
if (years.some((y) => !Number.isFinite(y) || y <= 0)) {
  console.error('error: --years takes positive numbers, e.g. --years 1,10');
  process.exit(2);
}

/** What depends on the calendar. */
const FILES = [
  'packages/sdk/src/recommendations',
  'packages/sdk/src/users',
  'packages/sdk/src/events',
  'packages/sdk/src/playback',
  'packages/sdk/src/privacy',
  'packages/server/src',
  'packages/sdk/test/e2e/catalog.ddb.test.ts',
  'packages/sdk/test/e2e/models.ddb.test.ts',
  'packages/sdk/test/e2e/users.ddb.test.ts',
  'packages/sdk/test/e2e/sessions.ddb.test.ts',
  'packages/sdk/test/e2e/privacy.ddb.test.ts',
  'packages/server/test/e2e/api.test.ts',
  'packages/server/test/e2e/cognito.test.ts',
  'packages/workers/test/e2e/recommendations.test.ts',
  'packages/cli/test/e2e/search.test.ts',
  'packages/cli/test/e2e/sessions.test.ts',
  'packages/cli/test/e2e/privacy.test.ts',
  'packages/local/test/e2e/edge.test.ts',
];

const faketime = spawnSync('faketime', ['-f', '+0d', 'true'], { stdio: 'ignore' });
if (faketime.error || faketime.status !== 0) {
  const message = 'time travel needs libfaketime (apt-get install faketime)';
  if (process.env.STREAMCTL_REQUIRE_FAKETIME === '1') {
    console.error(`error: ${message}`);
    process.exit(1);
  }
  console.log(`time travel: skipped, ${message}`);
  process.exit(0);
}

const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const failed = [];
for (const y of years) {
  const days = Math.round(y * 365.25);
  const shifted = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  console.log(`time travel: the clock ${y} year${y === 1 ? '' : 's'} ahead (${shifted})`);
  // The shift must take: a Node under it sees the shifted date, or every result below means nothing.
  const seen = spawnSync('faketime', ['-f', `+${days}d`, process.execPath, '-p', 'Date.now()'], {
    encoding: 'utf8',
    env: { ...process.env, FAKETIME_DONT_FAKE_MONOTONIC: '1' },
  });
  const off = Number(seen.stdout) - Date.now() - days * 86_400_000;
  if (!Number.isFinite(off) || Math.abs(off) > 60_000) {
    console.error(`error: libfaketime did not move Node's clock by ${days} days (${seen.stdout || seen.stderr})`);
    process.exit(1);
  }
  const run = spawnSync(
    'faketime',
    ['-f', `+${days}d`, process.execPath, vitest, 'run', '--project', 'unit', '--project', 'e2e', ...FILES, ...extra],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, FAKETIME_DONT_FAKE_MONOTONIC: '1', STREAMCTL_TIME_TRAVEL_YEARS: String(y) },
    },
  );
  if (run.status !== 0) failed.push(y);
}
if (failed.length) {
  console.error(`time travel: failed with the clock ${failed.join(' and ')} years ahead`);
  process.exit(1);
}
console.log(`time travel: passed with the clock ${years.join(' and ')} year${years.join() === '1' ? '' : 's'} ahead`);
