#!/usr/bin/env node
/**
 * `publint --strict` on every package under packages/, on the tarball the
 * pinned pnpm packs (see scripts/pnpm.mjs for why never a `pnpm` found on
 * PATH): what publint lints is exactly what `pnpm publish` would upload,
 * workspace: ranges already rewritten.
 *
 *   node scripts/publint.mjs   # exits 1 when any package has an error (warnings count, --strict)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { pinnedPnpm } from './pnpm.mjs';

const exec = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The publishable packages: every packages/<dir> with a package.json that is not private. */
export function workspacePackages(root = ROOT) {
  const parent = join(root, 'packages');
  return readdirSync(parent, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(parent, entry.name, 'package.json')))
    .map((entry) => join(parent, entry.name))
    .filter((dir) => !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private);
}

/**
 * Packs every package with the pinned pnpm (one recursive `pnpm pack`) and lints each tarball.
 * @param {{ root?: string, env?: NodeJS.ProcessEnv }} [options]
 */
export async function publintWorkspace({ root = ROOT, env = process.env } = {}) {
  const pnpm = pinnedPnpm({ root, env });
  const destination = mkdtempSync(join(tmpdir(), 'streamctl-publint-'));
  try {
    await exec(
      pnpm.command,
      [
        ...pnpm.args,
        ...['-r', '--filter', './packages/*', 'pack', '--pack-destination', destination],
        '--config.ignore-scripts=true',
      ],
      { cwd: root, env, maxBuffer: 64 << 20, shell: process.platform === 'win32' },
    );
    const results = [];
    for (const file of readdirSync(destination).filter((name) => name.endsWith('.tgz'))) {
      const bytes = readFileSync(join(destination, file));
      const { messages, pkg } = await publint({
        pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
        strict: true,
      });
      results.push({
        name: pkg.name,
        messages: messages.map((message) => ({
          type: message.type,
          text: formatMessage(message, pkg) ?? message.code,
        })),
      });
    }
    const expected = workspacePackages(root).map(
      (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name,
    );
    const missing = expected.filter((name) => !results.some((result) => result.name === name));
    if (missing.length > 0) throw new Error(`pnpm pack made no tarball for ${missing.join(', ')}`);
    results.sort((a, b) => a.name.localeCompare(b.name));
    return { pnpm: { version: pnpm.version, via: pnpm.via }, packages: results };
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { pnpm, packages } = await publintWorkspace();
  console.log(`publint --strict on tarballs packed by pnpm ${pnpm.version} (${pnpm.via})`);
  let errors = 0;
  for (const { name, messages } of packages) {
    const failing = messages.filter((m) => m.type === 'error').length;
    errors += failing;
    console.log(
      `${name}: ${messages.length === 0 ? 'all good' : `${failing} error(s), ${messages.length} message(s)`}`,
    );
    for (const { type, text } of messages) console.log(`  ${type}: ${text}`);
  }
  if (errors > 0) process.exitCode = 1;
}
