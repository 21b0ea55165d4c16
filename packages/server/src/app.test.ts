import { connect } from 'node:net';
import type { HealthReport } from '@streamctl/sdk';
import { NotFoundError, UnauthorizedError, ValidationError } from '@streamctl/sdk/errors';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createHttpApp, type HttpPlatform, openApiDocument } from './app.js';
import type { Env } from './context.js';
import { corsHeaders, servedBy } from './middleware.js';
import { serveNode } from './node.js';
import { createRateLimiter } from './rate-limit.js';

function report(healthy: boolean): HealthReport {
  return {
    stage: 'test',
    region: 'us-east-1',
    healthy,
    checkedAt: '2026-11-24T00:00:00.000Z',
    parts: [{ name: 'dynamodb', ok: healthy, endpoint: undefined, latencyMs: 1, resources: [] }],
  };
}

const unused = () => {
  throw new Error('not used by this test');
};

/** A platform for routing tests: plain functions, no AWS behind them. */
function services(over: { health?: HttpPlatform['health']; home?: HttpPlatform['home']['build'] } = {}): HttpPlatform {
  const unusedGroup = <T extends object>() => new Proxy({} as T, { get: () => unused });
  return {
    health: over.health ?? (async () => report(true)),
    authenticate: async (token) => {
      if (token !== 'good') throw new UnauthorizedError('Invalid token: bad signature');
      return { userId: 'alice', country: 'GB', plan: 'standard' };
    },
    home: { build: over.home ?? (async () => ({ rails: [], degraded: false })), changed: unused },
    titles: unusedGroup<HttpPlatform['titles']>(),
    search: unusedGroup<HttpPlatform['search']>(),
    lists: unusedGroup<HttpPlatform['lists']>(),
    playback: unusedGroup<HttpPlatform['playback']>(),
    sessions: unusedGroup<HttpPlatform['sessions']>(),
    events: unusedGroup<HttpPlatform['events']>(),
    privacy: { ...unusedGroup<HttpPlatform['privacy']>(), pseudonym: (userId: string) => `p(${userId})` },
    protection: unusedGroup<HttpPlatform['protection']>(),
  };
}

