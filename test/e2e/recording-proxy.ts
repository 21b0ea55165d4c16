/**
 * A transparent proxy in front of an emulator that speaks an AWS JSON
 * protocol (Kinesis, DynamoDB). It forwards every call unchanged and records
 * its operation, request and answer, so a test can wait for what a command
 * has done against the real emulator instead of sleeping.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call that went through the proxy. */
export interface RecordedCall {
  /** The operation, from `x-amz-target` (`GetShardIterator`, `PutItem`, …). */
  operation: string;
  input: Record<string, unknown>;
  status: number;
  output: Record<string, unknown>;
}

// Hop-by-hop headers, and the length the proxy sets itself.
const DROPPED = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

const parse = (body: Buffer): Record<string, unknown> => {
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/**
 * Starts the proxy on a free loopback port.
 *
 * @example
 * ```ts
 * const proxy = await startRecordingProxy(state.parts.kinesis);
 * // …point a command at proxy.url…
 * proxy.calls.filter((c) => c.operation === 'GetShardIterator');
 * await proxy.close();
 * ```
 */
export async function startRecordingProxy(upstream: string) {
  const calls: RecordedCall[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!DROPPED.has(name) && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    try {
      const answer = await fetch(new URL(req.url ?? '/', upstream), {
        method: req.method ?? 'POST',
        headers,
        ...(body.length ? { body } : {}),
      });
      const out = Buffer.from(await answer.arrayBuffer());
      const target = String(req.headers['x-amz-target'] ?? '');
      calls.push({
        operation: target.slice(target.lastIndexOf('.') + 1),
        input: parse(body),
        status: answer.status,
        output: parse(out),
      });
      const back: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!DROPPED.has(name) && name !== 'content-encoding') back[name] = value;
      });
      res.writeHead(answer.status, { ...back, 'content-length': out.length });
      res.end(out);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`recording proxy: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
