/**
 * Catalog search: typo-tolerant, diacritic-folding, limited to what the
 * viewer may play, ranked by text relevance blended with popularity in the
 * viewer's country. One interface, two engines: embedded (MiniSearch,
 * persisted in the data dir) and OpenSearch on AWS. A `search` worker keeps
 * the index in line with the catalog from the catalog events on the stream.
 *
 * @module
 */
export { playableAt, toSearchDocument } from './document.js';
export { COMMON_WORD_SHARE, createEmbeddedSearchEngine, type EmbeddedSearchOptions, FIELD_BOOSTS } from './embedded.js';
export { defaultSearchIndex, embeddedIndexFile, searchEngineFor } from './engines.js';
export {
  createSearch,
  DEFAULT_SEARCH_LIMIT,
  MAX_SEARCH_CANDIDATES,
  type SearchOptions,
} from './service.js';
export {
  editsAllowed,
  FUZZINESS,
  foldText,
  MAX_QUERY_TERMS,
  MAX_TERM_LENGTH,
  queryTerms,
  searchTerms,
} from './text.js';
export type {
  EngineHit,
  EngineQuery,
  EngineResult,
  FacetCount,
  IndexOutcome,
  Search,
  SearchAnswer,
  SearchDocument,
  SearchEngine,
  SearchFacets,
  SearchParams,
} from './types.js';
