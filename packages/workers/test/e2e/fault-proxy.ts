/**
 * A proxy between the SDK and a Kinesis endpoint that misbehaves like a
 * throttled stream: it refuses some PutRecords calls outright (never
 * written), answers 500 to others after forwarding them (written, but the
 * client sees a failure and sends them again), and fails some entries inside
 * successful calls (those entries are not written).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seeded } from '../../../../scripts/random.mjs';

export interface FaultStats {
  calls: number;
  refused: number;
  failedAfterWrite: number;
  entriesFailed: number;
}

export async function startFaultProxy(
  target: string,
  options: { refuse?: number; failAfterWrite?: number; failEntries?: number; seed?: number } = {},
) {
  const random = seeded(options.seed ?? 42);
  const stats: FaultStats = { calls: 0, refused: 0, failedAfterWrite: 0, entriesFailed: 0 };
  const upstream = new URL(target);
  const forward = (path: string, headers: Record<string, string | string[] | undefined>, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
      (resolve, reject) => {
        const req = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            path,
            method: 'POST',
            headers: { ...headers, 'content-length': body.length },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const { host: _host, ...headers } = req.headers;
    const isPut = req.headers['x-amz-target'] === 'Kinesis_20131202.PutRecords';
    const json = (status: number, value: unknown) => {
      const text = JSON.stringify(value);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    try {
      if (!isPut) {
        const out = await forward(req.url ?? '/', headers, body);
        res.writeHead(out.status, out.headers);
        res.end(out.body);
        return;
      }
      stats.calls++;
      const roll = random();
      if (roll < (options.refuse ?? 0.1)) {
        stats.refused++;
        json(400, { __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded for stream' });
        return;
      }
      const input = JSON.parse(body.toString()) as { StreamName: string; Records: unknown[] };
      const failed = new Set<number>();
      input.Records.forEach((_, i) => {
        if (random() < (options.failEntries ?? 0.05)) failed.add(i);
      });
      const kept = input.Records.filter((_, i) => !failed.has(i));
      const out = await forward(req.url ?? '/', headers, Buffer.from(JSON.stringify({ ...input, Records: kept })));
      if (roll < (options.refuse ?? 0.1) + (options.failAfterWrite ?? 0.1) || out.status !== 200) {
        stats.failedAfterWrite++;
        json(500, { __type: 'InternalFailure', message: 'injected failure after write' });
        return;
      }
      const written = (JSON.parse(out.body.toString()) as { Records: Array<Record<string, string>> }).Records;
      const records: Array<Record<string, string>> = [];
      let next = 0;
      for (let i = 0; i < input.Records.length; i++) {
        if (failed.has(i)) {
          stats.entriesFailed++;
          records.push({
            ErrorCode: 'ProvisionedThroughputExceededException',
            ErrorMessage: 'Rate exceeded for shard',
          });
        } else records.push(written[next++] as Record<string, string>);
      }
      json(200, { FailedRecordCount: failed.size, Records: records });
    } catch (err) {
      json(500, { __type: 'InternalFailure', message: String(err) });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
