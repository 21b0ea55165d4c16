import { z } from 'zod';

/** Overrides for resource names, as written in `streamctl.config.json`. */
export const ResourceNameOverridesSchema = z
  .object({
    catalogTable: z.string().min(3).max(255).optional(),
    userStateTable: z.string().min(3).max(255).optional(),
    platformTable: z.string().min(3).max(255).optional(),
    controlTable: z.string().min(3).max(255).optional(),
    eventsStream: z.string().min(1).max(128).optional(),
    rawBucket: z.string().min(3).max(63).optional(),
    cdnBucket: z.string().min(3).max(63).optional(),
    lakeBucket: z.string().min(3).max(63).optional(),
    athenaResultsBucket: z.string().min(3).max(63).optional(),
    analyticsDatabase: z
      .string()
      .regex(/^[a-z0-9_]{1,255}$/, 'lowercase letters, digits and _ (a Glue database Athena reads unquoted)')
      .optional(),
    analyticsWorkgroup: z.string().min(1).max(128).optional(),
    lakeDeliveryStream: z.string().min(1).max(64).optional(),
  })
  .strict();

/** Overrides for resource names. */
export type ResourceNameOverrides = z.infer<typeof ResourceNameOverridesSchema>;

/** The physical names of every resource of one stage in one Region. */
export interface ResourceNames {
  /** Catalog table: titles, seasons, episodes, renditions, availability. */
  catalogTable: string;
  /** User-state global table: watchlist, progress, history. */
  userStateTable: string;
  /** Platform table: idempotency records and consumer checkpoints. */
  platformTable: string;
  /**
   * Control table: the Region routing record. A global table with multi-Region strong
   * consistency in AWS, so a conditional write on the record holds across Regions.
   */
  controlTable: string;
  /** Engagement events stream. */
  eventsStream: string;
  /** Bucket for uploaded masters. */
  rawBucket: string;
  /** Bucket behind the CDN: renditions, manifests, thumbnails. */
  cdnBucket: string;
  /** The analytics lake: the events as Parquet under `events/dt=…/hour=…/` (KMS-encrypted). */
  lakeBucket: string;
  /** Where Athena writes query results. */
  athenaResultsBucket: string;
  /** The Glue database holding the `events` table. */
  analyticsDatabase: string;
  /** The Athena workgroup queries run in (results location, bytes-scanned limit). */
  analyticsWorkgroup: string;
  /** The Firehose stream that copies the events stream into the lake. */
  lakeDeliveryStream: string;
}

/**
 * Derives resource names from the stage (`streamctl-<stage>-catalog`, …).
 * Buckets carry the Region too, because bucket names are global and each
 * Region of a multi-Region stage has its own pair.
 *
 * @example
 * ```ts
 * resourceNames('prod', 'eu-west-1').catalogTable; // "streamctl-prod-catalog"
 * resourceNames('prod', 'eu-west-1').cdnBucket;    // "streamctl-prod-cdn-eu-west-1"
 * ```
 */
export function resourceNames(stage: string, region: string, overrides: ResourceNameOverrides = {}): ResourceNames {
  const prefix = `streamctl-${stage}`;
  return {
    catalogTable: overrides.catalogTable ?? `${prefix}-catalog`,
    userStateTable: overrides.userStateTable ?? `${prefix}-user-state`,
    platformTable: overrides.platformTable ?? `${prefix}-platform`,
    controlTable: overrides.controlTable ?? `${prefix}-control`,
    eventsStream: overrides.eventsStream ?? `${prefix}-events`,
    rawBucket: overrides.rawBucket ?? `${prefix}-raw-${region}`,
    cdnBucket: overrides.cdnBucket ?? `${prefix}-cdn-${region}`,
    lakeBucket: overrides.lakeBucket ?? `${prefix}-lake-${region}`,
    athenaResultsBucket: overrides.athenaResultsBucket ?? `${prefix}-athena-results-${region}`,
    analyticsDatabase: overrides.analyticsDatabase ?? `streamctl_${stage.replace(/-/g, '_')}`,
    analyticsWorkgroup: overrides.analyticsWorkgroup ?? `${prefix}-analytics`,
    lakeDeliveryStream: overrides.lakeDeliveryStream ?? `${prefix}-events-lake`,
  };
}
