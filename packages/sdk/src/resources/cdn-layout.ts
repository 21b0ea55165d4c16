/**
 * The CDN bucket's object layout: where a title's renditions, manifests and
 * images live, the URL pattern a signed policy covers, and the paths an
 * invalidation drops. Ingest, publishing, the transcoders, the API's
 * playback grants and the CDK app all build keys here, so the
 * layout is spelled once.
 *
 * Title ids are not validated here: callers validate them on the way in, and
 * the CDK app passes a Step Functions placeholder (`'{}'`) instead of an id.
 *
 * @module
 */

/** The folder of the bucket that holds every title's tree. */
const TITLES = 'titles';

/**
 * Where MediaConvert's CMAF output group writes, relative to a title's
 * prefix: a base name, so the manifests are `cmaf/master.m3u8` and
 * `cmaf/master.mpd` whatever the master file is called, and each output's
 * playlist is the base name plus its name modifier (`cmaf/master_1080p.m3u8`).
 *
 * @example
 * ```ts
 * `${CMAF_BASE}_1080p.m3u8`; // "cmaf/master_1080p.m3u8"
 * ```
 */
export const CMAF_BASE = 'cmaf/master';

/**
 * The manifests MediaConvert's CMAF group writes, relative to a title's prefix.
 *
 * @example
 * ```ts
 * CMAF_MANIFESTS.hls; // "cmaf/master.m3u8"
 * ```
 */
export const CMAF_MANIFESTS = { hls: `${CMAF_BASE}.m3u8`, dash: `${CMAF_BASE}.mpd` } as const;

/**
 * The key prefix of a title's tree in the CDN bucket.
 *
 * @example
 * ```ts
 * titlePrefix('t1'); // "titles/t1/"
 * titlePrefix('{}'); // "titles/{}/" — a Step Functions JsonPath.format template
 * ```
 */
export function titlePrefix(titleId: string): string {
  return `${TITLES}/${titleId}/`;
}

/**
 * The CDN bucket key of an object of a title, from its path relative to the
 * title's prefix (as the transcoders report their outputs).
 *
 * @example
 * ```ts
 * titleObjectKey('t1', 'master.m3u8'); // "titles/t1/master.m3u8"
 * titleObjectKey('t1', '720p/seg_00001.m4s'); // "titles/t1/720p/seg_00001.m4s"
 * ```
 */
export function titleObjectKey(titleId: string, relative: string): string {
  return `${titlePrefix(titleId)}${relative}`;
}

/**
 * The manifest keys MediaConvert's CMAF group writes for a title (the local
 * ffmpeg transcoder reports its own, relative paths, which
 * {@link titleObjectKey} turns into keys).
 *
 * @example
 * ```ts
 * mediaConvertManifestKeys('t1'); // { hls: "titles/t1/cmaf/master.m3u8", dash: "titles/t1/cmaf/master.mpd" }
 * mediaConvertManifestKeys('{}'); // the same with a Step Functions placeholder for the id
 * ```
 */
export function mediaConvertManifestKeys(titleId: string): { hls: string; dash: string } {
  return { hls: titleObjectKey(titleId, CMAF_MANIFESTS.hls), dash: titleObjectKey(titleId, CMAF_MANIFESTS.dash) };
}

/**
 * The `s3://` URI of a title's prefix in a bucket: where a transcode writes.
 *
 * @example
 * ```ts
 * titleOutputUri('streamctl-prod-cdn-eu-west-1', 't1'); // "s3://streamctl-prod-cdn-eu-west-1/titles/t1/"
 * ```
 */
export function titleOutputUri(bucket: string, titleId: string): string {
  return `s3://${bucket}/${titlePrefix(titleId)}`;
}

/**
 * The URL of an object in the CDN, from the CDN's base URL and a bucket key.
 *
 * @example
 * ```ts
 * cdnUrl('https://d111.cloudfront.net/', 'titles/t1/master.m3u8'); // "https://d111.cloudfront.net/titles/t1/master.m3u8"
 * ```
 */
export function cdnUrl(cdnBaseUrl: string, key: string): string {
  return `${cdnBaseUrl.replace(/\/$/, '')}/${key}`;
}

/**
 * The resource pattern of a signed policy that covers a title's whole tree
 * (manifests, every rendition's segments, images), and nothing else.
 *
 * @example
 * ```ts
 * titleResourcePattern('https://d111.cloudfront.net/', 't1'); // "https://d111.cloudfront.net/titles/t1/*"
 * ```
 */
export function titleResourcePattern(cdnBaseUrl: string, titleId: string): string {
  return cdnUrl(cdnBaseUrl, `${titlePrefix(titleId)}*`);
}

/**
 * The CDN paths to invalidate to drop every cached object of a title.
 *
 * @example
 * ```ts
 * titleInvalidationPaths('t1'); // ["/titles/t1/*"]
 * ```
 */
export function titleInvalidationPaths(titleId: string): string[] {
  return [`/${titlePrefix(titleId)}*`];
}
