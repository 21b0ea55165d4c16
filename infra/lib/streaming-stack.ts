/**
 * Streaming: the events stream of one Region, the platform table, and the
 * worker functions on Kinesis event source mappings (bisect on error,
 * bounded retries and record age, an SQS on-failure destination, partial
 * batch responses), with alarms on iterator age, throttles and DLQ depth.
 * The search worker keeps the Region's search collection (the API stack's)
 * in line with the catalog; the collection's data access policy is here,
 * where both of its roles can be named (see `search-stack.ts`).
 * Workers that take viewers' engagement events read the erasure tombstone
 * first; a dashboard graph counts the events of erased viewers they dropped.
 */
import { resourceNames } from '@streamctl/sdk/config';
import { catalogTable, eventsStream, platformTable, userStateTable } from '@streamctl/sdk/resources';
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { capacityFor, type InfraConfig } from './config.js';
import { tableFromDefinition } from './data-stack.js';
import { platformFunction } from './functions.js';
import { grantApiAccess, SearchAccessPolicy, type SearchCollection } from './search-stack.js';

/** Event source mapping settings of every worker. */
export const WORKER_MAPPING = {
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(1),
  bisectBatchOnError: true,
  retryAttempts: 3,
  maxRecordAge: Duration.hours(1),
  parallelizationFactor: 2,
  reportBatchItemFailures: true,
} as const;

/** Concurrent batches per shard of the signals worker: one, in order (see the worker list). */
export const SIGNALS_PARALLELIZATION = 1;

/** What a worker may do to the user-state table for the erasure check alone: `Privacy.isErased` gets the tombstone. */
export const TOMBSTONE_READ = ['dynamodb:GetItem'] as const;

/**
 * The count of a consumer's engagement events dropped because their viewer was erased (the
 * `ErasedViewerEventsDropped` metric the worker Lambdas emit through Powertools), summed per 5 minutes.
 *
 * @example
 * ```ts
 * new GraphWidget({ left: [erasedEventsDropped('watch-state')] });
 * ```
 */
export function erasedEventsDropped(consumer: string): Metric {
  return new Metric({
    namespace: 'streamctl',
    metricName: 'ErasedViewerEventsDropped',
    dimensionsMap: { service: 'workers', consumer },
    statistic: 'Sum',
    period: Duration.minutes(5),
    label: consumer,
  });
}

/** The search collection the streaming stack's search worker writes, and who else may read it. */
export interface StreamingSearch {
  /** The Region's collection (in the API stack). */
  collection: Pick<SearchCollection, 'name' | 'index' | 'endpoint' | 'collectionArn'>;
  /** Roles that search the index: the API server's. */
  readers: IRole[];
}

/** The stream and workers of one Region. */
export class StreamingStack extends Stack {
  readonly stream: Stream;
  readonly workers: NodejsFunction[] = [];
  /** The worker that indexes catalog changes into the search collection. */
  readonly searchWorker: NodejsFunction;

