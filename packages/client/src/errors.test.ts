import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConflictError,
  ERROR_TABLE,
  ErrorCode,
  errorCodeForStatus,
  exitCodeFor,
  httpStatusFor,
  isErrorCode,
  NotFoundError,
  StreamctlError,
  ValidationError,
} from './errors.js';

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

  it('has one table row per code, and knows its codes from anything else', () => {
    expect(Object.keys(ERROR_TABLE).sort()).toEqual(Object.values(ErrorCode).sort());
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('HTTP_502')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });

  it('maps bare HTTP statuses back to codes, and flag errors to exit code 2', () => {
    expect([401, 403, 404, 409, 413, 429, 503, 418, 502].map(errorCodeForStatus)).toEqual([
      'UNAUTHORIZED',
      'FORBIDDEN',
      'NOT_FOUND',
      'CONFLICT',
      'PAYLOAD_TOO_LARGE',
      'RATE_LIMITED',
      'ENDPOINT_UNREACHABLE',
      'VALIDATION_FAILED',
      'INTERNAL',
    ]);
    // Usage and validation errors exit 2, failures 1; a bad flag value is usage whatever its code.
    expect(exitCodeFor(new ValidationError('bad --ttl'))).toBe(2);
    expect(exitCodeFor({ code: 'VALIDATION_FAILED', details: { source: 'flag' } })).toBe(2);
    expect(exitCodeFor({ code: 'CONFIG_INVALID', details: { source: 'flag' } })).toBe(2);
    expect(exitCodeFor({ code: 'CONFIG_INVALID', details: { source: 'env' } })).toBe(1);
    expect(exitCodeFor({ code: 'LOCAL_NOT_RUNNING', details: undefined })).toBe(1);
    expect(exitCodeFor(new NotFoundError('no title'))).toBe(1);
  });
});
