/**
 * Publishing: make a READY title available (countries, window), tell the
 * platform with a catalog event, and invalidate the CDN's copies of the
 * title's paths when it was out before. `unpublish` reverses it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { AwsClients } from '../aws/index.js';
import { type Catalog, canTransition, type Title, type TitleStatus } from '../catalog/index.js';
import { LOCAL_STAGE, type StreamctlConfig } from '../config/index.js';
import { ConflictError, NotFoundError, wrapAwsError } from '../errors/index.js';
import { putCatalogEvent } from '../events/index.js';
import type { Availability } from '../playback/index.js';
import { titleInvalidationPaths } from '../resources/index.js';

/** What happened to the CDN's cached copies. */
export type InvalidationResult =
  | { status: 'created'; id: string; paths: string[] }
  | { status: 'not-needed'; reason: string }
  | { status: 'skipped'; reason: string };

/** Drops cached copies of paths at the CDN. */
export interface CdnInvalidator {
  invalidate(paths: string[], reference: string): Promise<InvalidationResult>;
}

/**
 * CloudFront invalidations (`CreateInvalidation`), one per publish, with a
 * caller reference that makes a retried call a no-op.
 *
 * @example
 * ```ts
 * const invalidator = createCloudFrontInvalidator({ client: () => clients.cloudfront(), distributionId: 'E2QWRUHAPOMQZL' });
 * ```
 */
export function createCloudFrontInvalidator(options: {
  client: () => CloudFrontClient;
  distributionId: string;
}): CdnInvalidator {
  return {
    async invalidate(paths, reference) {
      try {
        const out = await options.client().send(
          new CreateInvalidationCommand({
            DistributionId: options.distributionId,
            InvalidationBatch: { CallerReference: reference, Paths: { Quantity: paths.length, Items: paths } },
          }),
        );
        return { status: 'created', id: out.Invalidation?.Id ?? '', paths };
      } catch (err) {
        throw wrapAwsError(err, 'cloudfront:CreateInvalidation', `distribution ${options.distributionId}`);
      }
    },
  };
}

/**
 * The invalidator of a stage: none on the embedded platform (its edge reads
 * the bucket on every request, so there is nothing cached to drop),
 * CloudFront where a distribution is configured, and an explicit `skipped`
 * result naming the setting where none is.
 */
export function invalidatorFor(config: StreamctlConfig, clients: AwsClients): CdnInvalidator {
  if (config.stage === LOCAL_STAGE || config.endpoints?.s3) {
    return {
      invalidate: async () => ({ status: 'not-needed', reason: 'the local edge serves the bucket without a cache' }),
    };
  }
  const distributionId = config.media.distributionId;
  if (!distributionId) {
    return {
      invalidate: async () => ({
        status: 'skipped',
        reason: 'no CloudFront distribution configured (STREAMCTL_DISTRIBUTION_ID or media.distributionId)',
      }),
    };
  }
  return createCloudFrontInvalidator({ client: () => clients.cloudfront(), distributionId });
}

/** The result of publishing or unpublishing. */
export interface PublishOutcome {
  titleId: string;
  status: TitleStatus;
  availability?: Availability;
  invalidation: InvalidationResult;
  eventId: string;
}

/** Publishing over one catalog. */
export interface Publisher {
  publish(titleId: string, availability: Availability): Promise<PublishOutcome>;
  unpublish(titleId: string): Promise<PublishOutcome>;
}

/**
 * Creates the publisher of a stage.
 *
 * @example
 * ```ts
 * const publisher = createPublisher({ config, clients, catalog });
 * await publisher.publish('t1', { countries: ['US', 'GB'], from: '2026-12-01T00:00:00Z' });
 * ```
 */
export function createPublisher(deps: {
  config: StreamctlConfig;
  clients: AwsClients;
  catalog: Catalog;
  invalidator?: CdnInvalidator;
}): Publisher {
  const invalidator = deps.invalidator ?? invalidatorFor(deps.config, deps.clients);
  const names = deps.config.resources;

  const existing = async (titleId: string): Promise<Title> => {
    const title = await deps.catalog.findTitle(titleId);
    if (!title) {
      throw new NotFoundError(`Title ${titleId} does not exist`, {
        hint: 'run `streamctl titles list` to see the titles, or `streamctl ingest <file>` to add one',
        details: { titleId },
      });
    }
    return title;
  };

  return {
    async publish(titleId, availability) {
      const before = await existing(titleId);
      if (!canTransition(before.status, 'PUBLISHED') || !before.manifests.hls) {
        throw new ConflictError(`Title ${titleId} is ${before.status} and cannot be published yet`, {
          hint:
            before.status === 'FAILED'
              ? `fix the master and re-run \`streamctl ingest <file> --id ${titleId}\``
              : `wait until it is READY (\`streamctl titles get ${titleId}\`)`,
          details: { titleId, status: before.status },
        });
      }
      const title = await deps.catalog.publishTitle(titleId, availability);
      // Viewers may hold cached manifests only if the title was out before.
      const invalidation =
        before.status === 'READY'
          ? ({ status: 'not-needed', reason: 'first publication: nothing cached yet' } as const)
          : await invalidator.invalidate(titleInvalidationPaths(titleId), `publish-${titleId}-${randomUUID()}`);
      const event = await putCatalogEvent(deps.clients, names, {
        type: 'title_published',
        titleId,
        genres: title.genres,
        ...(title.availability ? { availability: title.availability } : {}),
      });
      return {
        titleId,
        status: title.status,
        ...(title.availability ? { availability: title.availability } : {}),
        invalidation,
        eventId: event.id,
      };
    },

    async unpublish(titleId) {
      const before = await existing(titleId);
      if (!canTransition(before.status, 'UNPUBLISHED')) {
        throw new ConflictError(`Title ${titleId} is ${before.status}, not PUBLISHED`, {
          details: { titleId, status: before.status },
        });
      }
      const title = await deps.catalog.unpublishTitle(titleId);
      const invalidation = await invalidator.invalidate(
        titleInvalidationPaths(titleId),
        `unpublish-${titleId}-${randomUUID()}`,
      );
      const event = await putCatalogEvent(deps.clients, names, { type: 'title_unpublished', titleId });
      return { titleId, status: title.status, invalidation, eventId: event.id };
    },
  };
}