  constructor(
    scope: Construct,
    id: string,
    config: InfraConfig,
    props: StackProps & { env: { region: string }; search: StreamingSearch },
  ) {
    super(scope, id, props);
    const names = resourceNames(config.stage, props.env.region);
    // A planned shard count (`streamctl plan capacity`) makes the stream provisioned; else the resource's own mode.
    const shards = capacityFor(config, 'streamShards', props.env.region);
    this.stream = new Stream(this, 'Events', {
      streamName: names[eventsStream.nameKey],
      ...(shards !== undefined
        ? { streamMode: StreamMode.PROVISIONED, shardCount: shards }
        : { streamMode: eventsStream.mode === 'ON_DEMAND' ? StreamMode.ON_DEMAND : StreamMode.PROVISIONED }),
      encryption: StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(eventsStream.retentionHours),
    });
    const platform = tableFromDefinition(this, platformTable, names.platformTable, { replicaRegions: [] });
    // The global tables' replica in this Region, by the name the SDK derives.
    const userState = TableV2.fromTableName(this, 'UserState', names[userStateTable.nameKey]);
    const catalog = TableV2.fromTableName(this, 'Catalog', names[catalogTable.nameKey]);
    const dlq = new Queue(this, 'WorkerFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination: the Kinesis event source mappings park failed batches ' +
        'here (on-failure destination), and an alarm fires on its first message. A queue behind it would add nothing.',
    });
    const environment = {
      STREAMCTL_STAGE: config.stage,
      STREAMCTL_REGION: props.env.region,
      STREAMCTL_REGIONS: config.regions.join(','),
      POWERTOOLS_SERVICE_NAME: 'streamctl-workers',
    };
    const { collection } = props.search;
    // `consumer` is the worker set's name (the `consumer` dimension of the workers' metrics);
    // `engagement`: the consumer processes viewers' engagement events, so it checks each viewer's
    // erasure tombstone first (the search worker reads catalog events only, and never does).
    const workers = [
      {
        id: 'WatchState',
        consumer: 'watch-state',
        engagement: true,
        handler: 'watchStateHandler',
        tables: [userState, platform],
      },
      // One batch of a shard at a time: the signals consumer's popularity counters take each
      // shard's records in order (a counter remembers the last position it took from the shard).
      {
        id: 'Signals',
        consumer: 'signals',
        engagement: true,
        handler: 'signalsHandler',
        tables: [userState, platform, catalog],
        mapping: { parallelizationFactor: SIGNALS_PARALLELIZATION },
      },
      { id: 'Qoe', consumer: 'qoe', engagement: true, handler: 'qoeHandler', tables: [platform] },
      {
        id: 'Search',
        consumer: 'search',
        engagement: false,
        handler: 'searchHandler',
        tables: [catalog, platform],
        environment: { STREAMCTL_SEARCH_ENDPOINT: collection.endpoint, STREAMCTL_SEARCH_INDEX: collection.index },
      },
    ];
    const dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `streamctl-${config.stage}-streaming-${props.env.region}`,
    });
    for (const w of workers) {
      const fn = platformFunction(this, w.id, {
        entry: 'packages/workers/src/lambda.ts',
        handler: w.handler,
        environment: { ...environment, POWERTOOLS_METRICS_NAMESPACE: 'streamctl', ...w.environment },
      });
      for (const table of w.tables) table.grantReadWriteData(fn);
      // The erasure tombstone (`PK = ERASED#<pseudonym>` in this Region's user-state replica), read
      // before each engagement event: a worker that keeps no user state may read it, and nothing else.
      if (w.engagement && !w.tables.includes(userState)) userState.grant(fn, ...TOMBSTONE_READ);
      fn.addEventSource(
        new KinesisEventSource(this.stream, {
          ...WORKER_MAPPING,
          ...('mapping' in w ? w.mapping : {}),
          startingPosition: StartingPosition.TRIM_HORIZON,
          onFailure: new SqsDlq(dlq),
        }),
      );
      new Alarm(this, `${w.id}IteratorAge`, {
        metric: fn.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
        threshold: 60_000,
        evaluationPeriods: 5,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `${w.id} worker is more than a minute behind the stream`,
      });
      new Alarm(this, `${w.id}Throttles`, {
        metric: fn.metricThrottles({ period: Duration.minutes(1) }),
        threshold: 1,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `${w.id} worker is throttled`,
      });
      dashboard.addWidgets(
        new GraphWidget({
          title: `${w.id}: iterator age, errors, throttles`,
          left: [fn.metric('IteratorAge', { statistic: 'Maximum' })],
          right: [fn.metricErrors(), fn.metricThrottles()],
        }),
      );
      this.workers.push(fn);
    }
    // Events of erased viewers that the workers dropped (Powertools metrics of `packages/workers`:
    // namespace `streamctl`, service `workers`, one series per consumer that reads engagement events).
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Events of erased viewers dropped, by consumer',
        left: workers.filter((w) => w.engagement).map((w) => erasedEventsDropped(w.consumer)),
      }),
    );
    const searchWorker = this.workers.find((fn) => fn.node.id === 'Search');
    if (!searchWorker?.role) throw new Error('The search worker has no role');
    this.searchWorker = searchWorker;
    grantApiAccess(searchWorker, collection.collectionArn);
    new SearchAccessPolicy(this, 'SearchAccess', {
      collectionName: collection.name,
      index: collection.index,
      readers: props.search.readers,
      writers: [searchWorker.role],
    });
    new Alarm(this, 'WorkerFailuresDepth', {
      metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Kinesis batches were parked on the on-failure queue',
    });
  }
}
