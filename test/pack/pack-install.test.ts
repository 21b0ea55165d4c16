/**
 * What npm users get: pack the client, the SDK, the local platform, server,
 * workers and CLI with `pnpm pack`, install the tarballs into fresh projects
 * with npm, and run them from there.
 *
 * The client alone (what a browser app installs) brings zod and nothing else:
 * no AWS SDK, no Smithy. The SDK alone (with the client it depends on)
 * installs no emulator (dynalite, kinesalite, s3rver and their LevelDB
 * stores) and no Redis client; its createRedisCache then says how to add
 * ioredis. Everything together gives `streamctl --version`, SDK imports, and
 * a real `streamctl dev` process that must be ready within 20 s and stop on
 * SIGINT within 5 s, freeing its ports.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canConnect } from '../../scripts/net.mjs';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const PACKAGES = ['client', 'sdk', 'local', 'server', 'workers', 'cli'] as const;
type PackageDir = (typeof PACKAGES)[number];

/** What an app that installs only the SDK must not get. */
const NOT_WITH_THE_SDK = ['dynalite', 'kinesalite', 's3rver', 'leveldown', 'classic-level', 'level', 'ioredis'];

/** The only packages an app that installs only the client may get. */
const WITH_THE_CLIENT = ['@streamctl/client', 'zod'];

/** pnpm as the scripts run it, or the pinned version through npx when vitest runs alone. */
function pnpm(): [string, string[]] {
  const execpath = process.env.npm_execpath;
  if (execpath?.includes('pnpm')) return [process.execPath, [execpath]];
  const pinned = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { packageManager: string })
    .packageManager;
  return ['npx', ['-y', pinned]];
}

/** True when something still listens on the URL's port. */
const portOpenUrl = (url: string) => canConnect(Number(new URL(url).port), new URL(url).hostname);

// A clean environment: no CI tooling variables that change npm's behaviour, no stage settings.
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) =>
      !k.startsWith('STREAMCTL_') &&
      !k.startsWith('npm_') &&
      k !== 'NODE_OPTIONS' &&
      k !== 'VITEST' &&
      !k.startsWith('VITEST_'),
  ),
);

/** Every package name in a node_modules tree, nested node_modules included. */
function installedPackages(dir: string, found = new Set<string>()): Set<string> {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const names = entry.name.startsWith('@')
      ? readdirSync(join(dir, entry.name)).map((scoped) => `${entry.name}/${scoped}`)
      : [entry.name];
    for (const name of names) {
      found.add(name);
      installedPackages(join(dir, name, 'node_modules'), found);
    }
  }
  return found;
}

/** A fresh npm project with these tarballs installed. */
async function installInto(files: string[]): Promise<string> {
  const project = mkdtempSync(join(tmpdir(), 'streamctl-pack-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], {
    cwd: project,
    env,
    maxBuffer: 16 << 20,
  });
  return project;
}

/** The size of a project's node_modules in bytes (`du -sb`). */
async function nodeModulesBytes(project: string): Promise<number> {
  const { stdout } = await exec('du', ['-sb', 'node_modules'], { cwd: project, env });
  return Number.parseInt(stdout, 10);
}

/** Runs an ES module script with node in a project; returns its stdout parsed as JSON. */
async function runScript(project: string, lines: string[]): Promise<unknown> {
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', lines.join('\n')], {
    cwd: project,
    env,
  });
  return JSON.parse(stdout);
}

const tarballs = {} as Record<PackageDir, string>;

beforeAll(async () => {
  if (PACKAGES.some((p) => !existsSync(join(ROOT, 'packages', p, 'dist', 'index.js')))) {
    const [cmd, args] = pnpm();
    await exec(cmd, [...args, 'run', 'build'], { cwd: ROOT, env });
  }
  const destination = mkdtempSync(join(tmpdir(), 'streamctl-tarballs-'));
  for (const name of PACKAGES) {
    const [cmd, args] = pnpm();
    const { stdout } = await exec(cmd, [...args, 'pack', '--pack-destination', destination], {
      cwd: join(ROOT, 'packages', name),
      env,
    });
    const tarball = stdout.trim().split('\n').pop() ?? '';
    expect(tarball).toMatch(/\.tgz$/);
    tarballs[name] = tarball;
  }
});

