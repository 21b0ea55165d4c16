/**
 * The access-log bucket of a stack: where its buckets' server access logs (and, in the edge stack,
 * CloudFront's standard logs) land. The media, lake and edge stacks each make one the same way.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** What differs between the stacks' access-log buckets. */
export interface AccessLogBucketProps {
  /** Whose logs these are, as the cdk-nag acknowledgement names them (for example `the lake`). */
  of: string;
  /** Days a log object is kept: the logs hold who read what, and for the edge, viewers' addresses. */
  retentionDays: number;
}

/**
 * The stack's access-log bucket, construct id `AccessLogs` (its logical id, so a deploy keeps the
 * bucket): S3-managed keys, since S3 delivers server access logs to no other encryption; ACLs on
 * (object writer), since S3's log delivery and CloudFront's standard logging both write through an
 * ACL grant; TLS only, never public, kept when the stack goes, each log expired after `retentionDays`.
 *
 * @example
 * ```ts
 * const logs = accessLogBucket(this, { of: 'the lake', retentionDays: 30 });
 * new Bucket(this, 'Lake', { serverAccessLogsBucket: logs, serverAccessLogsPrefix: 'lake/' });
 * ```
 */
export function accessLogBucket(scope: Construct, props: AccessLogBucketProps): Bucket {
  const bucket = new Bucket(scope, 'AccessLogs', {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.OBJECT_WRITER,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(props.retentionDays) }],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: `This is the access-log bucket of ${props.of}: logging its own reads into itself would log each log delivery.`,
  });
  return bucket;
}
