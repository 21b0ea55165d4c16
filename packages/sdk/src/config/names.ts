import { z } from 'zod';

/** Overrides for resource names, as written in `streamctl.config.json`. */
export const ResourceNameOverridesSchema = z
  .object({
    catalogTable: z.string().min(3).max(255).optional(),
    userStateTable: z.string().min(3).max(255).optional(),
    platformTable: z.string().min(3).max(255).optional(),
    eventsStream: z.string().min(1).max(128).optional(),
    rawBucket: z.string().min(3).max(63).optional(),
    cdnBucket: z.string().min(3).max(63).optional(),
  })
  .strict();

/** Overrides for resource names. */
export type ResourceNameOverrides = z.infer<typeof ResourceNameOverridesSchema>;

/** The physical names of every resource of one stage in one Region. */
export interface ResourceNames {
  /** Catalog table: titles, seasons, episodes, renditions, availability. */
  catalogTable: string;
  /** User-state global table: watchlist, progress, history, the routing record. */
  userStateTable: string;
  /** Platform table: idempotency records and consumer checkpoints. */
  platformTable: string;
  /** Engagement events stream. */
  eventsStream: string;
  /** Bucket for uploaded masters. */
  rawBucket: string;
  /** Bucket behind the CDN: renditions, manifests, thumbnails. */
  cdnBucket: string;
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
    eventsStream: overrides.eventsStream ?? `${prefix}-events`,
    rawBucket: overrides.rawBucket ?? `${prefix}-raw-${region}`,
    cdnBucket: overrides.cdnBucket ?? `${prefix}-cdn-${region}`,
  };
}
