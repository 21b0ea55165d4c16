/**
 * Every environment variable streamctl reads, in one typed list.
 *
 * `STREAMCTL_*` variables win over the standard `AWS_*` ones they stand
 * beside; both lose to command-line flags and win over the config file.
 */
export const ENV_VARS = {
  STREAMCTL_STAGE: { key: 'stage', doc: 'Stage to operate on (`local`, `dev`, `prod`, …). Default: local.' },
  STREAMCTL_REGION: { key: 'region', doc: 'AWS Region of the stage; wins over AWS_REGION.' },
  STREAMCTL_PROFILE: { key: 'profile', doc: 'AWS shared-config profile; wins over AWS_PROFILE.' },
  STREAMCTL_ENDPOINT_URL: {
    key: 'endpointUrl',
    doc: 'Send every AWS call to this endpoint (LocalStack, an emulator); wins over AWS_ENDPOINT_URL.',
  },
  STREAMCTL_DATA_DIR: { key: 'dataDir', doc: 'Data dir of the embedded local platform. Default: ./.streamctl/local.' },
  STREAMCTL_ENGINES: {
    key: 'engines',
    doc: 'Engines of the local platform (`streamctl dev`): embedded (Node only) or aws-local (DynamoDB Local on Java, kinesis-mock). Default: embedded.',
  },
  STREAMCTL_ENGINES_CACHE: {
    key: 'enginesCache',
    doc: 'Where the aws-local engines are fetched to once. Default: $XDG_CACHE_HOME/streamctl/engines (~/.cache/streamctl/engines).',
  },
  STREAMCTL_MAX_ATTEMPTS: { key: 'maxAttempts', doc: 'Attempts per AWS call, retries included (1–10). Default: 3.' },
  STREAMCTL_REGIONS: { key: 'regions', doc: 'Comma-separated Regions of a multi-Region stage.' },
  STREAMCTL_CONTROL_REGIONS: {
    key: 'controlRegions',
    doc: "Comma-separated Regions holding a replica of the control table (the routing record), the witness left out. Default: the stage's Regions.",
  },
  STREAMCTL_DOMAIN: {
    key: 'domain',
    doc: "The stage's public domain: the edge at https://<domain>, each Region's API at https://api-<region>.<domain>.",
  },
  STREAMCTL_MEDIACONVERT_ROLE_ARN: {
    key: 'media.mediaConvertRoleArn',
    doc: 'IAM role MediaConvert assumes to read masters and write renditions (AWS stages).',
  },
  STREAMCTL_MEDIACONVERT_QUEUE_ARN: {
    key: 'media.mediaConvertQueueArn',
    doc: 'MediaConvert queue for transcode jobs. Default: the account default queue.',
  },
  STREAMCTL_DISTRIBUTION_ID: {
    key: 'media.distributionId',
    doc: 'CloudFront distribution that serves the CDN bucket; publish invalidates its paths.',
  },
  STREAMCTL_FFMPEG: {
    key: 'media.ffmpegPath',
    doc: 'ffmpeg binary of the local transcoder. Default: ffmpeg on PATH, else the npm-shipped one.',
  },
  STREAMCTL_FFPROBE: {
    key: 'media.ffprobePath',
    doc: 'ffprobe binary for ingest checks. Default: ffprobe on PATH, else the npm-shipped one.',
  },
  STREAMCTL_SEARCH_ENDPOINT: {
    key: 'search.endpoint',
    doc: 'OpenSearch endpoint of the search index (the CDK app outputs the collection endpoint). Default: the embedded engine in the data dir (local stage, LocalStack).',
  },
  STREAMCTL_SEARCH_INDEX: {
    key: 'search.index',
    doc: 'OpenSearch index of the catalog. Default: streamctl-<stage>-titles.',
  },
  STREAMCTL_SESSIONS_TTL_SECONDS: {
    key: 'sessions.ttlSeconds',
    doc: 'Seconds a playback session lives without a heartbeat before it ends and frees its stream. Default: 120.',
  },
  STREAMCTL_SESSIONS_HEARTBEAT_SECONDS: {
    key: 'sessions.heartbeatSeconds',
    doc: "Seconds between a player's heartbeats (less than the session TTL). Default: 30.",
  },
  STREAMCTL_SESSIONS_GRANT_SECONDS: {
    key: 'sessions.grantSeconds',
    doc: 'Seconds a playback grant (signed URL and cookies) lasts; each heartbeat renews it, so an ended session stops within this. Default: 300.',
  },
  STREAMCTL_SESSIONS_MAX_DEVICES: {
    key: 'sessions.maxDevices',
    doc: 'Devices an account may register. Default: 10.',
  },
  STREAMCTL_MODELS_COUNTER_SHARDS: {
    key: 'models.counterShards',
    doc: "Sub-keys of each recommendation counter many viewers write at once (a title's popularity, its viewers): writes spread over them, reads merge them. May grow, never shrink (readers must read every sub-key ever written). Default: 8.",
  },
  STREAMCTL_PRIVACY_PERSONALIZATION: {
    key: 'privacy.personalization',
    doc: "Personalization of a viewer who has not chosen (on or off); the viewer's own choice wins. Default: on.",
  },
  STREAMCTL_PRIVACY_COUNTRIES: {
    key: 'privacy.countries',
    doc: 'Per-country personalization defaults over STREAMCTL_PRIVACY_PERSONALIZATION, e.g. DE=off,FR=on.',
  },
  STREAMCTL_PRIVACY_TOMBSTONE_DAYS: {
    key: 'privacy.tombstoneDays',
    doc: "Days an erased viewer's late events are dropped (longer than the events stream keeps records). Default: 30.",
  },
  STREAMCTL_ANALYTICS_LAKE_FLUSH_SECONDS: {
    key: 'analytics.lakeFlushSeconds',
    doc: "Seconds the local lake worker buffers a shard's events before writing a Parquet file (Firehose buffers 300 s on AWS). Default: 10.",
  },
  STREAMCTL_ANALYTICS_LAKE_MAX_EVENTS: {
    key: 'analytics.lakeMaxEvents',
    doc: 'Events in one local lake file at most (a fuller buffer is written at once). Default: 50000.',
  },
  STREAMCTL_ANALYTICS_SLO: {
    key: 'analytics.slo',
    doc: 'SLO thresholds over the defaults, e.g. startupP95Ms=1500,rebufferRatio=0.01 (also apiP99Ms, errorRate).',
  },
  STREAMCTL_PROTECTION_KMS_KEY_ID: {
    key: 'protection.kmsKeyId',
    doc: 'KMS key (id, ARN or alias/name) that wraps content keys at rest; AWS stages need it for aes-128 ladders. The local stage wraps them with a key in its data dir.',
  },
  STREAMCTL_PROTECTION_SPEKE_URL: {
    key: 'protection.spekeUrl',
    doc: 'SPEKE v2 key provider URL MediaConvert asks for DRM keys (drm ladders; aes-128 on AWS uses it too when set).',
  },
  STREAMCTL_PROTECTION_SPEKE_ROLE_ARN: {
    key: 'protection.spekeRoleArn',
    doc: 'IAM role MediaConvert assumes to call the SPEKE key provider.',
  },
  STREAMCTL_PROTECTION_SPEKE_CERTIFICATE_ARN: {
    key: 'protection.spekeCertificateArn',
    doc: 'ACM certificate ARN that encrypts the keys SPEKE returns (optional).',
  },
  STREAMCTL_PROTECTION_WIDEVINE_LICENSE_URL: {
    key: 'protection.widevineLicenseUrl',
    doc: 'Widevine licence server that playback grants of drm titles name.',
  },
  STREAMCTL_PROTECTION_PLAYREADY_LICENSE_URL: {
    key: 'protection.playreadyLicenseUrl',
    doc: 'PlayReady licence server that playback grants of drm titles name.',
  },
  STREAMCTL_PROTECTION_FAIRPLAY_LICENSE_URL: {
    key: 'protection.fairplayLicenseUrl',
    doc: 'FairPlay licence server (key server module) that playback grants of drm titles name.',
  },
  STREAMCTL_PROTECTION_FAIRPLAY_CERTIFICATE_URL: {
    key: 'protection.fairplayCertificateUrl',
    doc: 'FairPlay application certificate URL that playback grants of drm titles name.',
  },
  STREAMCTL_RATE_LIMIT_IP_PER_SECOND: {
    key: 'rateLimits.ip.perSecond',
    doc: 'API requests per second each client address may make, sustained (a number above 0). Default: 50.',
  },
  STREAMCTL_RATE_LIMIT_IP_BURST: {
    key: 'rateLimits.ip.burst',
    doc: 'API requests a client address may make at once before the per-second rate applies (a whole number, 1 or more). Default: 150.',
  },
  STREAMCTL_RATE_LIMIT_USER_PER_SECOND: {
    key: 'rateLimits.user.perSecond',
    doc: 'Authenticated API requests per second each user may make, sustained (a number above 0). Default: 20.',
  },
  STREAMCTL_RATE_LIMIT_USER_BURST: {
    key: 'rateLimits.user.burst',
    doc: 'Authenticated API requests a user may make at once before the per-second rate applies (a whole number, 1 or more). Default: 60.',
  },
  STREAMCTL_USER_POOL_ID: {
    key: 'users.userPoolId',
    doc: "The stage's Cognito user pool (the api stack's UserPoolId output), where `streamctl users set-country` sets a viewer's custom:country (AWS stages).",
  },
  AWS_REGION: { key: 'region', doc: 'Standard AWS Region variable.' },
  AWS_DEFAULT_REGION: { key: 'region', doc: 'Older standard AWS Region variable (AWS CLI v1).' },
  AWS_PROFILE: { key: 'profile', doc: 'Standard AWS profile variable.' },
  AWS_ENDPOINT_URL: { key: 'endpointUrl', doc: 'Standard AWS endpoint override variable.' },
} as const;

/** The name of an environment variable streamctl reads. */
export type EnvVarName = keyof typeof ENV_VARS;

/** Config keys that the environment can set, with their variables in precedence order. */
export function envVarsFor(key: string): EnvVarName[] {
  return (Object.keys(ENV_VARS) as EnvVarName[]).filter((name) => ENV_VARS[name].key === key);
}
