/**
 * The OpenSearch search engine: an OpenSearch Serverless collection (the CDK
 * app's, `service: 'aoss'`) or an OpenSearch domain (`'es'`), signed with
 * SigV4 from the Node credential chain. The index folds text as `text.ts`
 * does (a custom analyzer: words split on anything but a letter or digit,
 * lowercase, ASCII folding), allows typos by the same rule (`FUZZINESS`) and
 * matches prefixes of names through an edge n-gram subfield.
 *
 * Request bodies are built by pure, exported functions so each can be tested
 * for its exact shape; the engine only sends them and reads the answers.
 * Errors become {@link StreamctlError}s whose messages name no endpoint,
 * index or engine internals (viewers see them): the original error is the
 * `cause`.
 *
 * @module
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { type API, Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import {
  AwsServiceError,
  ConfigError,
  ErrorCode,
  StreamctlError,
  ValidationError,
  wrapAwsError,
} from '../errors/index.js';
import { FIELD_BOOSTS } from './embedded.js';
import { FUZZINESS, MAX_QUERY_TERMS, MAX_TERM_LENGTH, PREFIX_MIN_LENGTH, prefixAllowed } from './text.js';
import type { EngineQuery, EngineResult, FacetCount, SearchDocument, SearchEngine } from './types.js';

/** The body of an index create request (settings and mappings). */
export type IndexCreateBody = API.Indices_Create_RequestBody;
/** The body of a `_search` request. */
export type SearchBody = API.Search_RequestBody;
/** The lines of a `_bulk` request: an action, then its document for `index`. */
export type BulkBody = API.Bulk_RequestBody;
type AggregationContainer = NonNullable<SearchBody['aggs']>[string];

/** How many facet values each facet counts. */
export const FACET_SIZE = 50;
/** Documents per `_bulk` request of a rebuild. */
export const BULK_CHUNK = 500;
/** Ids per page when a rebuild lists what the index holds. */
export const ID_PAGE = 1000;

/** Analyzer of every text field, for documents and queries alike. */
const FOLDED = 'streamctl_folded';
/** Index-time analyzer of the prefix subfields: the folded words and each of their leading parts. */
const PREFIX = 'streamctl_prefix';

type Field = keyof typeof FIELD_BOOSTS;
/** Where each weighted field is matched: genres are keywords, with their words in a text subfield. */
const MATCH_FIELD: Record<Field, string> = {
  name: 'name',
  originalName: 'originalName',
  aliases: 'aliases',
  cast: 'cast',
  crew: 'crew',
  genres: 'genres.text',
  description: 'description',
};
/** Fields matched with typos: short texts a viewer remembers (descriptions match whole words only). */
const TITLE_FIELDS = (Object.keys(FIELD_BOOSTS) as Field[]).filter((f) => f !== 'description');
/** The fields a word being typed matches as a prefix: a title's own names. */
const PREFIX_FIELDS: Field[] = ['name', 'originalName', 'aliases'];

/** A text field analyzed as search reads text. */
const folded = { type: 'text', analyzer: FOLDED } as const;
/** A name: folded, with a `prefix` subfield of edge n-grams. */
const named = {
  ...folded,
  fields: { prefix: { type: 'text', analyzer: PREFIX, search_analyzer: FOLDED } },
} as const;

/**
 * The index create body: the folding analyzers and a mapping for every
 * {@link SearchDocument} field. Fields the mapping does not know are kept in
 * `_source` but not indexed (`dynamic: false`), so a newer document shape
 * never fails a write.
 *
 * @example
 * ```ts
 * await client.indices.create({ index: 'streamctl-prod-titles', body: searchIndexMapping() });
 * ```
 */
export function searchIndexMapping(): IndexCreateBody {
  const filters = ['lowercase', 'streamctl_ascii', 'streamctl_length'];
  return {
    settings: {
      analysis: {
        tokenizer: {
          // Words as `searchTerms` splits them: runs of letters and digits (`amélie's` is `amelie`, `s`).
          streamctl_words: { type: 'pattern', pattern: '[^\\p{L}\\p{N}]+' },
        },
        filter: {
          streamctl_ascii: { type: 'asciifolding', preserve_original: false },
          streamctl_length: { type: 'length', min: 1, max: MAX_TERM_LENGTH },
          streamctl_edge: { type: 'edge_ngram', min_gram: PREFIX_MIN_LENGTH, max_gram: MAX_TERM_LENGTH },
        },
        analyzer: {
          [FOLDED]: { type: 'custom', tokenizer: 'streamctl_words', filter: filters },
          [PREFIX]: { type: 'custom', tokenizer: 'streamctl_words', filter: [...filters, 'streamctl_edge'] },
        },
      },
    },
    mappings: {
      dynamic: false,
      properties: {
        titleId: { type: 'keyword' },
        name: named,
        originalName: named,
        aliases: named,
        cast: folded,
        crew: folded,
        description: folded,
        genres: { type: 'keyword', fields: { text: folded } },
        year: { type: 'integer' },
        countries: { type: 'keyword' },
        availableFrom: { type: 'date' },
        availableUntil: { type: 'date' },
      },
    },
  };
}

