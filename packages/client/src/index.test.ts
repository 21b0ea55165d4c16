import { describe, expect, it } from 'vitest';
import { ConsentBodySchema, ConsentSchema, ErasureAcceptedSchema, ViewerExportSchema } from './contract.js';
import { StreamctlError } from './errors.js';
import { ApiError, type ClientEvent, createClient } from './index.js';

/** A fetch that records each request and answers from a list, in order. */
function fakeFetch(...answers: Response[]) {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(input), init });
    const answer = answers.shift();
    if (!answer) throw new Error('no answer left');
    return answer;
  };
  /** A header of the nth request, as the client set it. */
  const header = (n: number, name: string) =>
    (requests[n]?.init?.headers as Record<string, string> | undefined)?.[name];
  return { fetch: fetch as typeof globalThis.fetch, requests, header };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('createClient', () => {
  it('sends the current token, encodes ids and bodies, and answers the parsed JSON', async () => {
    const change = { titleId: 'a/b', onWatchlist: true, changed: true };
    const { fetch, requests, header } = fakeFetch(json(change), json({ accepted: 1, rejected: [] }, 202));
    const event: ClientEvent = { v: 1, id: 'e1', type: 'play', titleId: 't1', ts: '2026-01-01T00:00:00.000Z' };
    let token = 'first';
    const api = createClient({ baseUrl: 'http://api.test/', token: async () => token, fetch });
    expect(await api.addToWatchlist('a/b')).toEqual(change);
    token = 'second';
    expect(await api.sendEvents([event])).toEqual({ accepted: 1, rejected: [] });
    expect(requests.map((r) => [r.init?.method, r.url])).toEqual([
      ['PUT', 'http://api.test/v1/watchlist/a%2Fb'],
      ['POST', 'http://api.test/v1/events'],
    ]);
    expect([header(0, 'authorization'), header(1, 'authorization')]).toEqual(['Bearer first', 'Bearer second']);
    expect(header(1, 'content-type')).toBe('application/json');
    expect(JSON.parse(String(requests[1]?.init?.body))).toEqual([event]);
  });

  it('throws ApiError, a StreamctlError with the server code, or the code of a bare status', async () => {
    const { fetch } = fakeFetch(
      json({ error: { code: 'RATE_LIMITED', message: 'slow down' } }, 429, { 'retry-after': '7' }),
      new Response('<html>bad gateway</html>', { status: 502 }),
    );
    const api = createClient({ baseUrl: 'http://api.test', fetch });
    const limited = await api.home().catch((err: unknown) => err);
    expect(limited).toBeInstanceOf(ApiError);
    expect(limited).toBeInstanceOf(StreamctlError);
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED', apiCode: 'RATE_LIMITED', retryAfter: 7 });
    const proxy = await api.title('t1').catch((err: unknown) => err);
    expect(proxy).toMatchObject({
      status: 502,
      code: 'INTERNAL',
      apiCode: 'HTTP_502',
      message: 'GET /v1/titles/t1 answered 502',
    });
  });

  it('answers an unhealthy stage (503) from health() instead of throwing', async () => {
    const { fetch, header } = fakeFetch(json({ healthy: false }, 503));
    const api = createClient({ baseUrl: 'http://api.test', fetch });
    expect(await api.health()).toEqual({ healthy: false });
    expect(header(0, 'authorization')).toBeUndefined();
  });

  it('sends the device with a playback start and reads a STREAM_LIMIT answer into sessions and limit', async () => {
    const playing = {
      sessionId: 's1',
      deviceId: 'tv',
      deviceName: 'TV',
      titleId: 't1',
      startedAt: '2026-12-03T00:00:00Z',
    };
    const { fetch, requests } = fakeFetch(
      json({ error: { code: 'STREAM_LIMIT', message: 'TV is playing', limit: 1, sessions: [playing] } }, 409),
      json({ ended: true }),
    );
    const api = createClient({ baseUrl: 'http://api.test', token: 't', fetch });
    const err = await api.playback('t1', { deviceId: 'phone', kind: 'phone' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'STREAM_LIMIT', status: 409, limit: 1, sessions: [playing] });
    expect(JSON.parse(String(requests[0]?.init?.body))).toEqual({ deviceId: 'phone', kind: 'phone' });
    expect(await api.endSession('abc.def/ghi')).toEqual({ ended: true });
    expect(requests[1]?.url).toBe('http://api.test/v1/sessions/abc.def%2Fghi');
    expect(requests[1]?.init?.method).toBe('DELETE');
  });
});

