/**
 * The search use cases: validation of what a viewer sends (hostile input
 * included), paging by cursor, popularity blended into ranking, degrading
 * to text alone when the models fail, and the index following the catalog.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Title } from '../catalog/index.js';
import { isStreamctlError } from '../errors/index.js';
import { createEmbeddedSearchEngine } from './embedded.js';
import { createSearch } from './service.js';
import type { SearchDocument } from './types.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

const title = (titleId: string, name: string, over: Partial<Title> = {}): Title => ({
  titleId,
  name,
  kind: 'movie',
  genres: ['drama'],
  manifests: { hls: `titles/${titleId}/master.m3u8` },
  status: 'PUBLISHED',
  availability: { countries: 'ALL' },
  seasons: [],
  renditions: [],
  ...over,
});

/** A catalog of titles in memory, with the two calls search makes. */
function catalogOf(titles: Title[]) {
  const byId = new Map(titles.map((t) => [t.titleId, t]));
  return {
    byId,
    findTitle: async (id: string) => byId.get(id),
    listTitles: async (o: { limit?: number; cursor?: string; status?: string } = {}) => {
      const all = [...byId.values()]
        .filter((t) => !o.status || t.status === o.status)
        .sort((a, b) => a.titleId.localeCompare(b.titleId));
      const start = o.cursor ? Number(o.cursor) : 0;
      const end = start + (o.limit ?? 50);
      const items = all
        .slice(start, end)
        .map((t) => ({ titleId: t.titleId, name: t.name, status: t.status, genres: t.genres }));
      return { items, ...(end < all.length ? { cursor: String(end) } : {}) };
    },
  };
}

const NIGHTS = Array.from({ length: 45 }, (_, i) => title(`night-${String(i).padStart(2, '0')}`, `Night Shift ${i}`));

async function setup(
  titles: Title[] = NIGHTS,
  popular: (country: string) => Promise<Array<{ titleId: string; score: number }>> = async () => [],
) {
  const catalog = catalogOf(titles);
  const engine = createEmbeddedSearchEngine();
  const search = createSearch({ engine, catalog, models: { popular }, now: () => NOW });
  await search.rebuild();
  return { search, engine, catalog };
}

const validationError = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isStreamctlError(err) && err.code).toBe('VALIDATION_FAILED');
  return err as Error;
};

