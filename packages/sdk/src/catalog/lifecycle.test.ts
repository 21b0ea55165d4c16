import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/index.js';
import {
  assertReplaceable,
  assertTransition,
  canTransition,
  isTranscoded,
  nextStatuses,
  previousStatuses,
  REPLACEABLE_STATUSES,
  TITLE_STATUS,
  TITLE_STATUSES,
  TITLE_TRANSITIONS,
  TitleTransitionError,
  transitionCondition,
} from './lifecycle.js';

describe('the title lifecycle', () => {
  it('names every status once, in lifecycle order', () => {
    expect(TITLE_STATUSES).toEqual(['UPLOADING', 'TRANSCODING', 'READY', 'PUBLISHED', 'FAILED', 'UNPUBLISHED']);
    expect(Object.values(TITLE_STATUS)).toEqual([...TITLE_STATUSES]);
    expect(Object.keys(TITLE_TRANSITIONS).sort()).toEqual([...TITLE_STATUSES].sort());
  });

  it('walks the happy path: UPLOADING → TRANSCODING → READY → PUBLISHED ⇄ UNPUBLISHED', () => {
    expect(canTransition('UPLOADING', 'TRANSCODING')).toBe(true);
    expect(canTransition('TRANSCODING', 'READY')).toBe(true);
    expect(canTransition('READY', 'PUBLISHED')).toBe(true);
    expect(canTransition('PUBLISHED', 'UNPUBLISHED')).toBe(true);
    expect(canTransition('UNPUBLISHED', 'PUBLISHED')).toBe(true);
  });

  it('keeps the retry and re-ingest edges ingest and the cloud workflow take', () => {
    // Any title may be registered again: resume, retry, or another ladder.
    for (const from of TITLE_STATUSES) expect(canTransition(from, 'UPLOADING')).toBe(true);
    expect(canTransition('TRANSCODING', 'TRANSCODING')).toBe(true);
    expect(canTransition('READY', 'READY')).toBe(true);
    expect(canTransition('FAILED', 'READY')).toBe(true);
    expect(previousStatuses('FAILED')).toEqual(['UPLOADING', 'TRANSCODING', 'FAILED']);
    expect(nextStatuses('PUBLISHED')).toEqual(['UPLOADING', 'PUBLISHED', 'UNPUBLISHED']);
  });

  it('refuses the shortcuts', () => {
    expect(canTransition('UPLOADING', 'READY')).toBe(false);
    expect(canTransition('TRANSCODING', 'PUBLISHED')).toBe(false);
    expect(canTransition('FAILED', 'PUBLISHED')).toBe(false);
    expect(canTransition('READY', 'UNPUBLISHED')).toBe(false);
    expect(canTransition('PUBLISHED', 'READY')).toBe(false);
    expect(canTransition('PUBLISHED', 'FAILED')).toBe(false);
    expect(canTransition('UNPUBLISHED', 'TRANSCODING')).toBe(false);
  });

  it('says which statuses have renditions', () => {
    expect(TITLE_STATUSES.filter(isTranscoded)).toEqual(['READY', 'PUBLISHED', 'UNPUBLISHED']);
  });

  it('throws a CONFLICT naming the title, both statuses and where it may go', () => {
    expect(() => assertTransition('t1', 'PUBLISHED', 'PUBLISHED')).not.toThrow();
    let error: unknown;
    try {
      assertTransition('t1', 'READY', 'UNPUBLISHED');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TitleTransitionError);
    expect(error).toMatchObject({
      code: ErrorCode.Conflict,
      message: 'Title t1 is READY and cannot become UNPUBLISHED',
      details: { titleId: 't1', status: 'READY', to: 'UNPUBLISHED' },
      titleId: 't1',
      from: 'READY',
      to: 'UNPUBLISHED',
    });
    expect((error as TitleTransitionError).hint).toMatch(/UPLOADING, READY, PUBLISHED/);
  });

  it('gives the DynamoDB condition of a move, narrowed by the statuses a caller expects', () => {
    expect(transitionCondition('UNPUBLISHED')).toEqual({
      ConditionExpression: '#s IN (:from0)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':from0': 'PUBLISHED' },
    });
    expect(transitionCondition('READY')?.ExpressionAttributeValues).toEqual({
      ':from0': 'TRANSCODING',
      ':from1': 'READY',
      ':from2': 'FAILED',
    });
    expect(transitionCondition('UPLOADING', ['FAILED', 'UPLOADING'])).toEqual({
      ConditionExpression: '#s IN (:from0, :from1)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':from0': 'UPLOADING', ':from1': 'FAILED' },
    });
    expect(transitionCondition('UNPUBLISHED', ['READY'])).toBeUndefined();
  });
});

describe('replacing a master', () => {
  it('is allowed for FAILED, READY and UNPUBLISHED titles, each of which may go back to UPLOADING', () => {
    expect(REPLACEABLE_STATUSES).toEqual(['READY', 'FAILED', 'UNPUBLISHED']);
    for (const status of REPLACEABLE_STATUSES) {
      expect(() => assertReplaceable('clip', status)).not.toThrow();
      expect(canTransition(status, 'UPLOADING')).toBe(true);
    }
  });

  it.each([
    ['PUBLISHED', /unpublish it first \(`streamctl unpublish clip`\)/],
    ['TRANSCODING', /wait for its transcode to end/],
    ['UPLOADING', /an ingest of it may still be running/],
  ] as const)('is refused for a %s title with what to do instead', (status, hint) => {
    let thrown: unknown;
    try {
      assertReplaceable('clip', status);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({
      code: ErrorCode.Conflict,
      message: `Title clip is ${status}; its master cannot be replaced`,
      hint: expect.stringMatching(hint),
      details: { titleId: 'clip', status },
    });
  });
});