describe('privacy', () => {
  const consent = ConsentSchema.parse({
    personalization: false,
    source: 'viewer',
    updatedAt: '2026-12-03T10:00:00.000Z',
  });
  const exported = ViewerExportSchema.parse({
    format: 'streamctl.viewer-export/1',
    userId: 'alice',
    stage: 'prod',
    exportedAt: '2026-12-03T10:00:00.000Z',
    consent: { personalization: true, source: 'country' },
    manifest: [
      { store: 'user-state', region: 'eu-west-1', read: true, items: 1, holds: 'viewer' },
      { store: 'events-stream', read: false, holds: 'viewer', note: 'the tombstone drops late events' },
    ],
    stores: [{ store: 'user-state', region: 'eu-west-1', items: [{ PK: 'USER#alice', SK: 'CONSENT' }] }],
  });
  const accepted = ErasureAcceptedSchema.parse({ erasureId: '6f1c1a4e-0d5e-4f7a-9d3e-2b8c5a7e9f10', status: 'done' });

  it('reads and sets consent: GET and PUT /v1/me/consent, the choice as the JSON body', async () => {
    const { fetch, requests, header } = fakeFetch(json({ personalization: true, source: 'stage' }), json(consent));
    const api = createClient({ baseUrl: 'http://api.test', token: 't', fetch });
    expect(await api.consent()).toEqual({ personalization: true, source: 'stage' });
    expect(await api.setConsent(false)).toEqual(consent);
    expect(requests.map((r) => [r.init?.method, r.url])).toEqual([
      ['GET', 'http://api.test/v1/me/consent'],
      ['PUT', 'http://api.test/v1/me/consent'],
    ]);
    expect(requests[0]?.init?.body).toBeUndefined();
    expect(header(0, 'content-type')).toBeUndefined();
    // Exactly the contract's body: nothing but the boolean.
    const body: unknown = JSON.parse(String(requests[1]?.init?.body));
    expect(body).toEqual({ personalization: false });
    expect(ConsentBodySchema.safeParse(body).success).toBe(true);
    expect(header(1, 'content-type')).toBe('application/json');
    expect([header(0, 'authorization'), header(1, 'authorization')]).toEqual(['Bearer t', 'Bearer t']);
  });

  it('exports: GET /v1/me/export answers the export, manifest and stores as sent', async () => {
    const { fetch, requests } = fakeFetch(
      json(exported, 200, { 'content-disposition': 'attachment; filename="streamctl-export.json"' }),
    );
    const api = createClient({ baseUrl: 'http://api.test/', token: 't', fetch });
    const answer = await api.exportMe();
    expect(answer).toEqual(exported);
    expect(answer.manifest.map((m) => [m.store, m.read])).toEqual([
      ['user-state', true],
      ['events-stream', false],
    ]);
    expect(answer.stores[0]?.items).toEqual([{ PK: 'USER#alice', SK: 'CONSENT' }]);
    expect(requests.map((r) => [r.init?.method, r.url, r.init?.body])).toEqual([
      ['GET', 'http://api.test/v1/me/export', undefined],
    ]);
  });

  it('erases: DELETE /v1/me with no body, the 202 answer read as the erasure', async () => {
    const { fetch, requests, header } = fakeFetch(json(accepted, 202));
    const api = createClient({ baseUrl: 'http://api.test', token: 't', fetch });
    expect(await api.eraseMe()).toEqual(accepted);
    expect(requests.map((r) => [r.init?.method, r.url, r.init?.body])).toEqual([
      ['DELETE', 'http://api.test/v1/me', undefined],
    ]);
    expect(header(0, 'content-type')).toBeUndefined();
    expect(header(0, 'authorization')).toBe('Bearer t');
  });

  it('throws the 4xx error bodies of the privacy routes as ApiError with their code and message', async () => {
    const { fetch } = fakeFetch(
      json({ error: { code: 'VALIDATION_FAILED', message: 'personalization: expected boolean' } }, 400),
      json({ error: { code: 'UNAUTHORIZED', message: 'missing bearer token' } }, 401),
      json({ error: { code: 'RATE_LIMITED', message: 'slow down' } }, 429, { 'retry-after': '30' }),
      // A 200 is not the route's answer (202): it is not taken for an erasure.
      json(accepted, 200),
    );
    const api = createClient({ baseUrl: 'http://api.test', fetch });
    const invalid = await api.setConsent(true).catch((err: unknown) => err);
    expect(invalid).toBeInstanceOf(ApiError);
    expect(invalid).toBeInstanceOf(StreamctlError);
    expect(invalid).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      apiCode: 'VALIDATION_FAILED',
      message: 'personalization: expected boolean',
    });
    expect(await api.exportMe().catch((err: unknown) => err)).toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
      message: 'missing bearer token',
    });
    expect(await api.eraseMe().catch((err: unknown) => err)).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      retryAfter: 30,
    });
    expect(await api.eraseMe().catch((err: unknown) => err)).toMatchObject({
      status: 200,
      apiCode: 'HTTP_200',
      message: 'DELETE /v1/me answered 200',
    });
  });
});

