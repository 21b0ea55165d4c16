/**
 * Privacy end to end, through the HTTP API, the stream's workers and a real
 * Redis: a viewer with a watchlist, progress, history, likes, a device and a
 * session, events in flight and in the dead-letter table, a cached home page
 * and a taste model is exported (every item is in the export) and erased.
 * Afterwards a raw search of every table (every item, every attribute),
 * every object of every bucket, every Redis key and value, the request log
 * and the platform's own files in the data dir finds no trace of the user id
 * (nor of its base64url form, which session ids carry); events published
 * after the erasure are dropped by the workers and re-create nothing. Every
 * table row and cache key the scenario leaves belongs to a store the
 * privacy map names.
 *
 * Consent: with personalization off the viewer's next home page (within
 * 5 s) has no personal rails; on again, they return as the viewer watches.
 *
 * The emulators' own storage (dynalite's and kinesalite's LevelDB files,
 * DynamoDB Local's SQLite file, kinesis-mock's JSON dump, s3rver's files) is read through their APIs, as DynamoDB, Kinesis and S3
 * are on AWS: a storage engine keeps deleted keys until it compacts, and the
 * events stream keeps records for its retention by design (the tombstone is
 * what makes them harmless).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  createDuckDbParquetWriter,
  createLocalViewerLake,
  DEV_TOKEN_AUDIENCE,
  DEV_TOKEN_ISSUER,
  ensureDevSigningKey,
  mintDevToken,
} from '@streamctl/local';
import {
  type Cache,
  createLakeConsumer,
  createPlatform,
  createPlaybackSigner,
  createRedisCache,
  ensureStreams,
  localLakeRoot,
  type Platform,
  PRIVACY_MAP,
  type StreamctlConfig,
  storeOfCacheKey,
  storeOfPartition,
  TABLE_PARTITIONS,
  toEmf,
} from '@streamctl/sdk';
import { dataDirLayout } from '@streamctl/sdk/local';
import { createHttpApp, createJwtVerifier, type NodeServer, serveNode } from '@streamctl/server';
import { type Poller, startPoller } from '@streamctl/workers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedisOrSkip } from '../../../../scripts/redis.mjs';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');
const run = randomUUID().slice(0, 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redisServer = target.endpoints.dynamodb ? await startRedisOrSkip('privacy') : undefined;
const PERSONAL = /^(top-picks|because-|genre-)/;

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.s3 || !target.endpoints.kinesis)(
  `privacy (${target.kind})`,
  () => {
    let config: StreamctlConfig;
    let platform: Platform;
    let cache: Cache | undefined;
    let server: NodeServer;
    let dataDir: string;
    let pollers: Poller[] = [];
    let lakePoller: Poller | undefined;
    let lakeStats: () => { written: number; erased: number } = () => ({ written: 0, erased: 0 });
    let closeWriter = () => {};
    const logs: string[] = [];
    // Two dramas and two comedies: a viewer who watched one of a genre has its other to be recommended.
    const titles = [`priv-a-${run}`, `priv-b-${run}`, `priv-c-${run}`, `priv-d-${run}`];

    const token = async (userId: string) =>
      (await mintDevToken(dataDir, { userId, country: 'GB', plan: 'standard' })).token;
    const api = async (tok: string, method: string, path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tok}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    const clientEvent = (type: string, titleId: string, extra: Record<string, unknown> = {}) => ({
      v: 1,
      id: randomUUID(),
      type,
      titleId,
      ts: new Date().toISOString(),
      ...extra,
    });
    const send = async (tok: string, events: unknown[]) => {
      const res = await api(tok, 'POST', '/v1/events', events);
      expect(res.status).toBe(202);
      const body = (await res.json()) as { accepted: number };
      expect(body.accepted).toBe(events.length);
    };
    const startWorkers = async () => {
      const set = platform.consumers.workerSet({
        // The local platform's own sink: QoE metrics in the data dir.
        qoeSink: async (metric) => {
          await mkdir(join(dataDir, 'metrics'), { recursive: true });
          await appendFile(join(dataDir, 'metrics', 'qoe.emf.ndjson'), `${toEmf(metric)}\n`);
        },
      });
      pollers = await Promise.all(
        [set['watch-state'], set.signals, set.qoe].map((c) =>
          startPoller(platform.clients, config.resources, c, { idleMs: 50 }),
        ),
      );
      // The lake worker, as `streamctl dev` runs it (short buffering, so files land within the test).
      const writer = await createDuckDbParquetWriter();
      closeWriter = () => writer.close();
      const lake = createLakeConsumer({
        name: `lake-privacy-${run}`,
        root: localLakeRoot(dataDir, config.resources),
        writer,
        park: platform.consumers.park,
        erased: (u) => platform.privacy.isErased(u),
        maxAgeMs: 300,
      });
      lakeStats = () => lake.stats;
      lakePoller = await startPoller(platform.clients, config.resources, lake, { idleMs: 50 });
    };
    const stopWorkers = async () => {
      await Promise.all([...pollers, ...(lakePoller ? [lakePoller] : [])].map((p) => p.stop()));
      lakePoller = undefined;
      closeWriter();
    };
    const viewerLake = () => createLocalViewerLake(localLakeRoot(dataDir, config.resources), config.region);
    const until = async <T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 20_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = await read();
        if (ok(value)) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
        await sleep(100);
      }
    };

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'streamctl-privacy-e2e-'));
      const base = await targetConfig(target);
      config = {
        ...base,
        dataDir,
        resources: { ...base.resources, eventsStream: `streamctl-e2e-privacy-${run}` },
      };
      const devKey = await ensureDevSigningKey(dataDir);
      if (redisServer) cache = await createRedisCache(redisServer.url, { prefix: `p-${run}:`, timeoutMs: 2_000 });
      const { generateKeyPairSync } = await import('node:crypto');
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      platform = createPlatform(config, {
        ...(cache ? { cache } : {}),
        verifyToken: createJwtVerifier({
          jwks: { keys: [devKey.publicJwk] },
          issuer: DEV_TOKEN_ISSUER,
          audience: DEV_TOKEN_AUDIENCE,
        }),
        playback: {
          signer: createPlaybackSigner({ keyPairId: 'KPRIVACYTEST', privateKey }),
          cdnBaseUrl: 'http://127.0.0.1:9',
        },
        lakes: [createLocalViewerLake(localLakeRoot(dataDir, config.resources), config.region)],
      });
      await ensureStreams(platform.clients.kinesis(), config.resources);
      server = await serveNode(
        createHttpApp(platform, {
          rateLimits: { user: { perSecond: 10_000, burst: 10_000 }, ip: { perSecond: 10_000, burst: 10_000 } },
          ...(cache ? { rateLimitStore: cache } : {}),
          log: (entry) => logs.push(JSON.stringify(entry)),
        }),
      );
      for (const [i, titleId] of titles.entries()) {
        await platform.clients.s3().send(
          new PutObjectCommand({
            Bucket: config.resources.cdnBucket,
            Key: `titles/${titleId}/master.m3u8`,
            Body: '#EXTM3U\n',
          }),
        );
        await platform.catalog.putTitle({ titleId, name: `Privacy ${i}`, genres: [i >= 2 ? 'comedy' : 'drama'] });
        await platform.catalog.setRenditions(titleId, {
          renditions: [
            { name: '720p', width: 1280, height: 720, bandwidth: 3e6, playlist: `titles/${titleId}/720p/index.m3u8` },
          ],
          manifests: { hls: `titles/${titleId}/master.m3u8` },
        });
        await platform.publish.publish(titleId, { countries: ['GB'] });
      }
    }, 90_000);

    afterAll(async () => {
      await stopWorkers();
      await server?.stop();
      platform?.close();
      await cache?.close();
      await redisServer?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('exports everything held about a viewer, erases it everywhere, and late events re-create nothing', async () => {
      const userId = `privacy-viewer-${run}`;
      const b64 = Buffer.from(userId).toString('base64url');
      const tok = await token(userId);
      const [a, b, c] = titles as [string, string, string];
      // Another viewer who watches the same titles: their data must stay.
      const other = `privacy-other-${run}`;
      const otherTok = await token(other);

      await startWorkers();
      expect((await api(tok, 'PUT', `/v1/watchlist/${c}`)).status).toBe(200);
      await send(tok, [
        clientEvent('progress', a, { positionSec: 1200, durationSec: 3000, device: 'tv-1' }),
        clientEvent('like', a),
        clientEvent('like', b),
        clientEvent('complete', b, { positionSec: 2990, durationSec: 3000 }),
        clientEvent('rebuffer', a, { positionSec: 30, durationSec: 2 }),
      ]);
      await send(otherTok, [clientEvent('complete', a, { positionSec: 2990, durationSec: 3000 })]);
      const grant = await api(tok, 'POST', `/v1/playback/${a}`, { deviceId: 'tv-1', name: 'Living room', kind: 'tv' });
      expect(grant.status).toBe(200);
      // The workers took the events in: progress, history and a taste model exist.
      await until(
        'watch state and models',
        async () => {
          const out = await platform.privacy.export(userId);
          return out.stores.flatMap((s) => s.items.map((i) => String(i.SK)));
        },
        (sks) =>
          [`PROGRESS#${a}`, `PROGRESS#${b}`, 'HISTORY#', `T#${config.region}#${a}`, `T#${config.region}#${b}`].every(
            (p) => sks.some((sk) => sk.startsWith(p)),
          ),
      );
      // The lake has the viewer's five events and the other viewer's one.
      await until(
        'the lake',
        () => viewerLake().rows(userId),
        (rows) => rows.length === 5,
      );
      await until(
        'the lake',
        () => viewerLake().rows(other),
        (rows) => rows.length === 1,
      );
      // A record a worker could not process, parked with the viewer's whole event.
      await platform.consumers.park({
        consumer: 'watch-state',
        shardId: 'shardId-000000000000',
        sequenceNumber: `4960${Date.now()}`,
        reason: 'failed 3 times: test',
        data: JSON.stringify({
          ...clientEvent('progress', a, { positionSec: 5, durationSec: 3000 }),
          userId,
          country: 'GB',
        }),
      });
      await stopWorkers();
      // Events in flight: in the stream, not yet read by any worker.
      await send(tok, [clientEvent('complete', c, { positionSec: 2990, durationSec: 3000 }), clientEvent('like', c)]);

      // The home page, cached (in Redis when there is one).
      expect((await api(tok, 'GET', '/v1/home')).status).toBe(200);

      // Export: every item the viewer has is there.
      const exported = await api(tok, 'GET', '/v1/me/export');
      expect(exported.status).toBe(200);
      expect(exported.headers.get('content-disposition')).toContain('attachment');
      const doc = (await exported.json()) as {
        userId: string;
        manifest: Array<{ store: string; read: boolean; items?: number }>;
        stores: Array<{ store: string; region: string; items: Array<Record<string, unknown>> }>;
      };
      expect(doc.userId).toBe(userId);
      expect(new Set(doc.manifest.map((m) => m.store))).toEqual(new Set(PRIVACY_MAP.map((s) => s.id)));
      const items = (store: string) => doc.stores.filter((s) => s.store === store).flatMap((s) => s.items);
      const sks = items('user-state').map((i) => String(i.SK));
      expect(sks).toEqual(
        expect.arrayContaining([
          `WATCHLIST#${c}`,
          `PROGRESS#${a}`,
          `PROGRESS#${b}`,
          expect.stringMatching(new RegExp(`^HISTORY#\\d{4}-\\d{2}#${a}$`)),
          'PLAYBACK#DEVICES',
          // With Redis the sessions are there (the fast path), else in the table.
          ...(cache ? [] : ['PLAYBACK#SESSIONS']),
        ]),
      );
      // Taste rows name the Region that learnt them.
      const here = config.region;
      expect(items('models').map((i) => String(i.SK))).toEqual(
        expect.arrayContaining([`T#${here}#${a}`, `T#${here}#${b}`, `VERSION#${here}`]),
      );
      const parked = items('dead-letters');
      expect(parked).toHaveLength(1);
      expect(parked[0]?.event).toMatchObject({ userId, titleId: a, type: 'progress' });
      expect(items('lake').map((i) => i.type)).toEqual(
        expect.arrayContaining(['progress', 'like', 'like', 'complete', 'rebuffer']),
      );
      expect(items('lake').every((i) => i.user_id === userId)).toBe(true);
      const cachedKeys = items('cache').map((i) => String(i.key));
      if (cache) expect(cachedKeys).toEqual(expect.arrayContaining([`home:${userId}`, `playback:${userId}`]));
      // Every row the viewer has in the stores read is in the export: compared with the tables themselves.
      const rows = await tableRows();
      const mine = rows.filter((r) => r.pk === `USER#${userId}` || r.pk === `UPROF#${userId}`);
      const exportedKeys = new Set(doc.stores.flatMap((s) => s.items.map((i) => `${i.PK}|${i.SK}`)));
      for (const r of mine) expect(exportedKeys, `${r.pk}|${r.sk}`).toContain(`${r.pk}|${r.sk}`);

      // Erase.
      const erased = await api(tok, 'DELETE', '/v1/me');
      expect(erased.status).toBe(202);
      const accepted = (await erased.json()) as { erasureId: string; status: string };
      expect(accepted.status).toBe('done');
      const record = await platform.privacy.status(accepted.erasureId);
      expect(record.status).toBe('done');
      expect(JSON.stringify(record)).not.toContain(userId);
      const removed = Object.fromEntries(record.stores.map((s) => [s.store, s.removed]));
      expect(removed['user-state']).toBeGreaterThanOrEqual(6);
      expect(removed.models).toBeGreaterThanOrEqual(3);
      expect(removed['dead-letters']).toBe(1);
      expect(removed.lake).toBe(5);
      if (cache) expect(removed.cache).toBeGreaterThanOrEqual(2);

      // The events in flight, and more published after the erasure, reach the workers and are dropped.
      await platform.events.put([
        {
          v: 1,
          id: randomUUID(),
          type: 'complete',
          userId,
          titleId: a,
          ts: new Date().toISOString(),
          country: 'GB',
          positionSec: 2990,
          durationSec: 3000,
        },
      ]);
      await startWorkers();
      // Each of the three workers drops the 3 events: 2 in flight, 1 late.
      await until(
        'the erased viewer’s events to be dropped',
        async () => pollers.reduce((n, p) => n + p.outcomes.erased, 0),
        (n) => n >= 9,
      );
      // The lake worker drops them too, when it writes their file.
      await until(
        'the lake to drop them',
        async () => lakeStats().erased,
        (n) => n >= 3,
      );
      await stopWorkers();
      expect(await viewerLake().rows(userId)).toEqual([]);
      expect(await viewerLake().rows(other)).toHaveLength(1);

      // No trace anywhere.
      const needles = [userId, b64];
      const traces: string[] = [];
      for (const r of await tableRows()) {
        for (const n of needles) if (r.raw.includes(n)) traces.push(`table ${r.table}: ${r.pk}|${r.sk}`);
      }
      for (const o of await bucketObjects()) {
        for (const n of needles) if (o.body.includes(Buffer.from(n))) traces.push(`bucket ${o.bucket}/${o.key}`);
      }
      if (redisServer) {
        for (const k of await redisEntries(redisServer.url)) {
          for (const n of needles)
            if (k.key.includes(n) || k.value.includes(Buffer.from(n))) traces.push(`redis ${k.key}`);
        }
      }
      for (const f of await platformFiles([dataDir, ...(target.dataDir ? [target.dataDir] : [])])) {
        for (const n of needles) if (f.body.includes(Buffer.from(n))) traces.push(`file ${f.path}`);
      }
      for (const line of logs) for (const n of needles) if (line.includes(n)) traces.push(`log ${line}`);
      expect(traces).toEqual([]);
      // Sanity of the search itself: the other viewer is found, so the needles would have been.
      expect((await tableRows()).some((r) => r.raw.includes(other))).toBe(true);
      // The erased viewer's home page holds nothing of theirs.
      const after = (await (await api(tok, 'GET', '/v1/home')).json()) as { rails: Array<{ id: string }> };
      expect(
        after.rails
          .map((r) => r.id)
          .filter((id) => PERSONAL.test(id) || id === 'my-list' || id === 'continue-watching'),
      ).toEqual([]);
    });

    it('names every table row and cache key the platform wrote in the privacy map', async () => {
      const unknown: string[] = [];
      for (const r of await tableRows()) {
        const table = (Object.keys(TABLE_PARTITIONS) as Array<keyof typeof TABLE_PARTITIONS>).find(
          (t) => config.resources[t] === r.table,
        );
        // Other test files' own fixtures share the target's tables under `E2E#…` (never a platform key).
        if (r.pk.startsWith('E2E#')) continue;
        if (table && !storeOfPartition(table, r.pk)) unknown.push(`${r.table}: ${r.pk}`);
      }
      if (redisServer) {
        for (const { key } of await redisEntries(redisServer.url)) {
          const own = key.startsWith(`p-${run}:`) ? key.slice(`p-${run}:`.length) : undefined;
          if (own !== undefined && !storeOfCacheKey(own)) unknown.push(`redis ${own}`);
        }
      }
      expect(unknown).toEqual([]);
    });

    it('with personalization off the next home page has no personal rails within 5 s; on again, they return as the viewer watches', async () => {
      const userId = `privacy-consent-${run}`;
      const tok = await token(userId);
      const [a, b, c] = titles as [string, string, string];
      await startWorkers();
      const personal = async () => {
        const res = await api(tok, 'GET', '/v1/home');
        expect(res.status).toBe(200);
        return ((await res.json()) as { rails: Array<{ id: string }> }).rails.filter((r) => PERSONAL.test(r.id)).length;
      };
      await send(tok, [clientEvent('complete', a, { positionSec: 2990, durationSec: 3000 }), clientEvent('like', c)]);
      await until('personal rails', personal, (n) => n > 0);
      expect(await (await api(tok, 'GET', '/v1/me/consent')).json()).toEqual({
        personalization: true,
        source: 'stage',
      });

      const off = await api(tok, 'PUT', '/v1/me/consent', { personalization: false });
      expect(off.status).toBe(200);
      expect(await off.json()).toMatchObject({ personalization: false, source: 'viewer' });
      const switched = Date.now();
      await until('no personal rails', personal, (n) => n === 0, 5_000);
      expect(Date.now() - switched).toBeLessThan(5_000);
      // Watching while off teaches nothing.
      await send(tok, [clientEvent('complete', b, { positionSec: 2990, durationSec: 3000 })]);
      await sleep(1_500);
      expect(await personal()).toBe(0);
      const profile = await platform.recommendations.models.profile(userId);
      expect(profile.positives).toEqual([]);

      // Odd bodies are refused as 400s, never 5xx.
      for (const body of [{ personalization: 'no' }, { personalization: false, userId: 'someone-else' }, {}]) {
        expect((await api(tok, 'PUT', '/v1/me/consent', body)).status).toBe(400);
      }

      expect((await api(tok, 'PUT', '/v1/me/consent', { personalization: true })).status).toBe(200);
      await send(tok, [clientEvent('complete', c, { positionSec: 2990, durationSec: 3000 })]);
      await until('personal rails again', personal, (n) => n > 0);
      await stopWorkers();
    });

    /** Every item of every table of the target, raw. */
    async function tableRows(): Promise<Array<{ table: string; pk: string; sk: string; raw: string }>> {
      const ddb = platform.clients.dynamodb();
      const rows: Array<{ table: string; pk: string; sk: string; raw: string }> = [];
      const tables: string[] = [];
      let start: string | undefined;
      do {
        const out = await ddb.send(new ListTablesCommand({ ...(start ? { ExclusiveStartTableName: start } : {}) }));
        tables.push(...(out.TableNames ?? []));
        start = out.LastEvaluatedTableName;
      } while (start);
      for (const table of tables) {
        let key: Record<string, unknown> | undefined;
        do {
          const out = await ddb.send(
            new ScanCommand({ TableName: table, ...(key ? { ExclusiveStartKey: key as never } : {}) }),
          );
          for (const item of out.Items ?? []) {
            rows.push({ table, pk: String(item.PK?.S ?? ''), sk: String(item.SK?.S ?? ''), raw: JSON.stringify(item) });
          }
          key = out.LastEvaluatedKey;
        } while (key);
      }
      return rows;
    }

    /** Every object of every bucket, its bytes. */
    async function bucketObjects(): Promise<Array<{ bucket: string; key: string; body: Buffer }>> {
      const s3 = platform.clients.s3();
      const objects: Array<{ bucket: string; key: string; body: Buffer }> = [];
      for (const { Name } of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
        let token: string | undefined;
        do {
          const out = await s3.send(
            new ListObjectsV2Command({ Bucket: Name, ...(token ? { ContinuationToken: token } : {}) }),
          );
          for (const o of out.Contents ?? []) {
            const got = await s3.send(new GetObjectCommand({ Bucket: Name, Key: o.Key }));
            objects.push({
              bucket: String(Name),
              key: String(o.Key),
              body: Buffer.from((await got.Body?.transformToByteArray()) ?? []),
            });
          }
          token = out.NextContinuationToken;
        } while (token);
      }
      return objects;
    }
  },
);

/** Every key of a Redis server with its value as Redis serializes it (DUMP). */
async function redisEntries(url: string): Promise<Array<{ key: string; value: Buffer }>> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    const entries: Array<{ key: string; value: Buffer }> = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of keys) entries.push({ key, value: (await redis.dumpBuffer(key)) ?? Buffer.alloc(0) });
    } while (cursor !== '0');
    return entries;
  } finally {
    redis.disconnect();
  }
}

/** The platform's own files under data dirs: everything but the emulators' storage (of either engine profile), read through their APIs. */
async function platformFiles(dirs: string[]): Promise<Array<{ path: string; body: Buffer }>> {
  const stores = (dir: string) => {
    const layout = dataDirLayout(dir);
    return new Set([layout.dynamodb, layout.dynamodbLocal, layout.kinesis, layout.kinesisMock, layout.s3]);
  };
  const files: Array<{ path: string; body: Buffer }> = [];
  const walk = async (dir: string, skip: Set<string>): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skip.has(path)) await walk(path, skip);
      } else if (entry.isFile()) files.push({ path, body: await readFile(path) });
    }
  };
  for (const dir of dirs) await walk(dir, stores(dir));
  return files;
}