describe('createHttpApp', () => {
  it('GET /health answers 200 when healthy and 503 when not', async () => {
    const ok = await createHttpApp(services()).request('/health');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(report(true));
    const sick = createHttpApp(services({ health: async () => report(false) }));
    expect((await sick.request('/health')).status).toBe(503);
  });

  it('unknown routes answer a 404 error body', async () => {
    const res = await createHttpApp(services()).request('/v2/nope', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for POST /v2/nope' } });
  });

  it('maps StreamctlErrors to their status and other errors to a 500 without details', async () => {
    const cases: Array<[Error, number, string]> = [
      [new ValidationError('bad input'), 400, 'VALIDATION_FAILED'],
      [new NotFoundError('no such title'), 404, 'NOT_FOUND'],
      [new Error('secret internals'), 500, 'INTERNAL'],
    ];
    for (const [error, status, code] of cases) {
      const logs: Array<Record<string, unknown>> = [];
      const app = createHttpApp(services({ home: async () => Promise.reject(error) }), { log: (e) => logs.push(e) });
      const res = await app.request('/v1/home', { headers: { authorization: 'Bearer good' } });
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).not.toContain('secret');
      expect(logs.at(-1)).toMatchObject({ message: 'request', status, viewer: 'p(alice)', route: '/v1/home' });
      expect(JSON.stringify(logs.at(-1)).replace('p(alice)', '')).not.toContain('alice');
      expect(logs.at(-1)).not.toHaveProperty('userId');
    }
  });

  it('answers 401 without a token or with a bad one', async () => {
    const app = createHttpApp(services());
    for (const headers of [{}, { authorization: 'Bearer bad' }, { authorization: 'Basic abc' }] as Array<
      Record<string, string>
    >) {
      const res = await app.request('/v1/home', { headers });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    }
  });

  it('rate-limits per user with 429 and Retry-After', async () => {
    const app = createHttpApp(services(), { rateLimits: { user: { perSecond: 1, burst: 3 } } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await app.request('/v1/home', { headers: { authorization: 'Bearer good' } });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('GET /openapi.json describes every route of SPEC §7 with generated schemas', async () => {
    const doc = (await (await createHttpApp(services()).request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/health',
        '/live',
        '/openapi.json',
        '/v1/continue-watching',
        '/v1/devices',
        '/v1/devices/{deviceId}',
        '/v1/events',
        '/v1/history',
        '/v1/home',
        '/v1/me',
        '/v1/me/consent',
        '/v1/me/export',
        '/v1/keys/{titleId}/{keyId}',
        '/v1/playback/{titleId}',
        '/v1/search',
        '/v1/sessions',
        '/v1/sessions/{sessionId}',
        '/v1/titles/{titleId}',
        '/v1/watchlist',
        '/v1/watchlist/{titleId}',
      ].sort(),
    );
    expect(doc.paths['/v1/home']?.get?.responses['200']?.content).toMatchObject({
      'application/json': { schema: { type: 'object', required: ['rails', 'degraded'] } },
    });
  });

  it('GET /openapi.json holds every route the app serves, each with the schema of its success answer', async () => {
    const app = createHttpApp(services(), { devTokens: async () => ({ token: 't', expiresAt: 'x' }) });
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>
      >;
    };
    const served = app.routes
      .filter((r) => r.method !== 'ALL' && r.path !== '/openapi.json')
      .map((r) => ({ method: r.method.toLowerCase(), path: r.path.replace(/:([A-Za-z]+)/g, '{$1}') }));
    expect(served.length).toBeGreaterThanOrEqual(10);
    for (const { method, path } of served) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path} is in the document`).toBeDefined();
      const success = Object.entries(operation?.responses ?? {}).find(([status]) => status.startsWith('2'));
      // The one binary answer: a content key's bytes.
      const binary = success?.[1].content?.['application/octet-stream']?.schema;
      expect(
        binary ?? success?.[1].content?.['application/json']?.schema,
        `${method} ${path} has a response schema`,
      ).toMatchObject(binary ? { type: 'string', format: 'binary' } : { type: 'object' });
    }
  });

  it('keys the per-IP limit on what the transport vouches for: a spoofed X-Forwarded-For changes nothing', async () => {
    const app = createHttpApp(services(), { rateLimits: { ip: { perSecond: 1, burst: 3 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await app.request('/live', { headers: { 'x-forwarded-for': `198.51.100.${i}` } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // Behind one declared proxy, the address that proxy saw counts; what the client wrote before it does not.
    const proxied = createHttpApp(services(), { rateLimits: { ip: { perSecond: 1, burst: 1 } }, trustedProxyHops: 1 });
    const via = async (spoof: string, seen: string) =>
      (await proxied.request('/live', { headers: { 'x-forwarded-for': `${spoof}, ${seen}` } })).status;
    expect([await via('1.1.1.1', '203.0.113.7'), await via('2.2.2.2', '203.0.113.7')]).toEqual([200, 429]);
    expect(await via('1.1.1.1', '203.0.113.8')).toBe(200);
  });

  describe('behind CloudFront: the viewer address keys the per-IP limit only with the origin secret', () => {
    const SECRET = 'origin-secret-of-the-stage';
    /** A request as API Gateway hands it over from CloudFront: the transport peer is a CloudFront server. */
    const viaEdge = (app: ReturnType<typeof createHttpApp>, headers: Record<string, string>, edgeIp = '130.176.0.1') =>
      app.request('/live', { headers }, { requestContext: { http: { sourceIp: edgeIp } } });
    const limited = (originSecret?: string | (() => Promise<string | undefined>)) =>
      createHttpApp(services(), {
        rateLimits: { ip: { perSecond: 0.01, burst: 2 } },
        ...(originSecret !== undefined ? { originSecret } : {}),
      });

    it('with the secret, each viewer has a bucket of its own, wherever CloudFront sends it from', async () => {
      const app = limited(async () => SECRET);
      const from = (viewer: string, edgeIp?: string) =>
        viaEdge(app, { 'x-streamctl-origin-secret': SECRET, 'cloudfront-viewer-address': viewer }, edgeIp);
      const alice = [];
      for (const edge of ['130.176.0.1', '130.176.0.2', '130.176.0.3'])
        alice.push((await from('198.51.100.10:50000', edge)).status);
      expect(alice).toEqual([200, 200, 429]);
      // Another viewer behind the same CloudFront server is not held back by the first.
      expect((await from('2406:2d40:728d:fa10::c4a:42838')).status).toBe(200);
      expect((await from('[2406:2d40:728d:fa10::c4a]:443')).status).toBe(200);
      expect((await from('2406:2d40:728d:fa10::c4a:1')).status).toBe(429);
    });

    it('a spoofed viewer address without the secret, or with a wrong one, is ignored', async () => {
      for (const headers of [
        (i: number) => ({ 'cloudfront-viewer-address': `203.0.113.${i}:443` }),
        (i: number) => ({ 'cloudfront-viewer-address': `203.0.113.${i}:443`, 'x-streamctl-origin-secret': 'guess' }),
        (i: number) => ({
          'cloudfront-viewer-address': `203.0.113.${i}:443`,
          'x-streamctl-origin-secret': `${SECRET}x`,
        }),
      ]) {
        const app = limited(SECRET);
        const statuses = [];
        // A fresh address each time: were it believed, no request would ever wait.
        for (let i = 0; i < 4; i++) statuses.push((await viaEdge(app, headers(i), '192.0.2.50')).status);
        expect(statuses).toEqual([200, 200, 429, 429]);
      }
      // An app that was given no secret ignores the header even when a request presents one.
      const open = limited();
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const headers = { 'x-streamctl-origin-secret': SECRET, 'cloudfront-viewer-address': `203.0.113.${i}:443` };
        statuses.push((await viaEdge(open, headers, '192.0.2.51')).status);
      }
      expect(statuses).toEqual([200, 200, 429]);
    });

    it('a malformed viewer address, or a secret that cannot be read, falls back to the transport address', async () => {
      const app = limited(SECRET);
      const statuses = [];
      for (const viewer of ['not-an-address', '198.51.100.10', '198.51.100.10:70000'])
        statuses.push(
          (
            await viaEdge(
              app,
              { 'x-streamctl-origin-secret': SECRET, 'cloudfront-viewer-address': viewer },
              '192.0.2.60',
            )
          ).status,
        );
      expect(statuses).toEqual([200, 200, 429]);
      const unreadable = limited(async () => {
        throw new Error('AccessDeniedException');
      });
      const again = [];
      for (let i = 0; i < 3; i++) {
        const headers = { 'x-streamctl-origin-secret': SECRET, 'cloudfront-viewer-address': `198.51.100.${i}:443` };
        again.push((await viaEdge(unreadable, headers, '192.0.2.61')).status);
      }
      expect(again).toEqual([200, 200, 429]);
    });
  });

  it('holds a bounded number of rate-limit keys', () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1 }, () => 0, { maxKeys: 3 });
    for (let i = 0; i < 50; i++) limiter.take(`key-${i}`);
    expect(limiter.size).toBe(3);
    // The keys still held keep their state: a fourth take of the newest is refused.
    expect(limiter.take('key-49')).toBeGreaterThan(0);
  });

  it('mints dev tokens only when told to, readable by pages on this machine alone', async () => {
    expect((await createHttpApp(services()).request('/dev/token?user=a&country=GB')).status).toBe(404);
    const app = createHttpApp(services(), {
      devTokens: async (userId, country) => ({ token: `${userId}:${country}`, expiresAt: 'soon' }),
    });
    const local = await app.request('/dev/token?user=a&country=gb', { headers: { origin: 'http://127.0.0.1:5173' } });
    expect(await local.json()).toEqual({ token: 'a:GB', expiresAt: 'soon' });
    expect(local.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example', 'null']) {
      const foreign = await app.request('/dev/token?user=a&country=GB', { headers: { origin } });
      expect(foreign.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
    // A token names a country: none is made up.
    expect((await app.request('/dev/token?user=a')).status).toBe(400);
  });

  it('answers CORS: any origin by default, only the configured ones otherwise, and preflights', async () => {
    const open = await createHttpApp(services()).request('/health', { headers: { origin: 'https://any.example' } });
    expect(open.headers.get('access-control-allow-origin')).toBe('*');
    const app = createHttpApp(services(), { corsOrigins: ['https://player.example'] });
    const allowed = await app.request('/v1/home', {
      headers: { authorization: 'Bearer good', origin: 'https://player.example' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://player.example');
    expect(allowed.headers.get('vary')).toContain('Origin');
    const other = await app.request('/v1/home', {
      headers: { authorization: 'Bearer good', origin: 'https://evil.example' },
    });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await app.request('/v1/events', {
      method: 'OPTIONS',
      headers: { origin: 'https://player.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://player.example');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type');
  });

  it('adds the Region and CORS headers to any answer, one whose headers are immutable too', async () => {
    const app = new Hono<Env>();
    app.use('*', servedBy('eu-west-1'));
    app.use('*', corsHeaders(['https://player.example']));
    app.get('/made', (c) => c.json({ ok: true }));
    // A redirect's headers are immutable: the header is added to a remade response.
    app.get('/redirect', () => Response.redirect('https://elsewhere.example/', 302));
    const server = await serveNode(app);
    try {
      for (const path of ['/made', '/redirect']) {
        const res = await fetch(`${server.url}${path}`, {
          headers: { origin: 'https://player.example' },
          redirect: 'manual',
        });
        expect(res.headers.get('x-streamctl-region'), path).toBe('eu-west-1');
        expect(res.headers.get('access-control-allow-origin'), path).toBe('https://player.example');
        expect(res.headers.get('vary'), path).toBe('Origin');
      }
      const made = await fetch(`${server.url}/made`);
      expect(await made.json()).toEqual({ ok: true });
      expect(made.headers.get('content-type')).toMatch(/^application\/json/);
    } finally {
      await server.stop();
    }
  });

  it('serves a home page the SDK hands out again as the same JSON, and a new page as its own', async () => {
    const cached = {
      rails: [{ id: 'new', title: 'New', items: [{ titleId: 't1', name: 'One', genres: [] }] }],
      degraded: false,
    };
    let page: Awaited<ReturnType<HttpPlatform['home']['build']>> = cached;
    const app = createHttpApp(services({ home: async () => page }));
    const get = () => app.request('/v1/home', { headers: { authorization: 'Bearer good' } });
    const first = await get();
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await first.json()).toEqual(cached);
    expect(await (await get()).json()).toEqual(cached);
    // A new page (the cache was invalidated by a write): its own body, never the old one's.
    page = { rails: [], degraded: true };
    expect(await (await get()).json()).toEqual({ rails: [], degraded: true });
  });

  it('openApiDocument() is the document the app serves', async () => {
    const served = await (await createHttpApp(services()).request('/openapi.json')).json();
    expect(openApiDocument()).toEqual(served);
  });

  it('answers oversize and malformed headers on Node with the error shape, not an empty body', async () => {
    const server = await serveNode(createHttpApp(services()));
    const big = await fetch(`${server.url}/health`, { headers: { 'x-big': 'x'.repeat(20_000) } });
    expect(big.status).toBe(431);
    expect(await big.json()).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String) } });
    const { port } = new URL(server.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    await server.stop();
  });

  it('serves on Node and stops', async () => {
    const server = await serveNode(createHttpApp(services()));
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    await server.stop();
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
});

describe('grant cookies through the edge', () => {
  const grant = {
    manifestUrl: 'https://cdn.test/titles/t1/master.m3u8?Policy=p&Signature=s&Key-Pair-Id=K',
    expiresAt: '2026-12-03T12:05:00.000Z',
    cookies: { 'CloudFront-Policy': 'p', 'CloudFront-Signature': 's', 'CloudFront-Key-Pair-Id': 'K' },
    session: { id: 's1', heartbeatSec: 30, expiresAt: '2026-12-03T12:02:00.000Z', deviceId: 'd1' },
  };
  const platform = (): HttpPlatform => ({
    ...services(),
    playback: { grant: async () => grant, renew: async () => grant },
  });
  const app = () => createHttpApp(platform(), { originSecret: 'edge-secret' });
  const ask = (path: string, method: string, headers: Record<string, string>) =>
    app().request(path, { method, headers: { authorization: 'Bearer good', ...headers } });

  it('through the edge: HttpOnly Set-Cookie headers for the title tree, and no cookies in the JSON', async () => {
    for (const [path, method] of [
      ['/v1/playback/t1', 'POST'],
      ['/v1/sessions/AAAAAAAAAAAAAAAA.YWxpY2U', 'PUT'],
    ] as const) {
      const res = await ask(path, method, { 'x-streamctl-origin-secret': 'edge-secret' });
      expect(res.status, path).toBe(200);
      const cookies = res.headers.getSetCookie();
      expect(cookies).toHaveLength(3);
      for (const c of cookies)
        expect(c).toMatch(/^CloudFront-[A-Za-z-]+=\w+; Path=\/titles\/t1\/; Expires=.+; HttpOnly; SameSite=Strict$/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body.cookies).toBeUndefined();
      expect(body).toMatchObject({ manifestUrl: grant.manifestUrl, session: { id: 's1' } });
    }
  });

  it('https through the distribution makes them Secure', async () => {
    const res = await ask('/v1/playback/t1', 'POST', {
      'x-streamctl-origin-secret': 'edge-secret',
      'cloudfront-forwarded-proto': 'https',
    });
    expect(res.headers.getSetCookie().every((c) => c.endsWith('; Secure'))).toBe(true);
  });

  it('any other caller, and a forged or missing secret, gets the cookies in the JSON and no Set-Cookie', async () => {
    const variants: Array<Record<string, string>> = [
      {},
      { 'x-streamctl-origin-secret': 'guess' },
      { 'x-streamctl-origin-secret': '' },
    ];
    for (const headers of variants) {
      const res = await ask('/v1/playback/t1', 'POST', headers);
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(((await res.json()) as { cookies?: unknown }).cookies).toEqual(grant.cookies);
    }
    // Without an origin secret configured, nothing is ever through the edge.
    const plain = await createHttpApp(platform()).request('/v1/playback/t1', {
      method: 'POST',
      headers: { authorization: 'Bearer good', 'x-streamctl-origin-secret': 'edge-secret' },
    });
    expect(plain.headers.getSetCookie()).toEqual([]);
  });
});
