/**
 * `streamctl keys` in-process on the local stage (the key set in a data dir
 * of its own): the first rotation makes the set, the next switches signing
 * and holds the old key, retire keeps it while its grants may live, and the
 * command line is checked before anything changes.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../../../test/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'streamctl-keys-'));
const dataDir = join(dir, 'data');
const local = ['--stage', 'local', '--data-dir', dataDir];
const env = { STREAMCTL_SESSIONS_GRANT_SECONDS: '600' };

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
});
