/**
 * The local lake worker: what Firehose does on AWS. It buffers a shard's
 * events and writes them as one Parquet file per flush into the partition of
 * the flush's arrival hour, named by the shard and the first and last
 * sequence numbers it holds: `events/dt=…/hour=…/<shard>-<first>-<last>.parquet`.
 *
 * A file is written under a hidden `.partial` name and renamed into place, so
 * no half-written file is ever visible to a query. The file is the commit:
 * on restart the worker resumes after the newest file of each shard (or the
 * stored checkpoint, whichever is later), so an event is in the lake exactly
 * once however the worker stopped. Poison is parked and catalog events
 * skipped, as by the other workers; an erased viewer's events are dropped.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type BatchConsumer, compareSequenceNumbers, type Parker, type RawRecord } from '../consumers/index.js';
import { type EngagementEvent, isCatalogRecord, parseEvent } from '../events/index.js';
import { LAKE_EVENTS_PREFIX, lakePartition } from './table.js';

/** An event as the lake worker holds it: parsed (for its rules) and as it came (for the writer). */
export interface LakeEvent {
  event: EngagementEvent;
  /** The record's JSON, which validated as {@link event}. */
  json: Uint8Array;
}

/**
 * Writes events as one Parquet file (the columns of {@link LAKE_COLUMNS}) at a path. It gets each
 * event's JSON as well as the event: a writer may convert the JSON itself (as Firehose does).
 */
export interface ParquetWriter {
  write(events: readonly LakeEvent[], path: string): Promise<void>;
}

/**
 * A viewer's rows in one Region's lake, for privacy: read them (export), and rewrite every file
 * holding them without them (erasure). Locally DuckDB over the files (`@streamctl/local`).
 */
export interface ViewerLake {
  region: string;
  rows(userId: string): Promise<Array<Record<string, unknown>>>;
  /** Rewrites each file holding the viewer's rows without them; resolves to the rows removed. */
  remove(userId: string): Promise<number>;
}

/** Options of {@link createLakeConsumer}. */
export interface LakeConsumerOptions {
  /** The consumer's name (its checkpoints). Default `lake`. */
  name?: string;
  /** The lake's root directory (the local stand-in of the lake bucket). */
  root: string;
  writer: ParquetWriter;
  park: Parker;
  /**
   * Whether a viewer was erased: their events are dropped, not written. Asked when a file is
   * written (not when an event is buffered), so an erasure during the buffering still counts.
   */
  erased?: (userId: string) => Promise<boolean>;
  /** A file is written once this many events are buffered. Default 50,000. */
  maxEvents?: number;
  /** … or once the oldest buffered event waited this long. Default 60 s (Firehose's shortest interval). */
  maxAgeMs?: number;
  /** The clock (arrival partitions and buffer ages). Default `new Date()`. */
  now?: () => Date;
}

/** What the lake consumer did so far. */
export interface LakeStats {
  written: number;
  files: number;
  skipped: number;
  parked: number;
  erased: number;
  /** Events that came twice within one file's records (the producer sent one twice): kept once. */
  duplicates: number;
}

interface Buffer {
  events: LakeEvent[];
  ids: Set<string>;
  first?: string;
  /** The last record taken (written or not: skipped and parked records are done too). */
  last?: string;
  since?: number;
}

/** The local stand-in of a lake bucket: `<data dir>/lake/<bucket name>`. */
export function localLakeRoot(dataDir: string, names: { lakeBucket: string }): string {
  return join(dataDir, 'lake', names.lakeBucket);
}

/** The name of a lake file: the shard, and the first and last sequence numbers it covers. */
export function lakeFileName(shardId: string, first: string, last: string): string {
  return `${shardId}-${first}-${last}.parquet`;
}

/** The shard and range of a lake file's name, or undefined for any other name. */
export function parseLakeFileName(name: string): { shardId: string; first: string; last: string } | undefined {
  const match = /^(.+)-(\d+)-(\d+)\.parquet$/.exec(name);
  if (!match) return undefined;
  return { shardId: match[1] as string, first: match[2] as string, last: match[3] as string };
}

/**
 * Creates the lake consumer, run by the local poller like the other workers.
 *
 * @example
 * ```ts
 * const lake = createLakeConsumer({ root: join(dataDir, 'lake', names.lakeBucket), writer, park });
 * const poller = await startPoller(clients, names, lake);
 * ```
 */
