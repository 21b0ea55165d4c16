/**
 * The data-transformation Lambda of the lake's Firehose stream: Firehose
 * hands it the events stream's records in batches and converts what it
 * returns to Parquet with the Glue table's schema. The lake holds viewers'
 * engagement events, so a catalog record is dropped, and so is every event
 * of an erased viewer; a record that is no valid event is failed, and
 * Firehose writes it under the lake's error prefix, so nothing is lost
 * without a trace. A kept event goes out as one JSON line whose `ts` is UTC
 * with milliseconds (`2026-12-03T09:15:00.000Z`), a form Firehose's OpenX
 * JSON SerDe reads as a timestamp, whatever offset the player sent.
 *
 * @module
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type EngagementEvent, isCatalogRecord, loadPlatform, type Platform, parseEvent } from '@streamctl/sdk';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';

/** What became of one record: kept (`ok`), dropped (`catalog`, `erased`) or failed (`invalid`). */
export type LakeRecordOutcome = 'ok' | 'catalog' | 'erased' | 'invalid';

/** What {@link createLakeTransform} works with. */
export interface LakeTransformOptions {
  /** Whether a viewer was erased (`platform.privacy.isErased`); asked once per viewer and batch. A throw fails the batch. */
  isErased(userId: string): Promise<boolean>;
  /** Called once per batch with the count of each outcome. */
  onBatch?(counts: Record<LakeRecordOutcome, number>): void;
  /** Erasure checks run at once, at most. Default 16. */
  concurrency?: number;
}

/** A Firehose transformation handler. */
export type LakeTransform = (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;

/**
 * An event as the lake stores it: one JSON line (ending in `\n`), `ts` in UTC with milliseconds.
 * Throws a `RangeError` for a `ts` no date can be made of.
 *
 * @example
 * ```ts
 * lakeLine(parseEvent(value)); // '{"v":2,…,"ts":"2026-12-03T08:15:00.000Z",…}\n'
 * ```
 */
export function lakeLine(event: EngagementEvent): string {
  return `${JSON.stringify({ ...event, ts: new Date(event.ts).toISOString() })}\n`;
}

type Decoded =
  | { recordId: string; outcome: 'catalog' | 'invalid' }
  | { recordId: string; outcome: 'event'; event: EngagementEvent };

function decode(record: FirehoseTransformationEventRecord): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
  } catch {
    return { recordId: record.recordId, outcome: 'invalid' };
  }
  if (isCatalogRecord(value)) return { recordId: record.recordId, outcome: 'catalog' };
  try {
    return { recordId: record.recordId, outcome: 'event', event: parseEvent(value) };
  } catch {
    return { recordId: record.recordId, outcome: 'invalid' };
  }
}

/** Runs `task` over `items`, `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Creates the transformation handler. Every record of the batch comes back with its `recordId`:
 * `Ok` with the event's JSON line, `Dropped` for a catalog record or an erased viewer's event,
 * `ProcessingFailed` for anything else (bad JSON, no valid event).
 *
 * @example
 * ```ts
 * const transform = createLakeTransform({ isErased: (userId) => platform.privacy.isErased(userId) });
 * const { records } = await transform(event);
 * ```
 */
export function createLakeTransform(options: LakeTransformOptions): LakeTransform {
  const concurrency = Math.max(1, options.concurrency ?? 16);
  return async (event) => {
    const decoded = event.records.map(decode);
    // One check per viewer of the batch, however many of their events it holds.
    const erased = new Map<string, boolean>();
    const viewers = [...new Set(decoded.flatMap((d) => (d.outcome === 'event' ? [d.event.userId] : [])))];
    await eachLimited(viewers, concurrency, async (userId) => {
      erased.set(userId, await options.isErased(userId));
    });
    const counts: Record<LakeRecordOutcome, number> = { ok: 0, catalog: 0, erased: 0, invalid: 0 };
    const records = decoded.map((d): FirehoseTransformationResultRecord => {
      if (d.outcome !== 'event') {
        counts[d.outcome]++;
        return d.outcome === 'catalog'
          ? { recordId: d.recordId, result: 'Dropped' }
          : { recordId: d.recordId, result: 'ProcessingFailed' };
      }
      if (erased.get(d.event.userId)) {
        counts.erased++;
        return { recordId: d.recordId, result: 'Dropped' };
      }
      let line: string;
      try {
        line = lakeLine(d.event);
      } catch {
        counts.invalid++;
        return { recordId: d.recordId, result: 'ProcessingFailed' };
      }
      counts.ok++;
      return { recordId: d.recordId, result: 'Ok', data: Buffer.from(line, 'utf8').toString('base64') };
    });
    options.onBatch?.(counts);
    return { records };
  };
}

let platform: Promise<Platform> | undefined;
/** The platform, wired once per execution environment (again after a failed start). */
const loadOnce = () => {
  platform ??= loadPlatform({ configFile: false }).catch((err: unknown) => {
    platform = undefined;
    throw err;
  });
  return platform;
};

let metrics: Metrics | undefined;

/**
 * The Lambda entry of the lake's Firehose processor: configuration from the function's environment
 * (`STREAMCTL_STAGE`, `AWS_REGION`, …), the erasure tombstones of the Region's user-state replica,
 * and the count of erased viewers' events dropped as `ErasedViewerEventsDropped` (consumer `lake`),
 * as the stream's workers count theirs.
 */
export const handler: LakeTransform = createLakeTransform({
  isErased: async (userId) => (await loadOnce()).privacy.isErased(userId),
  onBatch: (counts) => {
    if (!counts.erased) return;
    metrics ??= new Metrics({ namespace: 'streamctl', serviceName: 'workers' });
    const single = metrics.singleMetric();
    single.addDimension('consumer', 'lake');
    single.addMetric('ErasedViewerEventsDropped', MetricUnit.Count, counts.erased);
  },
});
