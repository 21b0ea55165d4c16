/**
 * The home page under failure: cached in Redis and invalidated by the
 * user's writes; with Redis stopped, or DynamoDB unreachable, /v1/home still
 * answers 200 with `degraded: true` within its budget, never empty.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { createCatalog, createPlatform, createPlaybackSigner, createRedisCache, type Platform } from '@streamctl/sdk';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startRedisOrSkip } from '../../../../scripts/redis.mjs';
import { targetConfig } from '../../../../test/e2e/target.js';
import { createHttpApp, createJwtVerifier } from '../../src/index.js';

const target = inject('target');
const redis = await startRedisOrSkip('degradation');

/** A TCP proxy the test can cut, standing for a network path to DynamoDB. */
async function proxy(to: string): Promise<{ url: string; cut(): Promise<void> }> {
  const { hostname, port } = new URL(to);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe.skipIf(!redis || !target.endpoints.dynamodb)(`home page under failure (${target.kind})`, () => {
  const run = randomUUID().slice(0, 6);
  const user = `u-${run}`;
  const titleId = `t-${run}`;
  let platform: Platform;
  let bearer: string;
  let verifyToken: ReturnType<typeof createJwtVerifier>;
  let playback: { signer: ReturnType<typeof createPlaybackSigner>; cdnBaseUrl: string };
  let sign: (userId: string) => Promise<string>;

  beforeAll(async () => {
    platform = createPlatform(await targetConfig(target));
    const catalog = createCatalog(platform.clients, platform.config.resources);
    await catalog.putTitle({ titleId, name: 'Always there', manifests: { hls: `titles/${titleId}/master.m3u8` } });
    await catalog.publishTitle(titleId, { countries: 'ALL' });
    const keys = await generateKeyPair('ES256');
    verifyToken = createJwtVerifier({
      jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), alg: 'ES256' }] },
      issuer: 'i',
    });
    sign = (userId) =>
      new SignJWT({ country: 'GB', plan: 'standard' })
        .setProtectedHeader({ alg: 'ES256' })
        .setSubject(userId)
        .setIssuer('i')
        .setExpirationTime('10m')
        .sign(keys.privateKey);
    bearer = await sign(user);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    playback = {
      signer: createPlaybackSigner({ keyPairId: 'KDEGRADE00001', privateKey: rsa.privateKey }),
      cdnBaseUrl: 'https://cdn.test',
    };
  });
  afterAll(async () => {
    platform?.close();
    await redis?.stop();
  });

  const get = async (app: ReturnType<typeof createHttpApp>, path: string, token = bearer) => {
    const started = performance.now();
    const res = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: performance.now() - started };
  };
  const newRail = (body: Record<string, unknown>) =>
    (body.rails as Array<{ id: string; items: Array<{ titleId: string }> }>).find((r) => r.id === 'new');

  it('caches the home page in Redis, invalidates it on the user’s writes, and degrades when Redis stops', async () => {
    const cache = await createRedisCache(redis?.url ?? '', { timeoutMs: 100 });
    const app = createHttpApp(createPlatform(platform.config, { verifyToken, playback, cache }));
    const inspect = new Redis(redis?.url ?? '');
    const first = await get(app, '/v1/home');
    expect(first.status).toBe(200);
    expect(first.body.degraded).toBe(false);
    expect(await inspect.exists(`streamctl:home:${user}`)).toBe(1);

    const res = await app.request(`/v1/watchlist/${titleId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(res.status).toBe(200);
    expect(await inspect.exists(`streamctl:home:${user}`)).toBe(0);
    const second = await get(app, '/v1/home');
    expect((second.body.rails as Array<{ id: string }>).map((r) => r.id)).toContain('my-list');
    inspect.disconnect();

    const health = await app.request('/health');
    expect(health.status).toBe(200);
    await redis?.stop();
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const home = await get(app, '/v1/home');
      expect(home.status).toBe(200);
      expect(home.body.degraded).toBe(true);
      expect(newRail(home.body)?.items.map((t) => t.titleId)).toContain(titleId);
      timings.push(home.ms);
    }
    // One command timeout at most, then the open circuit answers at once.
    expect(Math.max(...timings)).toBeLessThan(1_000);
    // /health answers a report up to 5 s old: the cache shows as down once that report is renewed.
    await vi.waitFor(
      async () => {
        const sick = await app.request('/health');
        const parts = ((await sick.json()) as { parts: Array<{ name: string; ok: boolean }> }).parts;
        expect(parts.find((p) => p.name === 'cache')?.ok).toBe(false);
      },
      { timeout: 8_000, interval: 250 },
    );
    await cache.close();
  });

  it('keeps serving the last known titles, degraded, when DynamoDB is unreachable', async () => {
    const path = await proxy(target.endpoints.dynamodb as string);
    const cut = createPlatform(
      { ...platform.config, endpoints: { ...platform.config.endpoints, dynamodb: path.url } },
      { verifyToken, playback, homeBudgetMs: 300 },
    );
    const app = createHttpApp(cut);
    const warm = await get(app, '/v1/home');
    expect(warm.body.degraded).toBe(false);
    await path.cut();
    // Another viewer, nothing cached for them: the page is built while the tables are gone.
    const home = await get(app, '/v1/home', await sign(`other-${run}`));
    cut.close();
    expect(home.status).toBe(200);
    expect(home.body.degraded).toBe(true);
    expect(home.ms).toBeLessThan(1_500);
    expect(newRail(home.body)?.items.map((t) => t.titleId)).toContain(titleId);
  });
});
