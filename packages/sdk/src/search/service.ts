/**
 * The search use cases over either engine: a viewer's query (validated,
 * filtered to what they may play, text relevance blended with popularity in
 * their country, paged by cursor), and keeping the index in line with the
 * catalog (one title from a catalog event, or everything on a rebuild).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog/index.js';
import { MAX_SEARCH_LIMIT, SearchQuerySchema } from '../contract/index.js';
import { ValidationError } from '../errors/index.js';
import type { ModelStore } from '../recommendations/index.js';
import { toSearchDocument } from './document.js';
import { queryTerms } from './text.js';
import type { EngineHit, Search, SearchAnswer, SearchDocument, SearchEngine } from './types.js';

/** Results a page holds when the query does not say. */
export const DEFAULT_SEARCH_LIMIT = 20;
/** The most matches one query ranks (and pages through). */
export const MAX_SEARCH_CANDIDATES = 200;

/** Options of {@link createSearch}. */
export interface SearchOptions {
  engine: SearchEngine;
  catalog: Pick<Catalog, 'findTitle' | 'listTitles'>;
  /** Popularity per country (the recommendation models); without it ranking is by text alone. */
  models?: Pick<ModelStore, 'popular'>;
  /**
   * How much popularity in the viewer's country lifts a match: a match's text
   * relevance (relative to the best match) is multiplied by `1 + weight × p`,
   * `p` in [0, 1] on a log scale. Default 0.3: popularity reorders matches of
   * similar relevance, never a weak match over a strong one.
   */
  popularityWeight?: number;
  /** How long a country's popularity is reused, in ms. Default 60 s. */
  popularityTtlMs?: number;
  /** The clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** A country's popularity, scaled to [0, 1] on a log scale. */
type Popularity = (titleId: string) => number;

const encodeCursor = (offset: number, fingerprint: string) =>
  Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString('base64url');

function decodeCursor(cursor: string, fingerprint: string): number {
  let parsed: { o?: unknown; f?: unknown } | undefined;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const offset = parsed?.o;
  if (
    typeof offset !== 'number' ||
    !Number.isInteger(offset) ||
    offset < 0 ||
    offset >= MAX_SEARCH_CANDIDATES ||
    parsed?.f !== fingerprint
  ) {
    throw new ValidationError('Invalid cursor: it is not from this search', [
      { path: 'cursor', message: 'pass back the nextCursor of the same query, genre and country' },
    ]);
  }
  return offset;
}

/**
 * Creates the search capability over an engine.
 *
 * @example
 * ```ts
 * const search = createSearch({ engine: createEmbeddedSearchEngine(), catalog, models });
 * const page = await search.query({ country: 'GB' }, { q: 'amelie' });
 * ```
 */
export function createSearch(options: SearchOptions): Search {
  const { engine, catalog } = options;
  const now = options.now ?? Date.now;
  const weight = options.popularityWeight ?? 0.3;
  const ttl = options.popularityTtlMs ?? 60_000;
  const popularity = new Map<string, { at: number; value: Promise<Popularity> }>();

  const readPopularity = async (country: string): Promise<Popularity> => {
    const scored = (await options.models?.popular(country, 2000)) ?? [];
    const top = scored[0]?.score ?? 0;
    if (top <= 0) return () => 0;
    const scale = Math.log1p(top);
    const scores = new Map(scored.map((s) => [s.titleId, Math.log1p(Math.max(0, s.score)) / scale]));
    return (titleId) => scores.get(titleId) ?? 0;
  };

  /** Popularity degrades to none when the models cannot be read: search still answers, by text. */
  const popularityIn = (country: string): Promise<Popularity> => {
    const hit = popularity.get(country);
    if (hit && now() - hit.at < ttl) return hit.value;
    const value = readPopularity(country).catch(() => {
      popularity.delete(country);
      return () => 0;
    });
    popularity.set(country, { at: now(), value });
    return value;
  };

  const rank = (hits: EngineHit[], pop: Popularity): EngineHit[] => {
    const best = hits.reduce((max, h) => Math.max(max, h.score), 0) || 1;
    return hits
      .map((h) => ({ ...h, score: (h.score / best) * (1 + weight * pop(h.titleId)) }))
      .sort((a, b) => b.score - a.score || a.titleId.localeCompare(b.titleId));
  };

  const indexTitle: Search['indexTitle'] = async (titleId) => {
    const title = await catalog.findTitle(titleId);
    const doc = title && toSearchDocument(title);
    if (!doc) {
      await engine.remove(titleId);
      return 'removed';
    }
    await engine.upsert(doc);
    return 'indexed';
  };

  const rebuild: Search['rebuild'] = async () => {
    const started = performance.now();
    const docs: SearchDocument[] = [];
    let cursor: string | undefined;
    do {
      const page = await catalog.listTitles({ status: 'PUBLISHED', limit: 100, ...(cursor ? { cursor } : {}) });
      const titles = await Promise.all(page.items.map((t) => catalog.findTitle(t.titleId)));
      for (const title of titles) {
        const doc = title && toSearchDocument(title);
        if (doc) docs.push(doc);
      }
      cursor = page.cursor;
    } while (cursor);
    await engine.replaceAll(docs);
    return { titles: docs.length, ms: Math.round(performance.now() - started) };
  };

  return {
    engine,
    async query(viewer, params): Promise<SearchAnswer> {
      const parsed = SearchQuerySchema.safeParse(
        Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)),
      );
      if (!parsed.success) throw ValidationError.fromZod('search', parsed.error);
      const { q, genre, cursor } = parsed.data;
      const limit = Math.min(parsed.data.limit ?? DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT);
      const terms = queryTerms(q);
      const fingerprint = createHash('sha256')
        .update(JSON.stringify([terms, genre ?? '', viewer.country ?? '']))
        .digest('base64url')
        .slice(0, 12);
      const offset = cursor ? decodeCursor(cursor, fingerprint) : 0;
      // Nothing searchable (only punctuation, symbols or invisible characters): no results, not an error.
      if (!terms.length) return { items: [], facets: { genres: [], years: [] }, total: 0 };
      const [result, pop] = await Promise.all([
        engine.query({
          terms,
          ...(viewer.country ? { country: viewer.country } : {}),
          at: now(),
          ...(genre ? { genre } : {}),
          candidates: MAX_SEARCH_CANDIDATES,
        }),
        popularityIn(viewer.country ?? 'ALL'),
      ]);
      const ranked = rank(result.hits, pop);
      const end = offset + limit;
      return {
        items: ranked.slice(offset, end).map((h) => ({
          titleId: h.titleId,
          name: h.name,
          genres: h.genres,
          ...(h.year !== undefined ? { year: h.year } : {}),
          score: Math.round(h.score * 10_000) / 10_000,
        })),
        facets: result.facets,
        total: result.total,
        ...(end < ranked.length ? { nextCursor: encodeCursor(end, fingerprint) } : {}),
      };
    },
    indexTitle,
    rebuild,
    async ensure() {
      if (await engine.exists()) return { rebuilt: false, titles: await engine.count() };
      const { titles } = await rebuild();
      return { rebuilt: true, titles };
    },
  };
}
