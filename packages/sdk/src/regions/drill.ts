/**
 * A failover drill: steady load through the edge, the primary Region
 * broken on purpose, a failover, and a report of what viewers saw —
 * requests and failures, which Region served them and when the target
 * took over, and whether any acknowledged write was lost.
 *
 * The edge fails over only GET/HEAD/OPTIONS (as CloudFront's origin group
 * does), so writes fail while the primary is down and until the failover
 * lands. The load client does what a real client does: it retries a failed
 * write a bounded number of times with exponential backoff and jitter. A
 * request counts as failed only when its last attempt fails; the report
 * shows every retry and the errors the retried attempts saw.
 *
 * With `media`, a simulated viewer plays a title through the edge all along
 * (its signed cookies, the master, a variant playlist, then its segments in
 * turn, the playlists again at each loop) and the report counts its requests,
 * errors and which Region's bucket served them: a failover must move media
 * as well as the API.
 */
import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { wrapAwsError } from '../errors/index.js';
import { titleObjectKey } from '../resources/index.js';
import { type BackoffPolicy, CLIENT_WRITE_RETRY, retry, sleep } from '../util/index.js';

/**
 * Writes the drill's title into a CDN bucket as a transcode would: an HLS master, one variant and
 * `segments` segments of 2 s (random bytes: the drill checks delivery, not decoding). With
 * `replicas`, waits (up to 10 s) until replication has copied the master into each of those
 * buckets. Returns the master's key.
 *
 * @example
 * ```ts
 * const hls = await writeDrillMedia(clients.s3(), 'streamctl-local-cdn-eu-west-1', 'drill-media');
 * await catalog.putTitle({ titleId: 'drill-media', name: 'Drill', genres: [], manifests: { hls } });
 * ```
 */
export async function writeDrillMedia(
  s3: S3Client,
  bucket: string,
  titleId: string,
  options: { segments?: number; replicas?: string[] } = {},
): Promise<string> {
  const segments = options.segments ?? 12;
  const names = Array.from({ length: segments }, (_, i) => `seg_${String(i).padStart(5, '0')}.ts`);
  const variant = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-TARGETDURATION:2',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    ...names.flatMap((n) => ['#EXTINF:2.0,', n]),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
  const master = ['#EXTM3U', '#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=640x360', '360p/index.m3u8', ''].join('\n');
  const objects: Array<[string, Uint8Array | string, string]> = [
    ...names.map((n): [string, Uint8Array, string] => [`360p/${n}`, randomBytes(32 * 1024), 'video/mp2t']),
    ['360p/index.m3u8', variant, 'application/vnd.apple.mpegurl'],
    // The master last: once it is there, everything it names is.
    ['master.m3u8', master, 'application/vnd.apple.mpegurl'],
  ];
  for (const [relative, Body, ContentType] of objects) {
    const Key = titleObjectKey(titleId, relative);
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType }));
    } catch (err) {
      throw wrapAwsError(err, 's3:PutObject', `s3://${bucket}/${Key}`);
    }
  }
  const Key = titleObjectKey(titleId, 'master.m3u8');
  const deadline = Date.now() + 10_000;
  for (const replica of options.replicas ?? []) {
    for (;;) {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: replica, Key }));
        break;
      } catch (err) {
        if (Date.now() > deadline)
          throw wrapAwsError(err, 's3:HeadObject', `s3://${replica}/${Key} (not replicated in 10 s)`);
        await sleep(100);
      }
    }
  }
  return Key;
}

