/**
 * The edge's API routing: `/v1/*` goes to the API origins primary first, and
 * only the safe methods fail over, as CloudFront's origin group does.
 */
import { createServer } from 'node:http';
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
          error: { code: 'ORIGIN_ERROR', message: expect.stringMatching(/only GET, HEAD and OPTIONS fail over/) },
        });
      }
    } finally {
      await edge.stop();
      await new Promise((r) => secondary.close(r));
    }
  });
});
