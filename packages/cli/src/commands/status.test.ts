import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeNotices } from '@streamctl/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonLines, runCli } from '../../test/run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'streamctl-status-'));

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('status', () => {
  it('shows a runtime notice once a day (all of them with --verbose), never on stderr under --json', async () => {
    const dir = tmp();
    const env = { XDG_CACHE_HOME: join(dir, 'cache'), STREAMCTL_DATA_DIR: join(dir, 'data') };
    const notes = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('note: '));
    const expected = runtimeNotices().map((notice) => `note: ${notice.message}`);

    const first = await runCli(['status'], { cwd: dir, env });
    expect(notes(first.stderr)).toEqual(expected);
    if (expected.length) {
      const shown = JSON.parse(readFileSync(join(dir, 'cache', 'streamctl', 'notices.json'), 'utf8'));
      expect(Object.values(shown)).toEqual(expected.map(() => new Date().toISOString().slice(0, 10)));
    }
    const again = await runCli(['status'], { cwd: dir, env });
    expect(notes(again.stderr)).toEqual([]);
    const verbose = await runCli(['status', '--verbose'], { cwd: dir, env });
    expect(notes(verbose.stderr)).toEqual(expected);
    const json = await runCli(['status', '--json'], { cwd: tmp(), env: { ...env, XDG_CACHE_HOME: join(tmp(), 'c') } });
    expect(json.stderr).toBe('');
    expect((jsonLines(json.stdout)[0] as { notices: unknown[] }).notices).toEqual(runtimeNotices());
  });

  it('says an endpoint that answers HTTP 404 is probably not AWS or LocalStack', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    try {
      const run = await runCli(['status', '--stage', 'prod', '--region', 'eu-west-1', '--endpoint-url', endpoint], {
        cwd: tmp(),
        env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      });
      expect(run.code).toBe(1);
      expect(run.stdout).not.toContain('UnknownError');
      for (const part of ['dynamodb', 'kinesis']) {
        expect(run.stdout).toMatch(
          new RegExp(
            `FAIL ${part} [^\\n]*\\n(?:.*\\n)*?\\s+${part}:\\S+ \\(\\S+\\) failed: the endpoint answered HTTP 404, not as AWS does; it is probably not an AWS or LocalStack endpoint; check --endpoint-url`,
          ),
        );
      }
    } finally {
      server.close();
    }
  });
});