/**
 * A terms aggregation over `field`. The client's generated types lack the
 * terms aggregation's `field` (every other part of the bodies here is checked
 * against them), hence the one cast.
 */
function termsOf(field: keyof SearchDocument): AggregationContainer {
  return { terms: { field, size: FACET_SIZE } } as AggregationContainer;
}

/** The words of a query, bounded again here, so no caller can send an oversized fuzzy query. */
function queryWords(terms: string[]): string[] {
  return terms.filter((t) => t.length > 0 && t.length <= MAX_TERM_LENGTH).slice(0, MAX_QUERY_TERMS);
}

/** A date field that is absent (an open end) or satisfies `range`. */
function openOr(field: string, range: Record<string, string>) {
  return {
    bool: {
      should: [{ bool: { must_not: [{ exists: { field } }] } }, { range: { [field]: range } }],
      minimum_should_match: 1,
    },
  };
}

/**
 * The `_search` body of a query, by the embedded engine's rules: the words
 * matched with typos across the weighted title fields, as prefixes of the
 * names (the words {@link prefixAllowed} lets begin longer ones), and whole
 * in descriptions (where BM25 weighs common words down); only documents for the
 * viewer's country (or `ALL`) inside their window at `at`; the genre as a
 * `post_filter`, so the genre facet still counts every genre while the hits,
 * the total and the year facet keep to the genre. The words are only ever a
 * `query` value of `multi_match` or `match` (never `query_string` syntax), so text that
 * looks like query syntax is searched as words.
 *
 * @example
 * ```ts
 * const body = searchQueryBody({ terms: ['amelie'], country: 'GB', at: Date.now(), candidates: 100 });
 * await client.search({ index, body });
 * ```
 */
export function searchQueryBody(query: EngineQuery): SearchBody {
  const words = queryWords(query.terms);
  const text = words.join(' ');
  const prefixes = words.filter((w, i) => prefixAllowed(w, i, words.length)).join(' ');
  const at = new Date(query.at).toISOString();
  const fields = TITLE_FIELDS.map((f) => `${MATCH_FIELD[f]}^${FIELD_BOOSTS[f]}`);
  const prefixFields = PREFIX_FIELDS.map((f) => `${MATCH_FIELD[f]}.prefix^${FIELD_BOOSTS[f]}`);
  const genre = query.genre === undefined ? undefined : { term: { genres: query.genre } };
  return {
    size: query.candidates,
    track_total_hits: true,
    _source: ['titleId', 'name', 'genres', 'year'],
    query: {
      bool: {
        must: [
          {
            bool: {
              should: [
                {
                  multi_match: {
                    query: text,
                    type: 'best_fields',
                    fields,
                    fuzziness: FUZZINESS,
                    prefix_length: 0,
                  },
                },
                ...(prefixes
                  ? [{ multi_match: { query: prefixes, type: 'bool_prefix' as const, fields: prefixFields } }]
                  : []),
                { match: { description: { query: text, boost: FIELD_BOOSTS.description } } },
              ],
              minimum_should_match: 1,
            },
          },
        ],
        filter: [
          { terms: { countries: [query.country, 'ALL'] } },
          openOr('availableFrom', { lte: at }),
          openOr('availableUntil', { gt: at }),
        ],
      },
    },
    ...(genre ? { post_filter: genre } : {}),
    aggs: {
      genres: termsOf('genres'),
      // Years within the genre asked for: aggregations do not see the post_filter.
      years: { filter: genre ?? { match_all: {} }, aggs: { years: termsOf('year') } },
    },
  };
}

/**
 * The `_search` body of one page of the ids an index holds, in `titleId`
 * order after `after` (`search_after`: OpenSearch Serverless has no scroll,
 * point in time or delete-by-query).
 *
 * @example
 * ```ts
 * const body = searchIdsBody('t41'); // the page after t41
 * ```
 */
export function searchIdsBody(after?: string): SearchBody {
  return {
    size: ID_PAGE,
    _source: false,
    query: { match_all: {} },
    sort: [{ titleId: { order: 'asc' } }],
    ...(after === undefined ? {} : { search_after: [after] }),
  };
}

