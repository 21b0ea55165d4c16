#!/usr/bin/env node
/**
 * The pnpm this repository pins (`packageManager` in package.json), whatever
 * pnpm a machine already has.
 *
 * A `pnpm` found by name is not enough: tools that spawn it (publint's packer
 * through tinyexec, for one) put the directory of the running node first on
 * PATH, so a global pnpm installed beside node (nvm, Homebrew, Volta) wins
 * over the one the README's `npx -y pnpm@…` put there. A different major then
 * tries to download the pinned one, and fails offline. So scripts that need
 * pnpm run it by path: the pnpm running the script (`npm_execpath`) when it is
 * the pinned version, else the pinned version through npx.
 *
 *   node scripts/pnpm.mjs <args>   # runs the pinned pnpm with <args>
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The version in the root package.json's `packageManager` (`pnpm@10.34.8` → `10.34.8`). */
export function pinnedPnpmVersion(root = ROOT) {
  const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const match = /^pnpm@(\d+\.\d+\.\d+[^+]*)/.exec(packageManager ?? '');
  if (!match?.[1]) throw new Error(`package.json packageManager is "${packageManager}", not pnpm@<version>`);
  return match[1];
}

/** The version of the pnpm package an execpath (…/pnpm/bin/pnpm.cjs or @pnpm/exe's binary) belongs to. */
function versionOf(execpath) {
  for (const manifest of [join(dirname(execpath), '..', 'package.json'), join(dirname(execpath), 'package.json')]) {
    if (!existsSync(manifest)) continue;
    const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'));
    if (name === 'pnpm' || name === '@pnpm/exe') return version;
  }
  return undefined;
}

/**
 * How to run the pinned pnpm: a command and the arguments that come before pnpm's own.
 * @param {{ root?: string, env?: NodeJS.ProcessEnv }} [options]
 */
export function pinnedPnpm({ root = ROOT, env = process.env } = {}) {
  const version = pinnedPnpmVersion(root);
  const execpath = env.npm_execpath;
  if (execpath && /pnpm/.test(execpath) && existsSync(execpath) && versionOf(execpath) === version) {
    const script = /\.[cm]?js$/.test(execpath);
    return {
      version,
      via: 'npm_execpath',
      command: script ? process.execPath : execpath,
      args: script ? [execpath] : [],
    };
  }
  return {
    version,
    via: 'npx',
    command: process.platform === 'win32' ? 'npx.cmd' : 'npx',
    args: ['-y', `pnpm@${version}`],
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const pnpm = pinnedPnpm();
  const child = spawn(pnpm.command, [...pnpm.args, ...process.argv.slice(2)], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  child.on('close', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}
