/**
 * The embedded search engine: MiniSearch in the process, its documents
 * persisted as one JSON file in the data dir (written whole to a temporary
 * file and renamed, so no reader ever sees half a file). One process writes
 * a file (the Region's workers in `streamctl dev`); other processes that
 * read it (the CLI) load it on first use and reload it when it changes.
 *
 * @module
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import MiniSearch, { type SearchResult as MiniSearchResult } from 'minisearch';
import { playableAt } from './document.js';
import { editsAllowed, foldText, prefixAllowed, searchTerms } from './text.js';
import type { EngineQuery, EngineResult, FacetCount, SearchDocument, SearchEngine } from './types.js';

/** Options of {@link createEmbeddedSearchEngine}. */
export interface EmbeddedSearchOptions {
  /** Where the documents are kept; without it the index lives in memory only. */
  file?: string;
  /** How long writes gather before the file is written, in ms. Default 50. */
  persistDelayMs?: number;
  /** How often a reader looks for a newer file, at most, in ms. Default 500. */
  reloadCheckMs?: number;
}

/** The persisted file's format version. */
const FILE_VERSION = 1;

/**
 * Field weights: a title's own names first, then the people in it, its
 * genres, and last its description.
 */
export const FIELD_BOOSTS = {
  name: 3,
  originalName: 2.5,
  aliases: 2,
  cast: 1,
  crew: 0.8,
  genres: 0.8,
  description: 0.4,
} as const;

type Field = keyof typeof FIELD_BOOSTS;
/** Fields matched with prefixes and typos: short texts a viewer remembers. */
const TITLE_FIELDS = (Object.keys(FIELD_BOOSTS) as Field[]).filter((f) => f !== 'description');

/**
 * A word found in more than this share of descriptions says nothing about
 * which title is meant ("the", "of", "a"): descriptions are not searched for
 * it (names still are). Lucene's common-terms rule, and what keeps a query
 * for a common word from scoring half the catalog.
 */
export const COMMON_WORD_SHARE = 0.05;
/** A small catalog has no common words: below this many descriptions holding it, a word is always searched. */
export const COMMON_WORD_MIN = 50;

/** The text of one field of a document (lists joined; genre dashes read as spaces). */
function fieldText(doc: SearchDocument, field: Field): string {
  switch (field) {
    case 'name':
      return doc.name;
    case 'originalName':
      return doc.originalName ?? '';
    case 'description':
      return doc.description ?? '';
    case 'genres':
      return doc.genres.map((g) => g.replaceAll('-', ' ')).join(' ');
    default:
      return doc[field].join(' \n ');
  }
}

function newIndex(fields: Field[]): MiniSearch<SearchDocument> {
  return new MiniSearch<SearchDocument>({
    idField: 'titleId',
    fields,
    extractField: (doc, field) => (field === 'titleId' ? doc.titleId : fieldText(doc, field as Field)),
    tokenize: searchTerms,
    // Terms arrive folded from `searchTerms`; queries go through the same function.
    processTerm: (term) => term || null,
  });
}

/**
 * The two indexes of the engine: title fields (prefixes and typos allowed)
 * and descriptions (whole words only, common words left out), and how many
 * descriptions hold each word.
 */
class Indexes {
  readonly titles = newIndex(TITLE_FIELDS);
  readonly descriptions = newIndex(['description']);
  readonly documentFrequency = new Map<string, number>();

  add(doc: SearchDocument): void {
    this.titles.add(doc);
    if (!doc.description) return;
    this.descriptions.add(doc);
    for (const term of new Set(searchTerms(doc.description))) {
      this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
    }
  }

  discard(doc: SearchDocument): void {
    this.titles.discard(doc.titleId);
    if (!doc.description) return;
    this.descriptions.discard(doc.titleId);
    for (const term of new Set(searchTerms(doc.description))) {
      const n = (this.documentFrequency.get(term) ?? 1) - 1;
      if (n > 0) this.documentFrequency.set(term, n);
      else this.documentFrequency.delete(term);
    }
  }

  /** Text relevance per title id: title fields, plus descriptions weighted down. */
  search(terms: string[], accept: (titleId: string) => boolean): Map<string, number> {
    const scores = new Map<string, number>();
    const filter = (r: MiniSearchResult) => accept(r.id as string);
    const titleMatches = this.titles.search(terms.join(' '), {
      boost: FIELD_BOOSTS,
      combineWith: 'OR',
      prefix: (term, i) => prefixAllowed(term, i, terms.length),
      fuzzy: (term) => editsAllowed(term) || false,
      filter,
    });
    for (const m of titleMatches) scores.set(m.id as string, m.score);
    const limit = Math.max(COMMON_WORD_MIN, this.descriptions.documentCount * COMMON_WORD_SHARE);
    const telling = terms.filter((t) => (this.documentFrequency.get(t) ?? 0) <= limit);
    if (!telling.length) return scores;
    for (const m of this.descriptions.search(telling.join(' '), { combineWith: 'OR', filter })) {
      const id = m.id as string;
      scores.set(id, (scores.get(id) ?? 0) + FIELD_BOOSTS.description * m.score);
    }
    return scores;
  }
}

