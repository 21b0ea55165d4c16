import { type CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { AwsClients } from '../aws/index.js';
import { LOCAL_STAGE, type StreamctlConfig } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';

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
