import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEvent } from './index.js';

const event = (over: object = {}) => ({
  v: 1,
  id: randomUUID(),
  type: 'progress',
  userId: 'alice',
  titleId: 't1',
  ts: '2026-11-24T10:00:00.000Z',
  positionSec: 120,
  durationSec: 3600,
  ...over,
});

describe('parseEvent', () => {
  it('accepts a version 1 event', () => {
    expect(parseEvent(event())).toMatchObject({ type: 'progress', positionSec: 120 });
  });

  it('refuses unknown versions by name instead of guessing', () => {
    expect(() => parseEvent(event({ v: 3 }))).toThrow(/Unsupported event schema version 3/);
    expect(() => parseEvent(event({ v: '1' }))).toThrow(/Unsupported event schema version "1"/);
  });

  it.each([
    [{ type: 'teleport' }, 'type'],
    [{ id: 'not-a-uuid' }, 'id'],
    [{ ts: 'yesterday' }, 'ts'],
    [{ userId: 'a b' }, 'userId'],
    [{ positionSec: -1 }, 'positionSec'],
    [{ country: 'usa' }, 'country'],
    [{ extra: true }, ''],
    [{ device: 'x'.repeat(65) }, 'device'],
  ])('refuses %j naming the field', (over, path) => {
    try {
      parseEvent(event(over));
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('VALIDATION_FAILED');
      expect((err as { issues: Array<{ path: string }> }).issues[0]?.path).toBe(path);
    }
  });

  it('refuses values that are not objects', () => {
    for (const value of [null, 42, 'event', []]) {
      expect(() => parseEvent(value)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});

describe('parseEvent, version 2', () => {
  const v2 = (over: object) => event({ v: 2, positionSec: undefined, durationSec: undefined, ...over });
  it.each([
    [{ type: 'startup', startupMs: 1200 }],
    [{ type: 'rebuffer', stallMs: 850, watchMs: 30_000 }],
    [{ type: 'quality_switch', fromBitrate: 800_000, toBitrate: 2_500_000 }],
    [{ type: 'error', errorCode: 'networkError/fragLoadError' }],
    [{ type: 'progress', watchMs: 10_000, positionSec: 42 }],
  ])('accepts %o', (over) => {
    expect(parseEvent(v2(over))).toMatchObject(over);
  });

  it.each([
    [{ type: 'startup' }, 'startupMs'],
    [{ type: 'rebuffer' }, 'stallMs'],
    [{ type: 'error' }, 'errorCode'],
    [{ type: 'play', stallMs: 5 }, 'stallMs'],
    [{ type: 'startup', startupMs: -1 }, 'startupMs'],
    [{ type: 'quality_switch', toBitrate: 1.5 }, 'toBitrate'],
  ])('refuses %o, naming %s', (over, field) => {
    expect(() => parseEvent(v2(over))).toThrow(new RegExp(field));
  });

  it('keeps version 1 to its own types and fields', () => {
    expect(() => parseEvent(event({ type: 'startup' }))).toThrow(/type/);
    expect(() => parseEvent(event({ watchMs: 5 }))).toThrow(/watchMs|Unrecognized/);
  });
});
