import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { getRequestListener, RequestError } from '@hono/node-server';
import { ErrorCode } from '@streamctl/sdk/errors';

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** Serves a built web app's files under a path prefix; `index.html` for directories. */
async function serveStatic(root: string, prefix: string, request: Request): Promise<Response | undefined> {
  const { pathname } = new URL(request.url);
  if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) return undefined;
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
  const relative = decodeURIComponent(pathname.slice(prefix.length)) || '/';
  const file = normalize(join(root, relative.endsWith('/') ? `${relative}index.html` : relative));
  // Nothing outside the app's directory is ever served.
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) {
    return new Response('not found', { status: 404 });
  }
  try {
    const info = await stat(file);
    const target = info.isDirectory() ? join(file, 'index.html') : file;
    const body = await readFile(target);
    return new Response(request.method === 'HEAD' ? null : body, {
      headers: { 'content-type': STATIC_TYPES[extname(target)] ?? 'application/octet-stream' },
    });
  } catch {
    return new Response('not found', { status: 404 });
  }
}

/**
 * What the adapter answers when it cannot make a Request of what arrived (a
 * backslash in the path, a bad Host) or a handler fails outside the app's own
 * error handling: the API's error shape, where the adapter's default is an
 * empty 400 or a text 500.
 */
function requestFailed(err: unknown): Response {
  const [status, code, message] =
    err instanceof RequestError
      ? [400, ErrorCode.ValidationFailed, `The request is not valid: ${err.message}`]
      : [500, ErrorCode.Internal, 'Internal error'];
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** A running Node server. */
export interface NodeServer {
  url: string;
  /** Stops accepting connections, closes the open ones, and waits for handlers still running. */
  stop(): Promise<void>;
}

/**
 * Serves the app on Node (`streamctl dev` and self-hosting).
 *
 * @example
 * ```ts
 * const server = await serveNode(createHttpApp(platform), { port: 0 });
 * console.log(server.url);
 * ```
 */
export function serveNode(
  app: { fetch: (request: Request, env?: unknown) => Response | Promise<Response> },
  options: { port?: number; host?: string; static?: { root: string; prefix: string } } = {},
): Promise<NodeServer> {
  const host = options.host ?? '127.0.0.1';
  const files = options.static;
  const handle = files
    ? async (request: Request, env?: unknown) =>
        (await serveStatic(normalize(files.root), files.prefix, request)) ?? app.fetch(request, env)
    : app.fetch;
  // Requests whose handlers still run: stop() waits for them, so nothing the app uses (a store,
  // an emulator) is closed under a handler that is still working on a request.
  const inFlight = new Set<Promise<unknown>>();
  const fetch = (request: Request, env?: unknown) => {
    const work = Promise.resolve(handle(request, env));
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
    return work;
  };
  return new Promise((resolve, reject) => {
    const server = createServer(getRequestListener(fetch, { hostname: host, errorHandler: requestFailed }));
    server.listen(options.port ?? 0, host, () => {
      const info = server.address() as AddressInfo;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`,
        stop: async () => {
          await new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          });
          await Promise.all(inFlight);
        },
      });
    });
    server.once('error', reject);
    // Requests Node refuses before the app sees them (oversize or malformed headers) still get
    // the API's error shape, not Node's empty answer.
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return;
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
      const body = JSON.stringify({
        error: tooLarge
          ? { code: 'VALIDATION_FAILED', message: 'The request headers are too large' }
          : { code: 'VALIDATION_FAILED', message: 'The request is not valid HTTP' },
      });
      socket.end(
        `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
          `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
  });
}