describe('content keys', () => {
  const keyId = 'ab'.repeat(16);
  const protection = { scheme: 'aes-128' as const, keyUrl: '/v1/keys/t1/' };

  it("sends the token to the API's key route for the grant's own key paths only", async () => {
    const api = createClient({ baseUrl: 'https://api.test/', token: async () => 'tok' });
    // The manifest's URI resolves against the CDN; the key goes to the API all the same.
    expect(await api.keyRequest(`https://cdn.test/v1/keys/t1/${keyId}`, protection)).toEqual({
      url: `https://api.test/v1/keys/t1/${keyId}`,
      headers: { authorization: 'Bearer tok' },
    });
    const refused = [
      `https://cdn.test/titles/t1/360p/seg_00000.m4s`,
      `https://cdn.test/v1/keys/t2/${keyId}`,
      `https://cdn.test/v1/keys/t1/${keyId}/extra`,
      `https://cdn.test/v1/keys/t1/../t2/${keyId}`,
      `https://cdn.test/v1/keys/t1/${keyId.toUpperCase()}`,
      'not a url at all::',
    ];
    for (const uri of refused) expect(await api.keyRequest(uri, protection), uri).toBeUndefined();
    // No protection, or a grant whose key path is not a key path of this API: nothing is sent.
    expect(await api.keyRequest(`https://cdn.test/v1/keys/t1/${keyId}`, undefined)).toBeUndefined();
    expect(
      await api.keyRequest(`https://evil.test/steal/${keyId}`, { scheme: 'aes-128', keyUrl: '/steal/' }),
    ).toBeUndefined();
  });

  it('reads a key as bytes, and a refusal as ApiError with the server code', async () => {
    const key = new Uint8Array(16).fill(7);
    const { fetch, requests, header } = fakeFetch(
      new Response(key, { status: 200, headers: { 'content-type': 'application/octet-stream' } }),
      json({ error: { code: 'FORBIDDEN', message: 'No playback session of t1 is active for this viewer' } }, 403),
    );
    const api = createClient({ baseUrl: 'https://api.test', token: 'tok', fetch });
    expect(await api.contentKey('t1', keyId)).toEqual(key);
    expect(requests[0]?.url).toBe(`https://api.test/v1/keys/t1/${keyId}`);
    expect(header(0, 'authorization')).toBe('Bearer tok');
    const refusal = await api.contentKey('t1', keyId).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 403, apiCode: 'FORBIDDEN' });
  });
});

