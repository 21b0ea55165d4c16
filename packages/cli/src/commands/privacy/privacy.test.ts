/**
 * `streamctl privacy` refuses a bad command line with exit 2 and one line
 * before any platform is reached (no platform runs in these tests' data
 * dirs, so a check made after reaching it would exit 1); erasure asks first
 * on a terminal and needs `--yes` anywhere else; an export file is private
 * and never overwritten unasked; and the records print as operators read them.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErasureRecord, ErasureStoreReport, Privacy } from '@streamctl/sdk';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { jsonLines, runCli } from '../../../test/run-cli.js';
import { consentSetting, consentSource } from './consent.js';
import { exportSummary, writePrivate } from './export.js';
import { erasureIdArgument, failedStores, storeTable } from './record.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'streamctl-privacy-'));
const ERASURE = '3f0c2d4e-8b1a-4c5d-9e6f-7a8b9c0d1e2f';

/** The terminal's answers to confirmations, in turn. */
const answers: boolean[] = [];
const asked: string[] = [];
vi.mock('@inquirer/prompts', () => ({
  confirm: async (prompt: { message: string }) => {
    asked.push(prompt.message);
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`nothing answered for "${prompt.message}"`);
    return answer;
  },
}));

/**
 * A stand-in for the platform's privacy, for what the emulators cannot be made to do (a store
 * failing mid-erasure); without one, the real platform is made (and, here, finds none running).
 */
let fakePrivacy: Partial<Privacy> | undefined;
vi.mock('@streamctl/sdk', async (importOriginal) => {
  const sdk = await importOriginal<typeof import('@streamctl/sdk')>();
  return {
    ...sdk,
    createPlatform: (...args: Parameters<typeof sdk.createPlatform>) =>
      fakePrivacy ? { privacy: fakePrivacy, close() {} } : sdk.createPlatform(...args),
  };
});

beforeEach(() => {
  answers.length = 0;
  asked.length = 0;
  fakePrivacy = undefined;
});

/** Runs the CLI where no platform runs: a check that passed would go on to fail with exit 1. */
function cli(argv: string[], options: { cwd?: string; tty?: boolean } = {}) {
  const cwd = options.cwd ?? tmp();
  return runCli(argv, {
    cwd,
    // On a terminal, not in CI: the prompt may be shown.
    env: { STREAMCTL_DATA_DIR: join(cwd, 'data'), ...(options.tty ? { CI: '' } : {}) },
    ...(options.tty ? { tty: true } : {}),
  });
}

