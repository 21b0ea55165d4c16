/**
 * The engine contract: what any search engine must do, run against the
 * embedded engine in memory and persisted to a file (OpenSearch's requests
 * are checked body by body in `opensearch.test.ts`; no OpenSearch runs here).
 * Then what only the file-backed engine does: survive a restart, let another
 * process read it, set a damaged file aside.
 */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddedSearchEngine } from './embedded.js';
import { queryTerms } from './text.js';
import type { EngineQuery, SearchDocument, SearchEngine } from './types.js';

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-search-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const NOW = Date.parse('2026-12-01T12:00:00Z');

const doc = (titleId: string, name: string, over: Partial<SearchDocument> = {}): SearchDocument => ({
  titleId,
  name,
  aliases: [],
  genres: ['drama'],
  cast: [],
  crew: [],
  countries: ['ALL'],
  ...over,
});

const CATALOG: SearchDocument[] = [
  doc('harbor', 'The Last Harbor', { genres: ['drama', 'mystery'], year: 2019, cast: ['Ines Varga'] }),
  doc('harvest', 'Last Harvest', { genres: ['drama'], year: 2021 }),
  doc('lights', 'Harbor Lights', { genres: ['comedy'], year: 2019 }),
  doc('amelie', 'Le Destin d’Amélie', { genres: ['romance', 'comedy'], aliases: ['Amelie of the Hill'], year: 2001 }),
  doc('strasse', 'Straße der Nacht', { genres: ['crime'], originalName: 'Straße der Nacht', year: 1999 }),
  doc('midnight', 'Midnight Carousel', { genres: ['fantasy'], crew: ['Oskar Lind'], year: 2024 }),
  doc('cat', 'Cat Burglar', { genres: ['crime', 'comedy'], year: 2010 }),
  doc('uk-only', 'Fog Over Dover', { countries: ['GB'], year: 2015 }),
  doc('ended', 'Yesterday’s Tide', { availableUntil: '2026-06-01T00:00:00.000Z' }),
  doc('future', 'Tomorrow’s Tide', { availableFrom: '2027-06-01T00:00:00.000Z' }),
  doc('window', 'Tide Window', {
    availableFrom: '2026-01-01T00:00:00.000Z',
    availableUntil: '2026-12-01T12:00:00.000Z',
  }),
  doc('sci', 'Orbit of Glass', { genres: ['science-fiction'], description: 'A crew of miners drifts past Neptune.' }),
];

const q = (text: string, over: Partial<EngineQuery> = {}): EngineQuery => ({
  terms: queryTerms(text),
  country: 'US',
  at: NOW,
  candidates: 50,
  ...over,
});

const ids = async (engine: SearchEngine, text: string, over: Partial<EngineQuery> = {}) =>
  (await engine.query(q(text, over))).hits.map((h) => h.titleId);

const engines: Array<[string, () => SearchEngine]> = [
  ['embedded, in memory', () => createEmbeddedSearchEngine()],
  ['embedded, in a file', () => createEmbeddedSearchEngine({ file: join(tmp(), 'index.json'), persistDelayMs: 5 })],
];

