/**
 * The worker set: which consumer of the events stream calls which use case.
 * Wired once here and run both by the Lambda handlers (one function per
 * consumer) and by the local poller (all of them).
 */
import type { EngagementEvent } from '../events/index.js';
import type { QoeMetric } from '../qoe/index.js';
import type { Consumer } from './run.js';

/** The consumers of the events stream. */
export const CONSUMER_NAMES = ['watch-state', 'signals', 'qoe', 'search'] as const;
/** One of {@link CONSUMER_NAMES}. */
export type ConsumerName = (typeof CONSUMER_NAMES)[number];

/** The use cases the worker set calls. */
export interface WorkerSetUseCases {
  watchState: { apply(event: EngagementEvent): Promise<unknown> };
  recommendations: { learn(event: EngagementEvent): Promise<unknown> };
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
  runtime: Pick<Consumer, 'idempotency' | 'park'>,
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
    signals: consumer('signals', async (event) => {
      await useCases.recommendations.learn(event);
    }),
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