describe('search: what a viewer may send', () => {
  it('refuses an empty, blank or over-long query, a bad genre, limit or cursor', async () => {
    const { search } = await setup();
    const viewer = { country: 'GB' };
    await validationError(search.query(viewer, { q: '' }));
    await validationError(search.query(viewer, { q: '   \t ' }));
    expect((await validationError(search.query(viewer, { q: 'a'.repeat(201) }))).message).toMatch(/200/);
    await validationError(search.query(viewer, { q: 'night', genre: 'Drama; DROP TABLE' }));
    await validationError(search.query(viewer, { q: 'night', limit: 0 }));
    await validationError(search.query(viewer, { q: 'night', limit: 51 }));
    await validationError(search.query(viewer, { q: 'night', cursor: 'not-a-cursor' }));
    await validationError(search.query(viewer, { q: 'night', cursor: Buffer.from('{"o":-5}').toString('base64url') }));
  });

  it('answers no results for text with nothing searchable in it', async () => {
    const { search } = await setup();
    for (const q of ['🎬🍿', '!!!???', '\u200b\u200d\u202e', '\u0000\u0007', '\ud800']) {
      expect(await search.query({ country: 'GB' }, { q })).toEqual({
        items: [],
        facets: { genres: [], years: [] },
        total: 0,
      });
    }
  });

  it('treats injection-shaped and odd text as words to look for, nothing else', async () => {
    const { search } = await setup();
    for (const q of [
      '"; DROP TABLE titles; --',
      '{"query":{"match_all":{}}}',
      '*:*',
      '<script>alert(1)</script>',
      '../../etc/passwd',
      '%00%2e%2e',
      'ｎｉｇｈｔ', // full-width letters fold to "night"
    ]) {
      const page = await search.query({ country: 'GB' }, { q });
      expect(page.items.every((i) => i.titleId.startsWith('night-'))).toBe(true);
    }
    expect((await search.query({ country: 'GB' }, { q: 'ｎｉｇｈｔ' })).total).toBe(45);
  });

  it('never throws anything but a validation error, whatever the query (property)', async () => {
    const { search } = await setup();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 260 }), async (q) => {
        try {
          const page = await search.query({ country: 'GB' }, { q });
          expect(page.items.length).toBeLessThanOrEqual(20);
        } catch (err) {
          expect(isStreamctlError(err) && err.code).toBe('VALIDATION_FAILED');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('search: pages', () => {
  it('pages through every match once with the cursor, and the cursor belongs to its query', async () => {
    const { search } = await setup();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await search.query({ country: 'GB' }, { q: 'night shift', limit: 20, cursor });
      expect(page.total).toBe(45);
      seen.push(...page.items.map((i) => i.titleId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(45);
    const first = await search.query({ country: 'GB' }, { q: 'night', limit: 5 });
    await validationError(search.query({ country: 'GB' }, { q: 'shift', cursor: first.nextCursor }));
    await validationError(search.query({ country: 'FR' }, { q: 'night', cursor: first.nextCursor }));
    await validationError(search.query({ country: 'GB' }, { q: 'night', genre: 'drama', cursor: first.nextCursor }));
  });
});

describe('search: ranking', () => {
  const twins = [
    title('quiet-a', 'The Quiet River'),
    title('quiet-b', 'Quiet River'),
    title('loud', 'Loud Mountain', { synopsis: 'Nothing quiet about it.' }),
  ];

  it('lifts the title popular in the viewer’s country among matches of similar relevance', async () => {
    const popularity: Record<string, Array<{ titleId: string; score: number }>> = {
      GB: [
        { titleId: 'quiet-a', score: 900 },
        { titleId: 'quiet-b', score: 3 },
      ],
      US: [
        { titleId: 'quiet-b', score: 900 },
        { titleId: 'quiet-a', score: 3 },
      ],
    };
    const { search } = await setup(twins, async (cc) => popularity[cc] ?? []);
    expect((await search.query({ country: 'GB' }, { q: 'quiet river' })).items[0]?.titleId).toBe('quiet-a');
    expect((await search.query({ country: 'US' }, { q: 'quiet river' })).items[0]?.titleId).toBe('quiet-b');
  });

  it('never lifts a weak match (a word of the description) over a strong one (the name)', async () => {
    const { search } = await setup(twins, async () => [{ titleId: 'loud', score: 1_000_000 }]);
    const items = (await search.query({ country: 'GB' }, { q: 'quiet' })).items.map((i) => i.titleId);
    expect(items.indexOf('loud')).toBe(2);
  });

  it('ranks by text alone when the models cannot be read, and tries them again later', async () => {
    let calls = 0;
    const { search } = await setup(twins, async () => {
      calls++;
      throw new Error('table unreachable');
    });
    const page = await search.query({ country: 'GB' }, { q: 'quiet river' });
    expect(page.items.map((i) => i.titleId)).toEqual(expect.arrayContaining(['quiet-a', 'quiet-b']));
    await search.query({ country: 'GB' }, { q: 'quiet river' });
    expect(calls).toBe(2);
  });

  it('answers scores with four decimals, best first', async () => {
    const { search } = await setup(twins);
    const { items } = await search.query({ country: 'GB' }, { q: 'quiet river' });
    expect(items[0]?.score).toBe(1);
    for (const item of items) expect(Number(item.score.toFixed(4))).toBe(item.score);
    expect([...items].sort((a, b) => b.score - a.score)).toEqual(items);
  });
});

describe('search: the index follows the catalog', () => {
  it('indexes a published title, removes an unpublished or unknown one, whatever the order of events', async () => {
    const { search, catalog, engine } = await setup([]);
    catalog.byId.set('t1', title('t1', 'Paper Lanterns', { availability: { countries: ['FR'] } }));
    expect(await search.indexTitle('t1')).toBe('indexed');
    expect((await search.query({ country: 'FR' }, { q: 'lanterns' })).items.map((i) => i.titleId)).toEqual(['t1']);
    expect((await search.query({ country: 'GB' }, { q: 'lanterns' })).items).toEqual([]);
    // Unpublished: the catalog decides, not the event that asked.
    catalog.byId.set('t1', { ...(catalog.byId.get('t1') as Title), status: 'UNPUBLISHED' });
    expect(await search.indexTitle('t1')).toBe('removed');
    expect(await engine.count()).toBe(0);
    expect(await search.indexTitle('nobody')).toBe('removed');
    // A READY title (not yet published) is never in the index.
    catalog.byId.set('t2', title('t2', 'Draft Paper', { status: 'READY', availability: undefined }));
    expect(await search.indexTitle('t2')).toBe('removed');
  });

  it('rebuilds from every published title in pages, and ensure() rebuilds only when there is no index', async () => {
    const titles = [...NIGHTS, title('draft', 'Night Draft', { status: 'READY' })];
    const { search, engine } = await setup(titles);
    expect(await engine.count()).toBe(45);
    expect(await search.ensure()).toEqual({ rebuilt: false, titles: 45 });
    const empty = createSearch({ engine: createEmbeddedSearchEngine(), catalog: catalogOf(titles) });
    expect(await empty.ensure()).toEqual({ rebuilt: true, titles: 45 });
  });

  it('keeps the title’s names, people, genres, year and window in its document', async () => {
    const captured: SearchDocument[] = [];
    const engine = createEmbeddedSearchEngine();
    const search = createSearch({
      engine: { ...engine, upsert: async (d) => void captured.push(d) },
      catalog: catalogOf([
        title('t1', 'Le Café', {
          originalName: 'Le Café de la Gare',
          aliases: ['The Station Café'],
          cast: ['Jo Brel'],
          crew: ['Ana Lune'],
          genres: ['comedy'],
          synopsis: 'A café at a station.',
          releaseDate: '1998-04-02',
          availability: { countries: ['FR', 'BE'], from: '2026-01-01T00:00:00+01:00' },
        }),
      ]),
    });
    await search.indexTitle('t1');
    expect(captured).toEqual([
      {
        titleId: 't1',
        name: 'Le Café',
        originalName: 'Le Café de la Gare',
        aliases: ['The Station Café'],
        genres: ['comedy'],
        cast: ['Jo Brel'],
        crew: ['Ana Lune'],
        description: 'A café at a station.',
        year: 1998,
        countries: ['FR', 'BE'],
        availableFrom: '2025-12-31T23:00:00.000Z',
      },
    ]);
  });
});
