/**
 * `streamctl dev` serves the API with the stage's rate limits: from the
 * environment (`STREAMCTL_RATE_LIMIT_*`) and from the config file's section
 * of the local stage, so a load test on loopback can raise them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

/** Runs `streamctl dev` until `use` is done with its API URL. */
async function withDev(
  options: { env?: Record<string, string>; cwd?: string },
  use: (api: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-dev-limits-'));
  let stop!: (signal: string) => void;
  const shutdown = new Promise<string>((resolve) => {
    stop = resolve;
  });
  let onReady!: (api: string) => void;
  const ready = new Promise<string>((resolve) => {
    onReady = resolve;
  });
  let buffer = '';
  const done = runCli(['dev', '--json', '--data-dir', join(dir, 'data')], {
    shutdown,
    ...(options.env ? { env: options.env } : {}),
    cwd: options.cwd ?? dir,
    onStdout: (chunk) => {
      buffer += chunk;
      if (buffer.includes('\n')) onReady((JSON.parse(buffer.split('\n')[0] as string) as { api: string }).api);
    },
  });
  try {
    const api = await Promise.race([
      ready,
      done.then((r) => {
        throw new Error(`dev exited with ${r.code}: ${r.stderr}`);
      }),
    ]);
    await use(api);
  } finally {
    stop('SIGINT');
    expect((await done).code).toBe(0);
  }
}

const statuses = async (url: string, count: number) => {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await fetch(url)).status);
  return seen;
};

describe('streamctl dev rate limits', () => {
  it('takes the per-address limit from STREAMCTL_RATE_LIMIT_IP_*', async () => {
    const env = { STREAMCTL_RATE_LIMIT_IP_PER_SECOND: '0.01', STREAMCTL_RATE_LIMIT_IP_BURST: '3' };
    await withDev({ env }, async (api) => {
      expect(await statuses(`${api}/live`, 5)).toEqual([200, 200, 200, 429, 429]);
    });
  });

  it("takes the local stage's limits from the config file: a load test raises them past the defaults", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'streamctl-dev-limits-project-'));
    writeFileSync(join(cwd, 'package.json'), '{"name":"loadtest"}');
    writeFileSync(
      join(cwd, 'streamctl.config.json'),
      JSON.stringify({ stages: { local: { rateLimits: { ip: { perSecond: 1e9, burst: 1e9 } } } } }),
    );
    await withDev({ cwd }, async (api) => {
      // 200 requests at once: past the default burst of 150 per address.
      const answers = await Promise.all(Array.from({ length: 200 }, () => fetch(`${api}/live`)));
      expect(answers.filter((r) => r.status !== 200).map((r) => r.status)).toEqual([]);
    });
  });

  it('refuses a bad value with a config error naming the variable', async () => {
    const run = await runCli(['dev', '--json', '--data-dir', join(mkdtempSync(join(tmpdir(), 'x-')), 'd')], {
      env: { STREAMCTL_RATE_LIMIT_USER_BURST: 'lots' },
      cwd: mkdtempSync(join(tmpdir(), 'streamctl-dev-limits-bad-')),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Invalid rateLimits\.user\.burst "lots" from \$STREAMCTL_RATE_LIMIT_USER_BURST/);
  });
});