/** Counts of a facet, most common first, then by value. */
function facetCounts<T extends string | number>(counts: Map<T, number>): FacetCount<T>[] {
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/**
 * Creates the embedded engine, loading its file when there is one.
 *
 * @example
 * ```ts
 * const engine = createEmbeddedSearchEngine({ file: '.streamctl/local/search/us-east-1.json' });
 * await engine.upsert(doc);
 * const { hits } = await engine.query({ terms: ['harbor'], country: 'GB', at: Date.now(), candidates: 20 });
 * ```
 */
export function createEmbeddedSearchEngine(options: EmbeddedSearchOptions = {}): SearchEngine {
  const { file } = options;
  const persistDelay = options.persistDelayMs ?? 50;
  const reloadCheck = options.reloadCheckMs ?? 500;
  let index = new Indexes();
  const docs = new Map<string, SearchDocument>();
  /** The file's modification time when last read or written; undefined when there was none. */
  let fileMtime: number | undefined;
  let lastCheck = 0;
  let loaded = false;
  /** This process wrote the file: it holds the truth and never reloads. */
  let writer = false;
  let timer: NodeJS.Timeout | undefined;
  let failure: Error | undefined;

  const mtimeOf = (path: string): number | undefined => {
    try {
      return statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
  };

  const replaceDocs = (next: Iterable<SearchDocument>) => {
    index = new Indexes();
    docs.clear();
    for (const doc of next) docs.set(doc.titleId, doc);
    for (const doc of docs.values()) index.add(doc);
  };

  /** Reads the file; a file that is not ours to read (bad JSON, another version) counts as missing. */
  const load = () => {
    loaded = true;
    if (!file) return;
    const mtime = mtimeOf(file);
    lastCheck = Date.now();
    if (mtime === undefined || mtime === fileMtime) return;
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { v?: unknown; docs?: unknown };
      if (parsed.v !== FILE_VERSION || !Array.isArray(parsed.docs)) throw new Error(`not a v${FILE_VERSION} index`);
      replaceDocs(parsed.docs as SearchDocument[]);
      fileMtime = mtime;
    } catch {
      // The index is derived from the catalog: a damaged file is set aside and rebuilt, not trusted.
      renameSync(file, `${file}.damaged`);
      fileMtime = undefined;
      replaceDocs([]);
    }
  };

  const ready = () => {
    if (!loaded) load();
    else if (file && !writer && Date.now() - lastCheck >= reloadCheck) load();
  };

  const persistNow = () => {
    timer = undefined;
    if (!file) return;
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(
        tmp,
        JSON.stringify({ v: FILE_VERSION, savedAt: new Date().toISOString(), docs: [...docs.values()] }),
        {
          mode: 0o600,
        },
      );
      renameSync(tmp, file);
      fileMtime = mtimeOf(file);
      failure = undefined;
    } catch (err) {
      // Raised by the next write or close, so a lost index write does not pass silently; and the
      // older file goes, so the next start rebuilds from the catalog instead of loading stale documents.
      failure = err as Error;
      rmSync(file, { force: true });
      fileMtime = undefined;
    }
  };

  const changed = () => {
    writer = true;
    if (failure) {
      const err = failure;
      failure = undefined;
      throw err;
    }
    if (file && !timer) {
      timer = setTimeout(persistNow, persistDelay);
      timer.unref();
    }
  };

  return {
    kind: 'embedded',
    async upsert(doc) {
      ready();
      const before = docs.get(doc.titleId);
      if (before) index.discard(before);
      docs.set(doc.titleId, doc);
      index.add(doc);
      changed();
    },
    async remove(titleId) {
      ready();
      const before = docs.get(titleId);
      if (!before) return;
      docs.delete(titleId);
      index.discard(before);
      changed();
    },
    async replaceAll(next) {
      loaded = true;
      replaceDocs(next);
      changed();
    },
    async exists() {
      ready();
      return writer || fileMtime !== undefined || (!file && docs.size > 0);
    },
    async count() {
      ready();
      return docs.size;
    },
    async query(query: EngineQuery): Promise<EngineResult> {
      ready();
      const { terms, country, at, genre } = query;
      if (!terms.length) return { hits: [], total: 0, facets: { genres: [], years: [] } };
      const scores = index.search(terms.map(foldText), (id) => {
        const doc = docs.get(id);
        return doc !== undefined && playableAt(doc, country, at);
      });
      const genreCounts = new Map<string, number>();
      const yearCounts = new Map<number, number>();
      const kept: Array<{ doc: SearchDocument; score: number }> = [];
      for (const [id, score] of scores) {
        const doc = docs.get(id) as SearchDocument;
        for (const g of doc.genres) genreCounts.set(g, (genreCounts.get(g) ?? 0) + 1);
        if (genre && !doc.genres.includes(genre)) continue;
        kept.push({ doc, score });
        if (doc.year !== undefined) yearCounts.set(doc.year, (yearCounts.get(doc.year) ?? 0) + 1);
      }
      kept.sort((a, b) => b.score - a.score || a.doc.titleId.localeCompare(b.doc.titleId));
      return {
        hits: kept.slice(0, query.candidates).map(({ doc, score }) => ({
          titleId: doc.titleId,
          name: doc.name,
          genres: doc.genres,
          ...(doc.year !== undefined ? { year: doc.year } : {}),
          score,
        })),
        total: kept.length,
        facets: { genres: facetCounts(genreCounts), years: facetCounts(yearCounts) },
      };
    },
    async close() {
      if (timer) {
        clearTimeout(timer);
        persistNow();
      }
      if (failure) throw failure;
    },
  };
}