describe('the packed client alone', () => {
  let project: string;

  beforeAll(async () => {
    project = await installInto([tarballs.client]);
  });

  it('installs zod and nothing else (no AWS SDK, no Smithy), and reports its size', async () => {
    const installed = installedPackages(join(project, 'node_modules'));
    expect([...installed].filter((name) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/'))).toEqual([]);
    expect([...installed].sort()).toEqual(WITH_THE_CLIENT);
    const bytes = await nodeModulesBytes(project);
    console.log(
      `[pack] @streamctl/client alone: node_modules ${bytes} bytes (${(bytes / 1e6).toFixed(1)} MB), ${installed.size} packages`,
    );
  });

  it('imports, subpaths included, and its createClient calls the API through fetch', async () => {
    const result = await runScript(project, [
      "const { ApiError, createClient } = await import('@streamctl/client');",
      "const { IdSchema } = await import('@streamctl/client/contract');",
      "const { StreamctlError } = await import('@streamctl/client/errors');",
      'const seen = [];',
      'const fetch = async (url, init) => {',
      "  seen.push([init.method, url, init.headers.authorization].join(' '));",
      "  return url.endsWith('/health')",
      "    ? Response.json({ stage: 'qa', healthy: true })",
      "    : Response.json({ error: { code: 'NOT_FOUND', message: 'no title t9' } }, { status: 404 });",
      '};',
      "const api = createClient({ baseUrl: 'http://api.test/', token: () => 'tok', fetch });",
      'const health = await api.health();',
      "const error = await api.title('t9').then(() => undefined, (err) => err);",
      'console.log(JSON.stringify({ health, seen, api: error instanceof ApiError, family: error instanceof StreamctlError,',
      "  code: error?.code, status: error?.status, id: IdSchema.safeParse('a b').success }));",
    ]);
    expect(result).toEqual({
      health: { stage: 'qa', healthy: true },
      seen: ['GET http://api.test/health Bearer tok', 'GET http://api.test/v1/titles/t9 Bearer tok'],
      api: true,
      family: true,
      code: 'NOT_FOUND',
      status: 404,
      id: false,
    });
  });
});

describe('the packed SDK alone', () => {
  let project: string;

  beforeAll(async () => {
    // The SDK depends on @streamctl/client, which is not on the registry: its tarball comes along.
    project = await installInto([tarballs.client, tarballs.sdk]);
  });

  it('installs no emulator, LevelDB store or Redis client, and reports its size', async () => {
    const installed = installedPackages(join(project, 'node_modules'));
    expect(installed.has('@streamctl/sdk')).toBe(true);
    expect(installed.has('@streamctl/client')).toBe(true);
    expect(NOT_WITH_THE_SDK.filter((name) => installed.has(name))).toEqual([]);
    expect(installed.has('@streamctl/local')).toBe(false);
    const bytes = await nodeModulesBytes(project);
    console.log(
      `[pack] @streamctl/sdk alone: node_modules ${bytes} bytes (${(bytes / 1e6).toFixed(1)} MB), ${installed.size} packages`,
    );
  });

  it('imports, the local state subpath included, without the local platform', async () => {
    const result = await runScript(project, [
      "const sdk = await import('@streamctl/sdk');",
      "const local = await import('@streamctl/sdk/local');",
      'console.log(JSON.stringify({ createPlatform: typeof sdk.createPlatform, readState: typeof local.readLocalPlatformState,',
      '  start: typeof local.startLocalPlatform }));',
    ]);
    expect(result).toEqual({ createPlatform: 'function', readState: 'function', start: 'undefined' });
  });

  it("has one error family: the SDK's errors, its client and @streamctl/client share one StreamctlError", async () => {
    const result = await runScript(project, [
      "const sdk = await import('@streamctl/sdk');",
      "const errors = await import('@streamctl/sdk/errors');",
      "const sdkClient = await import('@streamctl/sdk/client');",
      "const client = await import('@streamctl/client');",
      "const own = await import('@streamctl/client/errors');",
      "const wrapped = errors.wrapAwsError(Object.assign(new Error('x'), { name: 'ThrottlingException' }), 'kinesis:PutRecords');",
      'console.log(JSON.stringify({ same: sdk.StreamctlError === own.StreamctlError && errors.StreamctlError === own.StreamctlError,',
      '  client: sdkClient.createClient === client.createClient, wrapped: wrapped instanceof own.StreamctlError,',
      '  api: new sdkClient.ApiError(404, "NOT_FOUND", "x") instanceof errors.StreamctlError }));',
    ]);
    expect(result).toEqual({ same: true, client: true, wrapped: true, api: true });
  });

  it('createRedisCache without ioredis fails with TOOL_MISSING and says to install it', async () => {
    const result = await runScript(project, [
      "const { createRedisCache } = await import('@streamctl/sdk');",
      "const error = await createRedisCache('redis://127.0.0.1:9').then(() => undefined, (err) => err);",
      'console.log(JSON.stringify({ code: error?.code, hint: error?.hint }));',
    ]);
    expect(result).toEqual({ code: 'TOOL_MISSING', hint: expect.stringContaining('install ioredis') });
  });
});

describe('packed packages install and run', () => {
  let project: string;
  let bin: string;
  let dev: ChildProcess | undefined;

  beforeAll(async () => {
    project = await installInto(PACKAGES.map((name) => tarballs[name]));
    bin = join(project, 'node_modules', '.bin', 'streamctl');
  });

  afterAll(() => {
    if (dev && dev.exitCode === null) dev.kill('SIGKILL');
  });

  it('streamctl --version prints the version and nothing else', async () => {
    const { stdout, stderr } = await exec(bin, ['--version'], { cwd: project, env });
    const version = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string })
      .version;
    expect(stdout.trim()).toBe(version);
    expect(stderr).toBe('');
  });

  it('the workspace dependencies were rewritten to versions', () => {
    const dependencies = (name: string) =>
      (
        JSON.parse(readFileSync(join(project, `node_modules/@streamctl/${name}/package.json`), 'utf8')) as {
          dependencies: Record<string, string>;
        }
      ).dependencies;
    expect(dependencies('sdk')['@streamctl/client']).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(dependencies('cli')['@streamctl/sdk']).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(dependencies('cli')['@streamctl/local']).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(dependencies('local')['@streamctl/sdk']).toMatch(/^\^\d+\.\d+\.\d+$/);
  });

  it('the SDK and the local platform import from the installed packages, subpaths included', async () => {
    const result = await runScript(project, [
      "const sdk = await import('@streamctl/sdk');",
      "const errors = await import('@streamctl/sdk/errors');",
      "const state = await import('@streamctl/sdk/local');",
      "const local = await import('@streamctl/local');",
      "const c = await sdk.resolveConfig({ flags: { stage: 'qa' }, env: {}, configFile: false });",
      'console.log(JSON.stringify({ createPlatform: typeof sdk.createPlatform, table: c.resources.catalogTable,',
      '  error: new errors.StreamctlError("NOT_FOUND", "x").code, readState: typeof state.readLocalPlatformState,',
      '  start: typeof local.startLocalPlatform }));',
    ]);
    expect(result).toEqual({
      createPlatform: 'function',
      table: 'streamctl-qa-catalog',
      error: 'NOT_FOUND',
      readState: 'function',
      start: 'function',
    });
  });

  it('streamctl dev is ready within 20 s, healthy, and stops on SIGINT within 5 s', async () => {
    const dataDir = join(project, 'data');
    const started = Date.now();
    dev = spawn(bin, ['dev', '--json', '--data-dir', dataDir], {
      cwd: project,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    dev.stderr?.on('data', (d) => {
      stderr += d;
    });
    const ready = await new Promise<Record<string, string>>((resolve, reject) => {
      let out = '';
      dev?.stdout?.on('data', (d) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as Record<string, string>);
      });
      dev?.once('exit', (code) => reject(new Error(`dev exited early (${code}): ${stderr}`)));
    });
    const readyMs = Date.now() - started;
    expect(readyMs).toBeLessThan(20_000);
    expect(Object.keys(ready)).toEqual(['event', 'api', 'edge', 'dynamodb', 'kinesis', 's3', 'engines']);
    // The default profile: Node-only engines, named per part.
    expect((ready as { engines?: unknown }).engines).toEqual({
      dynamodb: 'dynalite',
      kinesis: 'kinesalite',
      s3: 's3rver',
    });

    const status = await exec(bin, ['status', '--stage', 'local', '--json'], {
      cwd: project,
      env: { ...env, STREAMCTL_DATA_DIR: dataDir },
    });
    const report = JSON.parse(status.stdout) as { healthy: boolean };
    expect(report.healthy).toBe(true);
    expect(status.stderr).toBe('');

    const stopping = Date.now();
    const exited = new Promise<number | null>((resolve) => dev?.once('exit', (code) => resolve(code)));
    dev.kill('SIGINT');
    const code = await exited;
    const stopMs = Date.now() - stopping;
    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(5_000);
    for (const name of ['api', 'edge', 'dynamodb', 'kinesis', 's3']) {
      expect(await portOpenUrl(ready[name] as string)).toBe(false);
    }
    expect(stderr).toBe('');
    console.log(`[pack] streamctl dev ready in ${readyMs} ms, stopped in ${stopMs} ms`);
  });
});