describe('createClient with regions', () => {
  const east = 'https://east.api.test';
  const west = 'https://west.api.test';
  const regions = [
    { region: 'us-east-1', baseUrl: `${east}/` },
    { region: 'eu-west-1', baseUrl: west },
  ];
  const home = { rails: [] };

  /** A fetch whose answer depends on the Region asked: `down` Regions answer as the caller says. */
  function regionFetch(down: Record<string, (init?: RequestInit) => Response | Promise<Response>>) {
    const asked: string[] = [];
    const fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      asked.push(url);
      const fail = Object.entries(down).find(([base]) => url.startsWith(base))?.[1];
      return fail ? fail(init) : json(home);
    };
    return { fetch: fetch as typeof globalThis.fetch, asked };
  }
  const refused = () => Promise.reject(new TypeError('fetch failed'));

  it('calls the preferred Region first, and the next one when the first does not answer', async () => {
    const down: Record<string, (init?: RequestInit) => Response | Promise<Response>> = {};
    const { fetch, asked } = regionFetch(down);
    const api = createClient({ regions, fetch, token: 'tok' });
    expect(api.routing()).toEqual({ region: 'us-east-1', circuits: { 'us-east-1': 'closed', 'eu-west-1': 'closed' } });
    expect(await api.home()).toEqual(home);
    expect(asked).toEqual([`${east}/v1/home`]);
    down[east] = refused;
    expect(await api.home()).toEqual(home);
    expect(asked.slice(1)).toEqual([`${east}/v1/home`, `${west}/v1/home`]);
    expect(api.routing()?.region).toBe('eu-west-1');
    // A client with one baseUrl has no routing.
    expect(createClient({ baseUrl: east, fetch }).routing()).toBeUndefined();
  });

  it('moves on from a 5xx or a timeout, never from a 4xx, which every Region would answer alike', async () => {
    let westAnswer = (): Response => json({ error: { code: 'NOT_FOUND', message: 'no such title' } }, 404);
    const { fetch, asked } = regionFetch({
      [east]: () => json({ error: { code: 'INTERNAL', message: 'boom' } }, 503),
      [west]: () => westAnswer(),
    });
    const api = createClient({ regions, fetch });
    const missing = await api.title('t1').catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(asked).toEqual([`${east}/v1/titles/t1`, `${west}/v1/titles/t1`]);

    // A Region that does not answer in time fails over as well: it hangs until the client gives up.
    const hung = regionFetch({
      [east]: (init) =>
        new Promise<Response>((_, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
        ),
    });
    const patient = createClient({ regions, fetch: hung.fetch, timeoutMs: 50 });
    expect(await patient.home()).toEqual(home);
    expect(patient.routing()?.region).toBe('eu-west-1');
    expect(hung.asked).toEqual([`${east}/v1/home`, `${west}/v1/home`]);

    // 401, 403, 409 and 429 are thrown from the preferred Region without asking another.
    for (const [status, code] of [
      [401, 'UNAUTHORIZED'],
      [403, 'FORBIDDEN'],
      [409, 'STREAM_LIMIT'],
      [429, 'RATE_LIMITED'],
    ] as const) {
      const one = regionFetch({ [east]: () => json({ error: { code, message: code } }, status) });
      const client = createClient({ regions, fetch: one.fetch });
      await expect(client.home()).rejects.toMatchObject({ status, apiCode: code });
      expect(one.asked).toEqual([`${east}/v1/home`]);
    }
    westAnswer = () => json(home);
  });

  it('skips a Region whose circuit opened, probes it after the cool-down, and comes back to it', async () => {
    let now = 1_000;
    const down: Record<string, (init?: RequestInit) => Response | Promise<Response>> = { [east]: refused };
    const { fetch, asked } = regionFetch(down);
    const api = createClient({ regions, fetch, failover: { threshold: 3, coolDownMs: 5_000, now: () => now } });
    for (let i = 0; i < 3; i++) await api.home();
    expect(asked.filter((u) => u.startsWith(east))).toHaveLength(3);
    expect(api.routing()?.circuits).toEqual({ 'us-east-1': 'open', 'eu-west-1': 'closed' });
    // Open: the failing Region is not asked at all.
    asked.length = 0;
    await api.home();
    expect(asked).toEqual([`${west}/v1/home`]);
    // After the cool-down one call probes it; it is back, and first again.
    delete down[east];
    now += 5_000;
    expect(api.routing()?.circuits['us-east-1']).toBe('half-open');
    asked.length = 0;
    await api.home();
    expect(asked).toEqual([`${east}/v1/home`]);
    expect(api.routing()).toEqual({ region: 'us-east-1', circuits: { 'us-east-1': 'closed', 'eu-west-1': 'closed' } });
  });

  it('says which Regions failed when none answers, and sends keys to the Region that answered last', async () => {
    const { fetch } = regionFetch({
      [east]: refused,
      [west]: () => json({ error: { code: 'INTERNAL', message: 'down for maintenance' } }, 502),
    });
    const api = createClient({ regions, fetch });
    const err = await api.home().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamctlError);
    expect(err).toMatchObject({ code: 'ENDPOINT_UNREACHABLE' });
    expect((err as Error).message).toMatch(/us-east-1: fetch failed; eu-west-1: down for maintenance/);

    const keyId = '0123456789abcdef0123456789abcdef';
    const failing = regionFetch({ [east]: refused });
    const keys = createClient({ regions, fetch: failing.fetch, token: 'tok' });
    await keys.home();
    expect(await keys.keyRequest(`/v1/keys/t1/${keyId}`, { scheme: 'aes-128', keyUrl: '/v1/keys/t1/' })).toEqual({
      url: `${west}/v1/keys/t1/${keyId}`,
      headers: { authorization: 'Bearer tok' },
    });
  });

  it('refuses options that name no API, both forms, or a Region twice', () => {
    expect(() => createClient({})).toThrow(/needs the API: baseUrl or regions/);
    expect(() => createClient({ baseUrl: east, regions })).toThrow(/baseUrl or regions, not both/);
    expect(() => createClient({ regions: [...regions, { region: 'us-east-1', baseUrl: west }] })).toThrow(
      /us-east-1 twice/,
    );
    expect(() => createClient({ regions: [{ region: '', baseUrl: east }] })).toThrow(/a Region without a name/);
    const err = (() => {
      try {
        createClient({ regions: [] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
