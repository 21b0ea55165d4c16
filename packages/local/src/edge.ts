/**
 * The local edge: CloudFront's part in the embedded platform. It serves the
 * CDN bucket over HTTP and lets a request through only with a valid signed
 * URL or signed cookies for the local key group, as CloudFront does for a
 * behavior with trusted key groups.
 *
 * The request target is decoded once, here, into one key of the one bucket;
 * the policy is checked against the edge's own URL of that key, so neither a
 * dot segment, an encoded separator nor a Host header can make a signature
 * for one title cover another title or another bucket.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ErrorCode, ValidationError, wrapAwsError } from '@streamctl/sdk/errors';
import { activeSigningKey, ensureLocalKeySet, publicKeyPem } from '@streamctl/sdk/keys';
import { dataDirLayout } from '@streamctl/sdk/local';
import type { PlaybackVerifier, Verdict } from '@streamctl/sdk/playback';

/** The local stage's active CloudFront key pair (the one that signs; the edge trusts every key of the set). */
export interface EdgeKeyPair {
  keyPairId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * Returns the active key pair of the data dir's signing key set, making the set on first use.
 * The set (`@streamctl/sdk/keys`) may hold more keys while `streamctl keys rotate` runs; the
 * edge trusts all of them (`createLocalKeySetVerifier`), only this one signs.
 *
 * @example
 * ```ts
 * const { keyPairId, privateKeyPem } = ensureEdgeKeyPair('.streamctl/local');
 * ```
 */
export function ensureEdgeKeyPair(dataDir: string): EdgeKeyPair {
  const active = activeSigningKey(ensureLocalKeySet(dataDir));
  return {
    keyPairId: active.keyPairId,
    privateKeyPem: active.privateKey,
    publicKeyPem: publicKeyPem(active.privateKey),
  };
}

/**
 * The local edge's origin secret: what it sends the API in `x-streamctl-origin-secret` on every
 * request it passes on, as CloudFront sends the stage's, so the API knows a request came through
 * the edge (one origin for the page, the API and the media). Kept in the data dir (mode 0600),
 * made on first use.
 *
 * @example
 * ```ts
 * createHttpApp(platform, { originSecret: ensureEdgeOriginSecret(dataDir) });
 * ```
 */
export function ensureEdgeOriginSecret(dataDir: string): string {
  const file = join(dataDirLayout(dataDir).keys, 'origin-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDirLayout(dataDir).keys, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readFileSync(file, 'utf8').trim();
}

/** The header the edge proves itself to the API with; a viewer's own copy never passes the edge. */
const ORIGIN_SECRET_HEADER = 'x-streamctl-origin-secret';

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  m4v: 'video/mp4',
  cmfv: 'video/mp4',
  cmfa: 'audio/mp4',
  ts: 'video/mp2t',
  aac: 'audio/aac',
  vtt: 'text/vtt',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  json: 'application/json',
};

/** The content type the edge serves a key with. */
export function contentTypeFor(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** Why the edge refuses a request: the status CloudFront answers with, and a code of the one error family. */
interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

const refusal = (status: number, code: ErrorCode, message: string, details?: Record<string, unknown>): Refusal => ({
  status,
  code,
  message,
  ...(details ? { details } : {}),
});
const badRequest = (message: string): Refusal => refusal(400, ErrorCode.ValidationFailed, message);
const isRefusal = (value: object): value is Refusal => 'status' in value;

/** CloudFront's quota on a URL's length: a longer request target gets 414. */
const MAX_URL_BYTES = 8192;
/** CloudFront's quota on a request's line and headers together: Node answers more with 431. */
const MAX_HEADER_BYTES = 20_480;
/** S3's longest object key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/**
 * The local store keeps an object as a file named after the key's last segment plus a
 * 15-byte suffix (`._S3rver_object`), and names it reserves for itself contain `._S3rver_`.
 * File names stop at 255 bytes, so a longer segment or a reserved name can hold no object.
 */
const MAX_STORED_SEGMENT_BYTES = 240;
const STORE_RESERVED = '._S3rver_';
/** The API's own body limit: a larger body for `/v1/*` gets 413 before it reaches a Region. */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** The request headers a player may send cross-origin: the same list as the distribution's CORS policy. */
const PLAYER_HEADERS = ['range', 'authorization', 'content-type'];
/** What a path may hold before decoding: RFC 3986's unreserved and sub-delims, `:`, `@`, `/` and escapes. */
const PATH_CHARACTERS = /^[\w\-.~!$&'()*+,;=:@/%]*$/;
const QUERY_CHARACTERS = /^[\w\-.~!$&'()*+,;=:@/?%]*$/;
/** `%2F` and `%5C` decode to a separator: an object store or a file system could split on them. */
const ENCODED_SEPARATOR = /%(?:2f|5c)/i;

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** The object a request asks for: its key in the CDN bucket, and the URL a policy must cover to serve it. */
interface ObjectRequest {
  key: string;
  url: string;
}

/**
 * Reads the request target once, the one place it is decoded. Each segment is
 * percent-decoded exactly once and must then be a plain name: not empty, not
 * `.` or `..`, without control characters, separators or a `%` (which would
 * mean a second decoding somewhere). The URL the policy is checked against is
 * built from the edge's own base URL and the decoded segments, encoded as
 * CloudFront's signers encode them, so it names exactly the object served.
 */
function objectRequest(path: string, query: string | undefined, base: string): ObjectRequest | Refusal {
  if (!path.startsWith('/') || !PATH_CHARACTERS.test(path)) {
    return badRequest('The path holds characters a URL path may not (spaces, quotes, backslashes, non-ASCII)');
  }
  const segments: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    if (ENCODED_SEPARATOR.test(raw)) return badRequest('The path holds an encoded / or \\ (%2F, %5C)');
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return badRequest('The path is not valid percent-encoded UTF-8');
    }
    if (segment === '') return badRequest('The path has an empty segment (// or a trailing /)');
    if (segment === '.' || segment === '..') return badRequest('The path has a dot segment (. or ..)');
    if (hasControlCharacter(segment)) return badRequest('The path holds a control character');
    if (segment.includes('%')) return badRequest('The path holds an encoded %: it is encoded twice');
    segments.push(segment);
  }
  const key = segments.join('/');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return badRequest(`The key is longer than S3's ${MAX_KEY_BYTES} bytes`);
  if (query !== undefined) {
    if (!QUERY_CHARACTERS.test(query)) return badRequest('The query holds characters a URL query may not');
    for (const part of query.split(/[&=]/)) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(part);
      } catch {
        return badRequest('The query is not valid percent-encoded UTF-8');
      }
      if (hasControlCharacter(decoded)) return badRequest('The query holds a control character');
    }
  }
  const url = `${base}/${segments.map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
  return { key, url };
}

/**
 * The origin-form path and query of a request target. An absolute-form target
 * (`GET http://host/path`) is taken only when it names this edge: it is no proxy.
 */
function requestTarget(target: string, base: string): { path: string; query: string | undefined } | Refusal {
  if (Buffer.byteLength(target) > MAX_URL_BYTES) {
    return refusal(414, ErrorCode.ValidationFailed, `The URL is longer than ${MAX_URL_BYTES} bytes`);
  }
  let originForm = target;
  if (!target.startsWith('/')) {
    if (!target.toLowerCase().startsWith(`${base.toLowerCase()}/`)) {
      return badRequest('The request target must be a path on this edge, which is not a proxy');
    }
    originForm = target.slice(base.length);
  }
  const q = originForm.indexOf('?');
  return q === -1
    ? { path: originForm, query: undefined }
    : { path: originForm.slice(0, q), query: originForm.slice(q + 1) };
}

/** The cookies of a request by name; of two with one name, the first (the one set for the longer path) counts. */
function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    if (eq > 0 && !Object.hasOwn(cookies, name)) cookies[name] = part.slice(eq + 1).trim();
  }
  return cookies;
}

