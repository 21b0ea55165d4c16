import { describe, expect, it } from 'vitest';
import { decayed, HALF_LIFE_HOURS } from './models.js';
import { counterPartition, mergeProfile, profilePartition, tasteKey } from './store-dynamo.js';

const day = 86_400_000;
const now = Date.parse('2026-12-03T12:00:00Z');
const row = (sk: string, weight: number, at: number, extra: Record<string, unknown> = {}) => {
  const { era, scaled } = decayed(weight, at);
  return { PK: profilePartition('alice'), SK: sk, [`e${era}`]: scaled, ...extra };
};

describe('mergeProfile: one viewer, rows from every Region', () => {
  it('sums a title’s and a genre’s scores across Regions', () => {
    const one = mergeProfile([row(tasteKey.title('us-east-1', 't1'), 3, now)], now);
    const both = mergeProfile(
      [row(tasteKey.title('us-east-1', 't1'), 3, now), row(tasteKey.title('eu-west-1', 't1'), 3, now)],
      now,
    );
    expect(both.titles.get('t1')).toBeCloseTo(2 * (one.titles.get('t1') as number), 9);
    const genres = mergeProfile(
      [row(tasteKey.genre('us-east-1', 'drama'), 1, now), row(tasteKey.genre('eu-west-1', 'drama'), 2, now)],
      now,
    );
    expect(genres.genres.get('drama')).toBeCloseTo(3, 9);
  });

  it('keeps a title completed or disliked when any Region saw it, and ids with # whole', () => {
    const p = mergeProfile(
      [
        row(tasteKey.title('us-east-1', 'show#s1'), 3, now, { completed: true }),
        row(tasteKey.title('eu-west-1', 'show#s1'), 0.5, now),
        row(tasteKey.title('eu-west-1', 'bad'), -3, now, { disliked: true }),
      ],
      now,
    );
    expect([...p.titles.keys()].sort()).toEqual(['bad', 'show#s1']);
    expect(p.completed).toEqual(new Set(['show#s1']));
    expect(p.disliked).toEqual(new Set(['bad']));
  });

  it('orders positives by their latest positive signal in any Region, each title once', () => {
    const at = (d: number) => new Date(now - d * day).toISOString();
    const p = mergeProfile(
      [
        row(tasteKey.title('us-east-1', 'a'), 1, now, { posAt: at(5), lastAt: at(4) }),
        row(tasteKey.title('eu-west-1', 'a'), 1, now, { posAt: at(1), lastAt: at(1) }),
        row(tasteKey.title('us-east-1', 'b'), 1, now, { posAt: at(3), lastAt: at(2) }),
        row(tasteKey.title('us-east-1', 'c'), -1, now),
      ],
      now,
    );
    expect(p.positives).toEqual(['a', 'b']);
  });

  it('sums the Regions’ versions: any Region’s write moves the sum', () => {
    const rows = [
      { SK: tasteKey.version('us-east-1'), v: 7 },
      { SK: tasteKey.version('eu-west-1'), v: 2 },
    ];
    expect(mergeProfile(rows, now).version).toBe(9);
    expect(mergeProfile([rows[0] as object, { ...rows[1], v: 3 }] as never, now).version).toBe(10);
  });

  it('stays finite and bounded years ahead: two Regions’ eras add, they do not overflow', () => {
    const far = Date.parse('2061-06-01T00:00:00Z');
    const rows = Array.from({ length: 500 }, (_, i) =>
      row(tasteKey.title(i % 2 ? 'us-east-1' : 'eu-west-1', 't1'), 3, far - i * 3_600_000),
    );
    const p = mergeProfile(rows, far, HALF_LIFE_HOURS);
    const score = p.titles.get('t1') as number;
    expect(Number.isFinite(score)).toBe(true);
    // 500 weights of 3 at most, decayed: never more than their plain sum.
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThanOrEqual(1500);
    for (const r of rows)
      for (const [k, v] of Object.entries(r)) if (k.startsWith('e')) expect(v).toBeLessThan(3 * 2 ** 16);
  });

  it('names each Region’s counters apart, so two Regions never write one item', () => {
    expect(counterPartition('POP', 'us-east-1', 'GB')).not.toBe(counterPartition('POP', 'eu-west-1', 'GB'));
    expect(counterPartition('CO', 'eu-west-1', 't1')).toBe('CO#eu-west-1#t1');
    expect(tasteKey.title('us-east-1', 't1')).not.toBe(tasteKey.title('eu-west-1', 't1'));
  });
});
