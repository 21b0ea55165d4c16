/**
 * Lambda entries, one per worker, for Kinesis event source mappings with
 * ReportBatchItemFailures (and, in the CDK app, bisect-on-error and an
 * on-failure destination). Configuration comes from the function's
 * environment as everywhere (`STREAMCTL_STAGE`, `AWS_REGION`, …); QoE
 * metrics go out as CloudWatch EMF through Powertools Metrics.
 *
 * @module
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createDynamoModelStore, createUsers, loadPlatform, type Platform } from '@streamctl/sdk';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createDeadLetterTable } from './dead-letter.js';
import { createDynamoIdempotencyStore } from './idempotency.js';
import { createConsumerHandler } from './kinesis.js';
import { createQoeProcessor, createSignalsProcessor, createWatchStateProcessor } from './processors.js';
import type { EventProcessor } from './runner.js';

type Handler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

let platform: Promise<Platform> | undefined;
const getPlatform = () => {
  platform ??= loadPlatform({ configFile: false });
  return platform;
};

function lazyHandler(name: string, makeProcessor: (p: Platform) => EventProcessor, after?: () => void): Handler {
  let handler: Handler | undefined;
  return async (event, context) => {
    if (!handler) {
      const p = await getPlatform();
      handler = createConsumerHandler({
        name,
        process: makeProcessor(p),
        idempotency: createDynamoIdempotencyStore(p.clients, p.config.resources),
        park: createDeadLetterTable(p.clients, p.config.resources),
      });
    }
    try {
      return await handler(event, context);
    } finally {
      after?.();
    }
  };
}

/** The watch-state worker. */
export const watchStateHandler: Handler = lazyHandler('watch-state', (p) =>
  // The model store's version keys each viewer's cached home page: a watch-state change moves it.
  createWatchStateProcessor(createUsers(p.clients, p.config.resources), {
    models: createDynamoModelStore(p.clients, p.config.resources),
  }),
);

/** The recommendation-signals worker. */
export const signalsHandler: Handler = lazyHandler('signals', (p) =>
  createSignalsProcessor(p.clients, p.config.resources),
);

const metrics = new Metrics({ namespace: 'streamctl', serviceName: 'qoe' });

/** The QoE worker: EMF metrics per title and Region, flushed after each batch. */
export const qoeHandler: Handler = lazyHandler(
  'qoe',
  () =>
    createQoeProcessor((metric) => {
      const single = metrics.singleMetric();
      single.addDimension('titleId', metric.dimensions.titleId);
      single.addDimension('region', metric.dimensions.region);
      single.addMetric(metric.name, metric.unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count, metric.value);
    }),
  () => metrics.publishStoredMetrics(),
);
