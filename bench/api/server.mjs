/**
 * The server side of bench/api: the embedded platform, seeded data, and the
 * API on Node with the in-process cache, as `streamctl dev` serves it.
 * Prints one JSON line {url, token, dataDir, titleId} when ready (`dataDir`
 * holds the dev signing key, so the runner can mint its viewers' tokens;
 * `titleId` is a published title with an HLS master that every country may
 * play); SIGTERM stops it.
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
const api = sdk.createPlatform(platform.config, {
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
});
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
console.log(JSON.stringify({ url: http.url, token, dataDir, titleId: 'bench-0' }));
process.once('SIGTERM', async () => {
  await http.stop();
  api.close();
  await platform.stop();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
