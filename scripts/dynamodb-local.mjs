#!/usr/bin/env node
/**
 * AWS's own DynamoDB Local, for fidelity tests. The jar ships inside the npm
 * package amplify-dynamodb-simulator (folder emulator/); we take only that
 * folder with `npm pack` into .cache/engines/, and run it with the machine's Java.
 *
 * The same engine runs `streamctl dev --engines aws-local` (packages/local/src/aws-engines.ts):
 * the version and the cache layout (`<cache>/<package>-<version>/package/…`) are the same, so the
 * aws-local test project (STREAMCTL_ENGINES_CACHE=.cache/engines) and this script share one jar.
 * This script stays plain JavaScript so it runs with no build.
 *
 *   node scripts/dynamodb-local.mjs          # fetch if needed, start, print the URL, Ctrl-C stops
 *   node scripts/dynamodb-local.mjs --fetch  # only fetch the jar
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './net.mjs';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SIMULATOR_VERSION = '2.9.30';
/** The repo's engine cache, shared with the aws-local test project. */
export const ENGINES_CACHE = join(ROOT, '.cache', 'engines');
const CACHE = join(ENGINES_CACHE, `amplify-dynamodb-simulator-${SIMULATOR_VERSION}`);
const EMULATOR_DIR = join(CACHE, 'package', 'emulator');

/** Ensures the DynamoDB Local jar is in .cache/ and returns its folder. */
export async function fetchDynamoDBLocal() {
  if (existsSync(join(EMULATOR_DIR, 'DynamoDBLocal.jar'))) return EMULATOR_DIR;
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(CACHE, { recursive: true });
  const { stdout } = await run(
    'npm',
    ['pack', `amplify-dynamodb-simulator@${SIMULATOR_VERSION}`, '--silent', '--pack-destination', CACHE],
    { cwd: CACHE, maxBuffer: 1 << 20 },
  );
  const tarball = join(CACHE, stdout.trim().split('\n').pop());
  await run('tar', ['-xzf', tarball, '-C', CACHE, 'package/emulator']);
  rmSync(tarball, { force: true });
  if (!existsSync(join(EMULATOR_DIR, 'DynamoDBLocal.jar'))) {
    throw new Error(`DynamoDBLocal.jar not found in amplify-dynamodb-simulator@${SIMULATOR_VERSION}`);
  }
  return EMULATOR_DIR;
}

async function waitReady(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
    try {
      // Any HTTP answer (even 400) means the server is up.
      await fetch(url, { method: 'POST', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`DynamoDB Local did not answer on ${url} within ${timeoutMs} ms`);
}

/** Starts DynamoDB Local in memory on a free loopback port. */
export async function startDynamoDBLocal({ timeoutMs = 30_000 } = {}) {
  try {
    await run('java', ['-version']);
  } catch {
    throw new Error('java not found: install a JRE (apt-get install -y default-jre-headless)');
  }
  const dir = await fetchDynamoDBLocal();
  const port = await freePort();
  const child = spawn(
    'java',
    [
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-jar',
      'DynamoDBLocal.jar',
      '-inMemory',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, timeoutMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err.message}${stderr ? `: ${stderr.trim()}` : ''}`);
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--fetch')) {
    console.log(await fetchDynamoDBLocal());
  } else {
    const local = await startDynamoDBLocal();
    console.log(local.url);
    const stop = () => local.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
}
