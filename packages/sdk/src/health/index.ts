/**
 * Health of every part of a stage: tables ACTIVE, the stream ACTIVE, the
 * buckets reachable, and (locally) the API and edge answering `/health`.
 *
 * @module
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/index.js';
import { controlRegionOrder, holdsControlTable, type StreamctlConfig } from '../config/index.js';
import { ErrorCode, isStreamctlError, wrapAwsError } from '../errors/index.js';
import { PLATFORM_RESOURCES } from '../resources/index.js';

/** Health of one resource of a part. */
export interface ResourceHealth {
  name: string;
  ok: boolean;
  /** `ACTIVE`, `CREATING`, `reachable`, or the error's code. */
  status: string;
}

/** Health of one part of the stage. */
export interface PartHealth {
  name: string;
  ok: boolean;
  /** Where it was checked. `undefined` means AWS's own endpoint. */
  endpoint: string | undefined;
  latencyMs: number;
  resources: ResourceHealth[];
  /** Why it is unhealthy, and what to do. */
  error?: { code: string; message: string; hint?: string };
}

/** The health of a whole stage. */
export interface HealthReport {
  stage: string;
  region: string;
  healthy: boolean;
  checkedAt: string;
  parts: PartHealth[];
  /**
   * Where this Region reads and writes the routing record: the control Regions in the order it
   * asks them, the Region itself first when it holds a replica of the control table. A Region
   * that holds none is not checked for that table.
   */
  routingRecordFrom?: string[];
}

/** Default time one check may take before it counts as failed. */
export const HEALTH_TIMEOUT_MS = 5_000;

async function timed<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

function failure(
  err: unknown,
  operation: string,
  subject: string,
  endpoint: string | undefined,
): NonNullable<PartHealth['error']> {
  const wrapped = isStreamctlError(err) ? err : wrapAwsError(err, operation, subject);
  // On AWS's own endpoints a missing resource means the stage is not deployed there: the local
  // platform (`streamctl dev`) is no answer to that.
  const hint =
    endpoint === undefined && wrapped.code === ErrorCode.ResourceNotFound
      ? 'deploy the stage to this Region (`cdk deploy`), or check --stage and --region'
      : wrapped.hint;
  return { code: wrapped.code, message: wrapped.message, ...(hint ? { hint } : {}) };
}

async function checkPart(
  name: string,
  endpoint: string | undefined,
  checks: Array<{ resource: string; operation: string; run: (signal: AbortSignal) => Promise<string> }>,
  timeoutMs: number,
): Promise<PartHealth> {
  const start = performance.now();
  let error: PartHealth['error'];
  const resources = await Promise.all(
    checks.map(async (check): Promise<ResourceHealth> => {
      try {
        const status = await timed(check.run, timeoutMs);
        return { name: check.resource, ok: status === 'ACTIVE' || status === 'reachable' || status === 'ok', status };
      } catch (err) {
        const f = failure(err, check.operation, check.resource, endpoint);
        error ??= f;
        return { name: check.resource, ok: false, status: f.code };
      }
    }),
  );
  const ok = resources.every((r) => r.ok);
  return {
    name,
    ok,
    endpoint,
    latencyMs: Math.round(performance.now() - start),
    resources,
    ...(error ? { error } : ok ? {} : { error: { code: 'NOT_READY', message: `${name} is not ready yet` } }),
  };
}

/** An HTTP part (API, edge) to check through its `/health` route. */
export interface HttpPart {
  name: string;
  url: string;
}

/**
 * Checks every part of a stage in parallel. The control table is checked only in a Region that
 * holds a replica of it (`controlRegions`); the report names where the routing record is read.
 *
 * @example
 * ```ts
 * const report = await checkHealth(config, clients);
 * if (!report.healthy) console.table(report.parts);
 * ```
 */
export async function checkHealth(
  config: StreamctlConfig,
  clients: AwsClients,
  options: { httpParts?: HttpPart[]; timeoutMs?: number } = {},
): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? HEALTH_TIMEOUT_MS;
  const names = config.resources;
  const controlHere = holdsControlTable(config, config.region);
  const httpParts = (options.httpParts ?? []).map((part) =>
    checkPart(
      part.name,
      part.url,
      [
        {
          resource: `${part.url}/health`,
          operation: `${part.name}:GET /health`,
          run: async (signal) => {
            const res = await fetch(new URL('/health', part.url), { signal });
            await res.body?.cancel();
            return res.ok ? 'ok' : `HTTP ${res.status}`;
          },
        },
      ],
      timeoutMs,
    ),
  );
  const parts = await Promise.all([
    ...httpParts,
    checkPart(
      'dynamodb',
      clients.endpointFor('dynamodb'),
      // The control table has replicas in the control Regions only: elsewhere its absence is expected.
      PLATFORM_RESOURCES.tables
        .filter((t) => t.nameKey !== 'controlTable' || controlHere)
        .map((t) => ({
          resource: names[t.nameKey],
          operation: 'dynamodb:DescribeTable',
          run: async (abortSignal) => {
            const out = await clients
              .dynamodb()
              .send(new DescribeTableCommand({ TableName: names[t.nameKey] }), { abortSignal });
            return out.Table?.TableStatus ?? 'UNKNOWN';
          },
        })),
      timeoutMs,
    ),
    checkPart(
      'kinesis',
      clients.endpointFor('kinesis'),
      PLATFORM_RESOURCES.streams.map((s) => ({
        resource: names[s.nameKey],
        operation: 'kinesis:DescribeStreamSummary',
        run: async (abortSignal) => {
          const out = await clients
            .kinesis()
            .send(new DescribeStreamSummaryCommand({ StreamName: names[s.nameKey] }), { abortSignal });
          return out.StreamDescriptionSummary?.StreamStatus ?? 'UNKNOWN';
        },
      })),
      timeoutMs,
    ),
    checkPart(
      's3',
      clients.endpointFor('s3'),
      PLATFORM_RESOURCES.buckets.map((b) => ({
        resource: names[b.nameKey],
        operation: 's3:HeadBucket',
        run: async (abortSignal) => {
          await clients.s3().send(new HeadBucketCommand({ Bucket: names[b.nameKey] }), { abortSignal });
          return 'reachable';
        },
      })),
      timeoutMs,
    ),
  ]);
  return {
    stage: config.stage,
    region: config.region,
    healthy: parts.every((p) => p.ok),
    checkedAt: new Date().toISOString(),
    parts,
    routingRecordFrom: controlRegionOrder(config),
  };
}
