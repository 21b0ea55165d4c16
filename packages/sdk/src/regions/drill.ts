/**
 * A failover drill: steady load through the edge, the primary Region
 * broken on purpose, a failover, and a report of what viewers saw —
 * requests and failures, which Region served them and when the target
 * took over, and whether any acknowledged write was lost.
 */

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
  failover: () => Promise<void>;
  /** The viewer's list as stored, read after the drill. */
  readWatchlist: () => Promise<Set<string>>;
  /** Phases, in ms. Defaults 1,500 warm-up, 1,000 broken before the failover, 3,000 after. */
  warmupMs?: number;
  brokenMs?: number;
  afterMs?: number;
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
  failed: number;
  failedPct: number;
  servedBy: Record<string, number>;
  errors: Record<string, number>;
  /** From the failover's start to the first response the target served. */
  firstFromTargetMs: number | null;
  /** From the failover's start until every later response came from the target. */
  allFromTargetMs: number | null;
  /** How long the failover command took. */
  failoverMs: number;
  ackedWrites: number;
  lostWrites: string[];
}

interface Sample {
  at: number;
  ok: boolean;
  region?: string;
  error?: string;
}

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
  const headers = { authorization: `Bearer ${options.token}` };
  const once = async () => {
    const write = next % 3 === 2 && next / 3 < options.titleIds.length * 3;
    const titleId = options.titleIds[Math.floor(next / 3) % options.titleIds.length] as string;
    next++;
    const at = Date.now();
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
      if (res.ok) {
        if (write) acked.add(titleId);
        samples.push({ at, ok: true, ...(region ? { region } : {}) });
      } else samples.push({ at, ok: false, error: `HTTP ${res.status}`, ...(region ? { region } : {}) });
    } catch (err) {
      samples.push({ at, ok: false, error: (err as Error).name === 'TimeoutError' ? 'timeout' : 'network' });
    }
  };
  const workers = options.concurrency ?? 4;
  const gapMs = (1000 * workers) / (options.ratePerSecond ?? 15);
  const load = Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      await new Promise((r) => setTimeout(r, (gapMs / workers) * w));
      while (!stop) {
        const started = Date.now();
        await once();
        await new Promise((r) => setTimeout(r, Math.max(0, gapMs - (Date.now() - started))));
      }
    }),
  );
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let failoverAt = 0;
  let failoverMs = 0;
  try {
    await pause(options.warmupMs ?? 1_500);
    await options.breakPrimary();
    await pause(options.brokenMs ?? 1_000);
    failoverAt = Date.now();
    await options.failover();
    failoverMs = Date.now() - failoverAt;
    await pause(options.afterMs ?? 3_000);
  } finally {
    stop = true;
    await load;
  }
  const stored = await options.readWatchlist();
  const after = samples.filter((s) => s.at >= failoverAt).sort((a, b) => a.at - b.at);
  const first = after.find((s) => s.ok && s.region === options.to);
  const lastOther = [...after].reverse().find((s) => !(s.ok && s.region === options.to));
  const allFrom = after.length ? (lastOther ? lastOther.at - failoverAt : 0) : null;
  const servedBy: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const s of samples) {
    if (s.ok && s.region) servedBy[s.region] = (servedBy[s.region] ?? 0) + 1;
    if (!s.ok) errors[s.error ?? 'error'] = (errors[s.error ?? 'error'] ?? 0) + 1;
  }
  const failed = samples.filter((s) => !s.ok).length;
  return {
    from: options.from,
    to: options.to,
    requests: samples.length,
    failed,
    failedPct: samples.length ? Math.round((failed / samples.length) * 10_000) / 100 : 0,
    servedBy,
    errors,
    firstFromTargetMs: first ? first.at - failoverAt : null,
    allFromTargetMs: allFrom === null ? null : Math.max(0, allFrom),
    failoverMs,
    ackedWrites: acked.size,
    lostWrites: [...acked].filter((t) => !stored.has(t)),
  };
}