/** What a drill needs: where to send load, and how to break and fail over. */
export interface DrillOptions {
  edgeUrl: string;
  /** A viewer's bearer token. */
  token: string;
  from: string;
  to: string;
  /** Titles the load adds to the viewer's list (each acknowledged add must survive). */
  titleIds: string[];
  breakPrimary: () => Promise<void>;
  /**
   * The primary's health, watched after it is broken as an automated
   * operator does: the failover starts once it fails twice in a row
   * (polled every 200 ms, for at most 10 s). Without it the drill waits `brokenMs`.
   */
  primaryHealthy?: () => Promise<boolean>;
  failover: () => Promise<void>;
  /** The viewer's list as stored, read after the drill. */
  readWatchlist: () => Promise<Set<string>>;
  /** The primary the routing record names, read after the drill. */
  readPrimary?: () => Promise<string | undefined>;
  /**
   * Phases, in ms. Defaults 1,500 warm-up (longer until the primary has served an API answer and,
   * with `media`, a media request, for at most 15 s more), 1,000 broken before the failover
   * (without `primaryHealthy`), 3,000 after.
   */
  warmupMs?: number;
  brokenMs?: number;
  afterMs?: number;
  /** Attempts per write, the first included. Default 5 (backoff 250, 500, 1,000, 2,000 ms, each ± 20 %: {@link CLIENT_WRITE_RETRY}). */
  writeAttempts?: number;
  /** The first retry's backoff, in ms (doubling after). Default 250. */
  backoffMs?: number;
  /** Requests in flight. Default 4. */
  concurrency?: number;
  /** Requests per second, all workers together; under the API's per-viewer limit. Default 15. */
  ratePerSecond?: number;
  /** A viewer who keeps playing a title through the edge during the drill. */
  media?: DrillMedia;
}

/** The title the drill's viewer plays: its signed manifest URL and the signed cookies for its tree. */
export interface DrillMedia {
  manifestUrl: string;
  /** The `Cookie` header the viewer sends (the grant's signed cookies). */
  cookie: string;
  /** Media requests per second. Default 4 (a player fetches a 2 s segment every 2 s; this one is busier). */
  ratePerSecond?: number;
}

/** What the drill's viewer saw. */
export interface DrillMediaReport {
  requests: number;
  failed: number;
  /** By cause: `HTTP 404`, `timeout`, `network`, `empty playlist`. */
  errors: Record<string, number>;
  /** Segments and playlists per Region whose CDN bucket served them. */
  servedBy: Record<string, number>;
  segments: number;
  bytes: number;
}

/** What the drill saw. */
export interface DrillReport {
  from: string;
  to: string;
  requests: number;
  /** Requests whose last attempt failed. */
  failed: number;
  failedPct: number;
  /** Retried attempts, all requests together. */
  retries: number;
  /** Requests that needed at least one retry, and how many of those failed in the end anyway. */
  retriedRequests: number;
  retriedThenFailed: number;
  /** What the attempts that were retried saw. */
  retriedErrors: Record<string, number>;
  /** When the last failed attempt (retried or not) ended, from the failover's start; negative when before it. */
  lastFailedAttemptMs: number | null;
  servedBy: Record<string, number>;
  errors: Record<string, number>;
  /** From the failover's start to the first response the target served. */
  firstFromTargetMs: number | null;
  /** From the failover's start until every later response came from the target. */
  allFromTargetMs: number | null;
  /** From breaking the primary until its health check failed (null: not watched, or never failed). */
  detectedMs: number | null;
  /** How long the failover command took. */
  failoverMs: number;
  /** Responses the old primary served that arrived after the failover completed. */
  fromOldPrimaryAfterFailover: number;
  /** The primary the routing record named after the drill. */
  primaryAfter: string | null;
  ackedWrites: number;
  lostWrites: string[];
  /** The viewer's media requests (with `media`): every error counted, none retried. */
  media?: DrillMediaReport;
}

/** The URIs of a playlist (variants of a master, or init and media segments), resolved against it. */
function playlistUris(text: string, base: string): string[] {
  const uris: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const map = /^#EXT-X-MAP:.*URI="([^"]+)"/.exec(line);
    if (map?.[1]) uris.push(map[1]);
    else if (line && !line.startsWith('#')) uris.push(line);
  }
  return uris.map((u) => {
    const url = new URL(u, base);
    // The segments go with the cookies alone, as a player's do; the manifest's query is its own.
    url.search = '';
    return url.toString();
  });
}

/**
 * Plays a title through the edge until `stopped()`: master, first variant, its segments in turn,
 * then again from the master. Each request counts once; a failed one is not retried.
 */
