/**
 * What npm users get: pack the SDK, server, workers and CLI with `pnpm pack`, install
 * the tarballs into a fresh project with npm, and run them from there:
 * `streamctl --version`, an SDK import, and a real `streamctl dev` process
 * that must be ready within 20 s and stop on SIGINT within 5 s, freeing its ports.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canConnect } from '../../scripts/net.mjs';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const PACKAGES = ['sdk', 'server', 'workers', 'cli'] as const;

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

describe('packed packages install and run', () => {
  const project = mkdtempSync(join(tmpdir(), 'streamctl-pack-'));
  const bin = join(project, 'node_modules', '.bin', 'streamctl');
  let dev: ChildProcess | undefined;

  beforeAll(async () => {
    if (PACKAGES.some((p) => !existsSync(join(ROOT, 'packages', p, 'dist', 'index.js')))) {
      const [cmd, args] = pnpm();
      await exec(cmd, [...args, 'run', 'build'], { cwd: ROOT, env });
    }
    const tarballs: string[] = [];
    for (const name of PACKAGES) {
      const [cmd, args] = pnpm();
      const { stdout } = await exec(cmd, [...args, 'pack', '--pack-destination', project], {
        cwd: join(ROOT, 'packages', name),
        env,
      });
      const tarball = stdout.trim().split('\n').pop() ?? '';
      expect(tarball).toMatch(/\.tgz$/);
      tarballs.push(tarball);
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], {
      cwd: project,
      env,
      maxBuffer: 16 << 20,
    });
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
    const cli = JSON.parse(readFileSync(join(project, 'node_modules/@streamctl/cli/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(cli.dependencies['@streamctl/sdk']).toMatch(/^\^\d+\.\d+\.\d+$/);
  });

  it('the SDK imports from the installed package, subpaths included', async () => {
    const script = [
      "const sdk = await import('@streamctl/sdk');",
      "const errors = await import('@streamctl/sdk/errors');",
      "const local = await import('@streamctl/sdk/local');",
      "const c = await sdk.resolveConfig({ flags: { stage: 'qa' }, env: {}, configFile: false });",
      'console.log(JSON.stringify({ createPlatform: typeof sdk.createPlatform, table: c.resources.catalogTable,',
      '  error: new errors.StreamctlError("NOT_FOUND", "x").code, start: typeof local.startLocalPlatform }));',
    ].join('\n');
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env });
    expect(JSON.parse(stdout)).toEqual({
      createPlatform: 'function',
      table: 'streamctl-qa-catalog',
      error: 'NOT_FOUND',
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
    expect(Object.keys(ready)).toEqual(['event', 'api', 'edge', 'dynamodb', 'kinesis', 's3']);

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
