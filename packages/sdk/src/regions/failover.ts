/**
 * The failover procedure `streamctl failover` runs: preflight, flip the
 * routing record, repoint the CloudFront API origin group, verify, and the
 * rollback command.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClients } from '../aws/index.js';
import { LOCAL_STAGE, type StreamctlConfig } from '../config/index.js';
import { ConflictError, ErrorCode, StreamctlError, ValidationError } from '../errors/index.js';
import type { HealthReport } from '../health/index.js';
import { sleep } from '../util/index.js';
import { type RepointResult, repointOriginGroup } from './cloudfront.js';
import { type MediaLag, mediaLag, regionsHealth } from './health.js';
import { readLocalRegions } from './local.js';
import { defaultRouting, ensureRouting, type RoutingRecord, readRouting, setPrimary } from './routing.js';
import { controlTableStore, regionConfig } from './stage.js';

/** The edge in front of the Regions' APIs, where known: given, or locally the multi-Region platform's. */
function edgeUrlOf(config: StreamctlConfig, edgeUrl: string | undefined): string | undefined {
  if (edgeUrl) return edgeUrl;
  if (config.stage === LOCAL_STAGE) return readLocalRegions(config.dataDir)?.edge;
  return config.domain ? `https://${config.domain}` : undefined;
}

/**
 * Asks the edge, through `probe` (which answers the Region it saw), until it names `region` or
 * time runs out; an unanswered probe counts as another Region.
 */
async function untilEdgeNames(
  region: string,
  timeoutMs: number,
  probe: () => Promise<string>,
): Promise<{ region: string; ms: number; ok: boolean }> {
  const started = Date.now();
  for (;;) {
    let seen: string;
    try {
      seen = await probe();
    } catch (err) {
      seen = `no answer (${(err as Error).message})`;
    }
    const ms = Date.now() - started;
    if (seen === region || ms > timeoutMs) return { region: seen, ms, ok: seen === region };
    await sleep(200);
  }
}

/**
 * Asks the edge which Region is its primary API origin until it names
 * `region` or time runs out. The probe is a POST without a token: the edge
 * (like a CloudFront origin group) never fails a POST over, so the answer
 * comes from the primary origin alone, and the API refuses it (401) before
 * doing anything, naming the Region that served it.
 */
function regionThroughEdge(edgeUrl: string, region: string, timeoutMs: number) {
  return untilEdgeNames(region, timeoutMs, async () => {
    const res = await fetch(`${edgeUrl.replace(/\/$/, '')}/v1/events`, {
      method: 'POST',
      signal: AbortSignal.timeout(2_000),
    });
    await res.body?.cancel();
    return res.headers.get('x-streamctl-region') ?? `no Region (HTTP ${res.status})`;
  });
}

/**
 * Asks the local edge which Region's CDN bucket heads its media origin group (its `/health` lists
 * the group in order) until it names `region` or time runs out.
 */
