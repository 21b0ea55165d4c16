/**
 * Where each Region of a local multi-Region platform (`streamctl dev
 * --regions a,b`) serves: its API and stream, and the edge in front of them.
 * The serving process writes `<data dir>/regions.json`; health checks and
 * failovers in other processes read it, as `platform.json` is read for the
 * platform's own parts.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../local/index.js';

/** One local Region's endpoints. */
export interface LocalRegion {
  /** The Region's HTTP API. */
  api: string;
  /** The Region's own stream (a kinesalite of its own). */
  kinesis: string;
}

/** What `regions.json` holds. */
export interface LocalRegions {
  pid: number;
  /** The edge that routes `/v1/*` to the primary Region's API. */
  edge?: string;
  regions: Record<string, LocalRegion>;
}

const file = (dataDir: string) => join(dataDir, 'regions.json');

/**
 * Records the local Regions' endpoints for other processes (atomically).
 * Returns the function that removes the file again.
 *
 * @example
 * ```ts
 * const clear = writeLocalRegions(dataDir, { edge, regions: { 'eu-west-1': { api, kinesis } } });
 * ```
 */
export function writeLocalRegions(dataDir: string, state: Omit<LocalRegions, 'pid'>): () => void {
  const tmp = `${file(dataDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ pid: process.pid, ...state }, null, 2)}\n`);
  renameSync(tmp, file(dataDir));
  return () => {
    if (readLocalRegions(dataDir)?.pid === process.pid) rmSync(file(dataDir), { force: true });
  };
}

/**
 * The local Regions' endpoints; undefined when no multi-Region platform
 * serves on the data dir (no file, or its process is gone).
 *
 * @example
 * ```ts
 * readLocalRegions(dataDir)?.regions['eu-west-1']?.api; // "http://127.0.0.1:41877"
 * ```
 */
export function readLocalRegions(dataDir: string): LocalRegions | undefined {
  try {
    const state = JSON.parse(readFileSync(file(dataDir), 'utf8')) as LocalRegions;
    return isProcessAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}
