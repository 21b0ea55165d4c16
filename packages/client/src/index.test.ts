import { describe, expect, it } from 'vitest';
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
