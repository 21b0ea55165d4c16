import { describe, expect, it } from 'vitest';
import { requestLatencyP99 } from './reports.js';

describe('requestLatencyP99', () => {
  const since = new Date('2026-12-03T10:00:00Z');
  const until = new Date('2026-12-03T11:00:00Z');
  const line = (at: string, durationMs: number) => JSON.stringify({ at, message: 'request', durationMs });

  it('takes the nearest-rank p99 of the requests in the window, skipping others and junk', () => {
    const lines = Array.from({ length: 200 }, (_, i) =>
      line(`2026-12-03T10:${String(i % 60).padStart(2, '0')}:00Z`, i + 1),
    );
    lines.push(
      line('2026-12-03T09:59:59Z', 99_999),
      line('2026-12-03T11:00:00Z', 99_999),
      'not json',
      '{"at":"x"}',
      '',
    );
    expect(requestLatencyP99(lines.join('\n'), since, until)).toBe(198);
  });

  it('is null when nothing falls in the window', () => {
    expect(requestLatencyP99(line('2026-12-02T10:00:00Z', 5), since, until)).toBeNull();
    expect(requestLatencyP99('', since, until)).toBeNull();
  });
});
