/**
 * The local edge: CloudFront's part in the embedded platform. It serves the
 * CDN bucket over HTTP and lets a request through only with a valid signed
 * URL or signed cookies for the local key group, as CloudFront does for a
 * behavior with trusted key groups.
 */
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { dataDirLayout } from '@streamctl/sdk/local';
import type { PlaybackVerifier } from '@streamctl/sdk/playback';

/** The local stage's CloudFront key pair (the key group has this one public key). */
export interface EdgeKeyPair {
  keyPairId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * Returns the data dir's CloudFront key pair, creating it on first use.
 *
 * @example
 * ```ts
 * const { keyPairId, privateKeyPem } = ensureEdgeKeyPair('.streamctl/local');
 * ```
 */
export function ensureEdgeKeyPair(dataDir: string): EdgeKeyPair {
  const file = join(dataDirLayout(dataDir).keys, 'cloudfront.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EdgeKeyPair;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  // Shaped like CloudFront's public key IDs: K followed by 13 upper-case letters and digits.
  const keyPairId = `K${Array.from({ length: 13 }, () => alphabet[randomInt(alphabet.length)]).join('')}`;
  const pair: EdgeKeyPair = {
    keyPairId,
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  mkdirSync(dataDirLayout(dataDir).keys, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, JSON.stringify(pair, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return JSON.parse(readFileSync(file, 'utf8')) as EdgeKeyPair;
    throw err;
  }
  return pair;
}

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

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

function cors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  // Signed cookies need credentialed requests, which need an explicit origin.
  res.setHeader('Access-Control-Allow-Origin', origin ?? '*');
  if (origin) {
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  }
  res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, Accept-Ranges');
}

function sendError(res: ServerResponse, status: number, code: string, message: string, reason?: string): void {
  const body = JSON.stringify({ error: { code, message, ...(reason ? { reason } : {}) } });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Options of {@link startEdge}. */
export interface EdgeOptions {
  s3: S3Client;
  /** The CDN bucket served. */
  bucket: string;
  verifier: PlaybackVerifier;
  host?: string;
  port?: number;
}

/** A running edge. */
export interface RunningEdge {
  url: string;
  stop(): Promise<void>;
  /**
   * Routes `/v1/*` to API origins, in the order the function returns them
   * (primary first). As a CloudFront origin group does, only GET, HEAD and
   * OPTIONS fail over to the next origin (when one refuses the connection
   * or answers 5xx); every other method goes to the primary alone and gets
   * a 502 while the primary is down.
   */
  setApiOrigins(origins: (() => Promise<string[]>) | undefined): void;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

/** Forwards one API request to the first origin that takes it. */
async function proxyApi(req: IncomingMessage, res: ServerResponse, origins: string[]): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string' && !HOP_BY_HOP.has(k)) headers[k] = v;
  }
  // CloudFront origin groups fail over only these methods; the rest go to the primary alone.
  const failsOver = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
  let last = 'no API origin is configured';
  for (const origin of failsOver ? origins : origins.slice(0, 1)) {
    let answer: Response;
    try {
      answer = await fetch(`${origin}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
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
      await answer.arrayBuffer().catch(() => undefined);
      continue;
    }
    const out: Record<string, string> = {};
    answer.headers.forEach((value, key) => {
      if (!HOP_BY_HOP.has(key) && key !== 'content-encoding') out[key] = value;
    });
    const payload = Buffer.from(await answer.arrayBuffer());
    out['content-length'] = String(payload.length);
    res.writeHead(answer.status, out);
    res.end(req.method === 'HEAD' ? undefined : payload);
    return;
  }
  sendError(
    res,
    502,
    'ORIGIN_ERROR',
    failsOver
      ? `No API origin answered (${last})`
      : `The primary API origin did not answer the ${req.method} (${last}); only GET, HEAD and OPTIONS fail over`,
  );
}

/**
 * Starts the local edge.
 *
 * @example
 * ```ts
 * const edge = await startEdge({ s3, bucket: 'streamctl-local-cdn-us-east-1', verifier });
 * ```
 */
export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const host = options.host ?? '127.0.0.1';
  let apiOrigins: (() => Promise<string[]>) | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestPath = (req.url ?? '/').split('?')[0] ?? '/';
    if (apiOrigins && (requestPath === '/v1' || requestPath.startsWith('/v1/'))) {
      await proxyApi(req, res, await apiOrigins());
      return;
    }
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Range',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, 'METHOD_NOT_ALLOWED', 'The edge serves GET and HEAD only');
      return;
    }
    const url = `http://${req.headers.host ?? host}${req.url ?? '/'}`;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/health') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', bucket: options.bucket }));
      return;
    }
    const verdict = options.verifier.verify({
      url,
      cookies: parseCookies(req.headers.cookie),
      clientIp: req.socket.remoteAddress ?? '',
    });
    if (!verdict.allowed) {
      sendError(res, 403, 'ACCESS_DENIED', verdict.message, verdict.reason);
      return;
    }
    let key: string;
    try {
      key = decodeURIComponent(path.slice(1));
    } catch {
      sendError(res, 400, 'BAD_REQUEST', 'The path is not valid percent-encoding');
      return;
    }
    const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    try {
      if (req.method === 'HEAD') {
        const head = await options.s3.send(new HeadObjectCommand({ Bucket: options.bucket, Key: key }));
        res.writeHead(200, {
          'Content-Type': contentTypeFor(key),
          'Content-Length': String(head.ContentLength ?? 0),
          'Accept-Ranges': 'bytes',
          ...(head.ETag ? { ETag: head.ETag } : {}),
        });
        res.end();
        return;
      }
      const object = await options.s3.send(
        new GetObjectCommand({ Bucket: options.bucket, Key: key, ...(range ? { Range: range } : {}) }),
      );
      const headers: Record<string, string> = {
        'Content-Type': contentTypeFor(key),
        'Accept-Ranges': 'bytes',
        'Cache-Control': key.endsWith('.m3u8') || key.endsWith('.mpd') ? 'max-age=2' : 'max-age=86400',
      };
      if (object.ContentLength !== undefined) headers['Content-Length'] = String(object.ContentLength);
      if (object.ContentRange) headers['Content-Range'] = object.ContentRange;
      if (object.ETag) headers.ETag = object.ETag;
      res.writeHead(object.ContentRange ? 206 : 200, headers);
      const body = object.Body as Readable | undefined;
      if (!body) {
        res.end();
        return;
      }
      body.on('error', () => res.destroy());
      body.pipe(res);
    } catch (err) {
      const name = (err as { name?: string }).name;
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
        sendError(res, 404, 'NOT_FOUND', `No object ${key}`);
      } else if (name === 'InvalidRange' || status === 416) {
        sendError(res, 416, 'RANGE_NOT_SATISFIABLE', `Range ${range} is outside ${key}`);
      } else {
        sendError(res, 502, 'ORIGIN_ERROR', `The origin failed: ${name ?? 'error'}`);
      }
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 502, 'ORIGIN_ERROR', 'The origin failed');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    setApiOrigins(origins) {
      apiOrigins = origins;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