async function playMedia(
  media: DrillMedia,
  report: DrillMediaReport,
  stopped: () => boolean,
): Promise<DrillMediaReport> {
  const gapMs = 1000 / (media.ratePerSecond ?? 4);
  const get = async (url: string): Promise<{ text?: string; ok: boolean }> => {
    const started = Date.now();
    report.requests += 1;
    let outcome: { ok: boolean; text?: string };
    try {
      const res = await fetch(url, { headers: { cookie: media.cookie }, signal: AbortSignal.timeout(5_000) });
      const body = Buffer.from(await res.arrayBuffer());
      const region = res.headers.get('x-streamctl-media-region');
      if (res.ok) {
        report.bytes += body.length;
        if (region) report.servedBy[region] = (report.servedBy[region] ?? 0) + 1;
        outcome = { ok: true, text: body.toString('utf8') };
      } else {
        report.errors[`HTTP ${res.status}`] = (report.errors[`HTTP ${res.status}`] ?? 0) + 1;
        outcome = { ok: false };
      }
    } catch (err) {
      const cause = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      report.errors[cause] = (report.errors[cause] ?? 0) + 1;
      outcome = { ok: false };
    }
    if (!outcome.ok) report.failed += 1;
    await sleep(Math.max(0, gapMs - (Date.now() - started)));
    return outcome;
  };
  const emptyPlaylist = () => {
    report.failed += 1;
    report.errors['empty playlist'] = (report.errors['empty playlist'] ?? 0) + 1;
  };
  while (!stopped()) {
    const master = await get(media.manifestUrl);
    if (!master.ok) continue;
    const variant = playlistUris(master.text ?? '', media.manifestUrl)[0];
    if (!variant) {
      emptyPlaylist();
      await sleep(gapMs);
      continue;
    }
    const playlist = await get(variant);
    if (!playlist.ok) continue;
    const segments = playlistUris(playlist.text ?? '', variant);
    if (!segments.length) emptyPlaylist();
    for (const segment of segments) {
      if (stopped()) break;
      if ((await get(segment)).ok) report.segments += 1;
    }
  }
  return report;
}

interface Sample {
  /** When the request was sent, and when its last attempt ended. */
  at: number;
  doneAt: number;
  ok: boolean;
  region?: string;
  error?: string;
  retries: number;
}

/** Attempt errors worth retrying: the request may not have reached a healthy API. */
const retryable = (error: string) => error === 'timeout' || error === 'network' || /^HTTP (429|5\d\d)$/.test(error);

