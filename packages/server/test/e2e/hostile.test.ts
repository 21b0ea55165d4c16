/**
 * The HTTP API against hostile input (issue 15), over real HTTP and raw
 * sockets against the embedded platform: forged and odd tokens, spoofed
 * event fields, path and encoding tricks, malformed and oversize headers and
 * bodies, other viewers' and unpublished titles. Every refusal is checked
 * three ways: its exact status, the one error shape with its code, and that
 * nothing the caller could not have written was stored (the watchlists, the
 * events stream, the object prototype) and nothing it could not see was
 * served (a draft's name, a manifest, a signature, a stack).
 */
import { createHmac, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { createCatalog, createPlatform, createPlaybackSigner, type Platform } from '@streamctl/sdk';
import { MAX_EVENTS_PER_BATCH } from '@streamctl/sdk/contract';
import { exportJWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';
import { createHttpApp, createJwtVerifier, type NodeServer, serveNode } from '../../src/index.js';

const target = inject('target');
const ISSUER = 'https://issuer.hostile.test';
const AUDIENCE = 'streamctl-viewers';
const CDN = 'https://cdn.hostile.test';
const MiB = 1024 * 1024;
const HIGH = { perSecond: 100_000, burst: 100_000 };

const run = randomUUID().slice(0, 6);
const ids = { all: `all-${run}`, gb: `gb-${run}`, draft: `draft-${run}`, unknown: `unknown-${run}` };
/** The draft's name: no answer to any viewer may ever carry it. */
const DRAFT_NAME = `Unreleased ${run} secret cut`;
const alice = `alice-${run}`;
const bob = `bob-${run}`;
const carol = `carol-${run}`;
/** The user every forged token claims to be: nothing may ever land on this user's list or stream. */
const victim = `victim-${run}`;

/** What came back: the status, the body as text, and the body as JSON when it is JSON. */
interface Answer {
  status: number;
  text: string;
  json: unknown;
}

const parse = (status: number, text: string): Answer => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, text, json };
};

/** Base64url of a string or bytes. */
const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A compact JWS over exactly these header and payload bytes, signed ES256 (or ES384) with `key`. */
function jws(header: object, payload: object | string, key: KeyObject, hash: 'sha256' | 'sha384' = 'sha256'): string {
  const input = `${b64(JSON.stringify(header))}.${b64(typeof payload === 'string' ? payload : JSON.stringify(payload))}`;
  return `${input}.${b64(sign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }))}`;
}

/** A compact JWS "signed" HS256 with `secret` (the public key's text, in the classic confusion attack). */
function hs256(header: object, payload: object, secret: string): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsigned token (`alg: none` and friends). */
const unsigned = (header: object, payload: object, signature = '') =>
  `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}.${signature}`;

/** A request with exactly this method, path bytes, headers and body (Node's client leaves the path alone). */
function send(
  base: string,
  method: string,
  path: string,
  options: { headers?: OutgoingHttpHeaders; body?: string | Buffer; chunks?: Buffer[] } = {},
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    let answered = false;
    // A connection of its own: no case rides on a socket an earlier refusal left closing.
    const headers = Object.fromEntries(Object.entries(options.headers ?? {}).filter(([, v]) => v !== undefined));
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers, agent: false });
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve(parse(res.statusCode ?? 0, Buffer.concat(parts).toString())));
      res.on('error', reject);
    });
    // A server that refuses a body may answer and close before the upload ends: the answer can
    // still follow a write error, so wait a moment for it before calling the request failed.
    req.on('error', (err) => {
      setTimeout(() => (answered ? undefined : reject(err)), 2_000);
    });
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

