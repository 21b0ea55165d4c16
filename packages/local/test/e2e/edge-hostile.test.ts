/**
 * The local edge against a hostile viewer, over real HTTP with the CDN bucket
 * in the S3 emulator. The viewer holds signed cookies and URLs for one title
 * (`hostile-t1`) and tries to read anything else: another title, a draft, the
 * raw master of its own title (in the raw bucket). Each of those objects holds
 * a marker that must never appear in an answer.
 *
 * Requests go out as raw bytes over a socket, so a case can send what an
 * HTTP client would clean up first: a foreign Host, an absolute-URI target,
 * dot segments, raw non-ASCII, an unknown method, oversize headers.
 *
 * The fuzz at the end draws requests from the same hostile pieces; its run
 * count comes from EDGE_FUZZ_RUNS (default 200).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type RunningEdge, startEdge } from '@streamctl/local';
import {
  type AwsClients,
  createAwsClients,
  createPlaybackSigner,
  createPlaybackVerifier,
  ERROR_TABLE,
  type PlaybackSigner,
} from '@streamctl/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');

/** What a raw exchange gave back. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Every byte the edge sent, headers included. */
  raw: Buffer;
}

/** One request, as the bytes of its head (and an optional body). */
interface RawRequest {
  method?: string;
  /** The request target exactly as sent (latin1: a char above 0x7f is one raw byte). */
  target: string;
  /** Header lines in order; `Host` is added unless `host` is null. */
  headers?: Array<[string, string]>;
  /** The Host header. Default: the edge's own `127.0.0.1:<port>`. */
  host?: string | null;
  body?: Buffer;
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = Number.parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Sends one request on a fresh connection and reads the answer until the edge closes it. */
function exchange(port: number, request: RawRequest): Promise<Answer> {
  const lines = [`${request.method ?? 'GET'} ${request.target} HTTP/1.1`];
  if (request.host !== null) lines.push(`Host: ${request.host ?? `127.0.0.1:${port}`}`);
  for (const [name, value] of request.headers ?? []) lines.push(`${name}: ${value}`);
  if (request.body) lines.push(`Content-Length: ${request.body.length}`);
  lines.push('Connection: close', '', '');
  const head = Buffer.from(lines.join('\r\n'), 'latin1');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${request.target.slice(0, 80)}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The edge may close while a refused body is still being written: what it answered still counts.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    socket.on('close', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      if (split === -1) {
        reject(new Error(`no HTTP answer to ${request.target.slice(0, 80)}: ${JSON.stringify(raw.toString())}`));
        return;
      }
      const [statusLine = '', ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = raw.subarray(split + 4);
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: headers['transfer-encoding'] === 'chunked' ? dechunk(rest) : rest,
        raw,
      });
    });
    socket.write(request.body ? Buffer.concat([head, request.body]) : head);
  });
}