async function refused(argv: string[], cwd?: string) {
  const run = await cli(argv, cwd ? { cwd } : {});
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('privacy refuses bad ids and forms with exit 2, before the platform', () => {
  it.each([
    [['privacy', 'export', 'a@b'], 'error: invalid user "a@b"; use 1–128 letters, digits and . _ : - only'],
    [['privacy', 'export'], /^error: missing required argument 'user'/],
    [
      ['privacy', 'export', 'alice', '--force'],
      'error: --force only applies with --out; pass --out <file> too, or drop --force',
    ],
    [
      ['privacy', 'export', 'alice', '--out', 'no/such/dir/alice.json'],
      /^error: cannot write no\/such\/dir\/alice\.json: no directory /,
    ],
    [['privacy', 'erase', 'al ice', '--yes'], /^error: invalid user "al ice"/],
    [['privacy', 'erase', 'x'.repeat(129), '--yes'], /^error: invalid user "x{129}"/],
    [['privacy', 'erase'], /^error: missing required argument 'user'/],
    [
      ['privacy', 'erase', 'alice'],
      'error: Erase alice from stage local for good?: confirmation needed and there is no terminal to ask; pass --yes',
    ],
    [
      ['privacy', 'status', 'not-a-uuid'],
      'error: invalid erasureId "not-a-uuid": not an erasure id (a UUID); copy it from the output of `streamctl privacy erase <user>`',
    ],
    // Eight-four-four-four-twelve hex, but no UUID version: the SDK would refuse it too.
    [['privacy', 'status', '3f0c2d4e-8b1a-0c5d-9e6f-7a8b9c0d1e2f'], /^error: invalid erasureId/],
    [['privacy', 'status'], /^error: missing required argument 'erasureId'/],
    [['privacy', 'consent', 'a/b'], /^error: invalid user "a\/b"/],
    [
      ['privacy', 'consent', 'alice', 'maybe'],
      'error: invalid setting "maybe"; use on or off, or leave it out to show the consent',
    ],
    [['privacy', 'consent', 'alice', 'ON'], /^error: invalid setting "ON"/],
    [['privacy', 'consent', 'alice', '--country', 'UK'], /^error: invalid --country "UK": .*did you mean GB\?/],
    [['privacy', 'consent', 'alice', 'off', 'now'], /^error: too many arguments for 'consent'/],
    [['privacy', 'bogus'], "error: unknown command 'bogus'; see `streamctl privacy --help`"],
    [['privacy', 'erse'], "error: unknown command 'erse'; did you mean erase? See `streamctl privacy --help`"],
  ])('%j', async (argv, line) => {
    const first = await refused(argv);
    if (typeof line === 'string') expect(first).toBe(line);
    else expect(first).toMatch(line);
  });

  it('a group without a command prints its help and exits 2', async () => {
    const run = await cli(['privacy']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Usage: streamctl privacy /);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'error: streamctl privacy needs a command; see `streamctl privacy --help`',
    );
  });

  it('erase without --yes under --json: the error is one JSON document on stdout', async () => {
    const run = await cli(['privacy', 'erase', 'alice', '--json']);
    expect(run.code).toBe(2);
    expect(jsonLines(run.stdout)).toEqual([
      {
        error: {
          code: 'USAGE',
          message: 'Erase alice from stage local for good?: confirmation needed and there is no terminal to ask',
          hint: 'pass --yes',
        },
      },
    ]);
  });

  it('checks that pass go on to the platform (here: none runs, exit 1)', async () => {
    for (const argv of [
      ['privacy', 'erase', 'alice', '--yes'],
      ['privacy', 'status', ERASURE],
      // Upper case and the nil UUID are UUIDs too.
      ['privacy', 'status', ERASURE.toUpperCase()],
      ['privacy', 'status', '00000000-0000-0000-0000-000000000000'],
      ['privacy', 'consent', 'alice', 'off', '--country', 'gb'],
      ['privacy', 'export', 'alice'],
    ]) {
      const run = await cli(argv);
      expect({ argv, code: run.code, stdout: run.stdout }).toEqual({ argv, code: 1, stdout: '' });
      expect(run.stderr).toMatch(/The local platform is not running/);
    }
  }, 60_000);
});

describe('privacy erase asks first on a terminal', () => {
  it('a No changes nothing: exit 1 with a plain message, the platform never reached', async () => {
    answers.push(false);
    const run = await cli(['privacy', 'erase', 'alice'], { tty: true });
    expect(asked).toEqual(['Erase alice from stage local for good?']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('Nothing changed: erasure not confirmed.');
  });

  it('a Yes goes on to the platform', async () => {
    answers.push(true);
    const run = await cli(['privacy', 'erase', 'alice'], { tty: true });
    expect(asked).toHaveLength(1);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/The local platform is not running/);
  });

  it('--yes never asks, on a terminal either', async () => {
    const run = await cli(['privacy', 'erase', 'alice', '--yes'], { tty: true });
    expect(asked).toEqual([]);
    expect(run.stderr).toMatch(/The local platform is not running/);
  });
});

