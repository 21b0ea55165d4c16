/**
 * Catalog events: what publishing tells the rest of the platform. They
 * share the events stream with engagement events (partition key: the
 * title), carry `kind: "catalog"`, and consumers that do not care about
 * them skip them rather than park them.
 */
import { randomUUID } from 'node:crypto';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { z } from 'zod';
import type { AwsClients } from '../aws/index.js';
import type { ResourceNames } from '../config/index.js';
import { CountryCodeSchema, IdSchema } from '../contract/index.js';
import { ValidationError, wrapAwsError } from '../errors/index.js';

/** A catalog event, schema version 1. */
export const CatalogEventSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('catalog'),
    id: z.uuid(),
    type: z.enum(['title_published', 'title_unpublished', 'title_ready', 'title_updated']),
    titleId: IdSchema,
    ts: z.iso.datetime({ offset: true }),
    availability: z
      .object({
        countries: z.union([z.literal('ALL'), z.array(CountryCodeSchema)]),
        from: z.string().optional(),
        until: z.string().optional(),
      })
      .optional(),
    genres: z.array(z.string()).optional(),
  })
  .strict();

/** A catalog event. */
export type CatalogEvent = z.infer<typeof CatalogEventSchema>;

/** True for anything that says it is a catalog event (valid or not). */
export function isCatalogRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'catalog';
}

/**
 * Validates a catalog event.
 *
 * @example
 * ```ts
 * const event = parseCatalogEvent(JSON.parse(text));
 * ```
 */
export function parseCatalogEvent(value: unknown): CatalogEvent {
  const parsed = CatalogEventSchema.safeParse(value);
  if (!parsed.success) throw ValidationError.fromZod('catalog event', parsed.error);
  return parsed.data;
}

/**
 * Puts one catalog event on the events stream (partition key: the title).
 *
 * @example
 * ```ts
 * await putCatalogEvent(clients, names, { type: 'title_published', titleId: 't1', availability: { countries: 'ALL' } });
 * ```
 */
export async function putCatalogEvent(
  clients: AwsClients,
  names: ResourceNames,
  input: Omit<CatalogEvent, 'v' | 'kind' | 'id' | 'ts'> & { id?: string; ts?: string },
): Promise<CatalogEvent> {
  const event = parseCatalogEvent({
    v: 1,
    kind: 'catalog',
    id: input.id ?? randomUUID(),
    ts: input.ts ?? new Date().toISOString(),
    ...input,
  });
  try {
    await clients.kinesis().send(
      new PutRecordCommand({
        StreamName: names.eventsStream,
        PartitionKey: event.titleId,
        Data: Buffer.from(JSON.stringify(event)),
      }),
    );
  } catch (err) {
    throw wrapAwsError(err, 'kinesis:PutRecord', `stream ${names.eventsStream}`);
  }
  return event;
}
