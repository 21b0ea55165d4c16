import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile, findProjectRoot } from './find.js';
import { resolveConfig } from './index.js';

/** A fresh folder tree under the system temp dir: `files` maps relative paths to contents ('' for a folder). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'streamctl-find-'));
  for (const [path, body] of Object.entries(files)) {
    const full = join(root, path);
    if (path.endsWith('/')) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, body);
    }
  }
  return root;
}

/** A config module that leaves a file behind if it is ever run. */
const tripwire = (root: string) =>
  `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(join(root, 'RAN'))}, 'yes');\nexport default { stage: 'planted' };\n`;

describe('the project root', () => {
  it('is the folder with package.json in a plain project, found from any folder inside it', () => {
    const root = tree({ 'app/package.json': '{"name":"app"}', 'app/src/deep/': '' });
    expect(findProjectRoot(join(root, 'app', 'src', 'deep'), { home: '/nowhere' })).toBe(join(root, 'app'));
    expect(findProjectRoot(join(root, 'app'), { home: '/nowhere' })).toBe(join(root, 'app'));
  });

  it("is the workspace's root in a monorepo: a package's own package.json does not end the search", () => {
    const root = tree({
      'repo/.git/': '',
      'repo/pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n",
      'repo/package.json': '{"private":true}',
      'repo/packages/cli/package.json': '{"name":"@x/cli"}',
      'repo/packages/cli/src/': '',
    });
    expect(findProjectRoot(join(root, 'repo', 'packages', 'cli', 'src'), { home: '/nowhere' })).toBe(
      join(root, 'repo'),
    );
    // npm and yarn workspaces: package.json names them.
    const npm = tree({
      'mono/package.json': '{"private":true,"workspaces":["pkgs/*"]}',
      'mono/pkgs/a/package.json': '{"name":"a"}',
    });
    expect(findProjectRoot(join(npm, 'mono', 'pkgs', 'a'), { home: '/nowhere' })).toBe(join(npm, 'mono'));
  });

  it('is the folder with .git when no package.json is on the way, and never above the home folder', () => {
    const git = tree({ 'repo/.git/': '', 'repo/a/b/': '' });
    expect(findProjectRoot(join(git, 'repo', 'a', 'b'), { home: '/nowhere' })).toBe(join(git, 'repo'));
    const home = tree({ 'me/videos/x/': '' });
    expect(findProjectRoot(join(home, 'me', 'videos', 'x'), { home: join(home, 'me') })).toBe(join(home, 'me'));
  });

  it('is the working directory itself when nothing marks a project up to the filesystem root', () => {
    const bare = tree({ 'a/b/': '' });
    expect(findProjectRoot(join(bare, 'a', 'b'), { home: '/nowhere' })).toBe(join(bare, 'a', 'b'));
  });
});

describe('findConfigFile stops at the project root', () => {
  it("finds the repository's config from a package of the monorepo", () => {
    const root = tree({
      'repo/.git/': '',
      'repo/pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n",
      'repo/streamctl.config.json': '{}',
      'repo/packages/server/package.json': '{"name":"@x/server"}',
    });
    expect(findConfigFile(join(root, 'repo', 'packages', 'server'), { home: '/nowhere' })).toBe(
      join(root, 'repo', 'streamctl.config.json'),
    );
  });

  it('a config in a parent of a plain project root is never executed', async () => {
    const root = tree({ 'proj/package.json': '{"name":"proj"}', 'proj/src/': '' });
    writeFileSync(join(root, 'streamctl.config.mjs'), tripwire(root));
    const cwd = join(root, 'proj', 'src');
    expect(findConfigFile(cwd)).toBeUndefined();
    const config = await resolveConfig({ env: {}, cwd });
    expect(config.configFile).toBeUndefined();
    expect(config.stage).toBe('local');
    expect(existsSync(join(root, 'RAN'))).toBe(false);
  });

  it('a config in a parent of a monorepo root is never executed, from the root or a package', async () => {
    const root = tree({
      'repo/.git/': '',
      'repo/pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n",
      'repo/packages/cli/package.json': '{"name":"@x/cli"}',
    });
    writeFileSync(join(root, 'streamctl.config.ts'), tripwire(root));
    for (const cwd of [join(root, 'repo'), join(root, 'repo', 'packages', 'cli')]) {
      expect(findConfigFile(cwd)).toBeUndefined();
      expect((await resolveConfig({ env: {}, cwd })).configFile).toBeUndefined();
    }
    expect(existsSync(join(root, 'RAN'))).toBe(false);
  });

  it('outside any project only the working directory counts: a planted file in a shared parent is ignored', async () => {
    const root = tree({ 'shared/mine/': '' });
    writeFileSync(join(root, 'shared', 'streamctl.config.mjs'), tripwire(root));
    const cwd = join(root, 'shared', 'mine');
    expect(findConfigFile(cwd, { home: '/nowhere' })).toBeUndefined();
    expect((await resolveConfig({ env: {}, cwd })).configFile).toBeUndefined();
    expect(existsSync(join(root, 'RAN'))).toBe(false);
    // Run from the folder that holds it, it is the working directory's own file.
    expect(findConfigFile(join(root, 'shared'), { home: '/nowhere' })).toBe(
      join(root, 'shared', 'streamctl.config.mjs'),
    );
  });

  it('reaches the home folder but never looks above it', () => {
    const root = tree({ 'home/me/videos/x/': '', 'home/me/streamctl.config.json': '{}' });
    writeFileSync(join(root, 'home', 'streamctl.config.json'), '{}');
    const home = join(root, 'home', 'me');
    expect(findConfigFile(join(home, 'videos', 'x'), { home })).toBe(join(home, 'streamctl.config.json'));
    const other = tree({ 'home/me/videos/x/': '' });
    writeFileSync(join(other, 'home', 'streamctl.config.json'), '{}');
    expect(findConfigFile(join(other, 'home', 'me', 'videos', 'x'), { home: join(other, 'home', 'me') })).toBe(
      undefined,
    );
  });
});
