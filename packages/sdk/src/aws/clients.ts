import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KMSClient } from '@aws-sdk/client-kms';
import { MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import type { AwsServiceName, StreamctlConfig } from '../config/index.js';
import { AWS_RETRY, backoffDelay } from '../util/index.js';

/** Credentials every embedded emulator accepts (s3rver insists on these). */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** Base of the clients' retry backoff ({@link AWS_RETRY}), in milliseconds. */
export const RETRY_BASE_MS = AWS_RETRY.baseMs;
/** Cap of the clients' retry backoff ({@link AWS_RETRY}), in milliseconds. */
export const RETRY_CAP_MS = AWS_RETRY.capMs as number;

/**
 * The clients' retry delay: {@link AWS_RETRY}, exponential backoff with full
 * jitter, a uniformly random delay between 0 and min(cap, base · 2^attempt).
 *
 * @example
 * ```ts
 * fullJitterDelay(3); // somewhere in [0, 800) ms
 * ```
 */
export function fullJitterDelay(attempt: number, random: () => number = Math.random): number {
  return backoffDelay(AWS_RETRY, attempt, random);
}

/** The clients the SDK uses, created lazily and shared. */
export interface AwsClients {
  dynamodb(): DynamoDBClient;
  /** A DynamoDB document client (native JS values, no attribute-value maps). */
  documents(): DynamoDBDocumentClient;
  kinesis(): KinesisClient;
  s3(): S3Client;
  /** MediaConvert (no emulator: AWS, or the single endpoint override such as LocalStack). */
  mediaconvert(): MediaConvertClient;
  /** CloudFront's control API (global; no emulator). */
  cloudfront(): CloudFrontClient;
  /** Athena (no emulator: AWS, or the single endpoint override such as LocalStack). */
  athena(): AthenaClient;
  /** KMS, which wraps content keys at rest on AWS stages (no emulator: AWS, or the single endpoint override). */
  kms(): KMSClient;
  /** CloudWatch, read for S3 replication metrics on AWS stages (no emulator: AWS, or the single endpoint override). */
  cloudwatch(): CloudWatchClient;
  /** Where each service's calls go; undefined means AWS's own endpoint. */
  endpointFor(service: AwsServiceName): string | undefined;
  /** Closes every client's sockets. */
  destroy(): void;
}

/** The settings every client shares; S3's config type is the widest of the three. */
export type ClientSettings = Pick<
  S3ClientConfig,
  'region' | 'maxAttempts' | 'retryStrategy' | 'credentials' | 'endpoint' | 'requestHandler' | 'forcePathStyle'
>;

/**
 * The standard credential provider chain for a profile. When it finds
 * nothing, its error keeps the profile's name (the chain's own message does
 * not say which profile it tried), so the wrapped error can name it.
 */
function providerChain(profile: string | undefined): ClientSettings['credentials'] {
  const chain = fromNodeProviderChain({ profile });
  if (!profile) return chain;
  return async (options?: Parameters<typeof chain>[0]) => {
    try {
      return await chain(options);
    } catch (err) {
      throw Object.assign(err as Error, { profile });
    }
  };
}

/** The settings every client shares, for one service. Exported for tests. */
export function clientSettings(
  config: StreamctlConfig,
  service: AwsServiceName | 'mediaconvert' | 'cloudfront' | 'athena' | 'kms' | 'cloudwatch',
): ClientSettings {
  const perService =
    service === 'mediaconvert' ||
    service === 'cloudfront' ||
    service === 'athena' ||
    service === 'kms' ||
    service === 'cloudwatch'
      ? undefined
      : config.endpoints?.[service];
  const endpoint = perService ?? config.endpointUrl;
  // Per-service endpoints only ever point at emulators (the embedded platform,
  // DynamoDB Local); they take fixed credentials. One endpoint override
  // (LocalStack) keeps the provider chain, as the AWS CLI does.
  const isEmulator = Boolean(perService);
  const settings: ClientSettings = {
    region: config.region,
    maxAttempts: config.maxAttempts,
    retryStrategy: new ConfiguredRetryStrategy(config.maxAttempts, (attempt) => fullJitterDelay(attempt)),
    credentials: isEmulator ? { ...EMULATOR_CREDENTIALS } : providerChain(config.profile),
  };
  if (endpoint) {
    settings.endpoint = endpoint;
    // Emulators and LocalStack speak HTTP/1.1 only; keep sockets alive so a
    // busy dev loop does not churn ports.
    settings.requestHandler = new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 30_000 });
    if (service === 's3') settings.forcePathStyle = true;
  }
  return settings;
}

/**
 * Creates the client factory for a resolved configuration.
 *
 * @example
 * ```ts
 * const clients = createAwsClients(await resolveConfig());
 * await clients.dynamodb().send(new ListTablesCommand({}));
 * ```
 */
export function createAwsClients(config: StreamctlConfig): AwsClients {
  let dynamodb: DynamoDBClient | undefined;
  let documents: DynamoDBDocumentClient | undefined;
  let kinesis: KinesisClient | undefined;
  let s3: S3Client | undefined;
  let mediaconvert: MediaConvertClient | undefined;
  let cloudfront: CloudFrontClient | undefined;
  let athena: AthenaClient | undefined;
  let kms: KMSClient | undefined;
  let cloudwatch: CloudWatchClient | undefined;
  const clients: AwsClients = {
    dynamodb: () => {
      dynamodb ??= new DynamoDBClient(clientSettings(config, 'dynamodb'));
      return dynamodb;
    },
    documents: () => {
      documents ??= DynamoDBDocumentClient.from(clients.dynamodb(), {
        marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
      });
      return documents;
    },
    kinesis: () => {
      kinesis ??= new KinesisClient(clientSettings(config, 'kinesis'));
      return kinesis;
    },
    s3: () => {
      s3 ??= new S3Client(clientSettings(config, 's3'));
      return s3;
    },
    mediaconvert: () => {
      mediaconvert ??= new MediaConvertClient(clientSettings(config, 'mediaconvert'));
      return mediaconvert;
    },
    cloudfront: () => {
      // CloudFront's control plane lives in us-east-1 whatever the stage's Region.
      cloudfront ??= new CloudFrontClient({ ...clientSettings(config, 'cloudfront'), region: 'us-east-1' });
      return cloudfront;
    },
    athena: () => {
      athena ??= new AthenaClient(clientSettings(config, 'athena'));
      return athena;
    },
    kms: () => {
      kms ??= new KMSClient(clientSettings(config, 'kms'));
      return kms;
    },
    cloudwatch: () => {
      cloudwatch ??= new CloudWatchClient(clientSettings(config, 'cloudwatch'));
      return cloudwatch;
    },
    endpointFor: (service) => config.endpoints?.[service] ?? config.endpointUrl,
    destroy: () => {
      for (const client of [documents, dynamodb, kinesis, s3, mediaconvert, cloudfront, athena, kms, cloudwatch]) {
        client?.destroy();
      }
      documents = dynamodb = kinesis = s3 = mediaconvert = cloudfront = athena = kms = cloudwatch = undefined;
    },
  };
  return clients;
}
