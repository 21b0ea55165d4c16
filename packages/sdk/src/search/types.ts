/**
 * What the search capability is made of: the document a published title
 * becomes, the engine interface both engines implement, and the service's
 * input and answer (the API contract's `SearchResult`).
 *
 * @module
 */
import type { SearchResult } from '../contract/index.js';

/** A published title as the search index holds it. */
export interface SearchDocument {
  titleId: string;
  name: string;
  originalName?: string;
  aliases: string[];
  genres: string[];
  cast: string[];
  crew: string[];
  description?: string;
  /** Release year, for the year facet. */
  year?: number;
  /** Countries the title may play in: ISO codes, or `['ALL']`. */
  countries: string[];
  /** The availability window (ISO); absent ends are open. */
  availableFrom?: string;
  availableUntil?: string;
}

/** One query as an engine runs it: terms already folded ({@link queryTerms}). */
export interface EngineQuery {
  /** The query's words, folded, at least one. */
  terms: string[];
  /** The viewer's country: documents for it or `ALL` only. Absent (an operator's search): every country. */
  country?: string;
  /** Now, epoch ms: documents inside their window only. */
  at: number;
  /** Only titles of this genre (facets of genres still count every genre). */
  genre?: string;
  /** The most hits to return, best first. */
  candidates: number;
}

/** A value of a facet and how many matches have it. */
export interface FacetCount<T> {
  value: T;
  count: number;
}

/** Facets over every match of a query. */
export interface SearchFacets {
  genres: FacetCount<string>[];
  years: FacetCount<number>[];
}

/** One match, with the engine's own text relevance (higher is better; scales differ between engines). */
export interface EngineHit {
  titleId: string;
  name: string;
  genres: string[];
  year?: number;
  score: number;
}

/** What an engine answers. */
export interface EngineResult {
  hits: EngineHit[];
  /** Matches in all, within the genre asked for. */
  total: number;
  facets: SearchFacets;
}

/**
 * A search engine: the embedded one (MiniSearch, persisted in the data dir)
 * or OpenSearch. Both fold text and allow typos by the same rules
 * (`text.ts`), filter by country and window, and count facets.
 */
export interface SearchEngine {
  readonly kind: 'embedded' | 'opensearch';
  /** Adds a document, or replaces the one with its id. */
  upsert(doc: SearchDocument): Promise<void>;
  /** Removes a document; nothing happens when there is none. */
  remove(titleId: string): Promise<void>;
  /** Replaces every document (a rebuild from the catalog). */
  replaceAll(docs: SearchDocument[]): Promise<void>;
  /** Whether an index exists (a persisted file, a remote index), empty or not. */
  exists(): Promise<boolean>;
  /** How many documents the index holds. */
  count(): Promise<number>;
  query(query: EngineQuery): Promise<EngineResult>;
  /** Writes pending changes and releases what the engine holds. */
  close(): Promise<void>;
}

/** The input of {@link Search.query}. */
export interface SearchParams {
  q: string;
  genre?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** The answer of {@link Search.query}: the API's `GET /v1/search` body. */
export type SearchAnswer = SearchResult;

/** What indexing a catalog change did. */
export type IndexOutcome = 'indexed' | 'removed';

/** The search capability. */
export interface Search {
  /**
   * Titles matching the query that the viewer may play (their country, now),
   * text relevance blended with popularity in that country, a page at a time.
   * Without a country (an operator's search), titles playable now anywhere, ranked by worldwide popularity.
   * `VALIDATION_FAILED` for an empty or over-long query, a bad genre, limit or cursor.
   */
  query(viewer: { country?: string | undefined }, params: SearchParams): Promise<SearchAnswer>;
  /**
   * Brings one title's document in line with the catalog: indexed when
   * published, removed otherwise (unknown, unpublished, withdrawn). Order-safe:
   * it reads the catalog rather than trusting the event that asked.
   */
  indexTitle(titleId: string): Promise<IndexOutcome>;
  /** Rebuilds the index from every published title in the catalog. */
  rebuild(): Promise<{ titles: number; ms: number }>;
  /** Rebuilds only when no index exists (start-up of the embedded engine). */
  ensure(): Promise<{ rebuilt: boolean; titles: number }>;
  /** The engine underneath. */
  readonly engine: SearchEngine;
}
