/**
 * The data dir of the embedded platform: its layout, the single-owner lock,
 * and the state file through which other commands find a running platform.
 */
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { EngineProfile, ResourceNames } from '../config/index.js';
import { ErrorCode, StreamctlError } from '../errors/index.js';

/** The parts of the embedded platform, in the order the ready line lists them. */
export const PART_ORDER = ['api', 'edge', 'dynamodb', 'kinesis', 's3'] as const;

/** The name of a part of the embedded platform. */
export type PartName = (typeof PART_ORDER)[number];

/** The engine behind each emulated part (`dynalite`, `dynamodb-local`, `kinesalite`, `kinesis-mock`, `s3rver`). */
export type PartEngines = Partial<Record<'dynamodb' | 'kinesis' | 's3', string>>;

/** What a running `streamctl dev` writes into its data dir. */
export interface LocalPlatformState {
  version: 1;
  pid: number;
  startedAt: string;
  region: string;
  /** Names of the tables, stream and buckets this platform created. */
  resources: ResourceNames;
  /** URL of each running part. */
  parts: Partial<Record<PartName, string>>;
  /** The engine profile it runs (absent in state files older than profiles: `embedded`). */
  engineProfile?: EngineProfile;
  /** The engine of each emulated part. */
  engines?: PartEngines;
}

/**
 * Paths inside a data dir.
 *
 * @example
 * ```ts
 * const { stateFile, keys } = dataDirLayout('.streamctl/local');
 * ```
 */
export function dataDirLayout(dataDir: string) {
  return {
    root: dataDir,
    dynamodb: join(dataDir, 'dynamodb'),
    kinesis: join(dataDir, 'kinesis'),
    /** DynamoDB Local's database (aws-local): SQLite, which dynalite's LevelDB folder cannot share. */
    dynamodbLocal: join(dataDir, 'dynamodb-local'),
    /** kinesis-mock's persisted streams (aws-local). */
    kinesisMock: join(dataDir, 'kinesis-mock'),
    s3: join(dataDir, 's3'),
    keys: join(dataDir, 'keys'),
    stateFile: join(dataDir, 'platform.json'),
    lockFile: join(dataDir, 'dev.lock'),
  };
}

/**
 * True when a process with this pid exists (signal 0 probes without killing).
 *
 * @example
 * ```ts
 * isProcessAlive(readLocalPlatformState(dataDir).pid);
 * ```
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data dir for this process. A second `streamctl dev` on the same
 * dir fails with a clear error; a lock left by a dead process is taken over.
 * Returns the function that releases the lock.
 *
 * @example
 * ```ts
 * const release = acquireDataDirLock('.streamctl/local');
 * try {
 *   // start the platform
 * } finally {
 *   release();
 * }
 * ```
 */
export function acquireDataDirLock(dataDir: string): () => void {
  const { lockFile } = dataDirLayout(dataDir);
  // Raw masters, tables and keys live here: only their owner may read them.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        if (readPid(lockFile) === process.pid) rmSync(lockFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readPid(lockFile);
      if (owner !== undefined && owner !== process.pid && isProcessAlive(owner)) {
        throw new StreamctlError(
          ErrorCode.LocalAlreadyRunning,
          `Another streamctl dev (pid ${owner}) is already using the data dir ${dataDir}`,
          {
            hint: 'stop it with Ctrl-C, or start this one with another `--data-dir`',
            details: { pid: owner, dataDir },
          },
        );
      }
      if (owner === process.pid) {
        throw new StreamctlError(
          ErrorCode.LocalAlreadyRunning,
          `A local platform in this process (pid ${owner}) is already using the data dir ${dataDir}`,
          { hint: 'stop the running platform first', details: { pid: owner, dataDir } },
        );
      }
      // The owner is gone (crashed or killed): the lock is stale.
      try {
        unlinkSync(lockFile);
      } catch {
        // Another starter removed it first; the next attempt decides.
      }
    }
  }
  throw new StreamctlError(ErrorCode.LocalAlreadyRunning, `Could not lock the data dir ${dataDir}`, {
    hint: 'another streamctl dev is starting on it; wait, or use another `--data-dir`',
  });
}

/**
 * Writes the state file atomically (write, then rename), so readers never see half a file.
 *
 * @example
 * ```ts
 * writeState(dataDir, { version: 1, pid: process.pid, startedAt, region, resources, parts });
 * ```
 */
export function writeState(dataDir: string, state: LocalPlatformState): void {
  const { stateFile } = dataDirLayout(dataDir);
  const tmp = `${stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, stateFile);
}

/**
 * Removes the state file if this process wrote it.
 *
 * @example
 * ```ts
 * clearState('.streamctl/local');
 * ```
 */
export function clearState(dataDir: string): void {
  const { stateFile } = dataDirLayout(dataDir);
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as LocalPlatformState;
    if (state.pid === process.pid) rmSync(stateFile, { force: true });
  } catch {
    // No state file: nothing to clear.
  }
}

/**
 * Reads the state of the platform running on a data dir.
 * Throws `LOCAL_NOT_RUNNING` when none is (no state file, or its process is gone).
 *
 * @example
 * ```ts
 * const state = readLocalPlatformState('.streamctl/local');
 * state.parts.dynamodb; // "http://127.0.0.1:43817"
 * ```
 */
export function readLocalPlatformState(dataDir: string): LocalPlatformState {
  const { stateFile } = dataDirLayout(dataDir);
  let state: LocalPlatformState;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as LocalPlatformState;
  } catch {
    throw notRunning(dataDir);
  }
  if (state.version !== 1 || !isProcessAlive(state.pid)) throw notRunning(dataDir);
  return state;
}

function notRunning(dataDir: string): StreamctlError {
  return new StreamctlError(ErrorCode.LocalNotRunning, `The local platform is not running (data dir ${dataDir})`, {
    hint: 'start it in another terminal with `streamctl dev`, or pass the --data-dir it uses',
    details: { dataDir },
  });
}

/**
 * The engine of each emulated part of the platform running on a data dir,
 * or `undefined` when none runs (or it predates engine profiles).
 *
 * @example
 * ```ts
 * runningEngines('.streamctl/local'); // { dynamodb: 'dynamodb-local', kinesis: 'kinesis-mock', s3: 's3rver' }
 * ```
 */
export function runningEngines(dataDir: string): PartEngines | undefined {
  try {
    return readLocalPlatformState(dataDir).engines;
  } catch {
    return undefined;
  }
}
