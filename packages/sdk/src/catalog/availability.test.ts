import { describe, expect, it } from 'vitest';
import { availabilityRepairs, type Item, shownIn, summaryFromMeta } from './items.js';

const meta = (over: Item = {}): Item => ({
  PK: 'VIDEO#t1',
  SK: 'METADATA',
  titleId: 't1',
  name: 'One',
  genres: ['drama'],
  status: 'PUBLISHED',
  availability: { countries: ['US', 'GB'] },
  availabilityGeneration: 3,
  publishedAt: '2026-12-01T00:00:00.000Z',
  ...over,
});
const projection = (cc: string, generation?: number): Item => ({
  PK: 'VIDEO#t1',
  SK: `AVAILABILITY#${cc}`,
  ...(generation !== undefined ? { generation } : {}),
});
const countries = (items: Item[]) => items.map((i) => String(i.SK).split('#')[1]).sort();

describe('availabilityRepairs', () => {
  it('removes the countries a re-publish left out and keeps the ones the record lists', () => {
    const r = availabilityRepairs(meta(), [projection('US', 3), projection('GB', 3), projection('FR', 2)]);
    expect(countries(r.remove)).toEqual(['FR']);
    expect(r.rewrite).toEqual([]);
  });

  it('removes projections written before generations existed when their country is gone', () => {
    const r = availabilityRepairs(meta(), [projection('US', 3), projection('GB', 3), projection('DE')]);
    expect(countries(r.remove)).toEqual(['DE']);
  });

  it('leaves a newer publication’s projections to it, even in a country the record does not list', () => {
    // A publication of generation 4 is running: it wrote SE before its record landed.
    const r = availabilityRepairs(meta(), [projection('US', 3), projection('GB', 3), projection('SE', 4)]);
    expect(r.remove).toEqual([]);
  });

  it('rewrites an allowed country whose projection is missing or older than the record', () => {
    const r = availabilityRepairs(meta(), [projection('US', 2)]);
    expect(r.rewrite.sort()).toEqual(['GB', 'US']);
  });

  it('removes every projection of a title that is not PUBLISHED (withdrawn, or re-ingested)', () => {
    for (const status of ['UNPUBLISHED', 'UPLOADING', 'READY']) {
      const r = availabilityRepairs(meta({ status, availabilityGeneration: 4 }), [
        projection('US', 3),
        projection('GB', 4),
      ]);
      expect(countries(r.remove)).toEqual(['GB', 'US']);
      expect(r.rewrite).toEqual([]);
    }
  });

  it('treats ALL as a country of its own', () => {
    const r = availabilityRepairs(meta({ availability: { countries: 'ALL' } }), [
      projection('US', 2),
      projection('ALL', 3),
    ]);
    expect(countries(r.remove)).toEqual(['US']);
    expect(r.rewrite).toEqual([]);
  });
});

describe('shownIn', () => {
  const at = Date.parse('2026-12-02T00:00:00Z');

  it('shows a published title only in the countries its record lists', () => {
    expect(shownIn(meta(), 'US', at)).toBe(true);
    expect(shownIn(meta(), 'FR', at)).toBe(false);
    expect(shownIn(meta({ availability: { countries: 'ALL' } }), 'FR', at)).toBe(true);
  });

  it('shows nothing of a title that is not PUBLISHED, whatever availability it still carries', () => {
    expect(shownIn(meta({ status: 'UPLOADING' }), 'US', at)).toBe(false);
    expect(shownIn(meta({ availability: undefined }), 'US', at)).toBe(false);
  });

  it('holds to the window, years ahead included', () => {
    const windowed = meta({
      availability: { countries: ['US'], from: '2026-12-01T00:00:00Z', until: '2027-01-01T00:00:00Z' },
    });
    expect(shownIn(windowed, 'US', Date.parse('2026-11-30T23:59:59Z'))).toBe(false);
    expect(shownIn(windowed, 'US', at)).toBe(true);
    expect(shownIn(windowed, 'US', Date.parse('2027-01-01T00:00:00Z'))).toBe(false);
    expect(shownIn(meta(), 'US', Date.parse('2061-06-01T00:00:00Z'))).toBe(true);
  });

  it('summarizes from the record: window, poster and length included', () => {
    expect(
      summaryFromMeta(
        meta({
          availability: { countries: ['US'], until: '2027-01-01T00:00:00Z' },
          images: { poster: 'titles/t1/poster.jpg' },
          durationSec: 600,
        }),
      ),
    ).toEqual({
      titleId: 't1',
      name: 'One',
      genres: ['drama'],
      publishedAt: '2026-12-01T00:00:00.000Z',
      availableUntil: '2027-01-01T00:00:00Z',
      durationSec: 600,
      poster: 'titles/t1/poster.jpg',
    });
  });
});
