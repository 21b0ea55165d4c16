/**
 * `streamctl keys` in-process on the local stage (the key set in a data dir
 * of its own): the first rotation makes the set, the next switches signing
 * and holds the old key, retire keeps it while its grants may live, the
 * command line is checked before anything changes, and a run that loses to
 * another operator says so in one line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../../../test/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'streamctl-keys-'));
const dataDir = join(dir, 'data');
const local = ['--stage', 'local', '--data-dir', dataDir];
const env = { STREAMCTL_SESSIONS_GRANT_SECONDS: '600' };

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

interface Listing {
  backend: string;
  active?: string;
  keys: { keyPairId: string; status: string; retireAfter?: string }[];
}

describe('streamctl keys', () => {
  it('list, rotate, rotate again, retire: one active key, the old one held for the longest grant', async () => {
    const empty = await runCli(['keys', 'list', ...local], { cwd: dir, env });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('No signing keys');

    const first = await runCli(['keys', 'rotate', ...local, '--yes', '--json'], { cwd: dir, env });
    expect(first.code).toBe(0);
    const [made] = jsonLines(first.stdout) as [{ created: boolean; activated: string; backend: string }];
    expect(made).toMatchObject({ created: true, backend: 'local' });

    const before = Date.now();
    const second = await runCli(['keys', 'rotate', ...local, '--yes', '--json'], { cwd: dir, env });
    expect(second.code).toBe(0);
    const [rotated] = jsonLines(second.stdout) as [
      { activated: string; retiring: { keyPairId: string; retireAfter: string }; retired: string[] },
    ];
    expect(rotated.activated).not.toBe(made.activated);
    expect(rotated.retiring.keyPairId).toBe(made.activated);
    // 600 s grants round up to 120 s buckets: the old key is trusted 720 s past the switch.
    const held = Date.parse(rotated.retiring.retireAfter) - before;
    expect(held).toBeGreaterThanOrEqual(720_000);
    expect(held).toBeLessThan(720_000 + 30_000);

    const listed = await runCli(['keys', 'list', ...local, '--json'], { cwd: dir, env });
    const [listing] = jsonLines(listed.stdout) as [Listing];
    expect(listing.active).toBe(rotated.activated);
    expect(listing.keys.map((k) => [k.keyPairId, k.status])).toEqual([
      [made.activated, 'retiring'],
      [rotated.activated, 'active'],
    ]);
    // Never a private key in what list prints, in either form.
    expect(listed.stdout).not.toContain('PRIVATE KEY');
    const human = await runCli(['keys', 'list', ...local], { cwd: dir, env });
    expect(human.stdout).toContain(`${made.activated}  retiring  trusted until ${rotated.retiring.retireAfter}`);
    expect(human.stdout).not.toContain('PRIVATE KEY');

    const retire = await runCli(['keys', 'retire', ...local, '--yes'], { cwd: dir, env });
    expect(retire.code).toBe(0);
    expect(retire.stdout).toContain('nothing to retire');
    const stored = JSON.parse(readFileSync(join(dataDir, 'keys', 'cloudfront.json'), 'utf8')) as Listing;
    expect(stored.keys).toHaveLength(2);
  }, 30_000);

  it('asks before changing keys, and checks its flags first', async () => {
    const noTerminal = await runCli(['keys', 'rotate', ...local], { cwd: dir, env });
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain('--yes');
    const badTimeout = await runCli(['keys', 'rotate', ...local, '--timeout', 'soon', '--yes'], { cwd: dir, env });
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout');
    const help = await runCli(['keys', '--help'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/rotate[\s\S]*retire/);
  }, 30_000);

  it('a rotation that loses to another operator prints one line, exits 1 and leaves their set as it was', async () => {
    const raceDir = join(dir, 'race');
    const flags = ['--stage', 'local', '--data-dir', raceDir];
    const made = await runCli(['keys', 'rotate', ...flags, '--yes'], { cwd: dir, env });
    expect(made.code).toBe(0);
    const file = join(raceDir, 'keys', 'cloudfront.json');
    const before = readFileSync(file, 'utf8');
    // Another `keys` run, alive, is in the middle of writing the set (and stays there).
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    children.push(other);
    await new Promise((resolve) => other.once('spawn', resolve));
    writeFileSync(`${file}.lock`, String(other.pid));
    const lost = await runCli(['keys', 'rotate', ...flags, '--yes'], { cwd: dir, env });
    expect(lost.code).toBe(1);
    // The spinner's line, then the error: one line saying what happened and what to run next.
    const errors = lost.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`pid ${other.pid}`);
    expect(errors[0]).toContain('streamctl keys list');
    expect(lost.stderr.trimEnd().endsWith(errors[0] as string)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(before);
  }, 30_000);
});
