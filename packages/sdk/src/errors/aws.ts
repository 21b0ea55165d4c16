/**
 * Wrapping errors of AWS SDK clients into the one error family: the part of
 * the SDK's errors that only means something next to the AWS SDK, so it stays
 * out of `@streamctl/client`.
 *
 * @module
 */
import { ErrorCode, StreamctlError, type StreamctlErrorOptions } from '@streamctl/client/errors';

/**
 * An error that came from an AWS service or its transport, wrapped by
 * {@link wrapAwsError}; `awsCode` keeps the service's own name.
 *
 * @example
 * ```ts
 * if (err instanceof AwsServiceError) console.error(err.operation, err.awsCode); // dynamodb:Query ValidationException
 * ```
 */
export class AwsServiceError extends StreamctlError {
  /** The service's own error name (`ResourceNotFoundException`, …). */
  readonly awsCode: string;
  /** Which service and operation failed, e.g. `dynamodb:DescribeTable`. */
  readonly operation: string;
  constructor(code: ErrorCode, message: string, awsCode: string, operation: string, options: StreamctlErrorOptions) {
    super(code, message, { ...options, details: { ...options.details, awsCode, operation } });
    this.awsCode = awsCode;
    this.operation = operation;
  }
}

/** Transport errnos that mean the endpoint did not answer. */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);
/** AWS error names that mean the request was throttled. */
const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'LimitExceededException',
]);

/**
 * Wraps an error thrown by an AWS SDK client into a {@link StreamctlError},
 * keeping the original as `cause`. StreamctlErrors pass through unchanged.
 *
 * @param operation `service:Operation`, e.g. `dynamodb:DescribeTable`.
 * @param subject what was being worked on, for the message (`table streamctl-dev-catalog`).
 * @example
 * ```ts
 * try { await ddb.send(new DescribeTableCommand({ TableName })); }
 * catch (err) { throw wrapAwsError(err, 'dynamodb:DescribeTable', `table ${TableName}`); }
 * ```
 */
export function wrapAwsError(error: unknown, operation: string, subject?: string): StreamctlError {
  if (error instanceof StreamctlError) return error;
  const err = (error ?? {}) as { name?: string; code?: string; message?: string; $metadata?: unknown };
  const errno = err.code ?? (err as { cause?: { code?: string } }).cause?.code;
  const name = err.name ?? 'Error';
  const on = subject ? ` (${subject})` : '';
  const original = err.message ?? String(error);

  if (errno && CONNECTION_ERRORS.has(errno)) {
    return new AwsServiceError(
      ErrorCode.EndpointUnreachable,
      `${operation}${on} failed: the endpoint did not answer (${errno})`,
      errno,
      operation,
      {
        cause: error,
        hint: 'check --endpoint-url / STREAMCTL_ENDPOINT_URL, or start the local platform with `streamctl dev`',
      },
    );
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(name)) {
    return new AwsServiceError(
      ErrorCode.CredentialsMissing,
      `${operation}${on} failed: no AWS credentials found`,
      name,
      operation,
      {
        cause: error,
        hint: 'run `aws configure sso` or set AWS_PROFILE / AWS_ACCESS_KEY_ID, or use `--stage local`',
      },
    );
  }
  if (name === 'ResourceNotFoundException' || name === 'NoSuchBucket' || name === 'NotFound') {
    return new AwsServiceError(ErrorCode.ResourceNotFound, `${operation}${on}: not found`, name, operation, {
      cause: error,
      hint: 'deploy the stage (`cdk deploy`) or start the local platform (`streamctl dev`)',
    });
  }
  if (name === 'ConditionalCheckFailedException') {
    return new AwsServiceError(ErrorCode.Conflict, `${operation}${on}: condition failed`, name, operation, {
      cause: error,
    });
  }
  if (THROTTLING.has(name)) {
    return new AwsServiceError(ErrorCode.Throttled, `${operation}${on}: throttled after retries`, name, operation, {
      cause: error,
      hint: 'retry later or raise the resource capacity',
    });
  }
  return new AwsServiceError(ErrorCode.AwsError, `${operation}${on} failed: ${name}: ${original}`, name, operation, {
    cause: error,
  });
}
