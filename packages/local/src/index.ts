/**
 * `@streamctl/local`: the embedded platform behind `streamctl dev`. DynamoDB,
 * Kinesis and S3 emulators on loopback, the platform's resources created
 * from the same definitions the CDK app deploys, a CloudFront-like edge
 * that enforces signed URLs and cookies, and dev tokens signed with a key
 * kept in the data dir.
 *
 * A separate package from `@streamctl/sdk` so that apps using the SDK never
 * install the emulators; other processes find a running platform through
 * `readLocalPlatformState` of `@streamctl/sdk/local`.
 *
 * @example
 * ```ts
 * import { startLocalPlatform } from '@streamctl/local';
 *
 * const local = await startLocalPlatform({ dataDir: '.streamctl/local' });
 * console.log(JSON.stringify(local.readyLine()));
 * await local.stop();
 * ```
 *
 * @module
 */
export {
  type AwsEngineOptions,
  DYNAMODB_LOCAL_PACKAGE,
  engineCacheDir,
  fetchDynamoDBLocal,
  fetchKinesisMock,
  KINESIS_MOCK_PACKAGE,
  requireJava,
  startDynamoDBLocal,
  startKinesisMock,
} from './aws-engines.js';
export {
  DEV_TOKEN_AUDIENCE,
  DEV_TOKEN_ISSUER,
  type DevToken,
  type DevTokenClaims,
  type DevTokenInput,
  ensureDevSigningKey,
  mintDevToken,
  verifyDevToken,
} from './dev-keys.js';
export {
  contentTypeFor,
  type EdgeKeyPair,
  type EdgeOptions,
  ensureEdgeKeyPair,
  ensureEdgeOriginSecret,
  MEDIA_FAILOVER_STATUSES,
  type MediaOrigin,
  type RunningEdge,
  startEdge,
} from './edge.js';
export {
  type ObjectEvent,
  type RunningEmulator,
  type RunningObjectStore,
  startKinesalite,
  startS3rver,
} from './emulators.js';
export { createDuckDbParquetWriter, createLocalViewerLake, localViewerLakes, openLocalLake } from './lake.js';
export {
  type LocalPart,
  LocalPlatform,
  localStageConfig,
  PROFILE_ENGINES,
  type ReadyLine,
  type StartLocalPlatformOptions,
  startLocalPlatform,
} from './platform.js';
export {
  type MediaReplicationOptions,
  type MediaReplicator,
  REPLICA_OF_METADATA,
  type ReplicatedBucket,
  type ReplicationRecord,
  startMediaReplication,
} from './replication.js';
