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
  /** The Region's CDN bucket (each Region has its own, replicated to the others). Absent in older files. */
  cdnBucket?: string;
  /** The Region's bucket for uploaded masters. Absent in older files. */
  rawBucket?: string;
}

/** What `regions.json` holds. */
export interface LocalRegions {
  pid: number;
  /** The edge that routes `/v1/*` to the primary Region's API. */
  edge?: string;
  regions: Record<string, LocalRegion>;
}

const file = (dataDir: string) => join(dataDir, 'regions.json');
const replicationFile = (dataDir: string) => join(dataDir, 'media-replication.json');

/** Writes a JSON file atomically (a reader never sees half of it). */
function writeAtomically(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

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
  writeAtomically(file(dataDir), { pid: process.pid, ...state });
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

/** Media replication into one Region's CDN bucket, as the local replicator last saw it. */
export interface MediaReplicationRegion {
  /** Objects the Region's bucket still lacks (or holds an older version of). */
  pending: number;
  /** When the oldest of those changed at its source; null when none is pending. */
  oldestPendingSince: string | null;
  /** Objects copied into the Region since the platform started. */
  replicated: number;
  /** Copies that failed and are being retried (none is ever dropped). */
  failedAttempts: number;
  lastError?: string;
  /** From the change at the source to the copy in this Region: the last object's, and the longest seen. */
  lastLagMs: number | null;
  maxLagMs: number | null;
}

/** What `media-replication.json` holds. */
export interface MediaReplicationState {
  pid: number;
  updatedAt: string;
  /** Per destination Region. */
  regions: Record<string, MediaReplicationRegion>;
}

/**
 * Records the local media replication's state for other processes (`failover status`),
 * atomically. Returns the function that removes the file again.
 *
 * @example
 * ```ts
 * const clear = writeMediaReplication(dataDir, { updatedAt: new Date().toISOString(), regions });
 * ```
 */
export function writeMediaReplication(dataDir: string, state: Omit<MediaReplicationState, 'pid'>): () => void {
  writeAtomically(replicationFile(dataDir), { pid: process.pid, ...state });
  return () => {
    if (readMediaReplication(dataDir)?.pid === process.pid) rmSync(replicationFile(dataDir), { force: true });
  };
}

/**
 * The local media replication's state; undefined when no multi-Region platform
 * replicates on the data dir (no file, or its process is gone).
 *
 * @example
 * ```ts
 * readMediaReplication(dataDir)?.regions['eu-west-1']?.pending; // 0
 * ```
 */
export function readMediaReplication(dataDir: string): MediaReplicationState | undefined {
  try {
    const state = JSON.parse(readFileSync(replicationFile(dataDir), 'utf8')) as MediaReplicationState;
    return isProcessAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}
