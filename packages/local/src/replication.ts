/**
 * Media replication between the Regions' CDN buckets of a multi-Region
 * `streamctl dev`, as S3 replication does on AWS: an object written in one
 * Region's bucket is copied to every other Region's, with its content type,
 * cache control and metadata, marked as a replica (and a replica is never
 * replicated again). A removal replicates too, as delete-marker replication
 * does.
 *
 * The store's event notifications drive it (each change is queued the moment
 * it lands), and a full comparison of the buckets at start and every
 * `reconcileMs` catches anything written while the platform was stopped. A
 * failed copy stays queued and is retried with backoff until it succeeds: an
 * object is never dropped. Each copy's lag (from the change at the source to
 * the copy landing) is recorded; {@link MediaReplicator.status} says per
 * Region what is still pending and since when.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AWS_RETRY, backoffDelay, type MediaReplicationRegion } from '@streamctl/sdk';
import type { ObjectEvent } from './emulators.js';

/** The metadata key (`x-amz-meta-…`) a replica carries: the Region it was copied from. */
export const REPLICA_OF_METADATA = 'streamctl-replica-of';

/** One Region's CDN bucket. */
export interface ReplicatedBucket {
  region: string;
  bucket: string;
}

/** One object copied (or removed) in one Region: what the replication log records. */
export interface ReplicationRecord {
  key: string;
  from: string;
  to: string;
  action: 'copy' | 'delete';
  /** From the change at the source (as the replicator learnt of it) to the copy landing. */
  lagMs: number;
  attempts: number;
  at: string;
}

/** Options of {@link startMediaReplication}. */
export interface MediaReplicationOptions {
  s3: S3Client;
  /** Every Region's CDN bucket, in the stage's order. */
  buckets: ReplicatedBucket[];
  /** Subscribes to the store's object events; returns the unsubscribe. */
  events: (listener: (event: ObjectEvent) => void) => () => void;
  /** A Region that is down (a drill): copies to and from it wait. Default: every Region is up. */
  isDown?: (region: string) => boolean;
  /** Copies in flight. Default 4. */
  concurrency?: number;
  /** Full comparison of the buckets: at start and this often (a safety net; the events drive it). Default 5 min. */
  reconcileMs?: number;
  /** Each object replicated, as it lands. */
  onReplicated?: (record: ReplicationRecord) => void;
  /** The status changed (throttled to at most every 200 ms). */
  onStatus?: (status: Record<string, MediaReplicationRegion>) => void;
  now?: () => number;
}

