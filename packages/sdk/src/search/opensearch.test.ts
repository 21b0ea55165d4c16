import { type Client, errors } from '@opensearch-project/opensearch';
import { describe, expect, it } from 'vitest';
import { AwsServiceError, ErrorCode, StreamctlError } from '../errors/index.js';
import {
  BULK_CHUNK,
  createOpenSearchEngine,
  ID_PAGE,
  parseSearchResponse,
  searchBulkBody,
  searchIdsBody,
  searchIndexMapping,
  searchQueryBody,
} from './opensearch.js';
import { FUZZINESS, MAX_TERM_LENGTH } from './text.js';
import type { EngineQuery, SearchDocument } from './types.js';

const AT = Date.parse('2027-03-01T12:00:00.000Z');
const query = (over: Partial<EngineQuery> = {}): EngineQuery => ({
  terms: ['amelie'],
  country: 'FR',
  at: AT,
  candidates: 100,
  ...over,
});
const doc = (titleId: string, over: Partial<SearchDocument> = {}): SearchDocument => ({
  titleId,
  name: `Title ${titleId}`,
  aliases: [],
  genres: ['drama'],
  cast: [],
  crew: [],
  countries: ['ALL'],
  ...over,
});

/** An answer of the OpenSearch client. */
const answer = (body: unknown, statusCode = 200) => ({ body, statusCode, headers: {}, warnings: null, meta: {} });
/** An error answer, as the client throws it. */
const refused = (statusCode: number, type = 'some_exception', reason = 'shard [titles][0] on node-7 at 10.0.3.4') =>
  new errors.ResponseError({
    body: { error: { type, reason, root_cause: [{ type, reason }] }, status: statusCode },
    statusCode,
    headers: {},
    warnings: null,
    meta: {} as never,
  });

type Call = { method: string; params: Record<string, unknown> };
type Handler = (params: Record<string, unknown>) => unknown;

/** A stand-in for the client: records every request and answers from `handlers` (a thrown value is thrown). */
function stubClient(handlers: Partial<Record<string, Handler>> = {}) {
  const calls: Call[] = [];
  const method =
    (name: string, fallback: Handler) =>
    async (params: Record<string, unknown> = {}) => {
      calls.push({ method: name, params });
      return answer((handlers[name] ?? fallback)(params));
    };
  const client = {
    index: method('index', () => ({ result: 'created' })),
    delete: method('delete', () => ({ result: 'deleted' })),
    bulk: method('bulk', () => ({ errors: false, items: [] })),
    search: method('search', () => ({ hits: { total: { value: 0, relation: 'eq' }, hits: [] } })),
    count: method('count', () => ({ count: 0 })),
    close: async () => {
      calls.push({ method: 'close', params: {} });
    },
    indices: {
      exists: method('indices.exists', () => true),
      create: method('indices.create', () => ({ acknowledged: true })),
    },
  };
  const engine = createOpenSearchEngine({
    endpoint: 'https://abc123.us-east-1.aoss.amazonaws.com',
    index: 'streamctl-test-titles',
    region: 'us-east-1',
    service: 'aoss',
    client: client as unknown as Client,
  });
  return { engine, calls, of: (name: string) => calls.filter((c) => c.method === name) };
}
const fail =
  (error: unknown): Handler =>
  () => {
    throw error;
  };

