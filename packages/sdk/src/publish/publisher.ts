import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type AwsClients, createAwsClients } from '../aws/index.js';
import { type Catalog, canTransition, type Title, type TitleDetails, type TitleStatus } from '../catalog/index.js';
import type { StreamctlConfig } from '../config/index.js';
import { ConflictError, NotFoundError, wrapAwsError } from '../errors/index.js';
import { putCatalogEvent } from '../events/index.js';
import { type Availability, capDashManifest, capMasterPlaylist, planCaps, planManifestKey } from '../playback/index.js';
import { regionConfig } from '../regions/stage.js';
import { titleInvalidationPaths } from '../resources/index.js';
import { type CdnInvalidator, type InvalidationResult, invalidatorFor } from './invalidate.js';

/** An S3 answer that the object is not there (yet). */
const isMissing = (err: unknown) =>
  (err as { name?: string }).name === 'NoSuchKey' ||
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/** The result of publishing or unpublishing. */
export interface PublishOutcome {
  titleId: string;
  status: TitleStatus;
  availability?: Availability;
  invalidation: InvalidationResult;
  eventId: string;
}

/** The result of describing a title. */
export interface DescribeOutcome {
  title: Title;
  /** The catalog event that tells the platform (search) a published title changed; absent otherwise. */
  eventId?: string;
}

/** Publishing over one catalog: what viewers may play, where, and how it is described. */
export interface Publisher {
  publish(titleId: string, availability: Availability): Promise<PublishOutcome>;
  unpublish(titleId: string): Promise<PublishOutcome>;
  /**
   * Changes a title's descriptive details (original name, aliases, cast, crew,
   * synopsis); a published title's change goes on the stream as `title_updated`,
   * so search finds it by its new details within seconds.
   */
  describe(titleId: string, details: TitleDetails): Promise<DescribeOutcome>;
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
  /**
   * Told once a title's availability changed (published, re-published, withdrawn): the home
   * pages built before rebuild. Best effort: a page left over expires with its cache time.
   */
  availabilityChanged?: (titleId: string) => Promise<void>;
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

  /**
   * Writes, beside the title's HLS master, a master per plan cap its ladder exceeds (see
   * `manifestForPlan`). Publishing again writes them again, so a changed plan takes effect.
   */
  const writePlanManifests = async (title: Title): Promise<void> => {
    const caps = planCaps(
      title.renditions,
      Object.values(deps.config.sessions.plans).map((p) => p.maxHeight),
    );
    if (!caps.length) return;
    // The HLS master and, when the title has one, the DASH manifest: each capped the same way.
    const formats = [
      { key: title.manifests.hls, cap: capMasterPlaylist, type: 'application/vnd.apple.mpegurl' },
      { key: title.manifests.dash, cap: capDashManifest, type: 'application/dash+xml' },
    ];
    for (const format of formats) {
      if (!format.key) continue;
      const { text, bucket, s3, done } = await readManifest(title, format.key);
      try {
        // Beside the master they cap: replication carries them to every other Region with it.
        for (const cap of caps) {
          const Key = planManifestKey(format.key, cap);
          try {
            await s3.send(
              new PutObjectCommand({ Bucket: bucket, Key, Body: format.cap(text, cap), ContentType: format.type }),
            );
          } catch (err) {
            throw wrapAwsError(err, 's3:PutObject', `s3://${bucket}/${Key}`);
          }
        }
      } finally {
        done();
      }
    }
  };

  /**
   * A manifest of the title, from this Region's CDN bucket, or, while replication has not brought
   * it here yet, from the bucket of the Region that transcoded it (`source.region`): a title
   * ingested in one Region may be published from any other at once.
   */
  const readManifest = async (title: Title, Key: string) => {
    const read = async (bucket: string, s3: ReturnType<AwsClients['s3']>) => {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      return (await out.Body?.transformToString('utf8')) ?? '';
    };
    const here = deps.clients.s3();
    const from = title.source?.region;
    try {
      return { text: await read(names.cdnBucket, here), bucket: names.cdnBucket, s3: here, done: () => {} };
    } catch (err) {
      if (!isMissing(err) || !from || from === deps.config.region) {
        throw wrapAwsError(err, 's3:GetObject', `s3://${names.cdnBucket}/${Key}`);
      }
    }
    const origin = regionConfig(deps.config, from);
    const clients = createAwsClients(origin);
    const bucket = origin.resources.cdnBucket;
    try {
      return { text: await read(bucket, clients.s3()), bucket, s3: clients.s3(), done: () => clients.destroy() };
    } catch (err) {
      clients.destroy();
      throw wrapAwsError(err, 's3:GetObject', `s3://${bucket}/${Key} (nor yet in ${names.cdnBucket})`);
    }
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
      // Before the title is out: a plan's grant hands out its capped master from the first play.
      await writePlanManifests(before);
      const title = await deps.catalog.publishTitle(titleId, availability);
      await deps.availabilityChanged?.(titleId).catch(() => undefined);
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
      await deps.availabilityChanged?.(titleId).catch(() => undefined);
      const invalidation = await invalidator.invalidate(
        titleInvalidationPaths(titleId),
        `unpublish-${titleId}-${randomUUID()}`,
      );
      const event = await putCatalogEvent(deps.clients, names, { type: 'title_unpublished', titleId });
      return { titleId, status: title.status, invalidation, eventId: event.id };
    },

    async describe(titleId, details) {
      const title = await deps.catalog.describeTitle(titleId, details);
      if (title.status !== 'PUBLISHED') return { title };
      const event = await putCatalogEvent(deps.clients, names, { type: 'title_updated', titleId });
      return { title, eventId: event.id };
    },
  };
}
