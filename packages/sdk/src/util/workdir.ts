import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Temporary folders are named `streamctl-<purpose>-<pid>-XXXXXX`: the pid says whose they are. */
const OWNED = /^streamctl-(transcode|captions)-(\d+)-[A-Za-z0-9]{6}$/;
/** Folders of versions that did not put the pid in the name. */
const UNOWNED = /^streamctl-(transcode|captions)-[A-Za-z0-9]{6}$/;
/** An unowned folder older than this belongs to no run still going. */
const UNOWNED_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Makes a temporary folder for one piece of media work, named after this
 * process so that {@link sweepStaleWorkDirs} can tell, after a crash or a
 * SIGKILL, that nobody owns it any more.
 *
 * @example
 * ```ts
 * const work = await makeWorkDir(tmpdir(), 'transcode'); // /tmp/streamctl-transcode-4242-a1B2c3
 * ```
 */
export function makeWorkDir(parent: string, purpose: 'transcode' | 'captions'): Promise<string> {
  return mkdtemp(join(parent, `streamctl-${purpose}-${process.pid}-`));
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary folders of media work whose process is gone (a
 * run killed with SIGKILL, a crash, a machine that lost power) and
 * returns their paths. A folder whose pid runs is left alone, even when
 * the pid was reused: it is removed by a later sweep.
 *
 * @example
 * ```ts
 * await sweepStaleWorkDirs(tmpdir()); // ["/tmp/streamctl-transcode-4242-a1B2c3"]
 * ```
 */
export async function sweepStaleWorkDirs(parent: string, now = Date.now()): Promise<string[]> {
  const names = await readdir(parent).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const owned = OWNED.exec(name);
    const path = join(parent, name);
    if (owned) {
      const pid = Number(owned[2]);
      if (pid === process.pid || running(pid)) continue;
    } else if (UNOWNED.test(name)) {
      const info = await stat(path).catch(() => undefined);
      if (!info || now - info.mtimeMs < UNOWNED_MAX_AGE_MS) continue;
    } else continue;
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
    removed.push(path);
  }
  return removed;
}
