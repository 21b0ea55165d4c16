import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConflictError,
  httpStatusFor,
  isStreamctlError,
  NotFoundError,
  StreamctlError,
  ValidationError,
  wrapAwsError,
} from './index.js';

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

describe('error shapes', () => {
  it('map caller mistakes to 4xx and the rest to 5xx', () => {
    expect([new ValidationError('v'), new NotFoundError('n'), new ConflictError('c')].map((e) => e.httpStatus)).toEqual(
      [400, 404, 409],
    );
    expect(httpStatusFor('FORBIDDEN')).toBe(403);
    expect(httpStatusFor('THROTTLED')).toBe(429);
    expect(httpStatusFor('AWS_ERROR')).toBe(500);
    expect(httpStatusFor('INTERNAL')).toBe(500);
  });

  it('serialize to {code, message, hint?, details?} and keep their class name', () => {
    const error = new StreamctlError('LOCAL_NOT_RUNNING', 'not running', { hint: 'run `streamctl dev`' });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'LOCAL_NOT_RUNNING',
      message: 'not running',
      hint: 'run `streamctl dev`',
    });
    expect(new NotFoundError('x').name).toBe('NotFoundError');
    expect(new NotFoundError('x')).toBeInstanceOf(StreamctlError);
  });

  it('ValidationError.fromZod lists every issue with its path', () => {
    const parsed = z.object({ a: z.number(), b: z.object({ c: z.string() }) }).safeParse({ a: 'x', b: { c: 1 } });
    const error = ValidationError.fromZod('ladder file l.json', parsed.error as z.ZodError);
    expect(error.issues.map((i) => i.path)).toEqual(['a', 'b.c']);
    expect(error.message).toMatch(/^Invalid ladder file l\.json: a: .*; b\.c: /);
  });
});
