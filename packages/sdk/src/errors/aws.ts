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

/** Where a transport error was going, read off the error or one of its causes. */
interface Unreachable {
  errno: string;
  /** Host name or address (with port) the connection was for, when the error says. */
  target: string | undefined;
}

/**
 * The transport errno of an error or of any error in its `cause` chain: the
 * HTTP/2 handler (Kinesis on AWS) reports a failed lookup as
 * `ERR_HTTP2_STREAM_CANCEL` caused by `ENOTFOUND`, the HTTP/1 handler as the
 * errno itself.
 */
function unreachable(error: unknown): Unreachable | undefined {
  let current = error as { code?: unknown; hostname?: unknown; address?: unknown; port?: unknown; cause?: unknown };
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    if (typeof current.code === 'string' && CONNECTION_ERRORS.has(current.code)) {
      const host =
        typeof current.hostname === 'string'
          ? current.hostname
          : typeof current.address === 'string'
            ? `${current.address}${current.port !== undefined ? `:${String(current.port)}` : ''}`
            : undefined;
      return { errno: current.code, target: host };
    }
    current = current.cause as typeof current;
  }
  return undefined;
}

/** Host names of AWS's own service endpoints. */
function isAwsHost(host: string): boolean {
  return /(^|\.)amazonaws\.com(\.cn)?$|(^|\.)api\.aws$/i.test(host.replace(/:\d+$/, ''));
}

/**
 * What to do when an endpoint did not answer, by where the call went: AWS's
 * own endpoints (a real stage: the network, a proxy or the Region is wrong)
 * or an endpoint of ours (LocalStack, the local platform: is it running, is
 * the URL right).
 */
function unreachableHint(target: string | undefined): string {
  if (target && isAwsHost(target)) {
    return 'check the network connection (DNS, HTTPS_PROXY) and that --region names an AWS Region';
  }
  if (target) {
    return 'is it running? Check --endpoint-url / STREAMCTL_ENDPOINT_URL, or start the local platform with `streamctl dev`';
  }
  return 'check the network connection, --endpoint-url / STREAMCTL_ENDPOINT_URL if one is set, or start the local platform with `streamctl dev`';
}

/** The profile a credentials failure was for, as the SDK's client factory records it. */
function profileOf(error: { profile?: unknown }): string | undefined {
  return typeof error.profile === 'string' ? error.profile : undefined;
}

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
  const err = (error ?? {}) as {
    name?: string;
    message?: string;
    profile?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const name = err.name ?? 'Error';
  const on = subject ? ` (${subject})` : '';
  const original = err.message ?? String(error);

  const down = unreachable(error);
  if (down) {
    return new AwsServiceError(
      ErrorCode.EndpointUnreachable,
      `${operation}${on} failed: the endpoint${down.target ? ` ${down.target}` : ''} did not answer (${down.errno})`,
      down.errno,
      operation,
      { cause: error, hint: unreachableHint(down.target) },
    );
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(name)) {
    const profile = profileOf(err);
    return new AwsServiceError(
      ErrorCode.CredentialsMissing,
      profile
        ? `${operation}${on} failed: AWS profile "${profile}" gave no credentials`
        : `${operation}${on} failed: no AWS credentials found`,
      name,
      operation,
      {
        cause: error,
        hint: profile
          ? `check that the profile exists (\`aws configure list-profiles\`), sign in with \`aws sso login --profile ${profile}\`, or pick another with --profile`
          : 'run `aws configure sso` or set AWS_PROFILE / AWS_ACCESS_KEY_ID, or use `--stage local`',
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
  const status = err.$metadata?.httpStatusCode;
  if (status !== undefined && (name === 'Unknown' || name === 'SyntaxError')) {
    // The SDK could not read the answer as the service's: an HTTP server that is not AWS.
    return new AwsServiceError(
      ErrorCode.AwsError,
      `${operation}${on} failed: the endpoint answered HTTP ${status}, not as AWS does; it is probably not an AWS or LocalStack endpoint`,
      `HTTP ${status}`,
      operation,
      {
        cause: error,
        hint: 'check --endpoint-url / STREAMCTL_ENDPOINT_URL: it should be the root of an AWS-compatible endpoint, e.g. http://localhost:4566',
      },
    );
  }
  return new AwsServiceError(ErrorCode.AwsError, `${operation}${on} failed: ${name}: ${original}`, name, operation, {
    cause: error,
  });
}
