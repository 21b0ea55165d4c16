import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

/** A running Node server. */
export interface NodeServer {
  url: string;
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
  options: { port?: number; host?: string } = {},
): Promise<NodeServer> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, (info: AddressInfo) => {
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`,
        stop: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
