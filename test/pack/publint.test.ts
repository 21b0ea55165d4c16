/**
 * The publint step on a developer's machine that already has another pnpm:
 * a `pnpm` that answers `--version` with 12.0.0 and fails anything else,
 * first on PATH and beside the node that runs the step (where nvm, Homebrew
 * and Volta put a global pnpm, and where publint's packer looks first). The
 * step must still pass, packing with the pinned pnpm.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedPnpm, pinnedPnpmVersion } from '../../scripts/pnpm.mjs';
import { workspacePackages } from '../../scripts/publint.mjs';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const PINNED = pinnedPnpmVersion(ROOT);

/** A shell script that claims to be pnpm 12 and refuses to do anything. */
const FAKE_PNPM = `#!/bin/sh
if [ "$1" = "--version" ] || [ "$1" = "-v" ]; then echo "12.0.0"; exit 0; fi
echo "fake pnpm 12.0.0 was run with: $*" >&2
exit 97
`;

/** The environment without the variables a pnpm or npm parent leaves behind. */
const clean = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST')),
);

describe.skipIf(process.platform === 'win32')('the publint step with another pnpm installed', () => {
  let machine: string;
  let node: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (workspacePackages(ROOT).some((dir) => !existsSync(join(dir, 'dist')))) {
      const pnpm = pinnedPnpm({ root: ROOT, env: process.env });
      await exec(pnpm.command, [...pnpm.args, 'run', 'build'], { cwd: ROOT, env: clean, maxBuffer: 64 << 20 });
    }
    machine = mkdtempSync(join(tmpdir(), 'streamctl-other-pnpm-'));
    writeFileSync(join(machine, 'pnpm'), FAKE_PNPM, { mode: 0o755 });
    // The running node's own binary in the same folder: a symlink would not do, node reports the resolved path.
    node = join(machine, 'node');
    try {
      linkSync(process.execPath, node);
    } catch {
      copyFileSync(process.execPath, node);
    }
    env = { ...clean, PATH: [machine, clean.PATH ?? ''].join(delimiter) };
  });

  afterAll(() => {
    if (machine) rmSync(machine, { recursive: true, force: true });
  });

  it('the fake pnpm is the one a tool finds by name (publint --strict alone fails on it)', async () => {
    const { stdout } = await exec('pnpm', ['--version'], { env });
    expect(stdout.trim()).toBe('12.0.0');
    const publint = join(ROOT, 'node_modules', 'publint', 'src', 'cli.js');
    const failed = await exec(node, [publint, '--strict'], { cwd: join(ROOT, 'packages', 'client'), env }).then(
      () => undefined,
      (err: { stdout: string; stderr: string }) => err,
    );
    expect(failed, 'publint packing with the pnpm it finds should have hit the fake').toBeDefined();
    expect(`${failed?.stdout}${failed?.stderr}`).toContain('fake pnpm 12.0.0 was run with: pack');
  });

  it('node scripts/publint.mjs packs with the pinned pnpm and passes', async () => {
    const { stdout } = await exec(node, [join(ROOT, 'scripts', 'publint.mjs')], { cwd: ROOT, env });
    expect(stdout).toContain(`packed by pnpm ${PINNED} (npx)`);
    expect(stdout).not.toContain('fake pnpm');
    const names = workspacePackages(ROOT).map(
      (dir) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name,
    );
    for (const name of names) expect(stdout).toContain(`${name}: all good`);
  });

  it('uses the pnpm running the script only when it is the pinned version', () => {
    const other = join(machine, 'other-pnpm');
    mkdirSync(join(other, 'bin'), { recursive: true });
    writeFileSync(join(other, 'package.json'), JSON.stringify({ name: 'pnpm', version: '12.0.0' }));
    writeFileSync(join(other, 'bin', 'pnpm.cjs'), 'process.exit(97);\n');
    const viaOther = pinnedPnpm({ root: ROOT, env: { ...env, npm_execpath: join(other, 'bin', 'pnpm.cjs') } });
    expect(viaOther).toMatchObject({ via: 'npx', args: ['-y', `pnpm@${PINNED}`] });

    const pinned = join(machine, 'pinned-pnpm');
    mkdirSync(join(pinned, 'bin'), { recursive: true });
    writeFileSync(join(pinned, 'package.json'), JSON.stringify({ name: 'pnpm', version: PINNED }));
    writeFileSync(join(pinned, 'bin', 'pnpm.cjs'), '');
    const execpath = join(pinned, 'bin', 'pnpm.cjs');
    expect(pinnedPnpm({ root: ROOT, env: { ...env, npm_execpath: execpath } })).toMatchObject({
      via: 'npm_execpath',
      command: process.execPath,
      args: [execpath],
    });
  });
});