describe('privacy export --out', () => {
  it('an existing file is refused without --force (exit 2) and left as it was', async () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'alice.json'), 'keep');
    expect(await refused(['privacy', 'export', 'alice', '--out', 'alice.json'], cwd)).toBe(
      'error: alice.json already exists; pass --force to overwrite it',
    );
    // With --force the check passes and the platform is reached (none runs: exit 1); the file is untouched.
    const forced = await cli(['privacy', 'export', 'alice', '--out', 'alice.json', '--force'], { cwd });
    expect(forced.code).toBe(1);
    expect(readFileSync(join(cwd, 'alice.json'), 'utf8')).toBe('keep');
  });

  it('on a terminal an existing file is asked about; a No is the same refusal', async () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'alice.json'), 'keep');
    answers.push(false);
    const run = await cli(['privacy', 'export', 'alice', '--out', 'alice.json'], { cwd, tty: true });
    expect(asked).toEqual(['alice.json exists. Overwrite it?']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('error: alice.json already exists; pass --force to overwrite it');
  });

  it('writes files only their owner can read, a new one exclusively, an overwrite with a fresh mode', async () => {
    const dir = tmp();
    const file = join(dir, 'export.json');
    await writePrivate(file, '{"a":1}\n', false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await expect(writePrivate(file, '{"a":2}\n', false)).rejects.toMatchObject({ code: 'EEXIST' });
    const wide = join(dir, 'wide.json');
    writeFileSync(wide, 'old', { mode: 0o644 });
    await writePrivate(wide, '{"a":3}\n', true);
    expect(statSync(wide).mode & 0o777).toBe(0o600);
    expect(readFileSync(wide, 'utf8')).toBe('{"a":3}\n');
  });

  it('counts the stores read and their items, naming Regions only when there are several', () => {
    const item = { PK: 'x', SK: 'y' };
    expect(
      exportSummary({
        stores: [
          { store: 'user-state', region: 'us-east-1', items: [item, item, item] },
          { store: 'models', region: 'us-east-1', items: [item] },
          { store: 'cache', region: 'us-east-1', items: [] },
        ],
      }),
    ).toEqual({ stores: 3, items: 4, parts: ['user-state 3', 'models 1', 'cache 0'] });
    expect(
      exportSummary({
        stores: [
          { store: 'models', region: 'us-east-1', items: [item] },
          { store: 'models', region: 'eu-west-1', items: [] },
        ],
      }).parts,
    ).toEqual(['models@us-east-1 1', 'models@eu-west-1 0']);
    expect(exportSummary({ stores: [] })).toEqual({ stores: 0, items: 0, parts: [] });
  });
});

describe('erasure records and consent, as printed', () => {
  const at = '2026-12-03T01:45:07.123Z';
  const stores: ErasureStoreReport[] = [
    { store: 'user-state', region: 'us-east-1', status: 'done', removed: 12, at },
    { store: 'models', region: 'eu-west-1', status: 'failed', removed: 0, at, error: 'Throttled' },
    { store: 'cache', region: 'us-east-1', status: 'done', removed: 1, at },
  ];

  it('a store table: words left-aligned, counts right-aligned, columns as wide as their widest value', () => {
    expect(storeTable(stores)).toEqual([
      'store       region     status  removed',
      'user-state  us-east-1  done         12',
      'models      eu-west-1  failed        0',
      'cache       us-east-1  done          1',
    ]);
    expect(storeTable([])).toEqual(['store  region  status  removed']);
  });

  it('names the failed stores with their errors, or nothing when none failed', () => {
    expect(failedStores({ stores })).toBe('models@eu-west-1: Throttled');
    expect(failedStores({ stores: stores.filter((s) => s.status === 'done') })).toBeUndefined();
  });

  it('an erasure id is a UUID as the SDK takes it', () => {
    expect(erasureIdArgument(ERASURE)).toBe(ERASURE);
    expect(erasureIdArgument('ffffffff-ffff-ffff-ffff-ffffffffffff')).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
    for (const bad of [
      '',
      `${ERASURE}x`,
      ERASURE.replace(/-/g, ''),
      `{${ERASURE}}`,
      '3f0c2d4e-8b1a-4c5d-7e6f-7a8b9c0d1e2f',
    ])
      expect(() => erasureIdArgument(bad)).toThrow(/erasureId/);
  });

  it('on and off only; nothing shows', () => {
    expect(consentSetting('on')).toBe(true);
    expect(consentSetting('off')).toBe(false);
    expect(consentSetting(undefined)).toBeUndefined();
    for (const bad of ['yes', 'true', '1', 'Off', '']) expect(() => consentSetting(bad)).toThrow(/invalid setting/);
  });

  it('says where a consent came from', () => {
    expect(consentSource({ personalization: false, source: 'viewer', updatedAt: at }, undefined)).toBe(
      "the viewer's own choice, made 2026-12-03 01:45:07Z",
    );
    expect(consentSource({ personalization: false, source: 'country' }, 'DE')).toBe('the default for DE');
    expect(consentSource({ personalization: true, source: 'stage' }, 'GB')).toBe(
      "the stage's default (GB has none of its own)",
    );
    expect(consentSource({ personalization: true, source: 'stage' }, undefined)).toBe("the stage's default");
  });
});