describe.each(engines)('search engine contract: %s', (_name, make) => {
  const fresh = async () => {
    const engine = make();
    await engine.replaceAll(CATALOG);
    return engine;
  };

  it('finds a title by a word of its name, the best match first', async () => {
    const engine = await fresh();
    expect((await ids(engine, 'last harbor'))[0]).toBe('harbor');
    expect(await ids(engine, 'carousel')).toEqual(['midnight']);
  });

  it('folds case and accents both ways, and spells out ß', async () => {
    const engine = await fresh();
    expect(await ids(engine, 'amelie')).toContain('amelie');
    expect(await ids(engine, 'AMÉLIE')).toContain('amelie');
    expect(await ids(engine, 'strasse')).toEqual(['strasse']);
    expect(await ids(engine, 'STRAẞE')).toEqual(['strasse']);
  });

  it('forgives one typo from 4 letters, two from 8, none under 4', async () => {
    const engine = await fresh();
    expect(await ids(engine, 'harbr')).toContain('harbor');
    expect(await ids(engine, 'carousle')).toEqual(['midnight']);
    expect(await ids(engine, 'midnihgt')).toEqual(['midnight']);
    // Three letters: "cot" is not "cat".
    expect(await ids(engine, 'cot')).toEqual([]);
    // Two typos in a 6-letter word are too many.
    expect(await ids(engine, 'hxrbxr')).toEqual([]);
  });

  it('matches a word being typed as a prefix', async () => {
    const engine = await fresh();
    expect(await ids(engine, 'harb')).toEqual(expect.arrayContaining(['harbor', 'lights']));
    expect(await ids(engine, 'midn')).toEqual(['midnight']);
  });

  it('searches aliases, original names, people, genres and descriptions', async () => {
    const engine = await fresh();
    expect(await ids(engine, 'amelie hill')).toContain('amelie');
    expect(await ids(engine, 'varga')).toEqual(['harbor']);
    expect(await ids(engine, 'oskar lind')).toEqual(['midnight']);
    expect(await ids(engine, 'science fiction')).toEqual(['sci']);
    expect(await ids(engine, 'neptune')).toEqual(['sci']);
  });

  it('shows a title only in its countries and inside its window', async () => {
    const engine = await fresh();
    expect(await ids(engine, 'dover', { country: 'GB' })).toEqual(['uk-only']);
    expect(await ids(engine, 'dover', { country: 'US' })).toEqual([]);
    expect(await ids(engine, 'tide')).toEqual([]);
    // The window's end is exclusive, its start inclusive (the catalog's rule).
    expect(await ids(engine, 'tide', { at: NOW - 1 })).toEqual(['window']);
    expect(await ids(engine, 'tide', { at: Date.parse('2027-06-01T00:00:00Z') })).toEqual(['future']);
    // An operator's search (no country) sees every country, still inside windows.
    expect(await ids(engine, 'dover', { country: undefined })).toEqual(['uk-only']);
  });

  it('filters by genre and counts every genre in the facets, years within the genre', async () => {
    const engine = await fresh();
    const all = await engine.query(q('harbor'));
    expect(all.total).toBe(2);
    const drama = await engine.query(q('harbor', { genre: 'drama' }));
    expect(drama.hits.map((h) => h.titleId)).toEqual(['harbor']);
    expect(drama.total).toBe(1);
    expect(drama.facets.genres).toEqual(
      expect.arrayContaining([
        { value: 'comedy', count: 1 },
        { value: 'drama', count: 1 },
        { value: 'mystery', count: 1 },
      ]),
    );
    expect(drama.facets.years).toEqual([{ value: 2019, count: 1 }]);
  });

  it('replaces a document on upsert and forgets it on remove (twice is fine)', async () => {
    const engine = await fresh();
    await engine.upsert(doc('harvest', 'Winter Orchard'));
    expect(await ids(engine, 'harvest')).toEqual([]);
    expect(await ids(engine, 'orchard')).toEqual(['harvest']);
    await engine.remove('harvest');
    await engine.remove('harvest');
    await engine.remove('never-there');
    expect(await ids(engine, 'orchard')).toEqual([]);
    expect(await engine.count()).toBe(CATALOG.length - 1);
  });

  it('answers nothing, not an error, for terms that match nothing or no terms', async () => {
    const engine = await fresh();
    expect(await engine.query(q('zzzzqqq'))).toEqual({ hits: [], total: 0, facets: { genres: [], years: [] } });
    expect(await engine.query(q(''))).toEqual({ hits: [], total: 0, facets: { genres: [], years: [] } });
  });

  it('keeps at most the candidates asked for, total counting all', async () => {
    const engine = make();
    await engine.replaceAll(Array.from({ length: 30 }, (_, i) => doc(`n${i}`, `Night ${i}`)));
    const result = await engine.query(q('night', { candidates: 10 }));
    expect(result.hits).toHaveLength(10);
    expect(result.total).toBe(30);
  });
});

