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
 */
import { type BackoffPolicy, CLIENT_WRITE_RETRY, retry, sleep } from '../util/index.js';

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
  /** Phases, in ms. Defaults 1,500 warm-up, 1,000 broken before the failover (without `primaryHealthy`), 3,000 after. */
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
  }
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
  };
}