/**
 * Runs a drill and reports.
 *
 * @example
 * ```ts
 * const report = await runDrill({ edgeUrl, token, from: 'us-east-1', to: 'eu-west-1', titleIds, breakPrimary, failover, readWatchlist });
 * report.failedPct; // 0
 * ```
 */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const samples: Sample[] = [];
  const acked = new Set<string>();
  let stop = false;
  let next = 0;
  const retriedErrors: Record<string, number> = {};
  let lastFailedAttemptAt: number | undefined;
  const headers = { authorization: `Bearer ${options.token}` };
  const attempts = options.writeAttempts ?? 5;
  const policy: BackoffPolicy = {
    ...CLIENT_WRITE_RETRY,
    ...(options.backoffMs !== undefined ? { baseMs: options.backoffMs } : {}),
  };
  const attempt = async (write: boolean, titleId: string) => {
    try {
      const res = write
        ? await fetch(`${options.edgeUrl}/v1/watchlist/${titleId}`, {
            method: 'PUT',
            headers,
            signal: AbortSignal.timeout(5_000),
          })
        : await fetch(`${options.edgeUrl}/v1/home`, { headers, signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      const region = res.headers.get('x-streamctl-region') ?? undefined;
      return { ok: res.ok, ...(res.ok ? {} : { error: `HTTP ${res.status}` }), ...(region ? { region } : {}) };
    } catch (err) {
      return { ok: false, error: (err as Error).name === 'TimeoutError' ? 'timeout' : 'network' };
    }
  };
  const once = async () => {
    const write = next % 3 === 2 && next / 3 < options.titleIds.length * 3;
    const titleId = options.titleIds[Math.floor(next / 3) % options.titleIds.length] as string;
    next++;
    const at = Date.now();
    let retries = 0;
    // Reads fail over at the edge; a write is retried (PUT is idempotent) with backoff, as a client does.
    const result = await retry(
      async () => {
        const outcome = await attempt(write, titleId);
        if (!outcome.ok) lastFailedAttemptAt = Date.now();
        return outcome;
      },
      {
        attempts: write ? attempts : 1,
        policy,
        retryResult: (outcome) => !outcome.ok && retryable(outcome.error ?? ''),
        onRetry: ({ value }) => {
          const error = value?.error ?? 'error';
          retriedErrors[error] = (retriedErrors[error] ?? 0) + 1;
          retries++;
        },
      },
    );
    if (result.ok && write) acked.add(titleId);
    samples.push({ at, doneAt: Date.now(), retries, ...result });
  };
  const workers = options.concurrency ?? 4;
  const gapMs = (1000 * workers) / (options.ratePerSecond ?? 15);
  const seen: DrillMediaReport = { requests: 0, failed: 0, errors: {}, servedBy: {}, segments: 0, bytes: 0 };
  const viewing = options.media ? playMedia(options.media, seen, () => stop) : undefined;
  const load = Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      await sleep((gapMs / workers) * w);
      while (!stop) {
        const started = Date.now();
        await once();
        await sleep(Math.max(0, gapMs - (Date.now() - started)));
      }
    }),
  );
  let failoverAt = 0;
  let failoverMs = 0;
  let detectedMs: number | null = null;
  try {
    await sleep(options.warmupMs ?? 1_500);
    // The primary must have been seen serving (the API, and the viewer's media) before it is broken:
    // on a busy machine the first answers can take longer than the warm-up.
    const warmedBy = Date.now() + 15_000;
    while (
      Date.now() < warmedBy &&
      !(samples.some((s) => s.ok && s.region === options.from) && (!options.media || seen.servedBy[options.from]))
    ) {
      await sleep(100);
    }
    const brokenAt = Date.now();
    await options.breakPrimary();
    if (options.primaryHealthy) {
      for (let failures = 0; failures < 2 && Date.now() - brokenAt < 10_000; ) {
        failures = (await options.primaryHealthy().catch(() => false)) ? 0 : failures + 1;
        if (failures < 2) await sleep(200);
      }
      if (Date.now() - brokenAt < 10_000) detectedMs = Date.now() - brokenAt;
    } else await sleep(options.brokenMs ?? 1_000);
    failoverAt = Date.now();
    await options.failover();
    failoverMs = Date.now() - failoverAt;
    await sleep(options.afterMs ?? 3_000);
  } finally {
    stop = true;
    await load;
    await viewing;
  }
  const media = await viewing;
  const stored = await options.readWatchlist();
  const primaryAfter = (await options.readPrimary?.()) ?? null;
  // Responses by when they arrived: a write sent before the failover may be served by the target after it.
  const after = samples.filter((s) => s.doneAt >= failoverAt).sort((a, b) => a.doneAt - b.doneAt);
  const first = after.find((s) => s.ok && s.region === options.to);
  const lastOther = [...after].reverse().find((s) => !(s.ok && s.region === options.to));
  const allFrom = after.length ? (lastOther ? lastOther.doneAt - failoverAt : 0) : null;
  const failoverDone = failoverAt + failoverMs;
  const servedBy: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const s of samples) {
    if (s.ok && s.region) servedBy[s.region] = (servedBy[s.region] ?? 0) + 1;
    if (!s.ok) errors[s.error ?? 'error'] = (errors[s.error ?? 'error'] ?? 0) + 1;
  }
  const failed = samples.filter((s) => !s.ok).length;
  const retried = samples.filter((s) => s.retries > 0);
  return {
    from: options.from,
    to: options.to,
    requests: samples.length,
    failed,
    failedPct: samples.length ? Math.round((failed / samples.length) * 10_000) / 100 : 0,
    retries: samples.reduce((n, s) => n + s.retries, 0),
    retriedRequests: retried.length,
    retriedThenFailed: retried.filter((s) => !s.ok).length,
    retriedErrors,
    lastFailedAttemptMs: lastFailedAttemptAt === undefined ? null : lastFailedAttemptAt - failoverAt,
    servedBy,
    errors,
    firstFromTargetMs: first ? first.doneAt - failoverAt : null,
    allFromTargetMs: allFrom === null ? null : Math.max(0, allFrom),
    detectedMs,
    failoverMs,
    fromOldPrimaryAfterFailover: samples.filter((s) => s.region === options.from && s.doneAt > failoverDone).length,
    primaryAfter,
    ackedWrites: acked.size,
    lostWrites: [...acked].filter((t) => !stored.has(t)),
    ...(media ? { media } : {}),
  };
}
