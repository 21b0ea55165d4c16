/**
 * Engagement events (SPEC §8): the versioned schema, publishing into the
 * events stream partitioned by user (one call, or a batching publisher that
 * retries and never drops silently), accepting a viewer's batch, catalog
 * events on the same stream, and reading the stream back.
 *
 * @module
 */
export {
  type AcceptResult,
  createEventsAcceptor,
  EVENT_MAX_AGE_MS,
  EVENT_MAX_FUTURE_SKEW_MS,
  type EventsAcceptor,
  type EventsAcceptorDeps,
} from './accept.js';
export {
  type CatalogEvent,
  CatalogEventSchema,
  isCatalogRecord,
  parseCatalogEvent,
  putCatalogEvent,
} from './catalog.js';
export { type ExampleEventsOptions, exampleEvents } from './example.js';
export {
  createEventPublisher,
  type EventPublisher,
  MAX_BATCH_BYTES,
  type PublisherOptions,
  type PublisherStats,
  type UndeliveredEvent,
} from './publisher.js';
export { type PublishResult, putEvents } from './put.js';
export {
  type EngagementEvent,
  type EngagementEventV2,
  EVENT_TYPES,
  EVENT_TYPES_V2,
  EventV1Schema,
  EventV2Schema,
  MAX_BATCH,
  MAX_EVENT_BYTES,
  parseEvent,
  type RejectedEvent,
  SUPPORTED_EVENT_VERSIONS,
} from './schema.js';
export { type NdjsonEvents, readNdjson, type TailedRecord, tailEvents } from './tail.js';
