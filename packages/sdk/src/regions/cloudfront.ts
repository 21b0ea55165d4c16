/**
 * Points the CloudFront API and media at a Region: `GetDistributionConfig`, put the
 * Region's origin first in the API origin group (reads, which CloudFront
 * fails over by itself), point the write origin at the Region's API
 * (writes, which origin groups never fail over) and put the Region's CDN
 * bucket first in the media origin group, `UpdateDistribution` with
 * `IfMatch` (so a concurrent edit is refused, not overwritten), then wait
 * until the distribution is deployed.
 */
import {
  type CloudFrontClient,
  type DistributionConfig,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { ErrorCode, StreamctlError, ValidationError, wrapAwsError } from '../errors/index.js';
import { sleep as pause } from '../util/index.js';

/**
 * The id of the origin the edge's write behaviours (`POST /v1/events`, …)
 * use: one origin, moved to the primary Region's API on failover. The CDK
 * edge stack names it with this constant.
 */
export const API_WRITES_ORIGIN_ID = 'api-writes';

/**
 * The id of a Region's CDN bucket origin in the media origin group (`media-<region>`), as the CDK
 * edge stack names it: `streamctl failover` finds the Region's member by it.
 *
 * @example
 * ```ts
 * mediaOriginId('eu-west-1'); // "media-eu-west-1"
 * ```
 */
export const mediaOriginId = (region: string): string => `media-${region}`;

/** True for the media origin group: every member is a Region's CDN bucket origin. */
const isMediaGroup = (group: { Members?: { Items?: Array<{ OriginId?: string }> } }) => {
  const members = group.Members?.Items ?? [];
  return members.length > 0 && members.every((m) => (m.OriginId ?? '').startsWith(mediaOriginId('')));
};

/** What {@link repointOriginGroup} did. */
export interface RepointResult {
  changed: boolean;
  distributionId: string;
  primaryOriginId: string;
  /** The media origin group's first member after the change, when the distribution has that group. */
  mediaOriginId?: string;
  /** Deployment status when it returned. */
  status: string;
}

/** The API origin id of a Region in the edge stack's origin group (`api-<region>…`). */
export const apiOriginMatches = (originId: string, domainName: string | undefined, region: string) =>
  originId.includes(region) || (domainName ?? '').startsWith(`api-${region}.`);

/**
 * Moves the Region's API origin to the front of the distribution's origin group.
 *
 * @example
 * ```ts
 * await repointOriginGroup({ client: () => clients.cloudfront(), distributionId: 'E2QWRUHAPOMQZL', region: 'eu-west-1' });
 * ```
 */
export async function repointOriginGroup(options: {
  client: () => CloudFrontClient;
  distributionId: string;
  region: string;
  /** Wait for `Deployed`: polling interval and limit. Defaults 10 s and 20 min. */
  pollMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}): Promise<RepointResult> {
  const Id = options.distributionId;
  const sleep = options.sleep ?? pause;
  let config: DistributionConfig;
  let etag: string;
  try {
    const out = await options.client().send(new GetDistributionConfigCommand({ Id }));
    if (!out.DistributionConfig || !out.ETag)
      throw new Error('GetDistributionConfig answered without a config or ETag');
    config = out.DistributionConfig;
    etag = out.ETag;
  } catch (err) {
    throw wrapAwsError(err, 'cloudfront:GetDistributionConfig', `distribution ${Id}`);
  }
  const groups = config.OriginGroups?.Items ?? [];
  const group = groups.find((g) => !isMediaGroup(g));
  const mediaGroup = groups.find(isMediaGroup);
  const members = group?.Members?.Items ?? [];
  const origins = config.Origins?.Items ?? [];
  const target = members.find((m) =>
    apiOriginMatches(m.OriginId ?? '', origins.find((o) => o.Id === m.OriginId)?.DomainName, options.region),
  );
  if (!group || !target?.OriginId) {
    throw new ValidationError(`Distribution ${Id} has no origin group member for ${options.region}`, [
      { path: 'OriginGroups', message: `no API origin of ${options.region}` },
    ]);
  }
  // The write origin takes the target origin's whole connection (domain, path, protocol settings).
  const targetOrigin = origins.find((o) => o.Id === target.OriginId);
  const writes = origins.find((o) => o.Id === API_WRITES_ORIGIN_ID);
  const writesMove = Boolean(writes && targetOrigin && writes.DomainName !== targetOrigin.DomainName);
  const mediaMembers = mediaGroup?.Members?.Items ?? [];
  const mediaTarget = mediaMembers.find((m) => m.OriginId === mediaOriginId(options.region));
  if (mediaGroup && !mediaTarget) {
    throw new ValidationError(`Distribution ${Id}'s media origin group has no CDN bucket of ${options.region}`, [
      { path: 'OriginGroups', message: `no origin ${mediaOriginId(options.region)}` },
    ]);
  }
  const media = mediaTarget ? { mediaOriginId: mediaTarget.OriginId as string } : {};
  const mediaMoves = Boolean(mediaTarget && mediaMembers[0] !== mediaTarget);
  if (members[0]?.OriginId === target.OriginId && !writesMove && !mediaMoves) {
    return { changed: false, distributionId: Id, primaryOriginId: target.OriginId, ...media, status: 'Deployed' };
  }
  const reordered = [target, ...members.filter((m) => m !== target)];
  const reorder = (g: (typeof groups)[number]) => {
    if (g === group) return { ...g, Members: { Quantity: reordered.length, Items: reordered } };
    if (g === mediaGroup && mediaTarget) {
      const items = [mediaTarget, ...mediaMembers.filter((m) => m !== mediaTarget)];
      return { ...g, Members: { Quantity: items.length, Items: items } };
    }
    return g;
  };
  const next: DistributionConfig = {
    ...config,
    ...(writesMove && targetOrigin
      ? {
          Origins: {
            Quantity: origins.length,
            Items: origins.map((o) =>
              o.Id === API_WRITES_ORIGIN_ID ? { ...targetOrigin, Id: API_WRITES_ORIGIN_ID } : o,
            ),
          },
        }
      : {}),
    OriginGroups: {
      ...config.OriginGroups,
      Quantity: config.OriginGroups?.Quantity ?? groups.length,
      Items: groups.map(reorder),
    },
  };
  try {
    await options.client().send(new UpdateDistributionCommand({ Id, IfMatch: etag, DistributionConfig: next }));
  } catch (err) {
    if ((err as { name?: string }).name === 'PreconditionFailed') {
      throw new StreamctlError(ErrorCode.Conflict, `Distribution ${Id} changed while it was being repointed`, {
        cause: err,
        hint: 're-run the failover: it reads the distribution again',
      });
    }
    throw wrapAwsError(err, 'cloudfront:UpdateDistribution', `distribution ${Id}`);
  }
  const deadline = Date.now() + (options.timeoutMs ?? 20 * 60_000);
  for (;;) {
    let status: string;
    try {
      const out = await options.client().send(new GetDistributionCommand({ Id }));
      status = out.Distribution?.Status ?? 'Unknown';
    } catch (err) {
      throw wrapAwsError(err, 'cloudfront:GetDistribution', `distribution ${Id}`);
    }
    if (status === 'Deployed') {
      return { changed: true, distributionId: Id, primaryOriginId: target.OriginId, ...media, status };
    }
    if (Date.now() > deadline) {
      throw new StreamctlError(ErrorCode.AwsError, `Distribution ${Id} is still ${status}`, {
        hint: 'the change is applied and deploying; check it in the CloudFront console',
      });
    }
    await sleep(options.pollMs ?? 10_000);
  }
}
