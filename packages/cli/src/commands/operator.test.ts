/**
 * The operator commands (`users`, `sessions`, `devices`, `watchlist`) refuse
 * a bad command line with exit 2 and one line before any platform is
 * reached (no platform runs in these tests' data dirs, so a check made
 * after reaching it would exit 1); every group describes itself and calls a
 * word it does not know an unknown command, pointing at its own help.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../../test/run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'streamctl-operator-'));
/** A well-formed session id: 16 random characters, then the account (`alice`) in base64url. */
const SESSION = `AAAAAAAAAAAAAAAA.${Buffer.from('alice').toString('base64url')}`;

async function refused(argv: string[]) {
  const dir = tmp();
  const run = await runCli(argv, { cwd: dir, env: { STREAMCTL_DATA_DIR: join(dir, 'data') } });
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('operator commands refuse bad ids and forms with exit 2, before the platform', () => {
  it.each([
    [['sessions', 'list'], 'error: --user is required; pass --user <id>'],
    [['sessions', 'list', '--user', 'a@b'], 'error: invalid --user "a@b"; use 1–128 letters, digits and . _ : - only'],
    [['sessions', 'list', '--user', 'x'.repeat(129)], /^error: invalid --user "x{129}"/],
    [['devices', 'list'], 'error: --user is required; pass --user <id>'],
    [['devices', 'list', '--user', 'al ice'], /^error: invalid --user "al ice"/],
    [['devices', 'remove', 'tv-1'], 'error: --user is required; pass --user <id>'],
    [['devices', 'remove', 'tv/1', '--user', 'alice'], /^error: invalid deviceId "tv\/1"/],
    [
      ['devices', 'remove', '--user', 'alice'],
      "error: missing required argument 'deviceId'; see `streamctl devices remove --help`",
    ],
    [['watchlist', 'list'], 'error: --user is required; pass --user <id>'],
    [
      ['watchlist', 'list', '--user', 'alice', '--limit', '0'],
      'error: invalid --limit "0"; use a whole number from 1 to 100',
    ],
    [['watchlist', 'list', '--user', 'alice', '--limit', '101'], /^error: invalid --limit "101"/],
    [['watchlist', 'list', '--user', 'alice', '--cursor', 'garbage'], /^error: invalid --cursor "garbage"/],
    [['watchlist', 'add', 'clip'], 'error: --user is required; pass --user <id>'],
    [['watchlist', 'add', '--user', 'alice', 'no such/title'], /^error: invalid titleId "no such\/title"/],
    [['watchlist', 'add', '--user', 'bob!', 'clip'], /^error: invalid --user "bob!"/],
    [['watchlist', 'remove', '--user', 'alice', 'a#b'], /^error: invalid titleId "a#b"/],
    [['watchlist', 'remove', '--user', 'alice'], /^error: missing required argument 'titleId'/],
    [['users', 'show', 'a@b'], 'error: invalid user "a@b"; use 1–128 letters, digits and . _ : - only'],
    [['users', 'show'], /^error: missing required argument 'user'/],
  ])('%j', async (argv, line) => {
    const first = await refused(argv);
    if (typeof line === 'string') expect(first).toBe(line);
    else expect(first).toMatch(line);
  });

  const FORMS = 'use `streamctl sessions revoke <sessionId>` or `streamctl sessions revoke --user <id> --all`';
  it.each([
    [['sessions', 'revoke'], `error: which session?; ${FORMS}`],
    [['sessions', 'revoke', SESSION, '--all'], `error: pass a session id or --user with --all, not both; ${FORMS}`],
    [
      ['sessions', 'revoke', SESSION, '--user', 'alice'],
      `error: pass a session id or --user with --all, not both; ${FORMS}`,
    ],
    [
      ['sessions', 'revoke', SESSION, '--user', 'alice', '--all'],
      `error: pass a session id or --user with --all, not both; ${FORMS}`,
    ],
    [['sessions', 'revoke', '--user', 'alice'], `error: --user needs --all to end every session; ${FORMS}`],
    [['sessions', 'revoke', '--all'], 'error: --all needs --user; pass --user <id> --all'],
    [
      ['sessions', 'revoke', 'not-a-session'],
      'error: invalid sessionId "not-a-session": not a session id; copy it from `streamctl sessions list --user <id>` or the playback grant',
    ],
    [
      ['sessions', 'revoke', '--user', 'a@b', '--all'],
      'error: invalid --user "a@b"; use 1–128 letters, digits and . _ : - only',
    ],
  ])('sessions revoke takes exactly one form: %j', async (argv, line) => {
    expect(await refused(argv)).toBe(line);
  });

  it('--json puts the refusal on stdout as one error document, code USAGE', async () => {
    const dir = tmp();
    const run = await runCli(['sessions', 'list', '--user', 'a@b', '--json'], {
      cwd: dir,
      env: { STREAMCTL_DATA_DIR: join(dir, 'data') },
    });
    expect(run.code).toBe(2);
    expect(jsonLines(run.stdout)).toEqual([
      {
        error: {
          code: 'USAGE',
          message: 'invalid --user "a@b"',
          hint: 'use 1–128 letters, digits and . _ : - only',
        },
      },
    ]);
  });

  it('a valid command line goes on to the platform (exit 1: none runs here)', async () => {
    const dir = tmp();
    for (const argv of [
      ['sessions', 'list', '--user', 'alice'],
      ['sessions', 'revoke', SESSION],
      ['sessions', 'revoke', '--user', 'alice', '--all'],
      ['devices', 'remove', 'tv-1', '--user', 'alice'],
      ['watchlist', 'add', '--user', 'alice', 'clip'],
      ['users', 'show', 'alice'],
    ]) {
      const run = await runCli(argv, { cwd: dir, env: { STREAMCTL_DATA_DIR: join(dir, 'data') } });
      expect({ argv, code: run.code }).toEqual({ argv, code: 1 });
      expect(run.stderr).toContain('The local platform is not running');
    }
  });
});

const GROUPS = ['titles', 'ladder', 'events', 'failover', 'users', 'sessions', 'devices', 'watchlist'];

describe('command groups', () => {
  it.each(GROUPS)('%s --help describes the group and lists its commands (exit 0)', async (group) => {
    const run = await runCli([group, '--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const [usage, , description] = run.stdout.split('\n');
    expect(usage).toBe(`Usage: streamctl ${group} [options] [command]`);
    expect(description?.length).toBeGreaterThan(20);
    expect(run.stdout).toMatch(/\nCommands:\n/);
    expect(run.stdout).toMatch(/\nExamples:\n {2}\$ streamctl /);
  });

  it.each(GROUPS)('an unknown command of %s is a usage error (exit 2) naming the group help', async (group) => {
    const line = await refused([group, 'bogus']);
    expect(line).toBe(`error: unknown command 'bogus'; see \`streamctl ${group} --help\``);
  });

  it.each([
    [['sessions', 'lst'], "error: unknown command 'lst'; did you mean list? See `streamctl sessions --help`"],
    [['watchlist', 'ad'], "error: unknown command 'ad'; did you mean add? See `streamctl watchlist --help`"],
    [['titles', 'nope'], "error: unknown command 'nope'; see `streamctl titles --help`"],
  ])('%j gets "did you mean" where there is a near name', async (argv, line) => {
    expect(await refused(argv)).toBe(line);
  });

  it.each(['users', 'sessions', 'devices', 'watchlist'])(
    '%s alone prints its help on stderr and exits 2; with --json only the error',
    async (group) => {
      const run = await runCli([group]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^Usage: streamctl ${group} `));
      expect(run.stderr.trim().split('\n').at(-1)).toBe(
        `error: streamctl ${group} needs a command; see \`streamctl ${group} --help\``,
      );
      const json = await runCli([group, '--json']);
      expect(json.code).toBe(2);
      expect(json.stderr.trim().split('\n')).toHaveLength(1);
      expect(jsonLines(json.stdout)).toHaveLength(1);
    },
  );
});
