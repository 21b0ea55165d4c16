/**
 * The HTTP API against the embedded platform (or STREAMCTL_E2E_ENDPOINT),
 * with real JWTs, over real HTTP.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import {
  createCatalog,
  createPlatform,
  createPlaybackSigner,
  createPlaybackVerifier,
  createUsers,
  type Platform,
} from '@streamctl/sdk';
import fc from 'fast-check';
import { handle } from 'hono/aws-lambda';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';
import { createHttpApp, createJwtVerifier, type NodeServer, serveNode } from '../../src/index.js';

const target = inject('target');
const ISSUER = 'https://issuer.test';
const CDN = 'https://cdn.example.test';

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.kinesis)(`HTTP API (${target.kind})`, () => {
  let platform: Platform;
  let server: NodeServer;
  let app: ReturnType<typeof createHttpApp>;
  let token: (userId: string, country?: string, expSeconds?: number) => Promise<string>;
  let forged: string;
  /** Signed by the right key, but without a country, or with one that is not a country. */
  let countryless: string[];
  let verifier: ReturnType<typeof createPlaybackVerifier>;
  const run = randomUUID().slice(0, 6);
  const ids = { all: `all-${run}`, gb: `gb-${run}`, draft: `draft-${run}` };
  const alice = `alice-${run}`;
  const bob = `bob-${run}`;
  let aliceToken: string;
  let bobToken: string;

  const call = async (
    method: string,
    path: string,
    options: { token?: string; body?: string; headers?: Record<string, string> } = {},
  ) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json: json as Record<string, unknown>, headers: res.headers };
  };

  beforeAll(async () => {
    platform = createPlatform(await targetConfig(target));
    const jwtKeys = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(jwtKeys.publicKey)), kid: 'test', alg: 'ES256' };
    token = (userId, country = 'GB', expSeconds = 600) =>
      new SignJWT({ country, plan: 'standard' })
        .setProtectedHeader({ alg: 'ES256', kid: 'test' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds)
        .sign(jwtKeys.privateKey);
    const other = await generateKeyPair('ES256');
    forged = await new SignJWT({ country: 'GB' })
      .setProtectedHeader({ alg: 'ES256', kid: 'test' })
      .setSubject(alice)
      .setIssuer(ISSUER)
      .setExpirationTime('10m')
      .sign(other.privateKey);
    countryless = await Promise.all(
      [{}, { country: 'USA' }, { country: '' }].map((claims) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: 'test' })
          .setSubject(alice)
          .setIssuer(ISSUER)
          .setExpirationTime('10m')
          .sign(jwtKeys.privateKey),
      ),
    );
    const cf = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = createPlaybackSigner({ keyPairId: 'KAPITEST00001', privateKey: cf.privateKey });
    verifier = createPlaybackVerifier(signer.publicKeys);
    app = createHttpApp(
      createPlatform(platform.config, {
        verifyToken: createJwtVerifier({ jwks: { keys: [jwk] }, issuer: ISSUER }),
        playback: { signer, cdnBaseUrl: CDN },
      }),
      { rateLimits: { user: { perSecond: 10_000, burst: 10_000 }, ip: { perSecond: 10_000, burst: 10_000 } } },
    );
    server = await serveNode(app);

    const catalog = createCatalog(platform.clients, platform.config.resources);
    for (const [key, id] of Object.entries(ids)) {
      await catalog.putTitle({
        titleId: id,
        name: `Title ${key}`,
        genres: ['drama'],
        manifests: { hls: `titles/${id}/master.m3u8` },
      });
    }
    await catalog.publishTitle(ids.all, { countries: 'ALL' });
    await catalog.publishTitle(ids.gb, { countries: ['GB'] });
    aliceToken = await token(alice);
    bobToken = await token(bob);
  });
  afterAll(async () => {
    await server?.stop();
    platform?.close();
  });

  it('serves the watchlist of the caller only', async () => {
    expect((await call('PUT', `/v1/watchlist/${ids.all}`, { token: aliceToken })).json).toEqual({
      titleId: ids.all,
      onWatchlist: true,
      changed: true,
    });
    expect((await call('PUT', `/v1/watchlist/${ids.all}`, { token: aliceToken })).json).toMatchObject({
      changed: false,
    });
    await call('PUT', `/v1/watchlist/${ids.gb}`, { token: aliceToken });
    const list = await call('GET', '/v1/watchlist', { token: aliceToken });
    expect((list.json.items as Array<{ titleId: string }>).map((i) => i.titleId).sort()).toEqual(
      [ids.all, ids.gb].sort(),
    );
    // Bob sees and changes only his own list: Alice's entries are invisible to him.
    expect((await call('GET', '/v1/watchlist', { token: bobToken })).json).toEqual({ items: [] });
    await call('DELETE', `/v1/watchlist/${ids.all}`, { token: bobToken });
    expect(((await call('GET', '/v1/watchlist', { token: aliceToken })).json.items as unknown[]).length).toBe(2);
    expect((await call('DELETE', `/v1/watchlist/${ids.gb}`, { token: aliceToken })).json).toMatchObject({
      onWatchlist: false,
      changed: true,
    });
    const page = await call('GET', '/v1/watchlist?limit=1', { token: aliceToken });
    expect(page.json).toEqual({ items: [{ titleId: ids.all, addedAt: expect.any(String) }] });
  });

  it('serves published titles, home rails and continue watching', async () => {
    const title = await call('GET', `/v1/titles/${ids.all}`, { token: aliceToken });
    expect(title.status).toBe(200);
    expect(title.json).toMatchObject({ titleId: ids.all, status: 'PUBLISHED', availability: { countries: 'ALL' } });
    // The operator's record (where the master lies, its checksum, the transcode job) is not a viewer's.
    expect(title.json).not.toHaveProperty('source');
    expect(title.json).not.toHaveProperty('statusReason');
    expect((await call('GET', `/v1/titles/${ids.draft}`, { token: aliceToken })).status).toBe(404);

    const users = createUsers(platform.clients, platform.config.resources);
    await users.recordProgress({
      userId: alice,
      titleId: ids.all,
      positionSec: 600,
      durationSec: 1200,
      at: new Date().toISOString(),
    });
    const cw = await call('GET', '/v1/continue-watching', { token: aliceToken });
    expect(cw.json.items).toEqual([
      expect.objectContaining({ titleId: ids.all, name: 'Title all', positionSec: 600, ratio: 0.5 }),
    ]);

    const home = await call('GET', '/v1/home', { token: aliceToken });
    expect(home.status).toBe(200);
    expect(home.json.degraded).toBe(false);
    const rails = home.json.rails as Array<{ id: string; items: Array<{ titleId: string }> }>;
    // The viewer's own rails, then New; charts may come between once other viewers' events (other
    // test files share the platform) make any title popular.
    const own = rails.map((r) => r.id).filter((id) => ['continue-watching', 'my-list', 'new'].includes(id));
    expect(own).toEqual(['continue-watching', 'my-list', 'new']);
    expect(rails[0]?.id).toBe('continue-watching');
    expect(rails.find((r) => r.id === 'new')?.items.map((i) => i.titleId)).toEqual(
      expect.arrayContaining([ids.all, ids.gb]),
    );
    // A US viewer never sees the GB-only title.
    const us = await call('GET', '/v1/home', { token: await token(`carol-${run}`, 'US') });
    expect(JSON.stringify(us.json)).not.toContain(ids.gb);
  });

  it('grants playback to entitled viewers with one shared signature per bucket, 403/404 otherwise (404 for a draft too)', async () => {
    const grant = await call('POST', `/v1/playback/${ids.gb}`, { token: aliceToken });
    expect(grant.status).toBe(200);
    const manifestUrl = grant.json.manifestUrl as string;
    expect(manifestUrl.startsWith(`${CDN}/titles/${ids.gb}/master.m3u8?Policy=`)).toBe(true);
    // Short grants (the stage's grant period, 300 s by default) that heartbeats renew, their
    // expiry rounded up to a bucket of a fifth of it so viewers share signatures.
    const expires = Date.parse(grant.json.expiresAt as string) / 1000;
    expect(expires % 60).toBe(0);
    expect(expires - Date.now() / 1000).toBeGreaterThanOrEqual(300 - 5);
    expect(expires - Date.now() / 1000).toBeLessThanOrEqual(360 + 5);
    expect(grant.json.session).toMatchObject({ heartbeatSec: 30, deviceId: 'unnamed' });
    const segment = `${CDN}/titles/${ids.gb}/720p/seg_00001.m4s${manifestUrl.slice(manifestUrl.indexOf('?'))}`;
    expect(verifier.verify({ url: segment, cookies: {}, clientIp: '198.51.100.1' }).allowed).toBe(true);
    expect(Object.keys(grant.json.cookies as object).sort()).toEqual([
      'CloudFront-Key-Pair-Id',
      'CloudFront-Policy',
      'CloudFront-Signature',
    ]);
    const bobs = await call('POST', `/v1/playback/${ids.gb}`, { token: bobToken });
    expect(bobs.json.manifestUrl).toBe(manifestUrl);

    const us = await call('POST', `/v1/playback/${ids.gb}`, { token: await token(`dave-${run}`, 'US') });
    expect(us.status).toBe(403);
    expect((us.json.error as { code: string }).code).toBe('FORBIDDEN');
    // An unpublished title and an unknown one get the same answer: a viewer cannot tell a draft is there.
    expect((await call('POST', `/v1/playback/${ids.draft}`, { token: aliceToken })).status).toBe(404);
    expect((await call('POST', `/v1/playback/none-${run}`, { token: aliceToken })).status).toBe(404);
  });

  it('accepts events into the stream with the caller as user, rejecting bad ones by index', async () => {
    const event = (over: object = {}) => ({
      v: 1,
      id: randomUUID(),
      type: 'play',
      titleId: ids.all,
      ts: new Date().toISOString(),
      ...over,
    });
    const batch = [
      event(),
      // A body never picks the country its play counts toward: the viewer's token does.
      event({ type: 'progress', positionSec: 30, country: 'US' }),
      event({ type: 'teleport' }),
      event({ userId: bob }),
      'nope',
      event({ titleId: `made-up-${run}` }),
      event({ ts: '9999-12-31T23:59:59Z' }),
    ];
    const res = await call('POST', '/v1/events', { token: aliceToken, body: JSON.stringify(batch) });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({
      accepted: 2,
      rejected: [
        { index: 2, code: 'VALIDATION_FAILED' },
        { index: 3, code: 'FORBIDDEN' },
        { index: 4, code: 'VALIDATION_FAILED' },
        { index: 5, code: 'NOT_FOUND' },
        { index: 6, code: 'VALIDATION_FAILED' },
      ],
    });
    // Both accepted events are in the stream, partitioned by and attributed to Alice.
    const kinesis = platform.clients.kinesis();
    const StreamName = platform.config.resources.eventsStream;
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName }));
    const found: Array<{ id: string; userId: string; country?: string }> = [];
    for (const shard of Shards) {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      for (const r of Records) found.push(JSON.parse(Buffer.from(r.Data ?? []).toString()));
    }
    const sent = [batch[0], batch[1]].map((e) => (e as { id: string }).id);
    const ours = found.filter((e) => sent.includes(e.id));
    expect(ours.map((e) => e.userId)).toEqual([alice, alice]);
    expect(ours.map((e) => e.country)).toEqual(['GB', 'GB']);
  });

  it('answers forged, expired, country-less and absent tokens with 401', async () => {
    const expired = await token(alice, 'GB', -60);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub":"${alice}","iss":"${ISSUER}"}`).toString('base64url')}.`;
    // A token without a usable country is refused, never given a default one.
    for (const t of [forged, expired, none, 'garbage', ...countryless]) {
      const res = await call('GET', '/v1/watchlist', { token: t });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    expect((await call('GET', '/v1/home')).status).toBe(401);
  });

  const long = 'x'.repeat(129);
  const bad: Array<[string, string, { body?: string; auth?: 'none' | 'expired' } | undefined, number]> = [
    ['PUT', '/v1/watchlist/bad%20id', undefined, 400],
    ['PUT', '/v1/watchlist/..%2F..%2Fetc%2Fpasswd', undefined, 400],
    ['PUT', '/v1/watchlist/%E0%A4%A', undefined, 400],
    ['PUT', `/v1/watchlist/${long}`, undefined, 400],
    ['PUT', '/v1/watchlist/%C3%BC%C3%B1%C3%AE', undefined, 400],
    ['PUT', '/v1/watchlist/%00', undefined, 400],
    // Encoded dot segments are resolved by the URL parser: they never name a title, and get a 404.
    ['PUT', '/v1/watchlist/%2E%2E', undefined, 404],
    ['POST', '/v1/playback/%2E', undefined, 404],
    ['PUT', '/v1/watchlist/%F0%9F%8E%AC', undefined, 400],
    ['DELETE', '/v1/watchlist/a%2Fb', undefined, 400],
    ['GET', '/v1/watchlist?limit=0', undefined, 400],
    ['GET', '/v1/watchlist?limit=101', undefined, 400],
    ['GET', '/v1/watchlist?limit=abc', undefined, 400],
    ['GET', '/v1/watchlist?limit=1.5', undefined, 400],
    ['GET', '/v1/watchlist?cursor=garbage', undefined, 400],
    ['GET', '/v1/watchlist?unknown=1', undefined, 400],
    ['GET', '/v1/home?x=1', undefined, 400],
    ['GET', '/v1/continue-watching?limit=5', undefined, 400],
    ['POST', '/v1/events', { body: 'not json' }, 400],
    ['POST', '/v1/events', { body: '{"v":1}' }, 400],
    ['POST', '/v1/events', { body: '[]' }, 400],
    ['POST', '/v1/events', { body: 'null' }, 400],
    ['POST', '/v1/events', { body: '"events"' }, 400],
    ['POST', '/v1/events', { body: JSON.stringify(Array.from({ length: 501 }, () => ({}))) }, 400],
    ['POST', '/v1/events', { body: '[{"v":1,' }, 400],
    ['GET', `/v1/titles/unknown-${run}`, undefined, 404],
    ['GET', '/v1/titles/bad%20id', undefined, 400],
    ['POST', `/v1/playback/unknown-${run}`, undefined, 404],
    ['POST', '/v1/playback/%E2%80%AE', undefined, 400],
    ['PUT', `/v1/watchlist/unknown-${run}`, undefined, 404],
    ['GET', '/v1/home', { auth: 'none' }, 401],
    ['GET', '/v1/watchlist', { auth: 'expired' }, 401],
    ['PATCH', '/v1/watchlist', undefined, 404],
    ['POST', '/v1/titles/x', undefined, 404],
  ];

  it(`answers ${bad.length} bad inputs with 4xx and the JSON error shape`, async () => {
    expect(bad.length).toBeGreaterThanOrEqual(30);
    const expired = await token(alice, 'GB', -60);
    for (const [method, path, options, status] of bad) {
      const t = options?.auth === 'none' ? undefined : options?.auth === 'expired' ? expired : aliceToken;
      const res = await call(method, path, {
        ...(t ? { token: t } : {}),
        ...(options?.body !== undefined ? { body: options.body } : {}),
      });
      expect({ method, path, status: res.status }).toEqual({ method, path, status });
      expect(res.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    }
  });

  it('refuses a body over 1 MiB with 413 before reading it', async () => {
    const { request } = await import('node:http');
    const body = `[${'"x",'.repeat(300_000)}"x"]`;
    const status = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${server.url}/v1/events`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${aliceToken}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      // The server answers before the upload ends and closes the connection: that is the point.
      req.on('error', (err) =>
        (err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET'
          ? undefined
          : reject(err),
      );
      req.end(body);
    });
    expect(status.status).toBe(413);
    expect(JSON.parse(status.text)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
  });

  it('never answers 5xx to fuzzed requests', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'v1',
        'home',
        'titles',
        'watchlist',
        'continue-watching',
        'playback',
        'events',
        ids.all,
        '..',
        '%2e%2e',
        '%ZZ',
        '',
      ),
      fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent),
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      path: fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
      query: fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 20 }).map((q) => `?${encodeURIComponent(q)}=${encodeURIComponent(q)}`),
        fc.constant('?limit=-1&cursor=%00'),
      ),
      body: fc.option(
        fc.oneof(fc.json(), fc.string({ unit: 'binary', maxLength: 200 }), fc.constant('[{"v":1,"id":"x"}]')),
        { nil: undefined },
      ),
      auth: fc.constantFrom('good', 'none', 'garbage'),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, query, body, auth }) => {
        const init: RequestInit = {
          method,
          headers:
            auth === 'good'
              ? { authorization: `Bearer ${aliceToken}` }
              : auth === 'garbage'
                ? { authorization: 'Bearer x.y.z' }
                : {},
        };
        if (body !== undefined && method !== 'GET' && method !== 'HEAD') init.body = body;
        const res = await fetch(`${server.url}${path}${query}`, init);
        await res.arrayBuffer();
        expect(res.status, `${method} ${path}${query} ${body ?? ''}`).toBeLessThan(500);
      }),
      { numRuns: Number(process.env.API_FUZZ_RUNS ?? 150) },
    );
  });

  it('answers anonymous health checks from a report a few seconds old, not by asking every part each time', async () => {
    const reports = await Promise.all(Array.from({ length: 5 }, () => call('GET', '/health')));
    expect(reports.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const checkedAt = new Set(reports.map((r) => r.json.checkedAt));
    expect(checkedAt.size).toBe(1);
    expect((await call('GET', '/health')).json.checkedAt).toBe([...checkedAt][0]);
  });

  it('is fully usable through the typed browser client', async () => {
    const { createClient, ApiError } = await import('@streamctl/sdk/client');
    const api = createClient({ baseUrl: server.url, token: () => bobToken });
    expect((await api.health()).healthy).toBe(true);
    expect(await api.addToWatchlist(ids.all)).toMatchObject({ onWatchlist: true });
    expect((await api.watchlist({ limit: 10 })).items.map((i) => i.titleId)).toEqual([ids.all]);
    expect((await api.title(ids.all)).name).toBe('Title all');
    expect((await api.home()).rails.map((r) => r.id)).toContain('my-list');
    expect((await api.playback(ids.all)).manifestUrl).toContain('Signature=');
    const sent = await api.sendEvents([
      { v: 1, id: randomUUID(), type: 'like', titleId: ids.all, ts: new Date().toISOString() },
    ]);
    expect(sent).toEqual({ accepted: 1, rejected: [] });
    expect((await api.continueWatching()).items).toEqual([]);
    expect(await api.removeFromWatchlist(ids.all)).toMatchObject({ onWatchlist: false, changed: true });
    const missing = await api.title(`none-${run}`).catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ status: 404, apiCode: 'NOT_FOUND', code: 'NOT_FOUND' });
    const anonymous = createClient({ baseUrl: server.url });
    await expect(anonymous.home()).rejects.toMatchObject({ status: 401, apiCode: 'UNAUTHORIZED' });
  });

  it('answers the same through the Lambda handler as through Node', async () => {
    const lambda = handle(app);
    const viaLambda = async (method: string, rawPath: string, rawQueryString = '') => {
      const result = (await lambda(
        {
          version: '2.0',
          routeKey: '$default',
          rawPath,
          rawQueryString,
          headers: {
            host: 'api.example.test',
            authorization: `Bearer ${aliceToken}`,
            'x-forwarded-for': '203.0.113.9',
          },
          requestContext: {
            accountId: '123456789012',
            apiId: 'api',
            domainName: 'api.example.test',
            domainPrefix: 'api',
            http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
            requestId: 'r',
            routeKey: '$default',
            stage: '$default',
            time: '24/Nov/2026:12:00:00 +0000',
            timeEpoch: Date.now(),
            authentication: null,
            authorizer: {},
          },
          body: null,
          isBase64Encoded: false,
        },
        {} as never,
      )) as { statusCode: number; body: string };
      return { status: result.statusCode, json: JSON.parse(result.body) };
    };
    for (const [method, path, query] of [
      ['GET', '/v1/watchlist', ''],
      ['GET', `/v1/titles/${ids.all}`, ''],
      ['GET', '/v1/watchlist', 'limit=0'],
      ['GET', `/v1/titles/unknown-${run}`, ''],
    ] as const) {
      const node = await call(method, `${path}${query ? `?${query}` : ''}`, { token: aliceToken });
      expect(await viaLambda(method, path, query)).toEqual({ status: node.status, json: node.json });
    }
  });
});