/** Writes these bytes on a fresh socket and reads the answer until the server closes. */
function raw(base: string, bytes: string | Buffer): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const socket = connect(Number(url.port), url.hostname, () => socket.end(bytes));
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => {
      const response = Buffer.concat(parts).toString('latin1');
      const split = response.indexOf('\r\n\r\n');
      const head = response.slice(0, split);
      let body = response.slice(split + 4);
      if (/^transfer-encoding:\s*chunked/im.test(head)) {
        let decoded = '';
        for (let at = 0; ; ) {
          const eol = body.indexOf('\r\n', at);
          const size = Number.parseInt(body.slice(at, eol), 16);
          if (!size) break;
          decoded += body.slice(eol + 2, eol + 2 + size);
          at = eol + 2 + size + 2;
        }
        body = decoded;
      }
      resolve(parse(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), Buffer.from(body, 'latin1').toString()));
    });
  });
}

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.kinesis)(`hostile input (${target.kind})`, () => {
  let platform: Platform;
  /** The API's own platform: the same stage, with the test issuer's keys and a playback signer. */
  let served: Platform;
  let server: NodeServer;
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const HEADER = { alg: 'ES256', kid: 'test', typ: 'JWT' };
  let jwkText: string;
  const now = () => Math.floor(Date.now() / 1000);
  /** Well-formed claims for `sub`, then the case's changes (undefined removes a claim). */
  const claims = (over: Record<string, unknown> = {}, sub = victim) =>
    Object.fromEntries(
      Object.entries({
        sub,
        country: 'GB',
        plan: 'standard',
        iss: ISSUER,
        aud: AUDIENCE,
        iat: now(),
        exp: now() + 600,
        ...over,
      }).filter(([, value]) => value !== undefined),
    );
  const token = (sub: string, country = 'GB') => jws(HEADER, claims({ country }, sub), key.privateKey);
  let aliceToken: string;
  let carolToken: string;

  /** A valid event of the caller's, then the case's changes. */
  const event = (over: Record<string, unknown> = {}): Record<string, unknown> & { id: string } => ({
    v: 1,
    id: randomUUID(),
    type: 'play',
    titleId: ids.all,
    ts: new Date().toISOString(),
    ...over,
  });

  const call = (
    method: string,
    path: string,
    options: { token?: string; body?: string; headers?: OutgoingHttpHeaders } = {},
  ) =>
    send(server.url, method, path, {
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body) }
          : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: options.body } : {}),
    });

  // What a refusal must leave behind: nothing. The watchlists as they were set up, no event of this
  // run's users or titles on the stream, an untouched Object.prototype.
  const watchers = [alice, bob, carol, victim];
  const baseline = { [alice]: [ids.all], [bob]: [ids.gb], [carol]: [], [victim]: [] };
  const lists = async () =>
    Object.fromEntries(
      await Promise.all(
        watchers.map(
          async (user) => [user, (await platform.users.listWatchlist(user)).items.map((i) => i.titleId)] as const,
        ),
      ),
    );
  let iterators: string[] = [];
  /** Events of this run's users or titles put on the stream since the last look. */
  const newEvents = async () => {
    const kinesis = platform.clients.kinesis();
    const found: Array<Record<string, unknown>> = [];
    iterators = await Promise.all(
      iterators.map(async (ShardIterator) => {
        const { Records = [], NextShardIterator } = await kinesis.send(
          new GetRecordsCommand({ ShardIterator, Limit: 10_000 }),
        );
        for (const r of Records) found.push(JSON.parse(Buffer.from(r.Data ?? []).toString()));
        return NextShardIterator ?? ShardIterator;
      }),
    );
    return found.filter((e) => String(e.userId).includes(run) || String(e.titleId).includes(run));
  };
  /** Strings no answer may carry: the draft, anything of a grant, an internal stack. */
  const SECRETS = [DRAFT_NAME, 'master.m3u8', 'Signature', 'CloudFront-', 'manifestUrl', 'node_modules', '    at '];

  /** The refusal is exactly `status` with `code` in the one error shape, and it left and showed nothing. */
  const expectRefused = async (answer: Answer, status: number, code: string) => {
    expect({ status: answer.status, body: answer.json ?? answer.text }).toEqual({
      status,
      body: { error: { code, message: expect.any(String) } },
    });
    await expectNothingLeakedOrStored(answer);
  };
  const expectNothingLeakedOrStored = async (answer: Answer) => {
    for (const secret of SECRETS) expect(answer.text).not.toContain(secret);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(await lists()).toEqual(baseline);
    expect(await newEvents()).toEqual([]);
  };

  beforeAll(async () => {
    platform = createPlatform(await targetConfig(target));
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'test', alg: 'ES256' };
    jwkText = JSON.stringify(jwk);
    const cf = generateKeyPairSync('rsa', { modulusLength: 2048 });
    served = createPlatform(platform.config, {
      verifyToken: createJwtVerifier({ jwks: { keys: [jwk] }, issuer: ISSUER, audience: AUDIENCE }),
      playback: {
        signer: createPlaybackSigner({ keyPairId: 'KHOSTILE00001', privateKey: cf.privateKey }),
        cdnBaseUrl: CDN,
      },
    });
    server = await serveNode(createHttpApp(served, { rateLimits: { user: HIGH, ip: HIGH } }));

    const catalog = createCatalog(platform.clients, platform.config.resources);
    for (const [id, name] of [
      [ids.all, 'Everywhere'],
      [ids.gb, 'Only in GB'],
      [ids.draft, DRAFT_NAME],
    ] as const) {
      await catalog.putTitle({ titleId: id, name, genres: ['drama'], manifests: { hls: `titles/${id}/master.m3u8` } });
    }
    await catalog.publishTitle(ids.all, { countries: 'ALL' });
    await catalog.publishTitle(ids.gb, { countries: ['GB'] });
    await platform.users.addToWatchlist(alice, ids.all);
    await platform.users.addToWatchlist(bob, ids.gb);
    aliceToken = token(alice);
    carolToken = token(carol, 'US');

    const kinesis = platform.clients.kinesis();
    const StreamName = platform.config.resources.eventsStream;
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName }));
    iterators = await Promise.all(
      Shards.map(async (shard) => {
        const { ShardIterator } = await kinesis.send(
          new GetShardIteratorCommand({ StreamName, ShardId: shard.ShardId, ShardIteratorType: 'LATEST' }),
        );
        return ShardIterator as string;
      }),
    );
    expect(await lists()).toEqual(baseline);
  });
  // A case that fails must not fail every case after it: put the lists back, skip past the stream.
  afterEach(async () => {
    const now = await lists();
    for (const user of watchers) {
      const want = baseline[user] ?? [];
      const have = now[user] ?? [];
      for (const titleId of have.filter((t) => !want.includes(t)))
        await platform.users.removeFromWatchlist(user, titleId);
      for (const titleId of want.filter((t) => !have.includes(t))) await platform.users.addToWatchlist(user, titleId);
    }
    await newEvents();
  });
  afterAll(async () => {
    await server?.stop();
    served?.close();
    platform?.close();
  });

  describe('the harness itself', () => {
    it('mints tokens the API accepts, so every refusal below is the forgery, not the harness', async () => {
      const mine = await call('GET', '/v1/watchlist', { token: token(victim) });
      expect({ status: mine.status, json: mine.json }).toEqual({ status: 200, json: { items: [] } });
      const theirs = await call('GET', '/v1/watchlist', { token: aliceToken });
      expect(theirs.json).toEqual({ items: [{ titleId: ids.all, addedAt: expect.any(String) }] });
      // The two requests every token case sends go through with a good token (and are undone here).
      const put = await call('PUT', `/v1/watchlist/${ids.all}`, { token: token(victim) });
      expect(put.status).toBe(200);
      await call('DELETE', `/v1/watchlist/${ids.all}`, { token: token(victim) });
      const sent = event();
      const posted = await call('POST', '/v1/events', { token: token(victim), body: JSON.stringify([sent]) });
      expect(posted.json).toEqual({ accepted: 1, rejected: [] });
      expect((await newEvents()).map((e) => [e.id, e.userId])).toEqual([[sent.id, victim]]);
      expect(await lists()).toEqual(baseline);
    });
  });

  // Each token claims to be the victim (or an odd subject) and tries to write its watchlist and its
  // events: both must be a 401 and leave nothing behind.
  const tokenCases: Array<[string, () => string]> = [
    ['alg none without a signature', () => unsigned({ alg: 'none', typ: 'JWT' }, claims())],
    [
      "alg none carrying a real token's signature",
      () => unsigned({ alg: 'none' }, claims(), (token(victim).split('.')[2] as string) ?? ''),
    ],
    ['alg "None" in another case', () => unsigned({ alg: 'None' }, claims())],
    ['no alg in the header', () => jws({ kid: 'test' }, claims(), key.privateKey)],
    [
      'HS256 keyed with the public key PEM',
      () =>
        hs256({ alg: 'HS256', kid: 'test' }, claims(), key.publicKey.export({ type: 'spki', format: 'pem' }) as string),
    ],
    ['HS256 keyed with the public JWK text', () => hs256({ alg: 'HS256', kid: 'test' }, claims(), jwkText)],
    ['ES384 under the ES256 key id', () => jws({ alg: 'ES384', kid: 'test' }, claims(), p384.privateKey, 'sha384')],
    ['another key under the same key id', () => jws(HEADER, claims(), attacker.privateKey)],
    [
      "the attacker's public key embedded in the header (jwk)",
      () => jws({ alg: 'ES256', jwk: attacker.publicKey.export({ format: 'jwk' }) }, claims(), attacker.privateKey),
    ],
    [
      "a jku naming the attacker's key set",
      () => jws({ ...HEADER, jku: 'https://evil.test/jwks.json' }, claims(), attacker.privateKey),
    ],
    [
      'a key id that walks the file system',
      () => jws({ alg: 'ES256', kid: '../../../../dev/null' }, claims(), attacker.privateKey),
    ],
    [
      "another payload under a real token's signature",
      () => {
        const [h, , s] = token(alice).split('.');
        return `${h}.${b64(JSON.stringify(claims()))}.${s}`;
      },
    ],
    ['another issuer', () => jws(HEADER, claims({ iss: 'https://evil.test' }), key.privateKey)],
    ['no issuer', () => jws(HEADER, claims({ iss: undefined }), key.privateKey)],
    ['another audience', () => jws(HEADER, claims({ aud: 'someone-else' }), key.privateKey)],
    ['no audience', () => jws(HEADER, claims({ aud: undefined }), key.privateKey)],
    ['expired a minute ago', () => jws(HEADER, claims({ exp: now() - 60 }), key.privateKey)],
    ['not valid before an hour from now (nbf)', () => jws(HEADER, claims({ nbf: now() + 3600 }), key.privateKey)],
    ['no exp', () => jws(HEADER, claims({ exp: undefined }), key.privateKey)],
    ['exp as a string', () => jws(HEADER, claims({ exp: String(now() + 600) }), key.privateKey)],
    ['exp null', () => jws(HEADER, claims({ exp: null }), key.privateKey)],
    // 1e400 is Infinity once parsed: a token that never expires, as good as one without exp.
    [
      'exp 1e400 (Infinity once parsed)',
      () => jws(HEADER, JSON.stringify(claims({ exp: 0 })).replace('"exp":0', '"exp":1e400'), key.privateKey),
    ],
    ['exp in the year 9999', () => jws(HEADER, claims({ exp: 253_402_300_799 }), key.privateKey)],
    ['exp a year ahead', () => jws(HEADER, claims({ exp: now() + 365 * 86_400 }), key.privateKey)],
    ['no sub', () => jws(HEADER, claims({ sub: undefined }), key.privateKey)],
    ['an empty sub', () => jws(HEADER, claims({}, ''), key.privateKey)],
    ['a numeric sub', () => jws(HEADER, claims({ sub: 42 }), key.privateKey)],
    ['a sub that is an array', () => jws(HEADER, claims({ sub: [victim] }), key.privateKey)],
    ['sub ".."', () => jws(HEADER, claims({}, '..'), key.privateKey)],
    ['sub "."', () => jws(HEADER, claims({}, '.'), key.privateKey)],
    ['sub "a/b"', () => jws(HEADER, claims({}, `${victim}/../${alice}`), key.privateKey)],
    ['a sub of 300 characters', () => jws(HEADER, claims({}, `${victim}${'x'.repeat(290)}`), key.privateKey)],
    ['a sub with a non-ASCII letter', () => jws(HEADER, claims({}, `ålice-${run}`), key.privateKey)],
    ['a sub with a Cyrillic homoglyph', () => jws(HEADER, claims({}, `\u0430lice-${run}`), key.privateKey)],
    ['a sub with a NUL', () => jws(HEADER, claims({}, `${victim}\u0000`), key.privateKey)],
    ['a sub with a trailing space', () => jws(HEADER, claims({}, `${victim} `), key.privateKey)],
    ['no country', () => jws(HEADER, claims({ country: undefined }), key.privateKey)],
    ['country "usa"', () => jws(HEADER, claims({ country: 'usa' }), key.privateKey)],
    ['country "USA"', () => jws(HEADER, claims({ country: 'USA' }), key.privateKey)],
    ['an empty country', () => jws(HEADER, claims({ country: '' }), key.privateKey)],
    ['a numeric country', () => jws(HEADER, claims({ country: 44 }), key.privateKey)],
    ['a country that is an array', () => jws(HEADER, claims({ country: ['GB'] }), key.privateKey)],
    ['a country of full-width letters', () => jws(HEADER, claims({ country: '\uff27\uff22' }), key.privateKey)],
    ['a country with a trailing space', () => jws(HEADER, claims({ country: 'GB ' }), key.privateKey)],
    ['a null country', () => jws(HEADER, claims({ country: null }), key.privateKey)],
    // No plan, no viewer: a made-up plan would be streams nobody paid for.
    ['no plan', () => jws(HEADER, claims({ plan: undefined }), key.privateKey)],
    ['a plan in capitals', () => jws(HEADER, claims({ plan: 'PREMIUM' }), key.privateKey)],
    ['a plan that is an array', () => jws(HEADER, claims({ plan: ['premium'] }), key.privateKey)],
    ['a plan that is an object', () => jws(HEADER, claims({ plan: { name: 'premium' } }), key.privateKey)],
    ['a plan named __proto__', () => jws(HEADER, claims({ plan: '__proto__' }), key.privateKey)],
    ['a null plan', () => jws(HEADER, claims({ plan: null }), key.privateKey)],
    ['four segments', () => `${token(victim)}.${b64('{}')}`],
    ['two segments', () => token(victim).split('.').slice(0, 2).join('.')],
    ['empty segments', () => '..'],
    ['10 KB of base64url in three segments', () => `${'A'.repeat(3400)}.${'B'.repeat(3400)}.${'C'.repeat(3400)}`],
    ['a real token with 10 KB appended to its signature', () => `${token(victim)}${'A'.repeat(10_240)}`],
  ];

  describe.each(tokenCases)('a token with %s', (_name, make) => {
    it('is refused with 401 on a write to the watchlist and on events, and nothing is stored', async () => {
      const forged = make();
      await expectRefused(await call('PUT', `/v1/watchlist/${ids.all}`, { token: forged }), 401, 'UNAUTHORIZED');
      const events = JSON.stringify([event()]);
      await expectRefused(await call('POST', '/v1/events', { token: forged, body: events }), 401, 'UNAUTHORIZED');
    });
  });

  // How the token is presented: only `Authorization: Bearer <token>` counts.
  const presentationCases: Array<[string, () => { path?: string; headers: OutgoingHttpHeaders }]> = [
    ['no Authorization header', () => ({ headers: {} })],
    ['"Bearer" and no token', () => ({ headers: { authorization: 'Bearer' } })],
    ['"Bearer " and an empty token', () => ({ headers: { authorization: 'Bearer ' } })],
    ['Basic credentials', () => ({ headers: { authorization: `Basic ${b64(`${victim}:password`)}` } })],
    ['another scheme with a good token', () => ({ headers: { authorization: `Token ${token(victim)}` } })],
    ['the scheme without its space', () => ({ headers: { authorization: `Bearer${token(victim)}` } })],
    ['two tokens in one header', () => ({ headers: { authorization: `Bearer ${token(victim)} ${token(victim)}` } })],
    [
      'a forged and a good Authorization header',
      () => ({
        headers: { authorization: [`Bearer ${jws(HEADER, claims(), attacker.privateKey)}`, `Bearer ${token(victim)}`] },
      }),
    ],
    ['the token in the query string', () => ({ path: `?access_token=${token(victim)}`, headers: {} })],
    ['the token in a cookie', () => ({ headers: { cookie: `token=${token(victim)}; access_token=${token(victim)}` } })],
    ['the token in a custom header', () => ({ headers: { 'x-access-token': token(victim) } })],
  ];

  describe.each(presentationCases)('a request with %s', (_name, make) => {
    it('is refused with 401 and stores nothing', async () => {
      const { path = '', headers } = make();
      await expectRefused(await call('PUT', `/v1/watchlist/${ids.all}${path}`, { headers }), 401, 'UNAUTHORIZED');
    });
  });

  it('takes the scheme in any case and one or more spaces (RFC 7235), as the viewer of the token only', async () => {
    for (const authorization of [`bearer ${aliceToken}`, `BEARER ${aliceToken}`, `Bearer  ${aliceToken}`]) {
      const res = await call('GET', '/v1/watchlist', { headers: { authorization } });
      expect({ status: res.status, json: res.json }).toEqual({
        status: 200,
        json: { items: [{ titleId: ids.all, addedAt: expect.any(String) }] },
      });
    }
    await expectNothingLeakedOrStored({ status: 200, text: '', json: undefined });
  });

  it('takes a country claim in lower case (the contract upper-cases it) and a Cognito custom:country', async () => {
    for (const [claim, value] of [
      ['country', 'gb'],
      ['custom:country', 'GB'],
    ] as const) {
      const sent = event({ country: 'US' });
      const t = jws(HEADER, { ...claims({ country: undefined }, alice), [claim]: value }, key.privateKey);
      const res = await call('POST', '/v1/events', { token: t, body: JSON.stringify([sent]) });
      expect(res.json).toEqual({ accepted: 1, rejected: [] });
      expect((await newEvents()).map((e) => [e.id, e.userId, e.country])).toEqual([[sent.id, alice, 'GB']]);
    }
  });

  // Paths, encodings and methods, each with Alice's good token: only an exact route and a valid id
  // reach a use case; a draft stays invisible however it is spelled.
  const pathCases: Array<[string, string, number, string]> = [
    ['GET', '/v1/titles/..%2f..%2fetc', 400, 'VALIDATION_FAILED'],
    ['GET', '/v1/titles/..%2F..%2Fetc%2Fpasswd', 400, 'VALIDATION_FAILED'],
    ['GET', '/v1/titles/%2e%2e', 404, 'NOT_FOUND'],
    ['GET', `/v1/titles/%2e%2e%2f${ids.draft}`, 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/x/../${ids.draft}`, 404, 'NOT_FOUND'],
    ['GET', `/v1/titles/x/%2e%2e/${ids.draft}`, 404, 'NOT_FOUND'],
    ['GET', `/v1/titles/draft%2D${run}`, 404, 'NOT_FOUND'],
    ['GET', `/v1/titles/${ids.draft.toUpperCase()}`, 404, 'NOT_FOUND'],
    ['GET', '/v1/titles/%00', 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/${ids.all}%00`, 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/${ids.all}%0d%0aSet-Cookie:%20x=1`, 400, 'VALIDATION_FAILED'],
    ['GET', '/v1/titles/%252e%252e%252fetc', 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/%25${ids.all}`, 400, 'VALIDATION_FAILED'],
    ['GET', '/v1/titles/%E0%A4%A', 400, 'VALIDATION_FAILED'],
    ['GET', '/v1/titles/%C0%AE%C0%AE', 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/${'x'.repeat(129)}`, 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/${'x'.repeat(8_000)}`, 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/%D0%B0ll-${run}`, 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/%EF%BD%81ll-${run}`, 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/${ids.all}%E2%80%8D`, 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/${ids.all};x=1`, 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/${ids.all}%3Fadmin=1`, 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/${ids.all}?__proto__[polluted]=1`, 400, 'VALIDATION_FAILED'],
    ['GET', '/v1/watchlist?constructor[prototype][polluted]=1', 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/${ids.all}/`, 404, 'NOT_FOUND'],
    ['GET', '/v1/titles/', 404, 'NOT_FOUND'],
    ['GET', '//v1//home', 404, 'NOT_FOUND'],
    ['GET', '/v1//home', 404, 'NOT_FOUND'],
    ['GET', '/v1/home/', 404, 'NOT_FOUND'],
    ['GET', '/V1/HOME', 404, 'NOT_FOUND'],
    ['GET', '/v1/titles/..\\..\\etc', 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/titles/${ids.all}\\..\\${ids.draft}`, 400, 'VALIDATION_FAILED'],
    ['PUT', `/v1/watchlist/%2e%2e%2f%2e%2e%2f${ids.draft}`, 400, 'VALIDATION_FAILED'],
    ['PUT', `/v1/watchlist/x/..%2f${ids.draft}`, 404, 'NOT_FOUND'],
    ['POST', `/v1/playback/${ids.all}%2f..%2f${ids.draft}`, 400, 'VALIDATION_FAILED'],
    ['PATCH', '/v1/home', 404, 'NOT_FOUND'],
    ['DELETE', '/v1/home', 404, 'NOT_FOUND'],
    ['TRACE', '/v1/home', 404, 'NOT_FOUND'],
    ['PUT', `/v1/titles/${ids.all}`, 404, 'NOT_FOUND'],
    ['DELETE', `/v1/titles/${ids.all}`, 404, 'NOT_FOUND'],
    ['GET', '/v1/events', 404, 'NOT_FOUND'],
    ['PUT', '/v1/events', 404, 'NOT_FOUND'],
    ['GET', `/v1/playback/${ids.all}`, 404, 'NOT_FOUND'],
    ['POST', `/v1/watchlist/${ids.all}`, 404, 'NOT_FOUND'],
    ['GET', '/v1/search?q=title&__proto__[polluted]=1', 400, 'VALIDATION_FAILED'],
    ['GET', '/v1/search?q=title&q=other', 400, 'VALIDATION_FAILED'],
    ['GET', `/v1/search?q=${'%F0%9F%8E%AC'.repeat(201)}`, 400, 'VALIDATION_FAILED'],
    ['GET', '/v1/search?q=title&limit=1e3', 400, 'VALIDATION_FAILED'],
    ['GET', '/v1/search?q=title&genre=%2E%2E%2F', 400, 'VALIDATION_FAILED'],
    ['GET', '/v1/search/', 404, 'NOT_FOUND'],
    ['POST', '/v1/search?q=title', 404, 'NOT_FOUND'],
  ];

  it.each(pathCases)('%s %s is a %i %s and serves nothing hidden', async (method, path, status, code) => {
    await expectRefused(await call(method, path, { token: aliceToken }), status, code);
  });

  it('answers a method Node does not know with 400 in the error shape', async () => {
    const answer = await raw(server.url, `FOO /v1/home HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
    await expectRefused(answer, 400, 'VALIDATION_FAILED');
  });

  // Headers Node refuses before the app (the server's clientError answer) and those the app refuses.
  const auth = () => `authorization: Bearer ${aliceToken}\r\n`;
  const request = (head: string, body = '') =>
    `POST /v1/events HTTP/1.1\r\nhost: x\r\nconnection: close\r\n${auth()}${head}\r\n${body}`;
  const oneEvent = () => JSON.stringify([event()]);
  const headerCases: Array<[string, () => string, number, string]> = [
    ['one header of 20 KB', () => request(`x-big: ${'a'.repeat(20_480)}\r\n`), 431, 'VALIDATION_FAILED'],
    [
      'an Authorization header of 20 KB',
      () => `GET /v1/home HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${'a'.repeat(20_480)}\r\n\r\n`,
      431,
      'VALIDATION_FAILED',
    ],
    [
      '3,000 small headers',
      () => request(Array.from({ length: 3_000 }, (_, i) => `x-h${i}: ${i}\r\n`).join('')),
      431,
      'VALIDATION_FAILED',
    ],
    [
      '500 small headers and a forged token',
      () =>
        `GET /v1/home HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer x.y.z\r\n${Array.from({ length: 500 }, (_, i) => `x-h${i}: ${i}\r\n`).join('')}\r\n`,
      401,
      'UNAUTHORIZED',
    ],
    [
      'a Host header carrying a path',
      () => `GET /v1/home HTTP/1.1\r\nhost: evil.test/x\r\nconnection: close\r\n${auth()}\r\n`,
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a Host header carrying user info',
      () => `GET /v1/home HTTP/1.1\r\nhost: alice@evil.test\r\nconnection: close\r\n${auth()}\r\n`,
      400,
      'VALIDATION_FAILED',
    ],
    ['a header name with a space', () => request('bad header: 1\r\n'), 400, 'VALIDATION_FAILED'],
    ['a header value with a NUL', () => request('x-bad: a\u0000b\r\n'), 400, 'VALIDATION_FAILED'],
    ['a header line without a colon', () => request('no-colon-here\r\n'), 400, 'VALIDATION_FAILED'],
    ['a folded header line', () => request('x-a: 1\r\n  folded\r\n'), 400, 'VALIDATION_FAILED'],
    [
      'two different Content-Lengths',
      () => {
        const body = oneEvent();
        return request(
          `content-type: application/json\r\ncontent-length: ${body.length}\r\ncontent-length: 2\r\n`,
          body,
        );
      },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'Content-Length and Transfer-Encoding together',
      () => {
        const body = oneEvent();
        return request(
          `content-type: application/json\r\ncontent-length: ${body.length}\r\ntransfer-encoding: chunked\r\n`,
          `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
        );
      },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a Transfer-Encoding that is not chunked last',
      () => request('content-type: application/json\r\ntransfer-encoding: chunked, gzip\r\n', '2\r\n[]\r\n0\r\n\r\n'),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a chunk size that is not hex',
      () => request('content-type: application/json\r\ntransfer-encoding: chunked\r\n', 'zz\r\n[]\r\n0\r\n\r\n'),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a Content-Length of 2 MiB (the body never sent)',
      () => request(`content-type: application/json\r\ncontent-length: ${2 * MiB}\r\n`),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a negative Content-Length',
      () => request('content-type: application/json\r\ncontent-length: -1\r\n'),
      400,
      'VALIDATION_FAILED',
    ],
  ];

  it.each(headerCases)('a request with $0 is a $2 $3', async (_name, bytes, status, code) => {
    await expectRefused(await raw(server.url, bytes()), status, code);
  });

  it('refuses a chunked body over 1 MiB with 413 while it streams in', async () => {
    const started = performance.now();
    const chunk = Buffer.from(`${' '.repeat(64 * 1024 - 1)}\n`);
    const answer = await send(server.url, 'POST', '/v1/events', {
      headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' },
      chunks: [Buffer.from('['), ...Array.from({ length: 17 }, () => chunk), Buffer.from(`${oneEvent().slice(1)}`)],
    });
    await expectRefused(answer, 413, 'PAYLOAD_TOO_LARGE');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  // Bodies of POST /v1/events that are not a batch at all.
  const deep = (open: string, close: string, levels: number) => `${open.repeat(levels)}${close.repeat(levels)}`;
  const bodyCases: Array<[string, () => string | Buffer, OutgoingHttpHeaders, number, string]> = [
    ['malformed JSON', () => '[{"v":1,', {}, 400, 'VALIDATION_FAILED'],
    ['a NaN literal', () => oneEvent().replace('"v":1', '"v":1,"positionSec":NaN'), {}, 400, 'VALIDATION_FAILED'],
    ['an empty body', () => '', {}, 400, 'VALIDATION_FAILED'],
    ['a number where the batch goes', () => '42', {}, 400, 'VALIDATION_FAILED'],
    ['1e400 where the batch goes', () => '1e400', {}, 400, 'VALIDATION_FAILED'],
    ['one event, not in an array', () => JSON.stringify(event()), {}, 400, 'VALIDATION_FAILED'],
    ['the batch wrapped in an object', () => JSON.stringify({ events: [event()] }), {}, 400, 'VALIDATION_FAILED'],
    ['an empty batch', () => '[]', {}, 400, 'VALIDATION_FAILED'],
    [
      `${MAX_EVENTS_PER_BATCH + 1} good events`,
      () => JSON.stringify(Array.from({ length: MAX_EVENTS_PER_BATCH + 1 }, () => event())),
      {},
      400,
      'VALIDATION_FAILED',
    ],
    ['__proto__ at the top', () => '{"__proto__":{"polluted":true}}', {}, 400, 'VALIDATION_FAILED'],
    [
      'constructor.prototype at the top',
      () => '{"constructor":{"prototype":{"polluted":true}}}',
      {},
      400,
      'VALIDATION_FAILED',
    ],
    [
      'objects nested 10,000 deep',
      () => `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
      {},
      400,
      'VALIDATION_FAILED',
    ],
    ['arrays nested 600,000 deep (over 1 MiB)', () => deep('[', ']', 600_000), {}, 413, 'PAYLOAD_TOO_LARGE'],
    ['1 MiB + 1 byte', () => `[${' '.repeat(MiB - 8)}"x"]`.padEnd(MiB + 1, ' '), {}, 413, 'PAYLOAD_TOO_LARGE'],
    ['a text/plain body', oneEvent, { 'content-type': 'text/plain' }, 400, 'VALIDATION_FAILED'],
    [
      'a form body',
      () => 'v=1&type=play',
      { 'content-type': 'application/x-www-form-urlencoded' },
      400,
      'VALIDATION_FAILED',
    ],
    ['no Content-Type', oneEvent, { 'content-type': undefined }, 400, 'VALIDATION_FAILED'],
    [
      'a gzip body (never inflated)',
      () => Buffer.from('1f8b0800000000000003ab56ca49cc4bb7b20600e2c0a2b208000000', 'hex'),
      { 'content-encoding': 'gzip' },
      400,
      'VALIDATION_FAILED',
    ],
  ];

  it.each(bodyCases)('a body with $0 is a $3 $4, answered fast', async (_name, make, headers, status, code) => {
    const body = make();
    const started = performance.now();
    const answer = await send(server.url, 'POST', '/v1/events', {
      headers: {
        authorization: `Bearer ${aliceToken}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...headers,
      },
      body,
    });
    await expectRefused(answer, status, code);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  // Entries of a batch: the batch is a 202, each bad entry is rejected by its index with its code, and
  // the stream holds exactly the good entries, as the caller's own (user and country from the token).
  const hour = 3_600_000;
  const day = 24 * hour;
  /** An entry sent as this JSON text (nesting too deep for JSON.stringify, keys it would not write). */
  class JsonText {
    constructor(readonly text: string) {}
  }
  const withField = (field: string, json: string) =>
    new JsonText(JSON.stringify(event()).replace('{', `{${JSON.stringify(field)}:${json},`));
  const eventCases: Array<[string, () => unknown, string]> = [
    ["another user's id", () => event({ userId: bob }), 'FORBIDDEN'],
    ['an empty user id', () => event({ userId: '' }), 'FORBIDDEN'],
    ['a null user id', () => event({ userId: null }), 'FORBIDDEN'],
    ["the caller's id in upper case", () => event({ userId: alice.toUpperCase() }), 'FORBIDDEN'],
    ['ts in the year 9999', () => event({ ts: '9999-12-31T23:59:59Z' }), 'VALIDATION_FAILED'],
    ['ts an hour ahead', () => event({ ts: new Date(Date.now() + hour).toISOString() }), 'VALIDATION_FAILED'],
    ['ts 31 days back', () => event({ ts: new Date(Date.now() - 31 * day).toISOString() }), 'VALIDATION_FAILED'],
    ['ts that is not a date', () => event({ ts: 'yesterday' }), 'VALIDATION_FAILED'],
    ['ts as a number', () => event({ ts: Date.now() }), 'VALIDATION_FAILED'],
    ['ts without a zone', () => event({ ts: new Date().toISOString().slice(0, 19) }), 'VALIDATION_FAILED'],
    ['a made-up title', () => event({ titleId: ids.unknown }), 'NOT_FOUND'],
    ['a draft title', () => event({ titleId: ids.draft }), 'NOT_FOUND'],
    ['a title id with a slash', () => event({ titleId: `${ids.all}/../${ids.draft}` }), 'VALIDATION_FAILED'],
    ['a type not in the contract', () => event({ type: 'teleport' }), 'VALIDATION_FAILED'],
    ['a type in another case', () => event({ type: 'PLAY' }), 'VALIDATION_FAILED'],
    ['the type __proto__', () => event({ type: '__proto__' }), 'VALIDATION_FAILED'],
    ['a negative positionSec', () => event({ type: 'progress', positionSec: -1 }), 'VALIDATION_FAILED'],
    ['positionSec "NaN"', () => event({ type: 'progress', positionSec: 'NaN' }), 'VALIDATION_FAILED'],
    ['a huge positionSec', () => event({ type: 'progress', positionSec: 1e12 }), 'VALIDATION_FAILED'],
    ['positionSec null', () => event({ type: 'progress', positionSec: null }), 'VALIDATION_FAILED'],
    ['a zero durationSec', () => event({ type: 'progress', durationSec: 0 }), 'VALIDATION_FAILED'],
    ['schema version 3', () => event({ v: 3 }), 'VALIDATION_FAILED'],
    ['a version 2 stall on a play', () => event({ v: 2, stallMs: 500 }), 'VALIDATION_FAILED'],
    [
      'a version 2 startup of a billion ms',
      () => event({ v: 2, type: 'startup', startupMs: 1e9 }),
      'VALIDATION_FAILED',
    ],
    ['a version 2 rebuffer without its stall', () => event({ v: 2, type: 'rebuffer' }), 'VALIDATION_FAILED'],
    [
      'a version 2 error code with markup',
      () => event({ v: 2, type: 'error', errorCode: '<img src=x onerror=alert(1)>' }),
      'VALIDATION_FAILED',
    ],
    ['a QoE field on version 1', () => event({ type: 'startup', startupMs: 10 }), 'VALIDATION_FAILED'],
    ['an id that is not a UUID', () => event({ id: 'not-a-uuid' }), 'VALIDATION_FAILED'],
    ['a field the schema does not have', () => event({ admin: true }), 'VALIDATION_FAILED'],
    ['a __proto__ key', () => withField('__proto__', '{"polluted":true}'), 'VALIDATION_FAILED'],
    ['a constructor key', () => event({ constructor: { prototype: { polluted: true } } }), 'VALIDATION_FAILED'],
    ['a session id of 129 characters', () => event({ sessionId: 's'.repeat(129) }), 'VALIDATION_FAILED'],
    ['arrays nested 10,000 deep', () => new JsonText(deep('[', ']', 10_000)), 'VALIDATION_FAILED'],
    ['a device nested 10,000 deep', () => withField('device', deep('[', ']', 10_000)), 'VALIDATION_FAILED'],
    [
      'a device of objects nested 10,000 deep',
      () => withField('device', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`),
      'VALIDATION_FAILED',
    ],
    ['a number', () => 42, 'VALIDATION_FAILED'],
    ['null', () => null, 'VALIDATION_FAILED'],
  ];

  describe.each(eventCases)('an event with %s', (_name, make, code) => {
    it(`is rejected by its index with ${code}; only the good one beside it is stored, as the caller's`, async () => {
      const good = event();
      const entry = make();
      const text = entry instanceof JsonText ? entry.text : JSON.stringify(entry);
      const res = await call('POST', '/v1/events', { token: aliceToken, body: `[${JSON.stringify(good)},${text}]` });
      expect({ status: res.status, json: res.json }).toEqual({
        status: 202,
        json: { accepted: 1, rejected: [{ index: 1, code }] },
      });
      const stored = await newEvents();
      expect(stored.map((e) => [e.id, e.userId, e.country])).toEqual([[good.id, alice, 'GB']]);
      await expectNothingLeakedOrStored(res);
    });
  });

  it("stamps the token's user, country and the serving Region over whatever the body says", async () => {
    const spoofed = [
      event({ country: 'US' }),
      event({ userId: alice, country: 'KP' }),
      event({ region: 'made-up-region-1', type: 'rebuffer', durationSec: 2 }),
    ];
    const res = await call('POST', '/v1/events', { token: aliceToken, body: JSON.stringify(spoofed) });
    expect(res.json).toEqual({ accepted: 3, rejected: [] });
    // Carol (US) claims GB: a body cannot move her plays to another country either.
    const theirs = spoofed.map(({ userId: _mine, ...e }) => ({ ...e, id: randomUUID(), country: 'GB' }));
    expect((await call('POST', '/v1/events', { token: carolToken, body: JSON.stringify(theirs) })).json).toEqual({
      accepted: 3,
      rejected: [],
    });
    const stored = await newEvents();
    const region = platform.config.region;
    // The stream keeps order per shard only: compare as sets of records.
    const byId = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(stored.map((e) => [e.id, e.userId, e.country, e.region]).sort(byId)).toEqual(
      [...spoofed.map((e) => [e.id, alice, 'GB', region]), ...theirs.map((e) => [e.id, carol, 'US', region])].sort(
        byId,
      ),
    );
  });

  it('puts a batch that repeats an id as sent: the consumers drop the repeat by its id', async () => {
    const once = event();
    const res = await call('POST', '/v1/events', {
      token: aliceToken,
      body: JSON.stringify([once, { ...once, type: 'complete' }]),
    });
    expect(res.json).toEqual({ accepted: 2, rejected: [] });
    expect((await newEvents()).map((e) => [e.id, e.userId, e.type])).toEqual([
      [once.id, alice, 'play'],
      [once.id, alice, 'complete'],
    ]);
  });

  it('takes a batch of exactly the maximum and a body of exactly 1 MiB (the limits are not off by one)', async () => {
    const full = Array.from({ length: MAX_EVENTS_PER_BATCH }, () => event({ type: 'like' }));
    const res = await call('POST', '/v1/events', { token: aliceToken, body: JSON.stringify(full) });
    expect(res.json).toEqual({ accepted: MAX_EVENTS_PER_BATCH, rejected: [] });
    expect((await newEvents()).map((e) => e.id).sort()).toEqual(full.map((e) => e.id).sort());
    const one = oneEvent();
    const padded = `${one.slice(0, -1)}${' '.repeat(MiB - one.length)}]`;
    expect(Buffer.byteLength(padded)).toBe(MiB);
    expect((await call('POST', '/v1/events', { token: aliceToken, body: padded })).json).toEqual({
      accepted: 1,
      rejected: [],
    });
    expect(await newEvents()).toHaveLength(1);
  });

  // Other viewers' lists, drafts and titles outside the caller's country.
  const accessCases: Array<
    [string, string, string, () => string, { body?: string; headers?: OutgoingHttpHeaders }, number, string]
  > = [
    ['a draft onto the watchlist', 'PUT', `/v1/watchlist/${ids.draft}`, () => aliceToken, {}, 404, 'NOT_FOUND'],
    [
      'a made-up title onto the watchlist',
      'PUT',
      `/v1/watchlist/${ids.unknown}`,
      () => aliceToken,
      {},
      404,
      'NOT_FOUND',
    ],
    ["Bob's watchlist by a query", 'GET', `/v1/watchlist?user=${bob}`, () => aliceToken, {}, 400, 'VALIDATION_FAILED'],
    ["Bob's watchlist by userId", 'GET', `/v1/watchlist?userId=${bob}`, () => aliceToken, {}, 400, 'VALIDATION_FAILED'],
    ["Bob's watchlist by path", 'GET', `/v1/users/${bob}/watchlist`, () => aliceToken, {}, 404, 'NOT_FOUND'],
    ["Bob's watchlist under the list's path", 'GET', `/v1/watchlist/${bob}`, () => aliceToken, {}, 404, 'NOT_FOUND'],
    [
      "Bob's continue watching by a query",
      'GET',
      `/v1/continue-watching?userId=${bob}`,
      () => aliceToken,
      {},
      400,
      'VALIDATION_FAILED',
    ],
    ['a draft', 'GET', `/v1/titles/${ids.draft}`, () => aliceToken, {}, 404, 'NOT_FOUND'],
    [
      "another country's search by a query parameter",
      'GET',
      '/v1/search?q=title&country=FR',
      () => aliceToken,
      {},
      400,
      'VALIDATION_FAILED',
    ],
    ['playback of a draft (404, not 403)', 'POST', `/v1/playback/${ids.draft}`, () => aliceToken, {}, 404, 'NOT_FOUND'],
    ['playback of a made-up title', 'POST', `/v1/playback/${ids.unknown}`, () => aliceToken, {}, 404, 'NOT_FOUND'],
    ['playback of a GB title from the US', 'POST', `/v1/playback/${ids.gb}`, () => carolToken, {}, 403, 'FORBIDDEN'],
    [
      'playback of a GB title from the US, GB in the query',
      'POST',
      `/v1/playback/${ids.gb}?country=GB`,
      () => carolToken,
      {},
      400,
      'VALIDATION_FAILED',
    ],
    // The body names a device and nothing else: fields that would speak for the viewer are refused.
    [
      'playback of a GB title from the US, GB in the body',
      'POST',
      `/v1/playback/${ids.gb}`,
      () => carolToken,
      { body: JSON.stringify({ country: 'GB', userId: alice }) },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'playback with a better plan in the body',
      'POST',
      `/v1/playback/${ids.all}`,
      () => aliceToken,
      { body: JSON.stringify({ deviceId: 'tv', plan: 'premium' }) },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'playback from a device id that walks a path',
      'POST',
      `/v1/playback/${ids.all}`,
      () => aliceToken,
      { body: JSON.stringify({ deviceId: '../../victim' }) },
      400,
      'VALIDATION_FAILED',
    ],
    [
      "a heartbeat for a session id naming the victim's account",
      'PUT',
      `/v1/sessions/AAAAAAAAAAAAAAAA.${Buffer.from(victim).toString('base64url')}`,
      () => aliceToken,
      {},
      404,
      'NOT_FOUND',
    ],
    [
      "ending a session id naming the victim's account",
      'DELETE',
      `/v1/sessions/AAAAAAAAAAAAAAAA.${Buffer.from(victim).toString('base64url')}`,
      () => aliceToken,
      {},
      404,
      'NOT_FOUND',
    ],
    [
      'a session id that walks a path',
      'PUT',
      '/v1/sessions/..%2F..%2Fetc',
      () => aliceToken,
      {},
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a device id that walks a path',
      'DELETE',
      '/v1/devices/..%2F..%2Fetc',
      () => aliceToken,
      {},
      400,
      'VALIDATION_FAILED',
    ],
    [
      "another user's history by a query parameter",
      'GET',
      `/v1/history?month=2026-12&userId=${victim}`,
      () => aliceToken,
      {},
      400,
      'VALIDATION_FAILED',
    ],
    ['a history month of 13', 'GET', '/v1/history?month=2026-13', () => aliceToken, {}, 400, 'VALIDATION_FAILED'],
    [
      'playback of a GB title from the US, GB in CloudFront-Viewer-Country',
      'POST',
      `/v1/playback/${ids.gb}`,
      () => carolToken,
      { headers: { 'cloudfront-viewer-country': 'GB', 'x-country': 'GB' } },
      403,
      'FORBIDDEN',
    ],
    [
      'playback of a draft by a user named admin',
      'POST',
      `/v1/playback/${ids.draft}`,
      () => token('admin'),
      {},
      404,
      'NOT_FOUND',
    ],
  ];

  it.each(accessCases)('$0 ($1 $2) is a $5 $6', async (_name, method, path, who, options, status, code) => {
    await expectRefused(await call(method, path, { token: who(), ...options }), status, code);
  });

  it("leaves Bob's list alone when Alice removes his title from hers", async () => {
    const res = await call('DELETE', `/v1/watchlist/${ids.gb}`, { token: aliceToken });
    expect(res.json).toEqual({ titleId: ids.gb, onWatchlist: false, changed: false });
    await expectNothingLeakedOrStored(res);
  });

  // The per-IP limit keys on the transport's address: headers anyone can write never move a
  // request into a fresh bucket. Each case gets its own app with a burst of 2.
  const spoofCases: Array<[string, (i: number) => OutgoingHttpHeaders, number?]> = [
    ['X-Forwarded-For', (i) => ({ 'x-forwarded-for': `203.0.113.${i}` })],
    ['X-Real-IP', (i) => ({ 'x-real-ip': `203.0.113.${i}` })],
    ['Forwarded', (i) => ({ forwarded: `for=203.0.113.${i}` })],
    [
      'CloudFront-Viewer-Address without the origin secret',
      (i) => ({ 'cloudfront-viewer-address': `203.0.113.${i}:443` }),
    ],
    ['True-Client-IP', (i) => ({ 'true-client-ip': `203.0.113.${i}` })],
    [
      'addresses prepended to X-Forwarded-For behind one trusted proxy',
      (i) => ({ 'x-forwarded-for': `203.0.113.${i}, 198.51.100.9` }),
      1,
    ],
  ];

  it.each(spoofCases)(
    '%s does not change the per-IP limit key: the third request is a 429',
    async (_name, headers, hops) => {
      const limited = await serveNode(
        // /live needs no viewer: the plain platform will do.
        createHttpApp(platform, {
          rateLimits: { ip: { perSecond: 0.001, burst: 2 }, user: HIGH },
          ...(hops ? { trustedProxyHops: hops } : {}),
        }),
      );
      try {
        const statuses: number[] = [];
        let last: Answer | undefined;
        for (let i = 1; i <= 3; i++) {
          last = await send(limited.url, 'GET', '/live', { headers: headers(i) });
          statuses.push(last.status);
        }
        expect(statuses).toEqual([200, 200, 429]);
        await expectRefused(last as Answer, 429, 'RATE_LIMITED');
      } finally {
        await limited.stop();
      }
    },
  );

  it('keeps at least 60 table-driven refusals, each with its exact 4xx', () => {
    const tables = [tokenCases, presentationCases, pathCases, headerCases, bodyCases, accessCases, spoofCases];
    expect(tables.reduce((n, table) => n + table.length, 0)).toBeGreaterThanOrEqual(60);
  });
});
