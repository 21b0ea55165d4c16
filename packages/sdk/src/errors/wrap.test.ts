import { StreamctlError as ClientStreamctlError } from '@streamctl/client/errors';
import { describe, expect, it } from 'vitest';
import { AwsServiceError, isStreamctlError, NotFoundError, StreamctlError, wrapAwsError } from './index.js';

const awsError = (name: string, extra: object = {}) => Object.assign(new Error(`${name} happened`), { name, ...extra });

describe('wrapAwsError', () => {
  it.each([
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'ENDPOINT_UNREACHABLE'],
    [Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'ENDPOINT_UNREACHABLE'],
    [awsError('CredentialsProviderError'), 'CREDENTIALS_MISSING'],
    [awsError('ResourceNotFoundException'), 'RESOURCE_NOT_FOUND'],
    [awsError('NoSuchBucket'), 'RESOURCE_NOT_FOUND'],
    [awsError('ConditionalCheckFailedException'), 'CONFLICT'],
    [awsError('ProvisionedThroughputExceededException'), 'THROTTLED'],
    [awsError('ValidationException'), 'AWS_ERROR'],
  ])('maps %s', (error, code) => {
    const wrapped = wrapAwsError(error, 'dynamodb:PutItem', 'table t');
    expect(wrapped.code).toBe(code);
    expect(wrapped.cause).toBe(error);
    expect(wrapped.message).toContain('dynamodb:PutItem (table t)');
    expect(isStreamctlError(wrapped)).toBe(true);
  });

  it('keeps the service error name and passes StreamctlErrors through', () => {
    const wrapped = wrapAwsError(awsError('ValidationException'), 'dynamodb:Query');
    expect(wrapped.details).toMatchObject({ awsCode: 'ValidationException', operation: 'dynamodb:Query' });
    const own = new NotFoundError('x');
    expect(wrapAwsError(own, 'op')).toBe(own);
  });
});

describe('the error family across packages', () => {
  it("is one class: the SDK re-exports the client's StreamctlError, and AWS errors are instances of it", () => {
    expect(StreamctlError).toBe(ClientStreamctlError);
    const wrapped = wrapAwsError(awsError('ThrottlingException'), 'kinesis:PutRecords');
    expect(wrapped).toBeInstanceOf(AwsServiceError);
    expect(wrapped).toBeInstanceOf(ClientStreamctlError);
    expect(new NotFoundError('x')).toBeInstanceOf(ClientStreamctlError);
  });
});
