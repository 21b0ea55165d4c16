/**
 * The edge's API routing: `/v1/*` goes to the API origins primary first, and
 * only the safe methods fail over, as CloudFront's origin group does. A body
 * over the API's limit stops at the edge with 413.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEdge } from './edge.js';

describe('local edge API routing', () => {
  it('fails over GET/HEAD/OPTIONS to the next origin, as CloudFront does, and nothing else', async () => {
    const secondary = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-streamctl-region': 'eu-west-1' });
      res.end(JSON.stringify({ method: req.method }));
    });
    await new Promise<void>((r) => secondary.listen(0, '127.0.0.1', r));
    const edge = await startEdge({ s3: {} as never, bucket: 'b', verifier: {} as never });
    // The primary refuses connections (nothing listens on port 9).
    edge.setApiOrigins(async () => [
      'http://127.0.0.1:9',
      `http://127.0.0.1:${(secondary.address() as AddressInfo).port}`,
    ]);
    try {
      const get = await fetch(`${edge.url}/v1/home`);
      expect(get.status).toBe(200);
      expect(get.headers.get('x-streamctl-region')).toBe('eu-west-1');
      for (const method of ['PUT', 'POST', 'DELETE']) {
        const res = await fetch(`${edge.url}/v1/watchlist/t1`, { method });
        expect(res.status, method).toBe(502);
        expect(await res.json()).toMatchObject({
          error: {
            code: 'ENDPOINT_UNREACHABLE',
            message: expect.stringMatching(/only GET, HEAD and OPTIONS fail over/),
          },
        });
      }
    } finally {
      await edge.stop();
      await new Promise((r) => secondary.close(r));
    }
  });

  it('answers 413 for a body over 1 MiB before any Region sees it, declared or chunked (defect 5)', async () => {
    const received: number[] = [];
    const origin = createServer((req, res) => {
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
      });
      req.on('end', () => {
        received.push(size);
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ size }));
      });
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const edge = await startEdge({ s3: {} as never, bucket: 'b', verifier: {} as never });
    edge.setApiOrigins(async () => [`http://127.0.0.1:${(origin.address() as AddressInfo).port}`]);
    /** POSTs a body, with a Content-Length or chunked, and reads the answer even if the edge stops reading. */
    const post = (body: Buffer, chunked: boolean) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const { hostname, port } = new URL(edge.url);
        const req = request(
          {
            hostname,
            port,
            path: '/v1/events',
            method: 'POST',
            headers: chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': body.length },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => {
              text += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', (err: NodeJS.ErrnoException) =>
          err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
        );
        // In slices, so a chunked body arrives as many chunks and the edge must count them.
        for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
        req.end();
      });
    try {
      for (const chunked of [false, true]) {
        const big = await post(Buffer.alloc(2 * 1024 * 1024, 'x'), chunked);
        expect(big.status, chunked ? 'chunked' : 'declared').toBe(413);
        expect(JSON.parse(big.text)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
      }
      expect(received).toEqual([]);
      // A body within the limit goes through whole.
      const small = await post(Buffer.alloc(1024 * 1024, 'y'), true);
      expect(small.status).toBe(202);
      expect(JSON.parse(small.text)).toEqual({ size: 1024 * 1024 });
    } finally {
      await edge.stop();
      await new Promise((r) => origin.close(r));
    }
  });

  it("is the one origin of page, API and media: passes /v1, /dev and /player on with its own secret, never a viewer's, and each cookie whole", async () => {
    const seen: Array<{ path: string; secret: string | undefined }> = [];
    const origin = createServer((req, res) => {
      seen.push({ path: req.url ?? '', secret: req.headers['x-streamctl-origin-secret'] as string | undefined });
      res.setHeader('set-cookie', ['A=1; Path=/titles/t1/; HttpOnly', 'B=2; Path=/titles/t1/; HttpOnly']);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const edge = await startEdge({ s3: {} as never, bucket: 'b', verifier: {} as never, originSecret: 'the-edge' });
    edge.setApiOrigins(async () => [`http://127.0.0.1:${(origin.address() as AddressInfo).port}`]);
    try {
      for (const path of ['/v1/playback/t1', '/dev/token?user=a', '/player/', '/player/assets/app.js']) {
        const res = await fetch(`${edge.url}${path}`, { headers: { 'x-streamctl-origin-secret': 'forged' } });
        expect(res.status, path).toBe(200);
        expect(res.headers.getSetCookie()).toEqual([
          'A=1; Path=/titles/t1/; HttpOnly',
          'B=2; Path=/titles/t1/; HttpOnly',
        ]);
      }
      expect(seen.map((s) => s.path)).toEqual([
        '/v1/playback/t1',
        '/dev/token?user=a',
        '/player/',
        '/player/assets/app.js',
      ]);
      expect(seen.every((s) => s.secret === 'the-edge')).toBe(true);
      // Anything else is the CDN's, not the API's.
      const media = await fetch(`${edge.url}/players/x`);
      expect(media.status).toBe(403);
      expect(seen).toHaveLength(4);
    } finally {
      await edge.stop();
      await new Promise((r) => origin.close(r));
    }
  });
});