export function createLakeConsumer(options: LakeConsumerOptions): BatchConsumer & { readonly stats: LakeStats } {
  const name = options.name ?? 'lake';
  const now = options.now ?? (() => new Date());
  const maxEvents = options.maxEvents ?? 50_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const eventsDir = join(options.root, LAKE_EVENTS_PREFIX);
  const buffers = new Map<string, Buffer>();
  const stats: LakeStats = { written: 0, files: 0, skipped: 0, parked: 0, erased: 0, duplicates: 0 };
  const bufferOf = (shardId: string) => {
    let buffer = buffers.get(shardId);
    if (!buffer) {
      buffer = { events: [], ids: new Set() };
      buffers.set(shardId, buffer);
    }
    return buffer;
  };

  /** Partition directories, newest first. */
  async function partitions(): Promise<string[]> {
    const days = (await readdir(eventsDir).catch(() => [] as string[])).filter((d) => d.startsWith('dt=')).sort();
    const out: string[] = [];
    for (const day of days.reverse()) {
      const hours = (await readdir(join(eventsDir, day)).catch(() => [] as string[]))
        .filter((h) => h.startsWith('hour='))
        .sort()
        .reverse();
      for (const hour of hours) out.push(join(eventsDir, day, hour));
    }
    return out;
  }

  return {
    name,
    get stats() {
      return { ...stats };
    },
    async resume(shardId, checkpoint) {
      // The newest partition holding a file of this shard has its newest file (files are written in
      // time order); a `.partial` of the shard is what a crash left behind, and is removed.
      let newest: string | undefined;
      for (const dir of await partitions()) {
        for (const entry of await readdir(dir)) {
          if (entry.startsWith(`.${shardId}-`) && entry.endsWith('.partial')) {
            await rm(join(dir, entry), { force: true });
            continue;
          }
          const file = parseLakeFileName(entry);
          if (file?.shardId === shardId && (!newest || compareSequenceNumbers(file.last, newest) > 0))
            newest = file.last;
        }
        if (newest) break;
      }
      if (!newest) return checkpoint;
      if (!checkpoint) return newest;
      return compareSequenceNumbers(newest, checkpoint) > 0 ? newest : checkpoint;
    },
    async add(shardId, records: RawRecord[]) {
      const buffer = bufferOf(shardId);
      for (const record of records) {
        const text = Buffer.from(record.data).toString('utf8');
        buffer.last = record.sequenceNumber;
        let event: EngagementEvent;
        try {
          const value: unknown = JSON.parse(text);
          if (isCatalogRecord(value)) {
            stats.skipped++;
            continue;
          }
          event = parseEvent(value);
        } catch (err) {
          await options.park({
            consumer: name,
            shardId,
            sequenceNumber: record.sequenceNumber,
            reason: `poison: ${(err as Error).message}`,
            data: text,
          });
          stats.parked++;
          continue;
        }
        if (buffer.ids.has(event.id)) {
          stats.duplicates++;
          continue;
        }
        buffer.ids.add(event.id);
        buffer.events.push({ event, json: record.data });
        buffer.first ??= record.sequenceNumber;
        buffer.since ??= now().getTime();
      }
    },
    async commit(shardId, force) {
      const buffer = buffers.get(shardId);
      if (!buffer?.last) return undefined;
      const last = buffer.last;
      if (!buffer.events.length) {
        // Only skipped, parked or dropped records: nothing to write, and they are done.
        buffers.delete(shardId);
        return last;
      }
      const due = force || buffer.events.length >= maxEvents || now().getTime() - (buffer.since ?? 0) >= maxAgeMs;
      if (!due) return undefined;
      if (options.erased) {
        const users = [...new Set(buffer.events.map((e) => e.event.userId))];
        const answers = await Promise.all(users.map(async (u) => [u, await options.erased?.(u)] as const));
        const gone = new Set(answers.filter(([, erased]) => erased).map(([u]) => u));
        if (gone.size) {
          const kept = buffer.events.filter((e) => !gone.has(e.event.userId));
          stats.erased += buffer.events.length - kept.length;
          buffer.events = kept;
          if (!kept.length) {
            buffers.delete(shardId);
            return last;
          }
        }
      }
      const partition = lakePartition(now());
      const dir = join(options.root, partition.path);
      await mkdir(dir, { recursive: true });
      const fileName = lakeFileName(shardId, buffer.first ?? last, last);
      const partial = join(dir, `.${fileName}.partial`);
      await options.writer.write(buffer.events, partial);
      // Renaming within a directory is atomic: a query sees the whole file or none of it.
      await rename(partial, join(dir, fileName));
      stats.written += buffer.events.length;
      stats.files++;
      buffers.delete(shardId);
      return last;
    },
    reset(shardId) {
      buffers.delete(shardId);
    },
  };
}

/** Every committed file of a lake, with its size (for `analytics` status and the erasure). */
export async function listLakeFiles(root: string): Promise<Array<{ path: string; bytes: number }>> {
  const eventsDir = join(root, LAKE_EVENTS_PREFIX);
  const out: Array<{ path: string; bytes: number }> = [];
  for (const day of await readdir(eventsDir).catch(() => [] as string[])) {
    if (!day.startsWith('dt=')) continue;
    for (const hour of await readdir(join(eventsDir, day)).catch(() => [] as string[])) {
      if (!hour.startsWith('hour=')) continue;
      for (const entry of await readdir(join(eventsDir, day, hour))) {
        if (!entry.endsWith('.parquet') || entry.startsWith('.')) continue;
        const path = join(eventsDir, day, hour, entry);
        out.push({ path, bytes: (await stat(path)).size });
      }
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
