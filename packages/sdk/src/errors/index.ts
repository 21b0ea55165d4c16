/**
 * Typed errors of the streamctl SDK.
 *
 * The error family itself ({@link StreamctlError}, `ErrorCode`, the subclasses
 * and `ERROR_TABLE`) is defined once in `@streamctl/client/errors`, so a
 * browser gets it without the AWS SDK and `instanceof StreamctlError` holds
 * across packages. The SDK adds {@link wrapAwsError}, which wraps errors that
 * come from AWS, keeping the original error as `cause`.
 *
 * @example
 * ```ts
 * import { ErrorCode, isStreamctlError, wrapAwsError } from '@streamctl/sdk/errors';
 *
 * try {
 *   await ddb.send(new DescribeTableCommand({ TableName }));
 * } catch (err) {
 *   const error = wrapAwsError(err, 'dynamodb:DescribeTable', `table ${TableName}`);
 *   if (isStreamctlError(error) && error.code === ErrorCode.ResourceNotFound) console.error(error.hint);
 * }
 * ```
 *
 * @module
 */
export * from '@streamctl/client/errors';
export { AwsServiceError, wrapAwsError } from './aws.js';
