/**
 * The worker set: which consumer of the events stream calls which use case.
 * Wired once here and run both by the Lambda handlers (one function per
 * consumer) and by the local poller (all of them).
 */
import type { EngagementEvent } from '../events/index.js';
import type { QoeMetric } from '../qoe/index.js';
import type { LearnBatch } from '../recommendations/index.js';
import type { Consumer } from './run.js';

/** The consumers of the events stream. */
export const CONSUMER_NAMES = ['watch-state', 'signals', 'qoe', 'search'] as const;
/** One of {@link CONSUMER_NAMES}. */
export type ConsumerName = (typeof CONSUMER_NAMES)[number];

/** The use cases the worker set calls. */
export interface WorkerSetUseCases {
  watchState: { apply(event: EngagementEvent): Promise<unknown> };
  recommendations: { batch(writer: string): LearnBatch };
  qoe: { measure(event: EngagementEvent): QoeMetric[] };
  search: { indexTitle(titleId: string): Promise<unknown> };
}

/** Options of {@link createWorkerSet}. */
export interface WorkerSetOptions {
  /** Where QoE metrics go (Powertools Metrics on Lambda, an EMF file locally). */
  qoeSink: (metric: QoeMetric) => void | Promise<void>;
  /** Appended to every consumer's name (its ledger and checkpoints), e.g. `@eu-west-1` for a second Region's stream. */
  nameSuffix?: string;
}

/**
 * The consumers of the stream, each a name and one use-case call per event.
 *
 * @example
 * ```ts
 * const consumers = createWorkerSet(platform, { idempotency, park }, { qoeSink: (m) => metrics.add(m) });
 * ```
 */
export function createWorkerSet(
  useCases: WorkerSetUseCases,
  runtime: Pick<Consumer, 'idempotency' | 'park' | 'erased'>,
  options: WorkerSetOptions,
): Record<ConsumerName, Consumer> {
  const suffix = options.nameSuffix ?? '';
  const consumer = (name: ConsumerName, process: (event: EngagementEvent) => Promise<void>): Consumer => ({
    name: `${name}${suffix}`,
    process,
    ...runtime,
  });
  return {
    'watch-state': consumer('watch-state', async (event) => {
      await useCases.watchState.apply(event);
    }),
    signals: signals(`signals${suffix}`, useCases.recommendations, runtime),
    qoe: consumer('qoe', async (event) => {
      for (const metric of useCases.qoe.measure(event)) await options.qoeSink(metric);
    }),
    // The search index reads catalog events only, and the catalog rather than the event:
    // whatever order events arrive in, the title ends up as the catalog has it.
    search: {
      name: `search${suffix}`,
      processCatalog: async (event) => {
        await useCases.search.indexTitle(event.titleId);
      },
      ...runtime,
    },
  };
}

/**
 * The signals consumer: a batch per shard, so a batch's popularity is written once per title
 * when the batch is done (see Learner.batch), before its checkpoint.
 */
function signals(
  name: string,
  learner: WorkerSetUseCases['recommendations'],
  runtime: Pick<Consumer, 'idempotency' | 'park' | 'erased'>,
): Consumer {
  const batches = new Map<string, LearnBatch>();
  const batchOf = (shardId: string) => {
    let batch = batches.get(shardId);
    if (!batch) {
      batch = learner.batch(`${name}/${shardId}`);
      batches.set(shardId, batch);
    }
    return batch;
  };
  return {
    name,
    process: async (event, record) => {
      await batchOf(record.shardId).learn(event, record.sequenceNumber);
    },
    replay: async (event, record) => {
      batchOf(record.shardId).replay(event, record.sequenceNumber);
    },
    flush: async (shardId) => {
      await batches.get(shardId)?.flush();
    },
    ...runtime,
  };
}
