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
    expect(() => parseEvent(event({ v: 2 }))).toThrow(/Unsupported event schema version 2/);
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
