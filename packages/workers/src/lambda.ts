/**
 * Lambda entries, one per consumer of the worker set, for Kinesis event
 * source mappings with ReportBatchItemFailures (and, in the CDK app,
 * bisect-on-error and an on-failure destination). Configuration comes from
 * the function's environment as everywhere (`STREAMCTL_STAGE`, `AWS_REGION`,
 * …); QoE metrics go out as CloudWatch EMF through Powertools Metrics.
 *
 * @module
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  type Consumer,
  type ConsumerName,
  loadPlatform,
  QOE_DIMENSION_SETS,
  QOE_NAMESPACE,
  QOE_SERVICE,
  type QoeMetric,
} from '@streamctl/sdk';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createConsumerHandler } from './kinesis.js';

type Handler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

const METRIC_UNITS: Record<QoeMetric['unit'], (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Seconds: MetricUnit.Seconds,
  Milliseconds: MetricUnit.Milliseconds,
};

const metrics = new Metrics({ namespace: QOE_NAMESPACE, serviceName: QOE_SERVICE });
/** The workers' own counts: events of erased viewers dropped, per consumer. */
const workerMetrics = new Metrics({ namespace: 'streamctl', serviceName: 'workers' });

let consumers: Promise<Record<ConsumerName, Consumer>> | undefined;
/** The worker set, wired once per execution environment. */
const workerSet = () => {
  consumers ??= loadPlatform({ configFile: false }).then((platform) =>
    platform.consumers.workerSet({
      qoeSink: (metric) => {
        // Once with the detail (title, Region, device), once under the Region alone: the SLO alarms read that one.
        for (const set of QOE_DIMENSION_SETS) {
          const single = metrics.singleMetric();
          for (const name of set) single.addDimension(name, metric.dimensions[name]);
          single.addMetric(metric.name, METRIC_UNITS[metric.unit], metric.value);
        }
      },
    }),
  );
  return consumers;
};

function lazyHandler(name: ConsumerName, after?: () => void): Handler {
  let handler: Handler | undefined;
  // One batch at a time per execution environment: the count is the batch's.
  let erased = 0;
  return async (event, context) => {
    handler ??= createConsumerHandler((await workerSet())[name], {
      onRecord: (outcome) => {
        if (outcome === 'erased') erased++;
      },
    });
    try {
      return await handler(event, context);
    } finally {
      after?.();
      if (erased) {
        const single = workerMetrics.singleMetric();
        single.addDimension('consumer', name);
        single.addMetric('ErasedViewerEventsDropped', MetricUnit.Count, erased);
        erased = 0;
      }
    }
  };
}

/** The watch-state worker. */
export const watchStateHandler: Handler = lazyHandler('watch-state');

/** The recommendation-signals worker. */
export const signalsHandler: Handler = lazyHandler('signals');

/** The search worker: keeps the Region's OpenSearch index in line with the catalog, from catalog events. */
export const searchHandler: Handler = lazyHandler('search');

/** The QoE worker: EMF metrics per title and Region, flushed after each batch. */
export const qoeHandler: Handler = lazyHandler('qoe', () => metrics.publishStoredMetrics());