describe('the embedded engine: common words', () => {
  it('does not search descriptions for a word most of them hold, but still names', async () => {
    const engine = createEmbeddedSearchEngine();
    const many = Array.from({ length: 120 }, (_, i) =>
      doc(`d${i}`, `Story ${i}`, { description: `the town and the sea, part ${i}` }),
    );
    await engine.replaceAll([...many, doc('named', 'The Sea Wolf'), doc('rare', 'Plain', { description: 'a kraken' })]);
    // "sea" is in every description: only the name that holds it matches.
    expect(await ids(engine, 'sea')).toEqual(['named']);
    // A rare description word is searched as usual.
    expect(await ids(engine, 'kraken')).toEqual(['rare']);
    // Removing the documents brings the word's count down with them.
    await engine.replaceAll([many[0] as SearchDocument, doc('named', 'The Sea Wolf')]);
    expect(await ids(engine, 'sea')).toEqual(['named', 'd0']);
  });
});

describe('the embedded engine in a file', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('has no index until something is written, then survives a restart', async () => {
    const file = join(tmp(), 'search', 'us-east-1.json');
    const first = createEmbeddedSearchEngine({ file });
    expect(await first.exists()).toBe(false);
    await first.replaceAll(CATALOG);
    await first.upsert(doc('new', 'Brand New Morning'));
    await first.close();
    const again = createEmbeddedSearchEngine({ file });
    expect(await again.exists()).toBe(true);
    expect(await again.count()).toBe(CATALOG.length + 1);
    expect(await ids(again, 'morning')).toEqual(['new']);
    // Only the owner may read it: it lists what is published where.
    const { statSync } = await import('node:fs');
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('lets a reader in another process see the writer’s changes', async () => {
    const file = join(tmp(), 'index.json');
    const writer = createEmbeddedSearchEngine({ file, persistDelayMs: 1 });
    await writer.replaceAll(CATALOG);
    await wait(20);
    const reader = createEmbeddedSearchEngine({ file, reloadCheckMs: 0 });
    expect(await ids(reader, 'morning')).toEqual([]);
    await writer.upsert(doc('new', 'Brand New Morning'));
    await wait(20);
    // Same-second writes on coarse file systems: the modification time must move for a reload.
    utimesSync(file, new Date(), new Date(Date.now() + 2000));
    expect(await ids(reader, 'morning')).toEqual(['new']);
  });

  it('sets a damaged file aside and reports no index, so the caller rebuilds', async () => {
    const dir = tmp();
    const file = join(dir, 'index.json');
    writeFileSync(file, '{"v":1,"docs":[{"titleId":');
    const engine = createEmbeddedSearchEngine({ file });
    expect(await engine.exists()).toBe(false);
    expect(readFileSync(`${file}.damaged`, 'utf8')).toContain('"v":1');
    writeFileSync(file, JSON.stringify({ v: 99, docs: [] }));
    expect(await createEmbeddedSearchEngine({ file }).exists()).toBe(false);
  });

  it('raises a write it could not make, and removes the stale file so the next start rebuilds', async () => {
    const dir = tmp();
    const file = join(dir, 'index.json');
    const engine = createEmbeddedSearchEngine({ file, persistDelayMs: 1 });
    await engine.replaceAll(CATALOG);
    await wait(20);
    // A directory where the temporary file must go makes the next write fail.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(`${file}.${process.pid}.tmp`);
    await engine.upsert(doc('new', 'Brand New Morning'));
    await wait(20);
    await expect(engine.close()).rejects.toThrow();
    expect(await createEmbeddedSearchEngine({ file }).exists()).toBe(false);
  });
});
