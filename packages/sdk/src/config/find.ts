/**
 * Where a config file may come from. A `.mjs`, `.js` or `.ts` config file
 * is code that runs, so the search upward from the working directory stops
 * at the project's root: a file in a folder above it (a shared `/tmp`, a
 * parent checkout, someone else's folder) is never loaded.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** File names searched for, in this order, in each directory upward from the working directory. */
export const CONFIG_FILE_NAMES = [
  'streamctl.config.json',
  'streamctl.config.mjs',
  'streamctl.config.js',
  'streamctl.config.ts',
] as const;

/** Options of {@link findProjectRoot} and {@link findConfigFile}. */
export interface ProjectSearchOptions {
  /** The user's home folder, above which nothing is searched. Default: `os.homedir()`. */
  home?: string;
}

/** True when `dir` is the root of a workspace: pnpm's file, or a package.json naming `workspaces` (npm, yarn). */
function isWorkspaceRoot(dir: string): boolean {
  if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return true;
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
    return parsed.workspaces !== undefined;
  } catch {
    // A package.json that is not JSON still marks a package; it names no workspace.
    return false;
  }
}

/**
 * The root of the project that `cwd` is in: the folder where the search for a
 * config file ends. Walking up from `cwd`, the walk ends at the first folder
 * holding `.git`, at the home folder, or at the filesystem root; within that
 * walk the root is
 *
 * 1. the nearest workspace root (`pnpm-workspace.yaml`, or a `package.json`
 *    with `workspaces`): in a monorepo the repository's config is found from
 *    any of its packages, whose own package.json files do not count;
 * 2. else the nearest folder with a `package.json` (a plain project);
 * 3. else the folder holding `.git`, or the home folder, where the walk ended;
 * 4. else (the walk reached `/` and found none of these) `cwd` itself.
 *
 * @example
 * ```ts
 * findProjectRoot('/repo/packages/cli'); // "/repo" (it has pnpm-workspace.yaml)
 * findProjectRoot('/srv/app/src');       // "/srv/app" (package.json, no workspace above)
 * ```
 */
export function findProjectRoot(cwd: string, options: ProjectSearchOptions = {}): string {
  const start = resolve(cwd);
  const home = resolve(options.home ?? homedir());
  let nearestPackage: string | undefined;
  for (let dir = start; ; dir = dirname(dir)) {
    if (isWorkspaceRoot(dir)) return dir;
    if (!nearestPackage && existsSync(join(dir, 'package.json'))) nearestPackage = dir;
    if (existsSync(join(dir, '.git')) || dir === home) return nearestPackage ?? dir;
    if (dirname(dir) === dir) return nearestPackage ?? start;
  }
}

/**
 * Finds the nearest config file from `cwd` up to its project root
 * ({@link findProjectRoot}), or undefined. Nothing above the project root is
 * looked at, so a config file there is never loaded (nor, for `.mjs`, `.js`
 * and `.ts`, run).
 *
 * @example
 * ```ts
 * findConfigFile('/repo/packages/cli'); // "/repo/streamctl.config.json"
 * ```
 */
export function findConfigFile(cwd: string, options: ProjectSearchOptions = {}): string | undefined {
  const root = findProjectRoot(cwd, options);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}