/** An answer carries the one error shape: `{"error":{"code","message"[,"details"]}}` with a known code. */
function expectErrorShape(answer: Answer, method = 'GET'): void {
  expect(answer.headers['content-type']).toBe('application/json');
  if (method === 'HEAD') {
    expect(answer.body.length).toBe(0);
    return;
  }
  const parsed = JSON.parse(answer.body.toString('utf8')) as { error: Record<string, unknown> };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(Object.keys(parsed.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  expect(Object.keys(ERROR_TABLE)).toContain(parsed.error.code);
  expect(typeof parsed.error.message).toBe('string');
}

const cookieHeader = (cookies: object) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

/** Everything a case may use: the edge, the viewer's credentials for hostile-t1, forged ones. */
interface Fixture {
  port: number;
  base: string;
  rawBucket: string;
  player: string;
  /** Signed cookies for `/titles/hostile-t1/*`. */
  cookie: string;
  /** The signing query (`Policy`, `Key-Pair-Id`, `Signature`) for `/titles/hostile-t1/*`. */
  treeQuery: string;
  /** The signing query of a canned policy for `/titles/hostile-t1/master.m3u8` only. */
  cannedQuery: string;
  /** The signing query of a policy for `/titles/hostile-t1/*.m3u8` (manifests only). */
  manifestsQuery: string;
  expiredCookie: string;
  notYetCookie: string;
  /** Cookies whose policy names `http://evil.example/titles/*`. */
  evilHostCookie: string;
  /** Cookies whose policy names `http://localhost:<port>/titles/*`. */
  localhostCookie: string;
  /** Cookies whose policy names another port of 127.0.0.1. */
  otherPortCookie: string;
  /** Cookies signed by a key that is not in the key group, under the trusted key pair ID. */
  untrustedCookie: string;
  /** The tree cookie with its policy rewritten to `/titles/*`, keeping the old signature. */
  forgedCookie: string;
  /** Cookies for the tree, valid only for 203.0.113.0/24. */
  ipCookie: string;
}

/** A hostile request and the exact 4xx it must get. */
interface HostileCase {
  name: string;
  status: number;
  request: (f: Fixture) => RawRequest;
  /** A CORS case: the answer must not let the page's origin read it. */
  cors?: boolean;
}

const T1 = '/titles/hostile-t1';

const CASES: HostileCase[] = [
  // Dot segments and encoded separators, under a valid cookie for hostile-t1.
  ...(
    [
      ['dot-dot to another title', `${T1}/../hostile-t2/master.m3u8`],
      ['encoded dot-dot', `${T1}/%2e%2e/hostile-t2/master.m3u8`],
      ['upper-case encoded dot-dot', `${T1}/%2E%2E/hostile-t2/master.m3u8`],
      ['half-encoded dot-dot (.%2e)', `${T1}/.%2e/hostile-t2/master.m3u8`],
      ['half-encoded dot-dot (%2e.)', `${T1}/%2e./hostile-t2/master.m3u8`],
      ['dot-dot then encoded slash', `${T1}/..%2Fhostile-t2%2Fmaster.m3u8`],
      ['lower-case encoded slash', `${T1}/..%2fhostile-t2/master.m3u8`],
      ['fully encoded traversal', `${T1}/%2e%2e%2fhostile-t2%2fmaster.m3u8`],
      ['encoded backslash traversal', `${T1}/..%5Chostile-t2%5Cmaster.m3u8`],
      ['raw backslash traversal', `${T1}/..\\hostile-t2\\master.m3u8`],
      ['double-encoded dot-dot', `${T1}/%252e%252e/hostile-t2/master.m3u8`],
      ['double-encoded slash', `${T1}/..%252Fhostile-t2%252Fmaster.m3u8`],
      ['single dot segment', `${T1}/./master.m3u8`],
      ['trailing dot segment', `${T1}/.`],
      ['draft title by dot-dot', `${T1}/../hostile-draft/master.m3u8`],
      ['draft title by encoded dot-dot', `${T1}/%2e%2e/hostile-draft/master.m3u8`],
      ['empty segment', `${T1}//master.m3u8`],
      ['trailing slash', `${T1}/`],
      ['root of the edge', '/'],
      ['overlong UTF-8 dots (2 bytes)', `${T1}/%c0%ae%c0%ae/hostile-t2/master.m3u8`],
      ['overlong UTF-8 dot (3 bytes)', `${T1}/%e0%80%ae%e0%80%ae/hostile-t2/master.m3u8`],
      ['invalid percent-encoding in the path', `${T1}/%ZZ.m3u8`],
      ['lone percent sign', `${T1}/master%.m3u8`],
      ['truncated escape', `${T1}/master.m3u8%2`],
      ['encoded NUL', `${T1}/master.m3u8%00.jpg`],
      ['encoded line break (header injection)', `${T1}/x%0d%0aSet-Cookie:%20a=b`],
      ['encoded DEL', `${T1}/master%7f.m3u8`],
      ['encoded C1 control (NEL)', `${T1}/master%c2%85.m3u8`],
      ['raw non-ASCII byte', `${T1}/ma\u00e9ster.m3u8`],
      ['raw double quote', `${T1}/"master".m3u8`],
      ['raw fragment sign', `${T1}/master.m3u8#x`],
      ['invalid percent-encoding in the query', `${T1}/master.m3u8?foo=%ZZ`],
      ['encoded NUL in the query', `${T1}/master.m3u8?%00=1`],
      ['encoded line break in the query', `${T1}/master.m3u8?a=%0d%0aSet-Cookie:x`],
      ['key longer than S3 allows', `${T1}/${'k/'.repeat(540)}x`],
    ] as const
  ).map(
    ([name, path]): HostileCase => ({
      name,
      status: 400,
      request: (f) => ({ target: path, headers: [['Cookie', f.cookie]] }),
    }),
  ),
  // The raw master of hostile-t1 lives in the raw bucket, next to the CDN bucket in the store.
  ...(
    [
      ['raw master by dot-dot', (f: Fixture) => `${T1}/../../../${f.rawBucket}/masters/hostile-t1/abc/film.mov`],
      [
        'raw master by encoded dot-dot',
        (f: Fixture) => `${T1}/%2e%2e/%2e%2e/%2e%2e/${f.rawBucket}/masters/hostile-t1/abc/film.mov`,
      ],
      [
        'raw master by one encoded path',
        (f: Fixture) => `${T1}/..%2F..%2F..%2F${f.rawBucket}%2Fmasters%2Fhostile-t1%2Fabc%2Ffilm.mov`,
      ],
    ] as const
  ).map(
    ([name, path]): HostileCase => ({
      name,
      status: 400,
      request: (f) => ({ target: path(f), headers: [['Cookie', f.cookie]] }),
    }),
  ),
  {
    // A plain path: a key of the CDN bucket (the bucket never comes from the path) the cookie does not cover.
    name: 'raw master by bucket-style path',
    status: 403,
    request: (f) => ({ target: `/${f.rawBucket}/masters/hostile-t1/abc/film.mov`, headers: [['Cookie', f.cookie]] }),
  },
  // Lengths.
  {
    name: 'URL past 8,192 bytes',
    status: 414,
    request: (f) => ({ target: `${T1}/${'a'.repeat(9000)}`, headers: [['Cookie', f.cookie]] }),
  },
  {
    name: 'request line past the header limit',
    status: 431,
    request: () => ({ target: `${T1}/${'a'.repeat(30_000)}` }),
  },
  {
    name: 'one huge header',
    status: 431,
    request: () => ({ target: `${T1}/master.m3u8`, headers: [['X-Pad', 'p'.repeat(25_000)]] }),
  },
  {
    name: 'many headers past the limit',
    status: 431,
    request: () => ({
      target: `${T1}/master.m3u8`,
      headers: Array.from({ length: 300 }, (_, i): [string, string] => [`X-Pad-${i}`, 'p'.repeat(80)]),
    }),
  },
  {
    name: 'a cookie jar past the limit',
    status: 431,
    request: (f) => ({ target: `${T1}/master.m3u8`, headers: [['Cookie', `${f.cookie}; junk=${'j'.repeat(22_000)}`]] }),
  },
  {
    name: 'a big garbage cookie',
    status: 403,
    request: () => ({
      target: `${T1}/master.m3u8`,
      headers: [
        [
          'Cookie',
          `CloudFront-Policy=${'A'.repeat(9000)}; CloudFront-Signature=x; CloudFront-Key-Pair-Id=KHOSTILE0001`,
        ],
      ],
    }),
  },
  {
    name: 'a segment longer than a stored file name',
    status: 404,
    request: (f) => ({ target: `${T1}/${'s'.repeat(300)}.m4s`, headers: [['Cookie', f.cookie]] }),
  },
  {
    name: 'a name the local store keeps for itself',
    status: 404,
    request: (f) => ({ target: `${T1}/master.m3u8._S3rver_object/x`, headers: [['Cookie', f.cookie]] }),
  },
  // Names that look like traversal but are plain keys in hostile-t1's tree: covered, and missing.
  {
    name: 'Tomcat-style ..;',
    status: 404,
    request: (f) => ({ target: `${T1}/..;/hostile-t2/master.m3u8`, headers: [['Cookie', f.cookie]] }),
  },
  {
    name: 'full-width dots',
    status: 404,
    request: (f) => ({ target: `${T1}/%EF%BC%8E%EF%BC%8E/hostile-t2/master.m3u8`, headers: [['Cookie', f.cookie]] }),
  },
  {
    name: 'a literal * is a key, not a wildcard',
    status: 404,
    request: (f) => ({ target: `${T1}/*`, headers: [['Cookie', f.cookie]] }),
  },
  {
    name: 'triple dots',
    status: 404,
    request: (f) => ({ target: `${T1}/.../master.m3u8`, headers: [['Cookie', f.cookie]] }),
  },
  // Host, X-Forwarded-Host and absolute-URI targets against a policy for another host.
  {
    name: 'Host of the host the policy names',
    status: 403,
    request: (f) => ({
      target: '/titles/hostile-t2/master.m3u8',
      host: 'evil.example',
      headers: [['Cookie', f.evilHostCookie]],
    }),
  },
  {
    name: 'X-Forwarded-Host of that host',
    status: 403,
    request: (f) => ({
      target: '/titles/hostile-t2/master.m3u8',
      headers: [
        ['X-Forwarded-Host', 'evil.example'],
        ['Cookie', f.evilHostCookie],
      ],
    }),
  },
  {
    name: 'Forwarded header naming that host',
    status: 403,
    request: (f) => ({
      target: '/titles/hostile-t2/master.m3u8',
      headers: [
        ['Forwarded', 'host=evil.example;proto=http'],
        ['Cookie', f.evilHostCookie],
      ],
    }),
  },
  {
    name: 'absolute-URI target on that host',
    status: 400,
    request: (f) => ({
      target: 'http://evil.example/titles/hostile-t2/master.m3u8',
      headers: [['Cookie', f.evilHostCookie]],
    }),
  },
  {
    name: 'absolute-URI target on the edge, another title',
    status: 403,
    request: (f) => ({ target: `${f.base}/titles/hostile-t2/master.m3u8`, headers: [['Cookie', f.cookie]] }),
  },
  {
    name: 'absolute-URI target with another scheme',
    status: 400,
    request: (f) => ({
      target: `${f.base.replace('http:', 'https:')}${T1}/master.m3u8`,
      headers: [['Cookie', f.cookie]],
    }),
  },
  {
    name: 'asterisk-form target',
    status: 400,
    request: (f) => ({ method: 'OPTIONS', target: '*', headers: [['Cookie', f.cookie]] }),
  },
  {
    name: 'Host localhost with a localhost policy',
    status: 403,
    request: (f) => ({
      target: '/titles/hostile-t2/master.m3u8',
      host: `localhost:${f.port}`,
      headers: [['Cookie', f.localhostCookie]],
    }),
  },
  {
    name: 'Host of another port with its policy',
    status: 403,
    request: (f) => ({
      target: '/titles/hostile-t2/master.m3u8',
      host: '127.0.0.1:1',
      headers: [['Cookie', f.otherPortCookie]],
    }),
  },
  {
    name: 'HTTP/1.1 without a Host',
    status: 400,
    request: (f) => ({ target: `${T1}/master.m3u8`, host: null, headers: [['Cookie', f.cookie]] }),
  },
  // Signatures and cookies that are forged, expired, for another title or another prefix.
  { name: 'no credentials at all', status: 403, request: () => ({ target: '/titles/hostile-t2/master.m3u8' }) },
  {
    name: "hostile-t1's cookie on hostile-t2",
    status: 403,
    request: (f) => ({ target: '/titles/hostile-t2/master.m3u8', headers: [['Cookie', f.cookie]] }),
  },
  {
    name: "hostile-t1's cookie on the draft",
    status: 403,
    request: (f) => ({ target: '/titles/hostile-draft/master.m3u8', headers: [['Cookie', f.cookie]] }),
  },
  {
    name: 'tree policy on a longer title id',
    status: 403,
    request: (f) => ({ target: '/titles/hostile-t10/master.m3u8', headers: [['Cookie', f.cookie]] }),
  },
  {
    name: 'tree policy on the title id without its slash',
    status: 403,
    request: (f) => ({ target: '/titles/hostile-t1.m3u8', headers: [['Cookie', f.cookie]] }),
  },
  {
    name: "tree URL signature on hostile-t2's path",
    status: 403,
    request: (f) => ({ target: `/titles/hostile-t2/master.m3u8?${f.treeQuery}` }),
  },
  {
    name: 'canned signature on another file',
    status: 403,
    request: (f) => ({ target: `${T1}/360p/seg_00001.m4s?${f.cannedQuery}` }),
  },
  {
    name: 'canned signature with a parameter added',
    status: 403,
    request: (f) => ({ target: `${T1}/master.m3u8?x=1&${f.cannedQuery}` }),
  },
  {
    name: 'manifest policy with hostile-t1 in the query',
    status: 403,
    request: (f) => ({ target: `/titles/hostile-t2/master.m3u8?p=${T1}/x.m3u8&${f.manifestsQuery}` }),
  },
  {
    name: 'second Signature parameter',
    status: 403,
    request: (f) => ({ target: `/titles/hostile-t2/master.m3u8?${f.treeQuery}&Signature=AAAA` }),
  },
  {
    name: 'URL signature wins over valid cookies',
    status: 403,
    request: (f) => ({
      target: `${T1}/master.m3u8?Signature=AAAA&Key-Pair-Id=KHOSTILE0001&Expires=4102444800`,
      headers: [['Cookie', f.cookie]],
    }),
  },
  {
    name: 'expired cookies',
    status: 403,
    request: (f) => ({ target: `${T1}/master.m3u8`, headers: [['Cookie', f.expiredCookie]] }),
  },
  {
    name: 'cookies not valid yet',
    status: 403,
    request: (f) => ({ target: `${T1}/master.m3u8`, headers: [['Cookie', f.notYetCookie]] }),
  },
  {
    name: 'cookies signed by a key outside the key group',
    status: 403,
    request: (f) => ({ target: `${T1}/master.m3u8`, headers: [['Cookie', f.untrustedCookie]] }),
  },
  {
    name: 'policy widened, signature kept',
    status: 403,
    request: (f) => ({ target: '/titles/hostile-t2/master.m3u8', headers: [['Cookie', f.forgedCookie]] }),
  },
  {
    name: 'IP-bound cookies from another address',
    status: 403,
    request: (f) => ({ target: `${T1}/master.m3u8`, headers: [['Cookie', f.ipCookie]] }),
  },
  {
    name: 'IP-bound cookies with X-Forwarded-For',
    status: 403,
    request: (f) => ({
      target: `${T1}/master.m3u8`,
      headers: [
        ['X-Forwarded-For', '203.0.113.9'],
        ['Cookie', f.ipCookie],
      ],
    }),
  },
  {
    name: 'unknown key pair ID',
    status: 403,
    request: (f) => ({
      target: `${T1}/master.m3u8`,
      headers: [['Cookie', f.cookie.replace('KHOSTILE0001', 'KOTHER000001')]],
    }),
  },
  {
    name: 'garbage policy cookie',
    status: 403,
    request: () => ({
      target: `${T1}/master.m3u8`,
      headers: [['Cookie', 'CloudFront-Policy=%%%; CloudFront-Signature=~~~; CloudFront-Key-Pair-Id=KHOSTILE0001']],
    }),
  },
  {
    name: 'empty signature cookie',
    status: 403,
    request: (f) => ({
      target: `${T1}/master.m3u8`,
      headers: [['Cookie', f.cookie.replace(/CloudFront-Signature=[^;]*/, 'CloudFront-Signature=')]],
    }),
  },
  // Methods: CloudFront answers 403 to a method the behavior does not allow; Node refuses unknown ones.
  ...['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND'].map(
    (method): HostileCase => ({
      name: `method ${method}`,
      status: 403,
      request: (f) => ({
        method,
        target: `${T1}/master.m3u8`,
        headers: [['Cookie', f.cookie]],
        body: Buffer.from('x'),
      }),
    }),
  ),
  {
    name: 'unknown method',
    status: 400,
    request: (f) => ({ method: 'FOO', target: `${T1}/master.m3u8`, headers: [['Cookie', f.cookie]] }),
  },
  { name: 'CONNECT', status: 403, request: () => ({ method: 'CONNECT', target: 'evil.example:443' }) },
  {
    name: 'upgrade to a WebSocket',
    status: 403,
    request: () => ({
      target: '/titles/hostile-t2/master.m3u8',
      headers: [
        ['Upgrade', 'websocket'],
        ['Connection', 'Upgrade'],
        ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
        ['Sec-WebSocket-Version', '13'],
      ],
    }),
  },
  // CORS: only the player's exact origin may read with credentials, and only with the headers it needs.
  ...(
    [
      ['preflight from another site', 'http://evil.example'],
      ['preflight from an opaque origin', 'null'],
      ['preflight from a suffix of the player origin', 'PLAYER.evil.example'],
      ['preflight from the player host on another port', 'http://127.0.0.1:1'],
      ['preflight from the player origin over https', 'PLAYER-HTTPS'],
      ['preflight from the player origin with a path', 'PLAYER/'],
    ] as const
  ).map(
    ([name, origin]): HostileCase => ({
      name,
      status: 403,
      cors: true,
      request: (f) => ({
        method: 'OPTIONS',
        target: `${T1}/master.m3u8`,
        headers: [
          ['Origin', origin.replace('PLAYER-HTTPS', f.player.replace('http:', 'https:')).replace('PLAYER', f.player)],
          ['Access-Control-Request-Method', 'GET'],
          ['Access-Control-Request-Headers', 'range'],
        ],
      }),
    }),
  ),
  {
    name: 'preflight asking for a header players do not need',
    status: 403,
    cors: true,
    request: (f) => ({
      method: 'OPTIONS',
      target: `${T1}/master.m3u8`,
      headers: [
        ['Origin', f.player],
        ['Access-Control-Request-Method', 'GET'],
        ['Access-Control-Request-Headers', 'range, x-evil'],
      ],
    }),
  },
  {
    name: 'preflight asking to PUT',
    status: 403,
    cors: true,
    request: (f) => ({
      method: 'OPTIONS',
      target: `${T1}/master.m3u8`,
      headers: [
        ['Origin', f.player],
        ['Access-Control-Request-Method', 'PUT'],
      ],
    }),
  },
  {
    name: 'credentialed read from another site',
    status: 403,
    cors: true,
    request: () => ({ target: '/titles/hostile-t2/master.m3u8', headers: [['Origin', 'http://evil.example']] }),
  },
];

describe.skipIf(!target.endpoints.s3)(`local edge against hostile requests (${target.kind})`, () => {
  let clients: AwsClients;
  let edge: RunningEdge;
  let signer: PlaybackSigner;
  const f = {} as Fixture;
  const marker = randomBytes(8).toString('hex');
  /** What the viewer may never read, by name. */
  const secrets = {
    otherTitle: `SECRET-OTHER-TITLE-${marker}`,
    draft: `SECRET-DRAFT-${marker}`,
    rawMaster: `SECRET-RAW-MASTER-${marker}`,
    longerId: `SECRET-LONGER-ID-${marker}`,
  };
  const granted = { manifest: `#EXTM3U\n# hostile-t1 ${marker}\n`, segment: randomBytes(4096) };
  const expectNoSecret = (answer: Answer, what: string) => {
    const text = answer.raw.toString('latin1');
    for (const [name, secret] of Object.entries(secrets)) {
      expect(text.includes(secret), `${what} leaked ${name}`).toBe(false);
    }
  };

  beforeAll(async () => {
    const config = await targetConfig(target);
    clients = createAwsClients(config);
    const put = (Bucket: string, Key: string, Body: string | Buffer) =>
      clients.s3().send(new PutObjectCommand({ Bucket, Key, Body }));
    const cdn = config.resources.cdnBucket;
    await Promise.all([
      put(cdn, 'titles/hostile-t1/master.m3u8', granted.manifest),
      put(cdn, 'titles/hostile-t1/360p/seg_00001.m4s', granted.segment),
      put(cdn, 'titles/hostile-t2/master.m3u8', secrets.otherTitle),
      put(cdn, 'titles/hostile-draft/master.m3u8', secrets.draft),
      put(cdn, 'titles/hostile-t10/master.m3u8', secrets.longerId),
      put(config.resources.rawBucket, 'masters/hostile-t1/abc/film.mov', secrets.rawMaster),
    ]);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signer = createPlaybackSigner({ keyPairId: 'KHOSTILE0001', privateKey });
    edge = await startEdge({
      s3: clients.s3(),
      bucket: cdn,
      verifier: createPlaybackVerifier({ KHOSTILE0001: publicKey }),
      playerOrigins: ['http://127.0.0.1:4173'],
    });
    const hour = new Date(Date.now() + 3600_000);
    const base = edge.url;
    const port = Number(new URL(base).port);
    const tree = `${base}${T1}/*`;
    const manifest = `${base}${T1}/master.m3u8`;
    const cookiesFor = (resource: string, extra: object = {}) =>
      cookieHeader(signer.signCookies(manifest, { expiresAt: hour, resource, ...extra }));
    const queryOf = (url: string) => url.slice(url.indexOf('?') + 1);
    const untrusted = createPlaybackSigner({
      keyPairId: 'KHOSTILE0001',
      privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    });
    const treeCookies = signer.signCookies(manifest, { expiresAt: hour, resource: tree });
    const widened = Buffer.from(
      Buffer.from(treeCookies['CloudFront-Policy'] ?? '', 'base64')
        .toString('utf8')
        .replace(`${T1}/*`, '/titles/*'),
    )
      .toString('base64')
      .replace(/[+=/]/g, (c) => (c === '+' ? '-' : c === '=' ? '_' : '~'));
    Object.assign(f, {
      port,
      base,
      rawBucket: config.resources.rawBucket,
      player: 'http://127.0.0.1:4173',
      cookie: cookieHeader(treeCookies),
      treeQuery: queryOf(signer.signUrl(manifest, { expiresAt: hour, resource: tree })),
      cannedQuery: queryOf(signer.signUrl(manifest, { expiresAt: hour })),
      manifestsQuery: queryOf(signer.signUrl(manifest, { expiresAt: hour, resource: `${base}${T1}/*.m3u8` })),
      expiredCookie: cookieHeader(
        signer.signCookies(manifest, { expiresAt: new Date(Date.now() - 1000), resource: tree }),
      ),
      notYetCookie: cookiesFor(tree, { startsAt: new Date(Date.now() + 600_000) }),
      evilHostCookie: cookiesFor('http://evil.example/titles/*'),
      localhostCookie: cookiesFor(`http://localhost:${port}/titles/*`),
      otherPortCookie: cookiesFor('http://127.0.0.1:1/titles/*'),
      untrustedCookie: cookieHeader(untrusted.signCookies(manifest, { expiresAt: hour, resource: `${base}/titles/*` })),
      forgedCookie: cookieHeader({ ...treeCookies, 'CloudFront-Policy': widened }),
      ipCookie: cookiesFor(tree, { ipRange: '203.0.113.0/24' }),
    } satisfies Fixture);
  });
  afterAll(async () => {
    await edge?.stop();
    clients?.destroy();
  });

  it('serves the viewer what its cookies and URLs grant (so every refusal below is the rule, not a broken key)', async () => {
    const byCookie = await exchange(f.port, { target: `${T1}/master.m3u8`, headers: [['Cookie', f.cookie]] });
    expect(byCookie.status).toBe(200);
    expect(byCookie.body.toString()).toBe(granted.manifest);
    const byUrl = await exchange(f.port, { target: `${T1}/360p/seg_00001.m4s?${f.treeQuery}` });
    expect(byUrl.status).toBe(200);
    expect(byUrl.body.equals(granted.segment)).toBe(true);
    const canned = await exchange(f.port, { target: `${T1}/master.m3u8?${f.cannedQuery}` });
    expect(canned.status).toBe(200);
    // A foreign Host changes nothing: the policy is checked against the edge's own URL.
    const foreignHost = await exchange(f.port, {
      target: `${T1}/master.m3u8`,
      host: 'evil.example',
      headers: [['Cookie', f.cookie]],
    });
    expect(foreignHost.status).toBe(200);
  });

  it(`has at least 50 distinct hostile cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, hostile) => {
    const request = hostile.request(f);
    const answer = await exchange(f.port, request);
    expect(answer.status).toBe(hostile.status);
    expectErrorShape(answer, request.method);
    expectNoSecret(answer, hostile.name);
    if (hostile.cors) {
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('never answers 5xx, never leaks an object the policy does not grant, and refuses in the error shape (fuzz)', async () => {
    const runs = Number(process.env.EDGE_FUZZ_RUNS ?? 200);
    const piece = fc.oneof(
      fc.constantFrom(
        'titles',
        'hostile-t1',
        'hostile-t2',
        'hostile-draft',
        'hostile-t10',
        'masters',
        'abc',
        'film.mov',
        'master.m3u8',
        '360p',
        'seg_00001.m4s',
        '..',
        '.',
        '%2e%2e',
        '%2E.',
        '..%2F',
        '%2f',
        '%5C',
        '\\',
        '%252e%252e',
        '%00',
        '%0d%0a',
        '%ZZ',
        '%',
        '',
        '*',
        ';',
        '..;',
        '%c0%ae',
        '\u00e9',
        '._S3rver_object',
        'health',
        'v1',
      ),
      fc.constant('RAW'),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.nat({ max: 400 }).map((n) => 'x'.repeat(n)),
    );
    const query = fc.oneof(
      { arbitrary: fc.constant(''), weight: 6 },
      fc.constant('?foo=%ZZ'),
      fc.constant('?%00=1'),
      fc.constant('?TREE'),
      fc.constant('?CANNED'),
      fc.constant('?a=1&TREE'),
      fc.string({ maxLength: 16 }).map((q) => `?${q}`),
      fc.string({ maxLength: 16 }).map((q) => `?q=${encodeURIComponent(q)}`),
    );
    const header = fc.oneof(
      fc.constantFrom<[string, string]>(
        ['Host', 'evil.example'],
        ['X-Forwarded-Host', 'evil.example'],
        ['X-Forwarded-For', '203.0.113.9'],
        ['Origin', 'http://evil.example'],
        ['Origin', 'null'],
        ['Origin', 'http://127.0.0.1:4173'],
        ['Range', 'bytes=0-10'],
        ['Range', 'bytes=-5'],
        ['Range', 'bytes=abc-'],
        ['Range', 'bytes=99999999999999999999-'],
        ['Range', 'bytes=5000000-'],
        ['Range', 'bytes=0-1,4-5'],
        ['Access-Control-Request-Method', 'GET'],
        ['Access-Control-Request-Method', 'DELETE'],
        ['Access-Control-Request-Headers', 'range, x-evil'],
        ['Transfer-Encoding', 'chunked'],
        ['Content-Length', 'abc'],
      ),
      fc.tuple(fc.constantFrom('X-Fuzz', 'Cookie', 'Range', 'Origin'), fc.string({ maxLength: 40 })),
    );
    const cookie = fc.constantFrom(
      'none',
      'cookie',
      'cookie',
      'cookie',
      'expiredCookie',
      'evilHostCookie',
      'forgedCookie',
      'untrustedCookie',
      'ipCookie',
      'garbage',
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'POST', 'DELETE', 'PROPFIND', 'FOO'),
      absolute: fc.constantFrom('', '', '', 'BASE', 'http://evil.example'),
      // Half the paths start as a title's tree does, so some reach objects the viewer may read.
      path: fc.oneof(
        { arbitrary: fc.array(piece, { minLength: 1, maxLength: 7 }), weight: 1 },
        {
          weight: 2,
          arbitrary: fc
            .tuple(
              fc.constantFrom('hostile-t1', 'hostile-t1', 'hostile-t2', 'hostile-draft'),
              fc.oneof(
                { arbitrary: fc.constant([]), weight: 2 },
                { arbitrary: fc.array(piece, { maxLength: 3 }), weight: 1 },
              ),
              fc.constantFrom('master.m3u8', '360p/seg_00001.m4s', 'none.m4s'),
            )
            .map(([title, middle, file]) => ['titles', title, ...middle, file]),
        },
      ),
      query,
      headers: fc.array(header, { maxLength: 3 }),
      cookie,
    });
    const grantedBodies = [Buffer.from(granted.manifest), granted.segment];
    const statuses = new Map<number, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const path = `/${r.path.map((p) => (p === 'RAW' ? f.rawBucket : p)).join('/')}`;
        const q = r.query.replace('TREE', f.treeQuery).replace('CANNED', f.cannedQuery);
        const absolute = r.absolute === 'BASE' ? f.base : r.absolute;
        const headers = r.headers.filter(([name]) => name.toLowerCase() !== 'host');
        const host = r.headers.find(([name]) => name === 'Host')?.[1];
        const jar =
          r.cookie === 'none'
            ? undefined
            : r.cookie === 'garbage'
              ? 'CloudFront-Policy=!!; CloudFront-Signature=??; CloudFront-Key-Pair-Id=KHOSTILE0001'
              : f[r.cookie as 'cookie'];
        const sent: RawRequest = {
          method: r.method,
          target: `${absolute}${path}${q}`,
          headers: jar ? [...headers, ['Cookie', jar]] : headers,
          ...(host ? { host } : {}),
          ...(r.method === 'POST' ? { body: Buffer.from('{"x":1}') } : {}),
        };
        const answer = await exchange(f.port, sent);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const what = `${r.method} ${sent.target.slice(0, 200)} ${JSON.stringify(sent.headers)}`;
        expect(answer.status, what).toBeGreaterThanOrEqual(200);
        expect(answer.status, what).toBeLessThan(500);
        expectNoSecret(answer, what);
        if (answer.status >= 300) expectErrorShape(answer, r.method);
        else if (r.method === 'GET' && answer.status === 200 && answer.headers['content-type'] !== 'application/json') {
          // A 200 of an object is one the viewer holds a grant for.
          expect(
            grantedBodies.some((b) => b.equals(answer.body)),
            what,
          ).toBe(true);
        }
      }),
      { numRuns: runs },
    );
    const tally = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
    console.log(
      `edge fuzz: ${runs} runs in ${((performance.now() - started) / 1000).toFixed(1)} s (${tally.join(', ')})`,
    );
    // The pieces reach every outcome, served objects included: a fuzz that only met 400s would prove little.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([400, 403]));
  });
});
