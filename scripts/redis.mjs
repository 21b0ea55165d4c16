/**
 * A throwaway redis-server (Debian's package) on a free loopback port, for
 * tests: no persistence, stopped with the test run.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { canConnect, freePort } from './net.mjs';

/**
 * The environment redis-server runs with: without libfaketime, so a test run with the clock moved
 * ahead (scripts/time-travel.mjs) does not hang the server (it would, preloaded); the SDK passes its
 * own clock to every script it runs there.
 */
function realClockEnv() {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name === 'LD_PRELOAD' || name.startsWith('FAKETIME')) delete env[name];
  return env;
}

/**
 * Starts redis-server (`args` added to its command line, e.g. `['--requirepass', token]`); rejects
 * with a clear message when it is not installed.
 */
export async function startRedis({ timeoutMs = 10_000, args = [] } = {}) {
  try {
    await promisify(execFile)('redis-server', ['--version'], { env: realClockEnv(), timeout: 5_000 });
  } catch {
    throw new Error('redis-server not found: install it (apt-get install -y redis-server)');
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    {
      stdio: 'ignore',
      env: realClockEnv(),
    },
  );
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/**
 * Starts redis-server for a test file, or returns undefined (with the reason
 * printed) when it cannot; with STREAMCTL_REQUIRE_REDIS=1 (CI) that is a failure.
 */
export async function startRedisOrSkip(label) {
  try {
    return await startRedis();
  } catch (err) {
    if (process.env.STREAMCTL_REQUIRE_REDIS === '1') throw err;
    console.warn(`[${label}] Redis tests skipped: ${err.message}`);
    return undefined;
  }
}
