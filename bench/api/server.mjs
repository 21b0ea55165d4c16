/**
 * The server side of bench/api: the embedded platform, seeded data, and the
 * API on Node with the in-process cache, as `streamctl dev` serves it.
 * Prints one JSON line {url, token, dataDir, titleId, grantUrl, sessions}
 * when ready (`dataDir` holds the dev signing key, so the runner can mint its
 * viewers' tokens; `titleId` is a published title with an HLS master that
 * every country may play; `grantUrl` is the same API over the same stores
 * with the sessions' Redis fast path when redis-server is installed, named by
 * `sessions`); SIGTERM stops it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..');
const load = (pkg, sub = 'index.js') => import(pathToFileURL(join(root, 'packages', pkg, 'dist', sub)).href);
const sdk = await load('sdk');
const local = await load('local');
const server = await load('server');

const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-bench-api-'));
const platform = await local.startLocalPlatform({ dataDir });
const devKey = await local.ensureDevSigningKey(dataDir);
/** How both of the bench's APIs verify tokens and sign grants, as `streamctl dev` does. */
const serving = {
  verifyToken: sdk.createJwtVerifier({
    jwks: { keys: [devKey.publicJwk] },
    issuer: local.DEV_TOKEN_ISSUER,
    audience: local.DEV_TOKEN_AUDIENCE,
  }),
  playback: {
    signer: sdk.createPlaybackSigner({
      keyPairId: 'KBENCH0000001',
      privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    }),
    cdnBaseUrl: 'https://cdn.bench',
  },
};
const api = sdk.createPlatform(platform.config, serving);
const catalog = api.catalog;
for (let i = 0; i < 50; i++) {
  const titleId = `bench-${i}`;
  await catalog.putTitle({
    titleId,
    name: `Bench title ${i}`,
    genres: ['drama'],
    manifests: { hls: sdk.titleObjectKey(titleId, 'master.m3u8') },
  });
  await catalog.publishTitle(titleId, { countries: 'ALL' });
}
const users = api.users;
for (let i = 0; i < 20; i++) await users.addToWatchlist('bench-user', `bench-${i}`);
const { token } = await local.mintDevToken(dataDir, { userId: 'bench-user', country: 'GB', plan: 'standard' });
// The benchmark measures serving, not the limiter: lift the limits far above the load.
const app = server.createHttpApp(api, {
  rateLimits: { user: { perSecond: 1e9, burst: 1e9 }, ip: { perSecond: 1e9, burst: 1e9 } },
});
const http = await server.serveNode(app);

// Playback grants are served as on AWS, where the API's cache is Redis: the stream limit is
// decided there (the sessions' fast path) and devices are kept in the platform's DynamoDB. Without
// redis-server the grants are served by the DynamoDB engine alone, and the ready line says so.
const { startRedis } = await import(pathToFileURL(join(root, 'scripts', 'redis.mjs')).href);
const redis = await startRedis().catch((err) => {
  console.error(`bench/api: ${err.message}; grants run on the DynamoDB engine alone`);
  return undefined;
});
const grantCache = redis ? await sdk.createRedisCache(redis.url, { timeoutMs: 1_000 }) : undefined;
const grantPlatform = sdk.createPlatform(platform.config, {
  ...(grantCache ? { cache: grantCache } : {}),
  ...serving,
});
const grantHttp = await server.serveNode(
  server.createHttpApp(grantPlatform, {
    rateLimits: { user: { perSecond: 1e9, burst: 1e9 }, ip: { perSecond: 1e9, burst: 1e9 } },
  }),
);
console.log(
  JSON.stringify({
    url: http.url,
    token,
    dataDir,
    titleId: 'bench-0',
    grantUrl: grantHttp.url,
    sessions: grantCache ? 'redis' : 'dynamodb',
  }),
);
process.once('SIGTERM', async () => {
  await grantHttp.stop();
  grantPlatform.close();
  await grantCache?.close();
  await redis?.stop();
  await http.stop();
  api.close();
  await platform.stop();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