describe('an erasure that failed in a store exits 1, its record printed', () => {
  const at = '2026-12-03T01:45:07.123Z';
  const failed: ErasureRecord = {
    erasureId: ERASURE,
    viewer: 'ab'.repeat(32),
    status: 'failed',
    requestedAt: at,
    completedAt: at,
    tombstoneUntil: '2027-01-02T01:45:07.000Z',
    stores: [
      { store: 'user-state', region: 'us-east-1', status: 'done', removed: 3, at },
      { store: 'models', region: 'us-east-1', status: 'failed', removed: 0, at, error: 'Throttled' },
    ],
  };

  it('erase --json: the record alone on stdout, one error line on stderr naming the store and the retry', async () => {
    fakePrivacy = { erase: async () => failed };
    const run = await cli(['privacy', 'erase', 'alice', '--yes', '--json']);
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)).toEqual([failed]);
    expect(run.stderr).toBe(
      `error: erasure ${ERASURE} of alice failed (models@us-east-1: Throttled); run \`streamctl privacy erase alice --yes\` again: it erases what is left\n`,
    );
  });

  it('erase: the table shows which store failed and why', async () => {
    fakePrivacy = { erase: async () => failed };
    const run = await cli(['privacy', 'erase', 'alice', '--yes']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        'Erasure of alice on stage local',
        `  erasure:   ${ERASURE}`,
        '  status:    failed',
        `  viewer:    ${'ab'.repeat(32)} (pseudonym: records never hold the user id)`,
        '  requested: 2026-12-03 01:45:07Z, completed 2026-12-03 01:45:07Z',
        '  late events dropped until 2027-01-02 01:45:07Z',
        '  store       region     status  removed',
        '  user-state  us-east-1  done          3',
        '  models      us-east-1  failed        0',
        '  models@us-east-1 failed: Throttled',
        `Check it again: streamctl privacy status ${ERASURE}`,
        '',
      ].join('\n'),
    );
  });

  it('status of a failed erasure exits 1; of a running one, 0', async () => {
    fakePrivacy = { status: async () => failed };
    const bad = await cli(['privacy', 'status', ERASURE, '--json']);
    expect(bad.code).toBe(1);
    expect(jsonLines(bad.stdout)).toEqual([failed]);
    expect(bad.stderr).toMatch(/^error: erasure \S+ failed \(models@us-east-1: Throttled\)/);

    const { completedAt: _done, ...rest } = failed;
    fakePrivacy = { status: async () => ({ ...rest, status: 'running', stores: [] }) };
    const running = await cli(['privacy', 'status', ERASURE]);
    expect({ code: running.code, stderr: running.stderr }).toEqual({ code: 0, stderr: '' });
    expect(running.stdout).toContain('  status:    running\n');
    expect(running.stdout).toContain('  requested: 2026-12-03 01:45:07Z\n');
    expect(running.stdout).toContain('  no store reported yet\n');
  });
});