/** A running replicator. */
export interface MediaReplicator {
  /** Per destination Region: pending objects, the oldest pending change, copies, failures, lag. */
  status(): Record<string, MediaReplicationRegion>;
  /** Resolves when nothing is pending (or rejects after `timeoutMs`). */
  drained(timeoutMs?: number): Promise<void>;
  /** Compares every bucket now and queues what differs. */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

/** The version of a key every Region should hold: from its last original change. */
interface Truth {
  source: string;
  deleted: boolean;
  /** The source's ETag when the change was seen (unknown for a server-side copy's event). */
  eTag?: string;
  at: number;
}

/** One copy a Region still needs. */
interface Pending {
  to: string;
  key: string;
  /** When the destination first fell behind on this key. */
  since: number;
  attempts: number;
  nextAt: number;
  /** Bumped by every newer change of the key: a copy that ran meanwhile does not settle it. */
  version: number;
}

const unquote = (eTag: string | undefined) => eTag?.replace(/"/g, '');

/**
 * Starts replicating the CDN buckets to each other.
 *
 * @example
 * ```ts
 * const replicator = await startMediaReplication({
 *   s3,
 *   buckets: [{ region: 'us-east-1', bucket: 'streamctl-local-cdn-us-east-1' }, { region: 'eu-west-1', bucket: 'streamctl-local-cdn-eu-west-1' }],
 *   events: (listener) => store.onObjectEvent(listener),
 * });
 * replicator.status()['eu-west-1']?.pending; // 0
 * ```
 */
export async function startMediaReplication(options: MediaReplicationOptions): Promise<MediaReplicator> {
  const now = options.now ?? Date.now;
  const regionOf = new Map(options.buckets.map((b) => [b.bucket, b.region]));
  const bucketOf = new Map(options.buckets.map((b) => [b.region, b.bucket]));
  const regions = options.buckets.map((b) => b.region);
  const truth = new Map<string, Truth>();
  const pending = new Map<string, Pending>();
  /** Writes and removals of the replicator's own, whose events are not new changes. */
  const ownWrites = new Set<string>();
  const counters = new Map(
    regions.map((r) => [
      r,
      {
        replicated: 0,
        failedAttempts: 0,
        lastError: undefined as string | undefined,
        lastLagMs: null as number | null,
        maxLagMs: null as number | null,
      },
    ]),
  );
  const isDown = options.isDown ?? (() => false);
  let stopped = false;
  let wake: (() => void) | undefined;
  const kick = () => {
    wake?.();
    wake = undefined;
  };

  const slot = (to: string, key: string) => `${to}\u0000${key}`;
  /** The key changed at `source`: every other Region needs it again. */
  const changed = (key: string, change: Truth) => {
    truth.set(key, change);
    for (const to of regions) {
      const id = slot(to, key);
      if (to === change.source) {
        pending.delete(id);
        continue;
      }
      const before = pending.get(id);
      pending.set(id, {
        to,
        key,
        since: before?.since ?? change.at,
        attempts: 0,
        nextAt: 0,
        version: (before?.version ?? 0) + 1,
      });
    }
    statusChanged();
    kick();
  };

  const unsubscribe = options.events((event) => {
    const region = regionOf.get(event.bucket);
    if (!region || stopped) return;
    if (ownWrites.has(`${event.bucket}/${event.key}`)) return;
    changed(event.key, {
      source: region,
      deleted: event.kind === 'removed',
      ...(event.eTag ? { eTag: unquote(event.eTag) } : {}),
      at: now(),
    });
  });

  const status = (): Record<string, MediaReplicationRegion> => {
    const out: Record<string, MediaReplicationRegion> = {};
    for (const region of regions) {
      const mine = [...pending.values()].filter((p) => p.to === region);
      const oldest = mine.length ? Math.min(...mine.map((p) => p.since)) : undefined;
      const c = counters.get(region);
      out[region] = {
        pending: mine.length,
        oldestPendingSince: oldest === undefined ? null : new Date(oldest).toISOString(),
        replicated: c?.replicated ?? 0,
        failedAttempts: c?.failedAttempts ?? 0,
        ...(c?.lastError ? { lastError: c.lastError } : {}),
        lastLagMs: c?.lastLagMs ?? null,
        maxLagMs: c?.maxLagMs ?? null,
      };
    }
    return out;
  };
  let statusTimer: NodeJS.Timeout | undefined;
  function statusChanged() {
    if (!options.onStatus || statusTimer) return;
    statusTimer = setTimeout(() => {
      statusTimer = undefined;
      options.onStatus?.(status());
    }, 200);
  }

  /** Brings one destination's copy of a key in line with the key's truth. */
  const settle = async (item: Pending): Promise<'done' | 'later'> => {
    const t = truth.get(item.key);
    if (!t || t.source === item.to) return 'done';
    if (isDown(t.source) || isDown(item.to)) return 'later';
    const destination = bucketOf.get(item.to) as string;
    const own = `${destination}/${item.key}`;
    if (t.deleted) {
      ownWrites.add(own);
      try {
        await options.s3.send(new DeleteObjectCommand({ Bucket: destination, Key: item.key }));
      } finally {
        ownWrites.delete(own);
      }
      return 'done';
    }
    const source = await options.s3.send(
      new GetObjectCommand({ Bucket: bucketOf.get(t.source) as string, Key: item.key }),
    );
    const body = await source.Body?.transformToByteArray();
    if (!body) throw new Error(`s3://${bucketOf.get(t.source)}/${item.key} has no body`);
    ownWrites.add(own);
    let written: string | undefined;
    try {
      const out = await options.s3.send(
        new PutObjectCommand({
          Bucket: destination,
          Key: item.key,
          Body: body,
          ...(source.ContentType ? { ContentType: source.ContentType } : {}),
          ...(source.CacheControl ? { CacheControl: source.CacheControl } : {}),
          Metadata: { ...(source.Metadata ?? {}), [REPLICA_OF_METADATA]: t.source },
        }),
      );
      written = unquote(out.ETag);
    } finally {
      ownWrites.delete(own);
    }
    // The bytes that landed are the bytes read: the store's MD5 ETags must agree (a multipart
    // upload's ETag is no MD5 of the whole object, so it cannot be compared).
    const sourceTag = unquote(source.ETag);
    if (sourceTag && !sourceTag.includes('-') && written !== sourceTag) {
      throw new Error(`the copy of ${item.key} in ${item.to} has ETag ${written}, the source ${unquote(source.ETag)}`);
    }
    return 'done';
  };

  const runOne = async (id: string, item: Pending) => {
    const version = item.version;
    const t = truth.get(item.key);
    const c = counters.get(item.to);
    try {
      const outcome = await settle(item);
      if (outcome === 'later') {
        item.nextAt = now() + 250;
        return;
      }
      const current = pending.get(id);
      // A newer change of the key came in while this copy ran: it stays queued for that one.
      if (current && current.version === version) pending.delete(id);
      if (t && t.source !== item.to && c) {
        const lagMs = now() - item.since;
        c.replicated += 1;
        c.lastLagMs = lagMs;
        c.maxLagMs = Math.max(c.maxLagMs ?? 0, lagMs);
        options.onReplicated?.({
          key: item.key,
          from: t.source,
          to: item.to,
          action: t.deleted ? 'delete' : 'copy',
          lagMs,
          attempts: item.attempts + 1,
          at: new Date().toISOString(),
        });
      }
    } catch (err) {
      item.attempts += 1;
      item.nextAt = now() + backoffDelay({ ...AWS_RETRY, capMs: 5_000 }, item.attempts);
      if (c) {
        c.failedAttempts += 1;
        c.lastError = `${item.key}: ${(err as Error).message}`;
      }
    } finally {
      statusChanged();
    }
  };

  const inFlight = new Set<string>();
  const running = new Set<Promise<void>>();
  const concurrency = options.concurrency ?? 4;
  const loop = (async () => {
    while (!stopped) {
      const due = [...pending.entries()].filter(([id, p]) => p.nextAt <= now() && !inFlight.has(id));
      for (const [id, item] of due.slice(0, Math.max(0, concurrency - inFlight.size))) {
        inFlight.add(id);
        const run = runOne(id, item).finally(() => {
          inFlight.delete(id);
          running.delete(run);
          kick();
        });
        running.add(run);
      }
      const waits = [...pending.values()].filter((p) => !inFlight.has(slot(p.to, p.key))).map((p) => p.nextAt);
      const until = waits.length ? Math.max(0, Math.min(...waits) - now()) : 1_000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(until, 1_000));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  /** Every object of a bucket: key → ETag and when it was last written. */
  const list = async (bucket: string) => {
    const objects = new Map<string, { eTag: string; modified: number }>();
    let ContinuationToken: string | undefined;
    do {
      const out = await options.s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
      for (const o of out.Contents ?? []) {
        if (o.Key) objects.set(o.Key, { eTag: unquote(o.ETag) ?? '', modified: o.LastModified?.getTime() ?? 0 });
      }
      ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return objects;
  };
  const replicaOf = async (region: string, key: string): Promise<string | undefined> => {
    const head = await options.s3.send(new HeadObjectCommand({ Bucket: bucketOf.get(region) as string, Key: key }));
    return head.Metadata?.[REPLICA_OF_METADATA];
  };

  const reconcile = async () => {
    const started = now();
    const listed = new Map<string, Map<string, { eTag: string; modified: number }>>();
    for (const region of regions) {
      if (isDown(region)) return;
      listed.set(region, await list(bucketOf.get(region) as string));
    }
    const keys = new Set([...listed.values()].flatMap((m) => [...m.keys()]));
    for (const key of truth.keys()) keys.add(key);
    for (const key of keys) {
      const known = truth.get(key);
      // A change seen while listing is newer than the listing: the events have it.
      if (known && known.at >= started) continue;
      const copies = regions.flatMap((region) => {
        const o = listed.get(region)?.get(key);
        return o ? [{ region, ...o }] : [];
      });
      if (known) {
        // Queue every Region that differs from the known version and is not queued already.
        const wrong = regions.filter((r) => {
          if (r === known.source || pending.has(slot(r, key))) return false;
          const o = listed.get(r)?.get(key);
          if (known.deleted) return Boolean(o);
          const sourceCopy = listed.get(known.source)?.get(key);
          return !o || (sourceCopy !== undefined && o.eTag !== sourceCopy.eTag);
        });
        if (wrong.length) changed(key, { ...known, at: known.at });
        continue;
      }
      if (copies.length === regions.length && copies.every((c) => c.eTag === copies[0]?.eTag)) continue;
      // Written while no replicator ran: the original (no replica mark) wins; of two originals, the later.
      const marked = await Promise.all(
        copies.map(async (c) => ({ ...c, replicaOf: await replicaOf(c.region, key).catch(() => undefined) })),
      );
      const originals = marked.filter((c) => !c.replicaOf);
      if (!originals.length && marked.every((c) => c.replicaOf && !listed.get(c.replicaOf)?.has(key))) {
        // Every copy is a replica of a Region that no longer has the key: it was removed there.
        const from = marked[0]?.replicaOf as string;
        changed(key, { source: from, deleted: true, at: now() });
        continue;
      }
      const pool = originals.length ? originals : marked;
      const winner = [...pool].sort((a, b) => b.modified - a.modified)[0];
      if (winner) changed(key, { source: winner.region, deleted: false, eTag: winner.eTag, at: now() });
    }
  };

  await reconcile();
  const reconciling = setInterval(() => {
    reconcile().catch(() => undefined);
  }, options.reconcileMs ?? 300_000);
  reconciling.unref();

  return {
    status,
    reconcile,
    async drained(timeoutMs = 30_000) {
      const deadline = now() + timeoutMs;
      while (pending.size) {
        if (now() > deadline) {
          throw new Error(`media replication still has ${pending.size} objects pending after ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      stopped = true;
      clearInterval(reconciling);
      if (statusTimer) clearTimeout(statusTimer);
      unsubscribe();
      kick();
      await loop;
      await Promise.all(running);
    },
  };
}