/**
 * The `_bulk` lines that index `docs` (by `titleId`) and delete `removals`.
 *
 * @example
 * ```ts
 * await client.bulk({ index, body: searchBulkBody(docs, ['t9']) });
 * ```
 */
export function searchBulkBody(docs: SearchDocument[], removals: string[] = []): BulkBody {
  return [
    ...docs.flatMap((doc) => [{ index: { _id: doc.titleId } }, doc]),
    ...removals.map((id) => ({ delete: { _id: id } })),
  ];
}

/** A terms aggregation's answer, as far as it is read. */
interface Buckets {
  buckets?: Array<{ key?: unknown; doc_count?: unknown }>;
}

/** Counts of a facet, most common first, then by value. */
function facetCounts<T extends string | number>(buckets: Buckets | undefined, read: (key: unknown) => T | undefined) {
  const counts: FacetCount<T>[] = [];
  for (const b of buckets?.buckets ?? []) {
    const value = read(b.key);
    if (value !== undefined && typeof b.doc_count === 'number') counts.push({ value, count: b.doc_count });
  }
  return counts.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/**
 * An {@link EngineResult} from a `_search` answer to {@link searchQueryBody}:
 * hits with their `_score`, the post-filtered total, the facets most common
 * first. Anything missing or malformed reads as none.
 *
 * @example
 * ```ts
 * const { body } = await client.search({ index, body: searchQueryBody(query) });
 * const result = parseSearchResponse(body);
 * ```
 */
export function parseSearchResponse(body: unknown): EngineResult {
  const b = (body ?? {}) as {
    hits?: {
      total?: number | { value?: number };
      hits?: Array<{ _id?: unknown; _score?: unknown; _source?: unknown }>;
    };
    aggregations?: { genres?: Buckets; years?: { years?: Buckets } };
  };
  const hits: EngineResult['hits'] = [];
  for (const hit of b.hits?.hits ?? []) {
    const source = (hit._source ?? {}) as Partial<SearchDocument>;
    const titleId = typeof source.titleId === 'string' ? source.titleId : typeof hit._id === 'string' ? hit._id : '';
    if (!titleId) continue;
    hits.push({
      titleId,
      name: typeof source.name === 'string' ? source.name : '',
      genres: Array.isArray(source.genres) ? source.genres.filter((g) => typeof g === 'string') : [],
      ...(typeof source.year === 'number' ? { year: source.year } : {}),
      score: typeof hit._score === 'number' ? hit._score : 0,
    });
  }
  const total = b.hits?.total;
  return {
    hits,
    total: typeof total === 'number' ? total : (total?.value ?? hits.length),
    facets: {
      genres: facetCounts(b.aggregations?.genres, (k) => (typeof k === 'string' ? k : undefined)),
      years: facetCounts(b.aggregations?.years?.years, (k) => {
        const year = typeof k === 'number' ? k : typeof k === 'string' ? Number(k) : Number.NaN;
        return Number.isInteger(year) ? year : undefined;
      }),
    },
  };
}

/** Options of {@link createOpenSearchEngine}. */
export interface OpenSearchEngineOptions {
  /** The collection or domain endpoint, e.g. `https://abc123.us-east-1.aoss.amazonaws.com`. */
  endpoint: string;
  /** The index of the catalog, e.g. `streamctl-prod-titles`. */
  index: string;
  /** The Region requests are signed for. */
  region: string;
  /** `aoss` for an OpenSearch Serverless collection, `es` for a domain. */
  service: 'aoss' | 'es';
  /** A client to use instead of a signed one (tests). */
  client?: Client;
}

/** The HTTP status of an OpenSearch client error, when it has one. */
function statusOf(error: unknown): number | undefined {
  const e = error as { statusCode?: unknown; meta?: { statusCode?: unknown } } | undefined;
  const status = e?.statusCode ?? e?.meta?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The OpenSearch client's transport failures: the endpoint did not answer in time, or at all. */
const TRANSPORT_ERRORS = new Set([
  'ConnectionError',
  'TimeoutError',
  'NoLivingConnectionsError',
  'RequestAbortedError',
]);

/** What a search operation is, for messages (`Search`, `Indexing a title`) and `operation` (`opensearch:Search`). */
interface Operation {
  what: string;
  name: string;
}

/**
 * A failure of the OpenSearch client as a {@link StreamctlError}. Messages
 * say what failed and how (an HTTP status, no answer), never the endpoint,
 * the index or the engine's own reason, which stay in `cause`.
 */
function searchError(error: unknown, op: Operation, refusedQuery = false): StreamctlError {
  if (error instanceof StreamctlError) return error;
  const operation = `opensearch:${op.name}`;
  const name = (error as { name?: unknown } | undefined)?.name;
  const awsCode = typeof name === 'string' ? name : 'Error';
  const status = statusOf(error);
  if (status === undefined) {
    if (TRANSPORT_ERRORS.has(awsCode)) {
      return new AwsServiceError(
        ErrorCode.EndpointUnreachable,
        `${op.what} failed: the search service did not answer`,
        awsCode,
        operation,
        { cause: error, hint: 'check STREAMCTL_SEARCH_ENDPOINT (search.endpoint) and the network' },
      );
    }
    if (/credential/i.test(awsCode)) return wrapAwsError(error, operation, 'search');
    return new AwsServiceError(ErrorCode.AwsError, `${op.what} failed`, awsCode, operation, { cause: error });
  }
  if (status === 400 && refusedQuery) {
    return new ValidationError(`${op.what} failed: the query could not be run`, [], { cause: error });
  }
  const fail = (code: ErrorCode, why: string, hint?: string) =>
    new AwsServiceError(code, `${op.what} failed: ${why}`, `HTTP ${status}`, operation, {
      cause: error,
      ...(hint ? { hint } : {}),
    });
  if (status === 401 || status === 403) {
    return fail(
      ErrorCode.AwsError,
      'the search service refused the credentials',
      "the role needs aoss:APIAccessAll (or es:ESHttp*) and a place in the collection's data access policy",
    );
  }
  if (status === 404) return fail(ErrorCode.ResourceNotFound, 'the search index does not exist', 'rebuild the index');
  if (status === 429) return fail(ErrorCode.Throttled, 'the search service is busy', 'retry later');
  if (status === 502 || status === 503 || status === 504) {
    return fail(ErrorCode.EndpointUnreachable, 'the search service is unavailable', 'retry later');
  }
  return fail(ErrorCode.AwsError, `the search service answered HTTP ${status}`);
}

/** A client that signs every request with SigV4 for the collection or domain. */
function signedClient(options: OpenSearchEngineOptions): Client {
  try {
    return new Client({
      node: options.endpoint,
      ...AwsSigv4Signer({ region: options.region, service: options.service, getCredentials: fromNodeProviderChain() }),
    });
  } catch (err) {
    throw new ConfigError('Invalid search endpoint: an https:// URL of the collection or domain is expected', {
      cause: err,
      hint: 'set STREAMCTL_SEARCH_ENDPOINT (search.endpoint) to the SearchEndpoint output of the API stack',
    });
  }
}

/** A `_bulk` answer's failed items, deletes of documents already gone excepted. */
function bulkFailures(body: unknown): Array<{ status?: number; error?: unknown }> {
  const b = (body ?? {}) as { errors?: boolean; items?: Array<Record<string, { status?: number; error?: unknown }>> };
  if (!b.errors) return [];
  return (b.items ?? [])
    .flatMap((item) => Object.entries(item))
    .filter(([action, result]) => result.error !== undefined && !(action === 'delete' && result.status === 404))
    .map(([, result]) => result);
}

/** No matches: the answer to a query with no words, or on an index not built yet. */
const EMPTY: EngineResult = { hits: [], total: 0, facets: { genres: [], years: [] } };

/**
 * Whether an error is a missing index (not a missing document): index
 * operations answer 404 for both.
 */
function isMissingIndex(error: unknown): boolean {
  const body = (error as { meta?: { body?: { error?: { type?: unknown } } } } | undefined)?.meta?.body;
  return statusOf(error) === 404 && body?.error?.type === 'index_not_found_exception';
}

/**
 * The OpenSearch engine. Requests are signed with SigV4 (`aoss` for a
 * Serverless collection, `es` for a domain) with credentials from the Node
 * provider chain. The index is created with {@link searchIndexMapping} the
 * first time a write finds it missing, so it never gets a dynamic mapping.
 *
 * `replaceAll` works on Serverless: it writes every document with `_bulk`,
 * then lists the ids the index holds a page at a time (`search_after` on
 * `titleId`) and deletes those not in the new set with `_bulk`, since
 * Serverless has no delete-by-query, scroll or point in time. A Serverless
 * search collection shows writes after a short delay, so a count or query
 * right after a write may not see it yet.
 *
 * @example
 * ```ts
 * const engine = createOpenSearchEngine({
 *   endpoint: 'https://abc123.us-east-1.aoss.amazonaws.com',
 *   index: 'streamctl-prod-titles',
 *   region: 'us-east-1',
 *   service: 'aoss',
 * });
 * const { hits } = await engine.query({ terms: ['amelie'], country: 'FR', at: Date.now(), candidates: 100 });
 * ```
 */
export function createOpenSearchEngine(options: OpenSearchEngineOptions): SearchEngine {
  const { index } = options;
  const client = options.client ?? signedClient(options);
  /** Set once the index is known to exist (made or seen), so writes check only once per process. */
  let ensured: Promise<void> | undefined;

  const run = async <T>(op: Operation, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw searchError(err, op);
    }
  };

  const ensureIndex = () => {
    ensured ??= run({ what: 'Creating the search index', name: 'CreateIndex' }, async () => {
      const { body } = await client.indices.exists({ index });
      if (body === true) return;
      try {
        await client.indices.create({ index, body: searchIndexMapping() });
      } catch (err) {
        // Another writer made it first: that is the index wanted.
        const type = (err as { meta?: { body?: { error?: { type?: unknown } } } }).meta?.body?.error?.type;
        if (statusOf(err) !== 400 || type !== 'resource_already_exists_exception') throw err;
      }
    }).catch((err: unknown) => {
      ensured = undefined;
      throw err;
    });
    return ensured;
  };

  const bulk = async (docs: SearchDocument[], removals: string[]) => {
    const op = { what: 'Rebuilding the search index', name: 'Bulk' };
    const { body } = await run(op, () => client.bulk({ index, body: searchBulkBody(docs, removals) }));
    const failures = bulkFailures(body);
    if (failures.length) {
      throw new AwsServiceError(
        ErrorCode.AwsError,
        `${op.what} failed: ${failures.length} of ${docs.length + removals.length} writes were refused`,
        'BulkItemFailure',
        `opensearch:${op.name}`,
        { cause: new Error(JSON.stringify(failures.slice(0, 5))) },
      );
    }
  };

  /** Every id the index holds, a page at a time. */
  const listIds = async (): Promise<string[]> => {
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const { body } = await run({ what: 'Listing the search index', name: 'Search' }, () =>
        client.search({ index, body: searchIdsBody(after) }),
      );
      const page = ((body as { hits?: { hits?: Array<{ _id?: unknown; sort?: unknown[] }> } }).hits?.hits ?? []).filter(
        (h): h is { _id: string; sort?: unknown[] } => typeof h._id === 'string',
      );
      for (const hit of page) ids.push(hit._id);
      if (page.length < ID_PAGE) return ids;
      const last = page[page.length - 1];
      after = String(last?.sort?.[0] ?? last?._id);
    }
  };

  return {
    kind: 'opensearch',
    async upsert(doc) {
      await ensureIndex();
      await run({ what: 'Indexing a title', name: 'Index' }, () =>
        client.index({ index, id: doc.titleId, body: doc as unknown as Record<string, unknown> }),
      );
    },
    async remove(titleId) {
      try {
        await client.delete({ index, id: titleId });
      } catch (err) {
        // Nothing to remove: no such document, or no index at all.
        if (statusOf(err) === 404) return;
        throw searchError(err, { what: 'Removing a title', name: 'Delete' });
      }
    },
    async replaceAll(docs) {
      await ensureIndex();
      for (let i = 0; i < docs.length; i += BULK_CHUNK) await bulk(docs.slice(i, i + BULK_CHUNK), []);
      const keep = new Set(docs.map((d) => d.titleId));
      const stale = (await listIds()).filter((id) => !keep.has(id));
      for (let i = 0; i < stale.length; i += BULK_CHUNK) await bulk([], stale.slice(i, i + BULK_CHUNK));
    },
    async exists() {
      try {
        const { body } = await client.indices.exists({ index });
        return body === true;
      } catch (err) {
        // The client answers a HEAD's 404 with `false`; a proxy may throw it instead.
        if (statusOf(err) === 404) return false;
        throw searchError(err, { what: 'Looking for the search index', name: 'IndexExists' });
      }
    },
    async count() {
      try {
        const { body } = await client.count({ index });
        return typeof body?.count === 'number' ? body.count : 0;
      } catch (err) {
        if (isMissingIndex(err)) return 0;
        throw searchError(err, { what: 'Counting the search index', name: 'Count' });
      }
    },
    async query(query) {
      if (!queryWords(query.terms).length) return EMPTY;
      try {
        const { body } = await client.search({ index, body: searchQueryBody(query) });
        return parseSearchResponse(body);
      } catch (err) {
        // No index yet: nothing is indexed, so nothing matches.
        if (isMissingIndex(err)) return EMPTY;
        throw searchError(err, { what: 'Search', name: 'Search' }, true);
      }
    },
    async close() {
      await client.close();
    },
  };
}