/** A single `bytes=first-[last]` range as S3 reads it; anything else is ignored and the whole object is served. */
function parseRange(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(header.trim());
  if (!match) return undefined;
  const [, first, last] = match;
  if (last && Number(last) < Number(first)) return undefined;
  return `bytes=${Number(first)}-${last ? Number(last) : ''}`;
}

/** An origin (`scheme://host[:port]`) from configuration, or an error naming the bad value. */
function configuredOrigin(value: string, what: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search) {
    throw new ValidationError(`Invalid ${what} "${value}": expected an origin such as http://127.0.0.1:5173`, [
      { path: what, message: 'expected scheme://host[:port]' },
    ]);
  }
  return url.origin;
}

function send(res: ServerResponse, refused: Refusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    error: { code: refused.code, message: refused.message, ...(refused.details ? { details: refused.details } : {}) },
  });
  res.writeHead(refused.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** Answers on a bare socket (a request Node did not hand to the edge) and closes it. */
function answerOnSocket(socket: Duplex, refused: Refusal, withBody = true): void {
  const body = JSON.stringify({ error: { code: refused.code, message: refused.message } });
  socket.end(
    `HTTP/1.1 ${refused.status} ${STATUS_CODES[refused.status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n` +
      (withBody ? body : ''),
  );
}

/**
 * One member of the edge's media origin group: a Region's CDN bucket. `down` models that Region's
 * outage (a drill): the edge sees the origin answer 503, as CloudFront sees a failed Region's bucket.
 */
export interface MediaOrigin {
  region: string;
  bucket: string;
  down?: boolean;
}

/** The statuses on which the media origin group tries its next member, as the distribution's failover criteria. */
export const MEDIA_FAILOVER_STATUSES: readonly number[] = [403, 404, 500, 502, 503, 504];

/** Options of {@link startEdge}. */
export interface EdgeOptions {
  s3: S3Client;
  /**
   * The CDN bucket served while no media origin group is set ({@link RunningEdge.setMediaOrigins}):
   * fixed, never taken from a request.
   */
  bucket: string;
  verifier: PlaybackVerifier;
  host?: string;
  port?: number;
  /**
   * The URL viewers reach the edge by, which signed policies name (as the distribution's
   * domain is for CloudFront). Default: the URL it listens on. Request headers never change it.
   */
  baseUrl?: string;
  /**
   * Origins of web players that may load media with credentials (signed cookies), e.g.
   * `http://127.0.0.1:4000`. No other origin gets CORS headers. Default: none.
   */
  playerOrigins?: string[];
  /** The largest request body forwarded to the API origins. Default 1 MiB, the API's own limit. */
  maxBodyBytes?: number;
  /**
   * Sent to the API origins in `x-streamctl-origin-secret` (a viewer's own header of that name is
   * dropped), as CloudFront sends the stage's: see {@link ensureEdgeOriginSecret}. Default: none.
   */
  originSecret?: string;
}

/** A running edge. */
export interface RunningEdge {
  url: string;
  stop(): Promise<void>;
  /**
   * Routes `/v1/*` (and `/dev/*`, `/player/*`) to API origins, in the order the function returns them
   * (primary first). As a CloudFront origin group does, only GET, HEAD and
   * OPTIONS fail over to the next origin (when one refuses the connection
   * or answers 5xx); every other method goes to the primary alone and gets
   * a 502 while the primary is down.
   */
  setApiOrigins(origins: (() => Promise<string[]>) | undefined): void;
  /** Lets more web players load media with credentials (a player served after the edge started). */
  allowPlayerOrigins(origins: string[]): void;
  /**
   * Serves media from an origin group of Regions' CDN buckets, in the order the function returns
   * them (primary first). As CloudFront's origin failover does, a GET or HEAD that the first bucket
   * answers with 403, 404 or 5xx goes to the next; the last bucket's answer is the viewer's. The
   * bucket that served says itself in `x-streamctl-media-region`. Unset: the one `bucket`.
   */
  setMediaOrigins(origins: (() => Promise<MediaOrigin[]>) | undefined): void;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

/**
 * Reads a request body up to `limit` bytes; undefined when it is larger. The
 * rest is left unread (the caller answers and closes the connection), so an
 * oversize body is never held in memory.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length']) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.pause();
        resolve(undefined);
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Forwards one API request to the first origin that takes it. */
async function proxyApi(
  req: IncomingMessage,
  res: ServerResponse,
  origins: string[],
  pathAndQuery: string,
  maxBody: number,
  originSecret: string | undefined,
): Promise<void> {
  let body: Buffer | undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    body = await readBody(req, maxBody);
    if (!body) {
      // The rest of the body is never read: the connection cannot carry another request.
      res.setHeader('Connection', 'close');
      send(res, refusal(413, ErrorCode.PayloadTooLarge, `The body is larger than ${maxBody} bytes`));
      return;
    }
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string' && !HOP_BY_HOP.has(k) && k !== ORIGIN_SECRET_HEADER) headers[k] = v;
  }
  if (originSecret) headers[ORIGIN_SECRET_HEADER] = originSecret;
  // CloudFront origin groups fail over only these methods; the rest go to the primary alone.
  const failsOver = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
  let last = 'no API origin is configured';
  for (const origin of failsOver ? origins : origins.slice(0, 1)) {
    let answer: Response;
    try {
      answer = await fetch(`${origin}${pathAndQuery}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body?.length ? { body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      // Never reached the origin (refused, reset, timed out): the next origin may take a GET/HEAD/OPTIONS.
      last = `${origin}: ${(err as Error).message}`;
      continue;
    }
    if (answer.status >= 500 && failsOver && origin !== origins[origins.length - 1]) {
      last = `${origin}: ${answer.status}`;
      await answer.body?.cancel().catch(() => undefined);
      continue;
    }
    const out: Record<string, string | string[]> = {};
    answer.headers.forEach((value, key) => {
      // fetch has decoded the body already, so its encoding and length no longer apply.
      if (!HOP_BY_HOP.has(key) && key !== 'content-encoding' && key !== 'set-cookie') out[key] = value;
    });
    // Each cookie its own header (joined, they would be one broken cookie).
    const cookies = answer.headers.getSetCookie();
    if (cookies.length) out['set-cookie'] = cookies;
    res.writeHead(answer.status, out);
    if (req.method === 'HEAD' || !answer.body) {
      await answer.body?.cancel().catch(() => undefined);
      res.end();
      return;
    }
    await pipeline(Readable.fromWeb(answer.body as WebReadableStream<Uint8Array>), res);
    return;
  }
  send(
    res,
    refusal(
      502,
      ErrorCode.EndpointUnreachable,
      failsOver
        ? `No API origin answered (${last})`
        : `The primary API origin did not answer the ${req.method} (${last}); only GET, HEAD and OPTIONS fail over`,
    ),
  );
}

/** A preflight's answer: 204 with the CORS headers for a player origin, 403 for anything else. */
function preflight(req: IncomingMessage, res: ServerResponse, players: ReadonlySet<string>): void {
  const origin = req.headers.origin;
  const method = req.headers['access-control-request-method'];
  if (!origin || !method) {
    // A plain OPTIONS, not a browser's preflight: say what the edge answers.
    res.writeHead(204, { Allow: 'GET, HEAD, OPTIONS' });
    res.end();
    return;
  }
  if (!players.has(origin)) {
    send(res, refusal(403, ErrorCode.Forbidden, 'This origin is not a player origin of the edge'));
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    send(res, refusal(403, ErrorCode.Forbidden, 'Players may only GET and HEAD media'));
    return;
  }
  const asked = (req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const refused = asked.filter((h) => !PLAYER_HEADERS.includes(h));
  if (refused.length) {
    send(res, refusal(403, ErrorCode.Forbidden, `Players may not send ${refused.join(', ').slice(0, 200)}`));
    return;
  }
  res.writeHead(204, {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'GET, HEAD',
    'Access-Control-Allow-Headers': 'Range, Authorization, Content-Type',
    'Access-Control-Max-Age': '3600',
    Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  });
  res.end();
}

/** Whether the object store failed to find the key (404), to satisfy the range (416), or failed itself. */
function storeRefusal(err: unknown, key: string): Refusal {
  const name = (err as { name?: string }).name;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return refusal(404, ErrorCode.NotFound, `No object ${key}`);
  }
  if (name === 'InvalidRange' || status === 416) {
    return refusal(416, ErrorCode.ValidationFailed, `The range is outside ${key}`);
  }
  const wrapped = wrapAwsError(err, 's3:GetObject');
  return refusal(502, wrapped.code, `The object store failed (${name ?? 'error'})`);
}

/** What one origin of the media group answered: headers to serve, or a refusal. */
type OriginAnswer =
  | { ok: true; status: number; headers: Record<string, string>; body?: Readable }
  | { ok: false; refused: Refusal };

/** Reads a key from one bucket, as one origin of the media group. */
async function fetchFromOrigin(
  req: IncomingMessage,
  s3: S3Client,
  origin: MediaOrigin,
  key: string,
  headers: Record<string, string>,
): Promise<OriginAnswer> {
  if (origin.down) {
    return { ok: false, refused: refusal(503, ErrorCode.EndpointUnreachable, `The ${origin.region} origin is down`) };
  }
  if (req.method === 'HEAD') {
    let head: HeadObjectCommandOutput;
    try {
      head = await s3.send(new HeadObjectCommand({ Bucket: origin.bucket, Key: key }));
    } catch (err) {
      return { ok: false, refused: storeRefusal(err, key) };
    }
    return {
      ok: true,
      status: 200,
      headers: {
        ...headers,
        'Content-Length': String(head.ContentLength ?? 0),
        ...(head.ETag ? { ETag: head.ETag } : {}),
      },
    };
  }
  const range = parseRange(req.headers.range);
  let object: GetObjectCommandOutput;
  try {
    object = await s3.send(
      new GetObjectCommand({ Bucket: origin.bucket, Key: key, ...(range ? { Range: range } : {}) }),
    );
  } catch (err) {
    return { ok: false, refused: storeRefusal(err, key) };
  }
  const out = { ...headers };
  if (object.ContentLength !== undefined) out['Content-Length'] = String(object.ContentLength);
  if (object.ContentRange) out['Content-Range'] = object.ContentRange;
  if (object.ETag) out.ETag = object.ETag;
  return { ok: true, status: object.ContentRange ? 206 : 200, headers: out, body: object.Body as Readable | undefined };
}

async function serveObject(
  req: IncomingMessage,
  res: ServerResponse,
  s3: S3Client,
  origins: MediaOrigin[],
  key: string,
): Promise<void> {
  if (key.split('/').some((s) => Buffer.byteLength(s) > MAX_STORED_SEGMENT_BYTES || s.includes(STORE_RESERVED))) {
    send(res, refusal(404, ErrorCode.NotFound, `No object ${key}`));
    return;
  }
  const headers: Record<string, string> = {
    'Content-Type': contentTypeFor(key),
    'Accept-Ranges': 'bytes',
    'Cache-Control': key.endsWith('.m3u8') || key.endsWith('.mpd') ? 'max-age=2' : 'max-age=86400',
  };
  let last: Refusal = refusal(502, ErrorCode.EndpointUnreachable, 'The edge has no media origin');
  for (const [i, origin] of origins.entries()) {
    const answer = await fetchFromOrigin(req, s3, origin, key, headers);
    if (!answer.ok) {
      last = answer.refused;
      // The origin group tries the next bucket only on its failover statuses; a bad range is the viewer's.
      if (MEDIA_FAILOVER_STATUSES.includes(last.status) && i < origins.length - 1) continue;
      break;
    }
    // Which Region's bucket served: the local stand-in for CloudFront's origin logs.
    if (origins.length > 1) answer.headers['X-Streamctl-Media-Region'] = origin.region;
    res.writeHead(answer.status, answer.headers);
    if (!answer.body) {
      res.end();
      return;
    }
    await pipeline(answer.body, res);
    return;
  }
  send(res, last);
}

/**
 * Starts the local edge. A request is served only when all of these hold, in
 * this order: its method is GET or HEAD (403 otherwise, as CloudFront answers
 * a method its behavior does not allow); its target is a path that names one
 * key of the CDN bucket (400, or 414 past CloudFront's 8,192-byte URL quota);
 * its signed URL or cookies cover the edge's own URL of that key (403); the
 * key exists (404). The object store failing is the only 5xx. Every refusal
 * is a JSON body `{"error":{"code","message"}}` like the API's.
 *
 * @example
 * ```ts
 * const edge = await startEdge({
 *   s3,
 *   bucket: 'streamctl-local-cdn-us-east-1',
 *   verifier,
 *   playerOrigins: ['http://127.0.0.1:4000'],
 * });
 * ```
 */
/**
 * The paths the edge passes to the API: the API itself, the local sign-in, and the web player
 * the API serves, so the page, the API and the media share the edge's one origin.
 */
const isApiPath = (path: string) =>
  ['/v1', '/dev', '/player'].some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const host = options.host ?? '127.0.0.1';
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const players = new Set((options.playerOrigins ?? []).map((o) => configuredOrigin(o, 'playerOrigins')));
  let base = options.baseUrl === undefined ? '' : configuredOrigin(options.baseUrl, 'baseUrl');
  let apiOrigins: (() => Promise<string[]>) | undefined;
  let mediaOrigins: (() => Promise<MediaOrigin[]>) | undefined;
  const single: MediaOrigin[] = [{ region: '', bucket: options.bucket }];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const target = requestTarget(req.url ?? '/', base);
    if (isRefusal(target)) return send(res, target);
    if (apiOrigins && isApiPath(target.path)) {
      const pathAndQuery = target.query === undefined ? target.path : `${target.path}?${target.query}`;
      return proxyApi(req, res, await apiOrigins(), pathAndQuery, maxBody, options.originSecret);
    }
    const origin = req.headers.origin;
    res.setHeader('Vary', 'Origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // A preflight gets its CORS headers only once it is accepted (see preflight()).
    if (origin && players.has(origin) && req.method !== 'OPTIONS') {
      // Signed cookies need credentialed requests, which need the page's exact origin.
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range');
    }
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      return send(res, badRequest('An HTTP/1.1 request needs a Host header'));
    }
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
      // A body that may follow is never read: the connection cannot carry another request.
      res.setHeader('Connection', 'close');
      return send(res, refusal(403, ErrorCode.Forbidden, `The edge answers GET, HEAD and OPTIONS, not ${method}`));
    }
    const wanted = objectRequest(target.path, target.query, base);
    if (isRefusal(wanted)) return send(res, wanted);
    if (method === 'OPTIONS') return preflight(req, res, players);
    if (wanted.key === 'health') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      const group = mediaOrigins ? await mediaOrigins() : single;
      res.end(
        JSON.stringify({
          status: 'ok',
          bucket: group[0]?.bucket,
          ...(mediaOrigins ? { buckets: group.map((o) => ({ region: o.region, bucket: o.bucket })) } : {}),
        }),
      );
      return;
    }
    let verdict: Verdict;
    try {
      verdict = options.verifier.verify({
        url: wanted.url,
        cookies: parseCookies(req.headers.cookie),
        clientIp: req.socket.remoteAddress ?? '',
      });
    } catch {
      verdict = { allowed: false, reason: 'malformed-policy', message: 'The signature or policy cannot be read' };
    }
    if (!verdict.allowed) {
      return send(res, refusal(403, ErrorCode.Forbidden, verdict.message, { reason: verdict.reason }));
    }
    return serveObject(req, res, options.s3, mediaOrigins ? await mediaOrigins() : single, wanted.key);
  };

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false }, (req, res) => {
    handle(req, res).catch(() => {
      // A bug, or a viewer who went away mid-body: nothing the edge knows more about.
      if (res.headersSent) res.destroy();
      else send(res, refusal(500, ErrorCode.Internal, 'Internal error'));
    });
  });
  // Requests Node refuses before the edge sees them (oversize headers, an unknown method,
  // bytes HTTP does not allow) still get the JSON error shape rather than an empty answer.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    // An answer to HEAD has no body, even when the rest of the request could not be read.
    const head = (err as { rawPacket?: Buffer }).rawPacket?.toString('latin1', 0, 5) === 'HEAD ';
    answerOnSocket(
      socket,
      tooLarge
        ? refusal(431, ErrorCode.ValidationFailed, `The request line and headers exceed ${MAX_HEADER_BYTES} bytes`)
        : badRequest('The request is not valid HTTP'),
      !head,
    );
  });
  // CONNECT asks for a tunnel, which the edge never opens (CloudFront refuses the method too).
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    answerOnSocket(socket, refusal(403, ErrorCode.Forbidden, 'The edge answers GET, HEAD and OPTIONS, not CONNECT'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  base ||= url;
  return {
    url,
    setApiOrigins(origins) {
      apiOrigins = origins;
    },
    allowPlayerOrigins(origins) {
      for (const origin of origins) players.add(configuredOrigin(origin, 'playerOrigins'));
    },
    setMediaOrigins(origins) {
      mediaOrigins = origins;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
