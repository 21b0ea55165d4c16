import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../../../test/run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'streamctl-set-country-'));

/** A working dir and data dir of its own: nothing any other test reads. */
function sandbox() {
  const cwd = tmp();
  const dataDir = join(cwd, 'data');
  return { cwd, dataDir, env: { STREAMCTL_DATA_DIR: dataDir } };
}

describe('users set-country: checked before anything is touched', () => {
  it.each([
    [['users', 'set-country', 'a@b', 'GB'], /^error: invalid user "a@b"; use 1–128 letters/],
    [['users', 'set-country', 'alice', 'UK'], /^error: invalid country "UK": .*GB/],
    [['users', 'set-country', 'alice', 'gbr'], /^error: invalid country "gbr"/],
    [['users', 'set-country', 'alice', ''], /^error: the country is required; pass e\.g\. GB/],
    [['users', 'set-country', 'alice'], /^error: missing required argument 'CC'/],
    // On an AWS stage too: the usage error comes before the missing pool id would.
    [['users', 'set-country', 'al ice', 'FR', '--stage', 'prod'], /^error: invalid user "al ice"/],
    [['users', 'set-country', 'alice', 'XX', '--stage', 'prod'], /^error: invalid country "XX"/],
  ])('%j exits 2 with one line and writes nothing', async (argv, message) => {
    const { cwd, dataDir, env } = sandbox();
    const run = await runCli(argv, { cwd, env });
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('an AWS stage without a user pool says which variable names it', { timeout: 30_000 }, async () => {
    const { cwd, env } = sandbox();
    const run = await runCli(['users', 'set-country', 'alice', 'FR', '--stage', 'prod', '--json'], { cwd, env });
    // A configuration the stage lacks, not a typo on the command line: exit 1.
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)).toEqual([
      {
        error: {
          code: 'CONFIG_INVALID',
          message: 'The stage "prod" has no user pool configured',
          hint: expect.stringContaining("set STREAMCTL_USER_POOL_ID to the api stack's UserPoolId output"),
        },
      },
    ]);
  });
});

describe('users set-country on the local stage: the local user directory that streamctl token reads', () => {
  it('records the country; a token without --country gets it, an explicit --country still wins', async () => {
    const { cwd, dataDir, env } = sandbox();
    const before = await runCli(['token', '--user', 'dave'], { cwd, env });
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/--country is required.*streamctl users set-country dave GB/);

    const set = await runCli(['users', 'set-country', 'dave', 'fr', '--json'], { cwd, env });
    expect(set.code, set.stderr).toBe(0);
    const file = join(dataDir, 'users.json');
    expect(jsonLines(set.stdout)).toEqual([
      { userId: 'dave', country: 'FR', previous: null, directory: 'local', location: file },
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      users: { dave: { country: 'FR', updatedAt: expect.any(String) } },
    });

    const again = await runCli(['users', 'set-country', 'dave', 'DE'], { cwd, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Set the country of dave to DE \(was FR\) in the local user directory\./);
    expect(again.stdout).toContain('`streamctl token --user dave` now mints tokens for DE.');

    const minted = await runCli(['token', '--user', 'dave', '--json'], { cwd, env });
    expect(minted.code, minted.stderr).toBe(0);
    expect(jsonLines(minted.stdout)[0]).toMatchObject({ userId: 'dave', country: 'DE' });
    const explicit = await runCli(['token', '--user', 'dave', '--country', 'GB', '--json'], { cwd, env });
    expect(jsonLines(explicit.stdout)[0]).toMatchObject({ userId: 'dave', country: 'GB' });
    // Another user has no entry: still refused, never defaulted to someone else's country.
    expect((await runCli(['token', '--user', 'erin'], { cwd, env })).code).toBe(2);
  });

  it('a directory file streamctl did not write is refused with how to recover', async () => {
    const { cwd, dataDir, env } = sandbox();
    await runCli(['users', 'set-country', 'dave', 'FR'], { cwd, env });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dataDir, 'users.json'), '{"users": []}');
    const run = await runCli(['token', '--user', 'dave'], { cwd, env });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/is not one streamctl wrote; remove it and set the countries again/);
  });
});