function mediaThroughEdge(edgeUrl: string, region: string, timeoutMs: number) {
  return untilEdgeNames(region, timeoutMs, async () => {
    const res = await fetch(`${edgeUrl.replace(/\/$/, '')}/health`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { buckets?: Array<{ region: string }> };
    return body.buckets?.[0]?.region ?? 'no media origin group';
  });
}

/** One step of a failover, as planned and as done. */
export interface FailoverStep {
  id: 'preflight' | 'replica' | 'routing' | 'edge' | 'verify';
  title: string;
  done?: boolean;
  detail?: string;
}

/** What a failover did (or, with `dryRun`, would do). */
export interface FailoverResult {
  from: string;
  to: string;
  changed: boolean;
  dryRun: boolean;
  steps: FailoverStep[];
  record?: RoutingRecord;
  edge?: RepointResult | { changed: false; reason: string };
  rollback: string;
}

/** Inputs of {@link runFailover}. */
export interface FailoverInput {
  to: string;
  /** The expected current primary; refused when it is not. */
  from?: string;
  dryRun?: boolean;
  /** Fail over to a Region whose health check fails. */
  force?: boolean;
  by: string;
  reason?: string;
  /** Called as each step starts and ends. */
  onStep?: (step: FailoverStep) => void;
  /** Seconds to wait for the target's replica to show the canary. Default 10. */
  replicaTimeoutSec?: number;
  /** Each Region's API base URL for the preflight (locally found on its own). */
  apiUrls?: Record<string, string>;
  /** The edge to verify through (locally found on its own); without one, that check is skipped. */
  edgeUrl?: string;
  /** Seconds to wait for the edge to serve from the target. Default 10 (2 when forced onto an unhealthy target). */
  verifyTimeoutSec?: number;
}

/** How far behind a Region's bucket is, in the words of the failover's replica step. */
function mediaBehind(media: MediaLag, to: string): string {
  if (media.noData) return `no replication data for ${to}${media.error ? ` (${media.error})` : ''}`;
  const error = media.error ? ` (${media.error})` : '';
  if (media.pending) {
    const age =
      media.oldestPendingMs !== null
        ? `, oldest ${Math.round(media.oldestPendingMs / 1000)} s`
        : media.lastLagMs !== null
          ? `, ${Math.round(media.lastLagMs / 1000)} s behind`
          : '';
    return `${media.pending} objects still to copy into ${to}${age}${error}`;
  }
  return `${to}'s bucket in sync${error}`;
}

/**
 * Fails the stage over to another Region: preflight (the target is healthy
 * and its replica current), flip the routing record (a conditional write:
 * a concurrent failover makes this one fail with `CONFLICT`), repoint the
 * CloudFront API origin group (when the stage has a distribution), verify.
 * Re-running with the same target is a no-op; `dryRun` changes nothing.
 *
 * @example
 * ```ts
 * const result = await runFailover(config, { to: 'eu-west-1', by: 'alice' });
 * console.log(result.rollback); // "streamctl failover --to us-east-1 --yes"
 * ```
 */
export async function runFailover(config: StreamctlConfig, input: FailoverInput): Promise<FailoverResult> {
  if (!config.regions.includes(input.to)) {
    throw new ValidationError(`${input.to} is not a Region of stage ${config.stage} (${config.regions.join(', ')})`, [
      { path: 'to', message: 'unknown Region' },
    ]);
  }
  const home = createAwsClients(config);
  // The routing record is read and written in a control Region: this one when it holds a replica.
  const control = controlTableStore(config);
  const names = config.resources;
  const step = (s: FailoverStep) => input.onStep?.(s);
  try {
    // A dry run writes nothing: with no record yet, the plan starts from the one ensureRouting would create.
    const record = input.dryRun
      ? ((await readRouting(control, names)) ?? defaultRouting(config.regions, input.by))
      : await ensureRouting(control, names, config.regions, input.by);
    const from = record.primary;
    const edgeUrl = edgeUrlOf(config, input.edgeUrl);
    const rollback = `streamctl failover --to ${from} --yes`;
    const steps: FailoverStep[] = [
      { id: 'preflight', title: `Check ${input.to} is healthy` },
      { id: 'replica', title: `Check ${input.to}'s replica of the user-state table is current` },
      { id: 'routing', title: `Flip the routing record: primary ${from} → ${input.to}` },
      {
        id: 'edge',
        title: config.media.distributionId
          ? `Point CloudFront ${config.media.distributionId}'s API and media origin groups at ${input.to}`
          : "Point the edge's API and media origin groups at the new primary",
      },
      {
        id: 'verify',
        title: edgeUrl
          ? `Verify ${input.to} serves as primary through the edge`
          : `Verify ${input.to} serves as primary`,
      },
    ];
    if (input.from && input.from !== from) {
      throw new ConflictError(`The primary is ${from}, not ${input.from}`, {
        hint: `check \`streamctl failover status\`; drop --from to fail over from ${from}`,
        details: { primary: from },
      });
    }
    if (from === input.to) {
      return { from, to: input.to, changed: false, dryRun: Boolean(input.dryRun), steps, record, rollback: '' };
    }
    if (input.dryRun) return { from, to: input.to, changed: false, dryRun: true, steps, record, rollback };

    const run = async <T>(s: FailoverStep, work: () => Promise<T>, describe: (v: T) => string): Promise<T> => {
      step(s);
      const value = await work();
      s.done = true;
      s.detail = describe(value);
      step(s);
      return value;
    };

    const health = await run(
      steps[0] as FailoverStep,
      async () => {
        const report = (
          await regionsHealth({ ...config, regions: [input.to] }, input.apiUrls ? { apiUrls: input.apiUrls } : {})
        )[input.to] as HealthReport;
        if (!report.healthy && !input.force) {
          const reasons = report.parts.filter((p) => !p.ok).map((p) => p.error?.message ?? `${p.name} is unhealthy`);
          throw new StreamctlError(ErrorCode.Conflict, `${input.to} is not healthy: ${reasons.join('; ')}`, {
            hint: `fix ${input.to} first, or pass --force to fail over anyway`,
          });
        }
        return report;
      },
      (r) => (r.healthy ? 'healthy' : 'unhealthy (--force)'),
    );

    // How far behind the target's bucket is (the local replicator, or S3's metrics in CloudWatch on AWS).
    const media = (await mediaLag(config))?.[input.to];
    await run(
      steps[1] as FailoverStep,
      async () => {
        // A canary written through the current primary must show up in the target's replica.
        // Its key is this run's own: racing failovers never read each other's canary.
        const target = createAwsClients(regionConfig(config, input.to));
        const canary = `${input.by}:${Date.now()}`;
        const Key = { PK: 'ROUTING', SK: `CANARY#${randomUUID()}` };
        try {
          await home.documents().send(new PutCommand({ TableName: names.userStateTable, Item: { ...Key, canary } }));
          const deadline = Date.now() + (input.replicaTimeoutSec ?? 10) * 1000;
          for (;;) {
            const out = await target.documents().send(
              new GetCommand({
                TableName: regionConfig(config, input.to).resources.userStateTable,
                Key,
              }),
            );
            if (out.Item?.canary === canary) return Date.now() - (deadline - (input.replicaTimeoutSec ?? 10) * 1000);
            if (Date.now() > deadline) {
              if (input.force) return -1;
              throw new StreamctlError(
                ErrorCode.Conflict,
                `${input.to}'s replica is behind: the canary did not arrive`,
                {
                  hint: 'wait for replication to catch up, or pass --force',
                },
              );
            }
            await sleep(200);
          }
        } finally {
          target.destroy();
          try {
            await home.documents().send(new DeleteCommand({ TableName: names.userStateTable, Key }));
          } catch {
            // A canary left behind is harmless: no later run reads this key.
          }
        }
      },
      (ms) => {
        // Media is not a reason to refuse (the origin group serves what the target lacks from the
        // next bucket), but the operator sees how far behind the target's bucket is.
        const behind = media ? `; media: ${mediaBehind(media, input.to)}` : '';
        return `${ms < 0 ? 'replica behind (--force)' : `canary replicated in ${ms} ms`}${behind}`;
      },
    );

    const flipped = await run(
      steps[2] as FailoverStep,
      () =>
        setPrimary(control, names, {
          to: input.to,
          expectedVersion: record.version,
          by: input.by,
          reason: input.reason ?? `failover from ${from}`,
        }),
      (r) => `version ${r.version}`,
    );

    const edge = await run(
      steps[3] as FailoverStep,
      async (): Promise<RepointResult | { changed: false; reason: string }> => {
        if (config.media.distributionId && config.stage !== LOCAL_STAGE) {
          return repointOriginGroup({
            client: () => home.cloudfront(),
            distributionId: config.media.distributionId,
            region: input.to,
          });
        }
        return {
          changed: false,
          reason:
            config.stage === LOCAL_STAGE
              ? `the local edge follows the routing record: its API and media origin groups put ${input.to} first`
              : 'no CloudFront distribution: clients and the local edge follow the routing record',
        };
      },
      (e) =>
        'reason' in e
          ? e.reason
          : `${e.changed ? `origin ${e.primaryOriginId} first` : 'already first'}${e.mediaOriginId ? `, media ${e.mediaOriginId} first` : ''}${e.changed ? `, ${e.status}` : ''}`,
    );

    await run(
      steps[4] as FailoverStep,
      async () => {
        const now = await readRouting(control, names);
        if (now?.primary !== input.to) {
          throw new StreamctlError(ErrorCode.Conflict, `The routing record names ${now?.primary}, not ${input.to}`);
        }
        if (!edgeUrl) return { record: now, edge: undefined, media: undefined };
        const forcedUnhealthy = !health.healthy;
        const seen = await regionThroughEdge(
          edgeUrl,
          input.to,
          (input.verifyTimeoutSec ?? (forcedUnhealthy ? 2 : 10)) * 1000,
        );
        if (!seen.ok && !input.force) {
          throw new StreamctlError(
            ErrorCode.Conflict,
            `The edge ${edgeUrl} answers from ${seen.region}, not ${input.to}, ${seen.ms} ms after the flip`,
            {
              hint: `the routing record names ${input.to}; check the edge and \`streamctl failover status\`, or roll back with \`${rollback}\``,
            },
          );
        }
        // Locally the media moves too: the edge's media origin group must head with the target's bucket.
        const media =
          config.stage === LOCAL_STAGE ? await mediaThroughEdge(edgeUrl, input.to, seen.ok ? 5_000 : 1_000) : undefined;
        if (media && !media.ok && !input.force) {
          throw new StreamctlError(
            ErrorCode.Conflict,
            `The edge serves media from ${media.region}'s bucket first, not ${input.to}'s, ${media.ms} ms after the flip`,
            { hint: `check \`streamctl failover status\`, or roll back with \`${rollback}\`` },
          );
        }
        return { record: now, edge: seen, media };
      },
      ({ record: r, edge: e, media: m }) =>
        `routing record names ${r.primary} (version ${r.version}); ${
          !e
            ? 'edge not checked: no edge URL is known for this stage'
            : e.ok
              ? `the edge's primary API origin is ${e.region} (${e.ms} ms)`
              : `the edge answers from ${e.region}, not ${input.to} (--force)`
        }${!m ? '' : m.ok ? `; media from ${m.region}'s bucket first` : `; media still from ${m.region}'s bucket first (--force)`}`,
    );
    return { from, to: input.to, changed: true, dryRun: false, steps, record: flipped, edge, rollback };
  } finally {
    control.destroy();
    home.destroy();
  }
}
