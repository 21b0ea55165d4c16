/**
 * The consumer of mid-event.test.ts, and a worker process that runs it.
 *
 * Its processor counts each event it processes in the platform table (an
 * ADD, which is not idempotent: an event processed twice counts 2). The
 * worker process (this file bundled and run with node, settings in
 * STREAMCTL_MID_EVENT) blocks inside one event, after the ledger claimed
 * it and before its write, and says so on stdout, so the test can kill it
 * there.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClients,
  type Claim,
  type Consumer,
  createAwsClients,
  createDynamoIdempotencyStore,
  type StreamctlConfig,
} from '@streamctl/sdk';
import { startPoller } from '../../src/index.js';

/** What a worker of the test is told. */
export interface MidEventSettings {
  config: StreamctlConfig;
  /** The consumer's name: its ledger and checkpoints. */
  consumer: string;
  leaseSeconds: number;
  /** The partition key under which processed events are counted. */
  counts: string;
  /** The event to block inside (the worker process only). */
  blockOn?: string;
}

/** The consumer: the real ledger, a counting processor; `onClaim` sees every claim's outcome. */
export function midEventConsumer(
  clients: AwsClients,
  settings: MidEventSettings,
  hooks: {
    /** After each claim, with the time just before it was asked (a lease starts no earlier). */
    onClaim?: (eventId: string, claim: Claim, askedAt: number) => void;
    onInside?: (eventId: string) => void;
  } = {},
): Consumer {
  const ledger = createDynamoIdempotencyStore(clients, settings.config.resources, {
    leaseSeconds: settings.leaseSeconds,
  });
  return {
    name: settings.consumer,
    process: async (event) => {
      if (event.id === settings.blockOn) {
        hooks.onInside?.(event.id);
        // Never returns: the process dies here.
        await new Promise(() => undefined);
      }
      await clients.documents().send(
        new UpdateCommand({
          TableName: settings.config.resources.platformTable,
          Key: { PK: settings.counts, SK: event.id },
          UpdateExpression: 'ADD #n :one',
          ExpressionAttributeNames: { '#n': 'processed' },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    },
    idempotency: {
      claim: async (consumer, eventId, recordId) => {
        const askedAt = Date.now();
        const claim = await ledger.claim(consumer, eventId, recordId);
        hooks.onClaim?.(eventId, claim, askedAt);
        return claim;
      },
      complete: (consumer, eventId, outcome) => ledger.complete(consumer, eventId, outcome),
      release: (consumer, eventId) => ledger.release(consumer, eventId),
    },
    // Nothing here should fail: a parked record is an error, loud in the poller's log, retried.
    park: async (record) => {
      throw new Error(`unexpected parked record ${record.sequenceNumber}: ${record.reason}`);
    },
  };
}

/** How many times the consumer processed an event (0: never). */
export async function timesProcessed(clients: AwsClients, settings: MidEventSettings, eventId: string) {
  const out = await clients.documents().send(
    new GetCommand({
      TableName: settings.config.resources.platformTable,
      Key: { PK: settings.counts, SK: eventId },
      ConsistentRead: true,
    }),
  );
  return Number(out.Item?.processed ?? 0);
}

/** The worker process: one JSON line on stdout per claim, and one when it is inside the blocking event. */
async function main(): Promise<void> {
  const settings = JSON.parse(process.env.STREAMCTL_MID_EVENT ?? '') as MidEventSettings;
  const clients = createAwsClients(settings.config);
  const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
  await startPoller(
    clients,
    settings.config.resources,
    midEventConsumer(clients, settings, {
      onClaim: (eventId, claim, askedAt) => say({ claim, eventId, askedAt }),
      onInside: (eventId) => say({ inside: eventId }),
    }),
    { idleMs: 50 },
  );
}

if (process.env.STREAMCTL_MID_EVENT_WORKER === '1') await main();
