/**
 * Relevance: a fixture of invented titles and the queries viewers would
 * type for them (misspellings, prefixes, accents left out, several words,
 * genre filters, aliases, people, popularity), each with the title a person
 * would expect in the top three. The search use case over the embedded
 * engine must put it there for at least 90 % of the queries, and must never
 * show a title to a country or at a time it may not play.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Title } from '../catalog/index.js';
import { createEmbeddedSearchEngine } from './embedded.js';
import { createSearch } from './service.js';

interface FixtureTitle {
  titleId: string;
  name: string;
  originalName?: string;
  aliases?: string[];
  genres: string[];
  releaseDate?: string;
  synopsis?: string;
  cast?: string[];
  crew?: string[];
  countries: 'ALL' | string[];
  from?: string;
  until?: string;
  popularity?: Record<string, number>;
}

interface Fixture {
  titles: FixtureTitle[];
  queries: Array<{ q: string; country: string; genre?: string; expect: string; kind: string; why: string }>;
  absent: Array<{ q: string; country: string; titleId: string; why: string }>;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/relevance.json', import.meta.url), 'utf8')) as Fixture;
/** The day the fixture's availability was written for. */
const AT = Date.parse('2026-12-01T00:00:00Z');
const TARGET = 0.9;

function titleOf(t: FixtureTitle): Title {
  return {
    titleId: t.titleId,
    name: t.name,
    ...(t.originalName ? { originalName: t.originalName } : {}),
    aliases: t.aliases ?? [],
    cast: t.cast ?? [],
    crew: t.crew ?? [],
    kind: 'movie',
    genres: t.genres,
    ...(t.synopsis ? { synopsis: t.synopsis } : {}),
    ...(t.releaseDate ? { releaseDate: t.releaseDate } : {}),
    manifests: { hls: `titles/${t.titleId}/master.m3u8` },
    status: 'PUBLISHED',
    availability: {
      countries: t.countries,
      ...(t.from ? { from: t.from } : {}),
      ...(t.until ? { until: t.until } : {}),
    },
    seasons: [],
    renditions: [],
  };
}

async function fixtureSearch(popularityWeight?: number) {
  const titles = new Map(fixture.titles.map((t) => [t.titleId, titleOf(t)]));
  const popular = async (country: string, limit: number) =>
    fixture.titles
      .map((t) => ({ titleId: t.titleId, score: t.popularity?.[country] ?? 0 }))
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  const search = createSearch({
    engine: createEmbeddedSearchEngine(),
    catalog: {
      findTitle: async (id) => titles.get(id),
      listTitles: async () => ({
        items: [...titles.values()].map((t) => ({
          titleId: t.titleId,
          name: t.name,
          status: t.status,
          genres: t.genres,
        })),
      }),
    },
    models: { popular },
    now: () => AT,
    ...(popularityWeight !== undefined ? { popularityWeight } : {}),
  });
  await search.rebuild();
  return search;
}

describe('search relevance fixture', () => {
  it('is big enough to mean something', () => {
    expect(fixture.titles.length).toBeGreaterThanOrEqual(200);
    expect(fixture.queries.length).toBeGreaterThanOrEqual(50);
    const kinds = new Set(fixture.queries.map((q) => q.kind));
    for (const kind of ['misspelling', 'prefix', 'diacritics', 'multi-word', 'genre']) expect(kinds).toContain(kind);
  });

  it(`puts the expected title in the top 3 for at least ${TARGET * 100} % of queries`, async () => {
    const search = await fixtureSearch();
    const misses: string[] = [];
    let first = 0;
    const byKind = new Map<string, { hit: number; all: number }>();
    for (const query of fixture.queries) {
      const page = await search.query({ country: query.country }, { q: query.q, genre: query.genre, limit: 3 });
      const top = page.items.map((i) => i.titleId);
      const hit = top.includes(query.expect);
      if (top[0] === query.expect) first++;
      const kind = byKind.get(query.kind) ?? { hit: 0, all: 0 };
      byKind.set(query.kind, { hit: kind.hit + (hit ? 1 : 0), all: kind.all + 1 });
      if (!hit)
        misses.push(
          `"${query.q}" (${query.kind}, ${query.country}) expected ${query.expect}, got ${top.join(', ') || 'nothing'}`,
        );
    }
    const share = 1 - misses.length / fixture.queries.length;
    const kinds = [...byKind].map(([k, v]) => `${k} ${v.hit}/${v.all}`).join(', ');
    console.log(
      `relevance: ${fixture.queries.length - misses.length}/${fixture.queries.length} queries (${(share * 100).toFixed(1)} %) have the expected title in the top 3 over ${fixture.titles.length} titles (${first} first); ${kinds}` +
        (misses.length ? `\n  misses:\n  ${misses.join('\n  ')}` : ''),
    );
    expect(share).toBeGreaterThanOrEqual(TARGET);
  });

  it('needs popularity to order the popularity queries (the blend is what answers them)', async () => {
    const textOnly = await fixtureSearch(0);
    const blended = await fixtureSearch();
    const queries = fixture.queries.filter((q) => q.kind === 'popularity');
    const firstWith = async (search: Awaited<ReturnType<typeof fixtureSearch>>) => {
      let n = 0;
      for (const q of queries) {
        const page = await search.query({ country: q.country }, { q: q.q, genre: q.genre, limit: 3 });
        if (page.items[0]?.titleId === q.expect) n++;
      }
      return n;
    };
    const [withBlend, without] = [await firstWith(blended), await firstWith(textOnly)];
    console.log(
      `relevance: popularity queries first ${withBlend}/${queries.length} blended, ${without}/${queries.length} by text alone`,
    );
    expect(withBlend).toBe(queries.length);
    expect(without).toBeLessThan(queries.length);
  });

  it('never shows a title to a country outside its availability or outside its window', async () => {
    const search = await fixtureSearch();
    for (const entry of fixture.absent) {
      const page = await search.query({ country: entry.country }, { q: entry.q, limit: 50 });
      expect(
        page.items.map((i) => i.titleId),
        `${entry.q} in ${entry.country}: ${entry.why}`,
      ).not.toContain(entry.titleId);
    }
  });
});