describe('searchIndexMapping', () => {
  it('folds case and diacritics, splits words as searchTerms does, and maps every document field', () => {
    const filters = ['lowercase', 'streamctl_ascii', 'streamctl_length'];
    const named = {
      type: 'text',
      analyzer: 'streamctl_folded',
      fields: { prefix: { type: 'text', analyzer: 'streamctl_prefix', search_analyzer: 'streamctl_folded' } },
    };
    const folded = { type: 'text', analyzer: 'streamctl_folded' };
    expect(searchIndexMapping()).toEqual({
      settings: {
        analysis: {
          tokenizer: { streamctl_words: { type: 'pattern', pattern: '[^\\p{L}\\p{N}]+' } },
          filter: {
            streamctl_ascii: { type: 'asciifolding', preserve_original: false },
            streamctl_length: { type: 'length', min: 1, max: MAX_TERM_LENGTH },
            streamctl_edge: { type: 'edge_ngram', min_gram: 3, max_gram: MAX_TERM_LENGTH },
          },
          analyzer: {
            streamctl_folded: { type: 'custom', tokenizer: 'streamctl_words', filter: filters },
            streamctl_prefix: { type: 'custom', tokenizer: 'streamctl_words', filter: [...filters, 'streamctl_edge'] },
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
    });
  });

  it('maps exactly the fields a SearchDocument has', () => {
    const full: Required<SearchDocument> = {
      ...doc('t1'),
      originalName: 'o',
      description: 'd',
      year: 2001,
      availableFrom: 'a',
      availableUntil: 'u',
    };
    const properties = Object.keys(searchIndexMapping().mappings?.properties ?? {});
    expect(properties.sort()).toEqual(Object.keys(full).sort());
  });
});

describe('searchQueryBody', () => {
  /** The text clauses: typos on title fields, prefixes on names (when a word may be one), whole words in descriptions. */
  const must = (text: string, prefixes: string | null = text) => [
    {
      bool: {
        should: [
          {
            multi_match: {
              query: text,
              type: 'best_fields',
              fields: ['name^3', 'originalName^2.5', 'aliases^2', 'cast^1', 'crew^0.8', 'genres.text^0.8'],
              fuzziness: FUZZINESS,
              prefix_length: 0,
            },
          },
          ...(prefixes === null
            ? []
            : [
                {
                  multi_match: {
                    query: prefixes,
                    type: 'bool_prefix',
                    fields: ['name.prefix^3', 'originalName.prefix^2.5', 'aliases.prefix^2'],
                  },
                },
              ]),
          { match: { description: { query: text, boost: 0.4 } } },
        ],
        minimum_should_match: 1,
      },
    },
  ];
  const filter = (country: string, at: string) => [
    { terms: { countries: [country, 'ALL'] } },
    {
      bool: {
        should: [
          { bool: { must_not: [{ exists: { field: 'availableFrom' } }] } },
          { range: { availableFrom: { lte: at } } },
        ],
        minimum_should_match: 1,
      },
    },
    {
      bool: {
        should: [
          { bool: { must_not: [{ exists: { field: 'availableUntil' } }] } },
          { range: { availableUntil: { gt: at } } },
        ],
        minimum_should_match: 1,
      },
    },
  ];

  it('matches the words with typos and as prefixes, for the country and the moment, with both facets', () => {
    expect(searchQueryBody(query({ terms: ['the', 'matrix'], country: 'GB', candidates: 60 }))).toEqual({
      size: 60,
      track_total_hits: true,
      _source: ['titleId', 'name', 'genres', 'year'],
      query: { bool: { must: must('the matrix', 'matrix'), filter: filter('GB', '2027-03-01T12:00:00.000Z') } },
      aggs: {
        genres: { terms: { field: 'genres', size: 50 } },
        years: { filter: { match_all: {} }, aggs: { years: { terms: { field: 'year', size: 50 } } } },
      },
    });
  });

  it('filters a genre after the query, so the genre facet counts every genre and the year facet the genre', () => {
    const body = searchQueryBody(query({ genre: 'science-fiction' }));
    expect(body.post_filter).toEqual({ term: { genres: 'science-fiction' } });
    expect(body.aggs).toEqual({
      genres: { terms: { field: 'genres', size: 50 } },
      years: {
        filter: { term: { genres: 'science-fiction' } },
        aggs: { years: { terms: { field: 'year', size: 50 } } },
      },
    });
    // The genre is not a filter of the query itself.
    expect(JSON.stringify(body.query)).not.toContain('science-fiction');
    expect(searchQueryBody(query())).not.toHaveProperty('post_filter');
  });

  it('keeps to the clock it is given, years ahead included', () => {
    const later = Date.parse('2049-12-31T23:59:59.999Z');
    const body = searchQueryBody(query({ at: later }));
    expect(body.query).toEqual({ bool: { must: must('amelie'), filter: filter('FR', '2049-12-31T23:59:59.999Z') } });
  });

  it('matches as prefixes only the words the embedded engine does: the last from 3 letters, others from 4', () => {
    const at = '2027-03-01T12:00:00.000Z';
    expect(searchQueryBody(query({ terms: ['the', 'ma'] })).query).toEqual({
      bool: { must: must('the ma', null), filter: filter('FR', at) },
    });
    expect(searchQueryBody(query({ terms: ['the', 'mat'] })).query).toEqual({
      bool: { must: must('the mat', 'mat'), filter: filter('FR', at) },
    });
    expect(searchQueryBody(query({ terms: ['harb', 'at', 'nig'] })).query).toEqual({
      bool: { must: must('harb at nig', 'harb nig'), filter: filter('FR', at) },
    });
  });

  describe('hostile terms are only ever values', () => {
    /** Every place in a value where `needle` appears, as a path of keys. */
    const placesOf = (value: unknown, needle: string, path: string[] = []): string[][] => {
      if (typeof value === 'string') return value.includes(needle) ? [path] : [];
      if (Array.isArray(value)) return value.flatMap((v, i) => placesOf(v, needle, [...path, String(i)]));
      if (value && typeof value === 'object') {
        return Object.entries(value).flatMap(([k, v]) => {
          expect(k).not.toContain(needle);
          return placesOf(v, needle, [...path, k]);
        });
      }
      return [];
    };
    const hostile = [
      '"',
      '*:*',
      '{"query":{"match_all":{}}}',
      '<script>alert(1)</script>',
      'name:x OR 1=1',
      '\\u0000',
      'x'.repeat(MAX_TERM_LENGTH),
    ];

    it.each(hostile)('%s', (term) => {
      const body = searchQueryBody(query({ terms: ['amelie', term] }));
      const places = placesOf(body, term).map((p) => p.slice(-2).join('.'));
      // Only as the `query` value of the text clauses (the prefix clause too when it is three letters or more).
      const clauses = term.length >= 3 ? 3 : 2;
      expect(places).toHaveLength(clauses);
      for (const p of places) expect(['multi_match.query', 'description.query']).toContain(p);
      expect(body.query).toEqual({
        bool: {
          must: must(`amelie ${term}`, term.length >= 3 ? `amelie ${term}` : 'amelie'),
          filter: filter('FR', '2027-03-01T12:00:00.000Z'),
        },
      });
      expect(JSON.stringify(body)).not.toMatch(/query_string/);
    });

    it('drops a word longer than search keeps, and words past the most a query counts', () => {
      const long = 'y'.repeat(10_000);
      const body = searchQueryBody(query({ terms: ['amelie', long] }));
      expect(JSON.stringify(body)).not.toContain(long.slice(0, MAX_TERM_LENGTH + 1));
      const many = Array.from({ length: 30 }, (_, i) => `w${i}`);
      const text = (searchQueryBody(query({ terms: many })).query as { bool: { must: unknown[] } }).bool.must;
      expect(JSON.stringify(text)).toContain('w11');
      expect(JSON.stringify(text)).not.toContain('w12');
    });
  });
});

describe('searchIdsBody and searchBulkBody', () => {
  it('pages the ids in titleId order with search_after', () => {
    expect(searchIdsBody()).toEqual({
      size: ID_PAGE,
      _source: false,
      query: { match_all: {} },
      sort: [{ titleId: { order: 'asc' } }],
    });
    expect(searchIdsBody('t41')).toEqual({ ...searchIdsBody(), search_after: ['t41'] });
  });

  it('indexes documents by titleId and deletes removals', () => {
    const a = doc('a');
    expect(searchBulkBody([a], ['z'])).toEqual([{ index: { _id: 'a' } }, a, { delete: { _id: 'z' } }]);
    expect(searchBulkBody([])).toEqual([]);
  });
});

describe('parseSearchResponse', () => {
  it('reads hits with their score, the post-filtered total and the facets, most common first then by value', () => {
    const result = parseSearchResponse({
      hits: {
        total: { value: 7, relation: 'eq' },
        hits: [
          { _id: 'a', _score: 12.5, _source: { titleId: 'a', name: 'Amélie', genres: ['comedy'], year: 2001 } },
          { _id: 'b', _score: 3, _source: { titleId: 'b', name: 'Amelia', genres: [] } },
        ],
      },
      aggregations: {
        genres: {
          buckets: [
            { key: 'drama', doc_count: 2 },
            { key: 'comedy', doc_count: 5 },
            { key: 'action', doc_count: 2 },
          ],
        },
        years: {
          doc_count: 7,
          years: {
            buckets: [
              { key: 1999, doc_count: 1 },
              { key: 2001, doc_count: 3 },
              { key: 1990, doc_count: 1 },
            ],
          },
        },
      },
    });
    expect(result).toEqual({
      hits: [
        { titleId: 'a', name: 'Amélie', genres: ['comedy'], year: 2001, score: 12.5 },
        { titleId: 'b', name: 'Amelia', genres: [], score: 3 },
      ],
      total: 7,
      facets: {
        genres: [
          { value: 'comedy', count: 5 },
          { value: 'action', count: 2 },
          { value: 'drama', count: 2 },
        ],
        years: [
          { value: 2001, count: 3 },
          { value: 1990, count: 1 },
          { value: 1999, count: 1 },
        ],
      },
    });
  });

  it('reads nothing from an empty or malformed answer', () => {
    const empty = { hits: [], total: 0, facets: { genres: [], years: [] } };
    expect(parseSearchResponse(undefined)).toEqual(empty);
    expect(parseSearchResponse({ hits: { total: 0, hits: [{ _source: {} }] }, aggregations: {} })).toEqual(empty);
  });
});

describe('createOpenSearchEngine', () => {
  it('upserts by titleId, creating the index with its mapping once when it is missing', async () => {
    const { engine, calls, of } = stubClient({ 'indices.exists': () => false });
    await engine.upsert(doc('t1'));
    await engine.upsert(doc('t2'));
    expect(calls.map((c) => c.method)).toEqual(['indices.exists', 'indices.create', 'index', 'index']);
    expect(of('indices.create')[0]?.params).toEqual({ index: 'streamctl-test-titles', body: searchIndexMapping() });
    expect(of('index')[1]?.params).toEqual({ index: 'streamctl-test-titles', id: 't2', body: doc('t2') });
    expect(engine.kind).toBe('opensearch');
  });

  it('takes an index another writer created meanwhile', async () => {
    const { engine, of } = stubClient({
      'indices.exists': () => false,
      'indices.create': fail(refused(400, 'resource_already_exists_exception')),
    });
    await engine.upsert(doc('t1'));
    expect(of('index')).toHaveLength(1);
  });

  it('removes by id, and a document or index that is not there is no error', async () => {
    const { engine, of } = stubClient();
    await engine.remove('t1');
    expect(of('delete')[0]?.params).toEqual({ index: 'streamctl-test-titles', id: 't1' });
    const missing = stubClient({ delete: fail(refused(404, 'not_found')) });
    await expect(missing.engine.remove('t1')).resolves.toBeUndefined();
    const noIndex = stubClient({ delete: fail(refused(404, 'index_not_found_exception')) });
    await expect(noIndex.engine.remove('t1')).resolves.toBeUndefined();
    const broken = stubClient({ delete: fail(refused(500)) });
    await expect(broken.engine.remove('t1')).rejects.toMatchObject({ code: ErrorCode.AwsError });
  });

  it('replaces every document: bulk writes, then deletes the ids no longer in the set, paged with search_after', async () => {
    const held = Array.from({ length: ID_PAGE + 2 }, (_, i) => `old${String(i).padStart(5, '0')}`);
    const docs = [doc('old00001'), ...Array.from({ length: BULK_CHUNK + 1 }, (_, i) => doc(`new${i}`))];
    const { engine, of } = stubClient({
      'indices.exists': () => false,
      search: (params) => {
        const after = (params.body as { search_after?: string[] }).search_after?.[0];
        const start = after === undefined ? 0 : held.indexOf(after) + 1;
        const page = held.slice(start, start + ID_PAGE).map((id) => ({ _id: id, sort: [id] }));
        return { hits: { hits: page } };
      },
    });
    await engine.replaceAll(docs);
    expect(of('indices.create')).toHaveLength(1);
    const searches = of('search').map((c) => c.params);
    expect(searches).toEqual([
      { index: 'streamctl-test-titles', body: searchIdsBody() },
      { index: 'streamctl-test-titles', body: searchIdsBody(held[ID_PAGE - 1]) },
    ]);
    const bulks = of('bulk').map((c) => c.params.body as unknown[]);
    expect(bulks).toEqual([
      searchBulkBody(docs.slice(0, BULK_CHUNK)),
      searchBulkBody(docs.slice(BULK_CHUNK)),
      searchBulkBody([], held.filter((id) => id !== 'old00001').slice(0, BULK_CHUNK)),
      searchBulkBody([], held.filter((id) => id !== 'old00001').slice(BULK_CHUNK, 2 * BULK_CHUNK)),
      searchBulkBody([], held.filter((id) => id !== 'old00001').slice(2 * BULK_CHUNK)),
    ]);
    for (const c of of('bulk')) expect(c.params.index).toBe('streamctl-test-titles');
  });

  it('fails a rebuild whose bulk writes were refused, but not for deletes of documents already gone', async () => {
    const { engine } = stubClient({
      bulk: () => ({
        errors: true,
        items: [
          { index: { _id: 'a', status: 400, error: { type: 'mapper_parsing_exception', reason: 'internal detail' } } },
        ],
      }),
    });
    const error = await engine.replaceAll([doc('a')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect((error as Error).message).toBe('Rebuilding the search index failed: 1 of 1 writes were refused');

    const gone = stubClient({
      search: () => ({ hits: { hits: [{ _id: 'z', sort: ['z'] }] } }),
      bulk: () => ({
        errors: true,
        items: [{ delete: { _id: 'z', status: 404, error: undefined, result: 'not_found' } }],
      }),
    });
    await expect(gone.engine.replaceAll([])).resolves.toBeUndefined();
  });

  it('says whether the index exists and counts its documents (none when it does not exist)', async () => {
    const { engine, of } = stubClient({ count: () => ({ count: 42 }) });
    expect(await engine.exists()).toBe(true);
    expect(await engine.count()).toBe(42);
    expect(of('indices.exists')[0]?.params).toEqual({ index: 'streamctl-test-titles' });
    expect(of('count')[0]?.params).toEqual({ index: 'streamctl-test-titles' });
    const none = stubClient({ 'indices.exists': () => false, count: fail(refused(404, 'index_not_found_exception')) });
    expect(await none.engine.exists()).toBe(false);
    expect(await none.engine.count()).toBe(0);
    const thrown = stubClient({ 'indices.exists': fail(refused(404, 'index_not_found_exception')) });
    expect(await thrown.engine.exists()).toBe(false);
    const broken = stubClient({ 'indices.exists': fail(refused(500)), count: fail(refused(500)) });
    await expect(broken.engine.exists()).rejects.toMatchObject({ code: ErrorCode.AwsError });
    await expect(broken.engine.count()).rejects.toMatchObject({ code: ErrorCode.AwsError });
  });

  it('queries with searchQueryBody and reads the answer with parseSearchResponse', async () => {
    const response = {
      hits: { total: { value: 1 }, hits: [{ _id: 'a', _score: 2, _source: { titleId: 'a', name: 'A', genres: [] } }] },
      aggregations: { genres: { buckets: [] }, years: { years: { buckets: [] } } },
    };
    const { engine, of } = stubClient({ search: () => response });
    const q = query({ genre: 'drama' });
    expect(await engine.query(q)).toEqual(parseSearchResponse(response));
    expect(of('search')[0]?.params).toEqual({ index: 'streamctl-test-titles', body: searchQueryBody(q) });
  });

  it('answers no matches without asking when no word is left, and when the index does not exist yet', async () => {
    const empty = { hits: [], total: 0, facets: { genres: [], years: [] } };
    const { engine, calls } = stubClient();
    expect(await engine.query(query({ terms: [] }))).toEqual(empty);
    expect(calls).toEqual([]);
    const none = stubClient({ search: fail(refused(404, 'index_not_found_exception')) });
    expect(await none.engine.query(query())).toEqual(empty);
  });

  it('turns a query OpenSearch refuses into a validation error, not a crash', async () => {
    const { engine } = stubClient({ search: fail(refused(400, 'search_phase_execution_exception')) });
    await expect(engine.query(query())).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
      message: 'Search failed: the query could not be run',
    });
  });

  it.each([
    [
      refused(403, 'security_exception'),
      ErrorCode.AwsError,
      'Search failed: the search service refused the credentials',
    ],
    [refused(429, 'too_many_requests'), ErrorCode.Throttled, 'Search failed: the search service is busy'],
    [refused(503, 'unavailable'), ErrorCode.EndpointUnreachable, 'Search failed: the search service is unavailable'],
    [refused(500), ErrorCode.AwsError, 'Search failed: the search service answered HTTP 500'],
    [
      new errors.ConnectionError('getaddrinfo ENOTFOUND abc123.us-east-1.aoss.amazonaws.com'),
      ErrorCode.EndpointUnreachable,
      'Search failed: the search service did not answer',
    ],
    [
      new errors.TimeoutError('Request timed out', {} as never),
      ErrorCode.EndpointUnreachable,
      'Search failed: the search service did not answer',
    ],
    [new Error('boom at 10.0.3.4'), ErrorCode.AwsError, 'Search failed'],
  ])('wraps %s without its internals, keeping it as the cause', async (thrown, code, message) => {
    const { engine } = stubClient({ search: fail(thrown) });
    const error = (await engine.query(query()).catch((e: unknown) => e)) as StreamctlError;
    expect(error).toBeInstanceOf(StreamctlError);
    expect(error).toMatchObject({ code, message });
    expect(error.cause).toBe(thrown);
    expect(error.message).not.toMatch(/aoss|amazonaws|streamctl-test-titles|10\.0\.3\.4|shard|exception/);
  });

  it('wraps write failures too', async () => {
    const { engine } = stubClient({ index: fail(refused(403, 'security_exception')) });
    await expect(engine.upsert(doc('t1'))).rejects.toMatchObject({
      code: ErrorCode.AwsError,
      message: 'Indexing a title failed: the search service refused the credentials',
      hint: expect.stringContaining('aoss:APIAccessAll'),
    });
    const down = stubClient({ 'indices.exists': fail(new errors.ConnectionError('connect ECONNREFUSED')) });
    await expect(down.engine.upsert(doc('t1'))).rejects.toMatchObject({ code: ErrorCode.EndpointUnreachable });
    // The failed check is not remembered: the next write asks again.
    await expect(down.engine.upsert(doc('t1'))).rejects.toMatchObject({ code: ErrorCode.EndpointUnreachable });
    expect(down.of('indices.exists')).toHaveLength(2);
  });

  it('closes the client', async () => {
    const { engine, calls } = stubClient();
    await engine.close();
    expect(calls.map((c) => c.method)).toEqual(['close']);
  });

  it('builds a SigV4-signed client when none is given, without asking for credentials up front', () => {
    const engine = createOpenSearchEngine({
      endpoint: 'https://abc123.us-east-1.aoss.amazonaws.com',
      index: 'streamctl-test-titles',
      region: 'us-east-1',
      service: 'aoss',
    });
    expect(engine.kind).toBe('opensearch');
    return engine.close();
  });

  it('refuses an endpoint that is not a URL with a configuration error', () => {
    const make = () =>
      createOpenSearchEngine({ endpoint: 'not a url', index: 'i', region: 'us-east-1', service: 'aoss' });
    expect(make).toThrow(expect.objectContaining({ code: ErrorCode.ConfigInvalid }));
  });
});
