/**
 * Key rotation on a running `streamctl dev`: `streamctl keys rotate` in a
 * second "terminal" switches the API's signing key at once (locally a key
 * group change has nothing to deploy); a cookie signed by the old key keeps
 * playing through the edge until the old key is retired; new grants carry
 * the new key and play; once the clock is past `retireAfter` (moved, not
 * slept), retirement takes the old key out and the edge refuses its cookie.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients, createCatalog, resolveConfig } from '@streamctl/sdk';
import { localKeyBackend, retireKeys } from '@streamctl/sdk/keys';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { enginesUnavailable, targetEngines, targetEnginesEnv } from '../../../../test/e2e/target.js';
import { jsonLines, runCli } from '../run-cli.js';

const target = inject('target');

type Ready = { api: string; edge: string; dynamodb: string; s3: string };
type Grant = { manifestUrl: string; cookies: Record<string, string>; session: { id: string } };

describe.skipIf(enginesUnavailable(target))(`keys rotate on a running dev platform (${targetEngines(target)})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-keys-e2e-'));
  const dataDir = join(dir, 'data');
  const env = { ...targetEnginesEnv(target), STREAMCTL_DATA_DIR: dataDir };
  let stop: ((signal: string) => void) | undefined;
  let done: Promise<{ code: number }> | undefined;
  afterAll(async () => {
    stop?.('SIGINT');
    if (done) expect((await done).code).toBe(0);
  });

  it('old cookies play until retirement, new grants are signed by the new key, a retired key is refused', async () => {
    const shutdown = new Promise<string>((resolve) => {
      stop = resolve;
    });
    let buffer = '';
    let onReady!: (ready: Ready) => void;
    const readyLine = new Promise<Ready>((resolve) => {
      onReady = resolve;
    });
    done = runCli(['dev', '--json', '--data-dir', dataDir], {
      shutdown,
      cwd: dir,
      env,
      onStdout: (chunk) => {
        buffer += chunk;
        const line = buffer.split('\n')[0];
        if (buffer.includes('\n') && line) onReady(JSON.parse(line) as Ready);
      },
    });
    const ready = await Promise.race([
      readyLine,
      done.then((r) => {
        throw new Error(`dev exited with ${r.code}`);
      }),
    ]);

    // A published title with its media in the CDN bucket.
    const base = await resolveConfig({ flags: { stage: 'local' }, env: {}, configFile: false });
    const clients = createAwsClients({ ...base, endpoints: { dynamodb: ready.dynamodb, s3: ready.s3 } });
    for (const [key, body] of [
      ['titles/rot-1/master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv/index.m3u8\n'],
      ['titles/rot-1/v/seg-1.m4s', 'segment bytes'],
    ])
      await clients.s3().send(new PutObjectCommand({ Bucket: base.resources.cdnBucket, Key: key, Body: body }));
    const catalog = createCatalog(clients, base.resources);
    await catalog.putTitle({ titleId: 'rot-1', name: 'Rotation', manifests: { hls: 'titles/rot-1/master.m3u8' } });
    await catalog.publishTitle('rot-1', { countries: 'ALL' });
    clients.destroy();

    const minted = await runCli(['token', '--user', 'rita', '--country', 'GB', '--plan', 'premium', '--json'], { env });
    const { token } = jsonLines(minted.stdout)[0] as { token: string };
    const grant = async (deviceId: string): Promise<Grant> => {
      const res = await fetch(`${ready.api}/v1/playback/rot-1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ deviceId }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Grant;
    };
    const segment = `${ready.edge}/titles/rot-1/v/seg-1.m4s`;
    const play = async (cookies: Record<string, string>) => {
      const res = await fetch(segment, {
        headers: {
          cookie: Object.entries(cookies)
            .map(([k, v]) => `${k}=${v}`)
            .join('; '),
        },
      });
      const body = await res.text();
      return { status: res.status, body };
    };

    const before = await grant('tv-1');
    const oldKey = before.cookies['CloudFront-Key-Pair-Id'];
    expect(await play(before.cookies)).toEqual({ status: 200, body: 'segment bytes' });

    const rotated = await runCli(['keys', 'rotate', '--yes', '--json'], { cwd: dir, env });
    expect(rotated.code).toBe(0);
    const result = jsonLines(rotated.stdout)[0] as {
      activated: string;
      retiring: { keyPairId: string; retireAfter: string };
    };
    expect(result.retiring.keyPairId).toBe(oldKey);
    expect(result.activated).not.toBe(oldKey);

    // The running API signs with the new key from the next grant on; the edge trusts both.
    const after = await grant('phone-1');
    expect(after.cookies['CloudFront-Key-Pair-Id']).toBe(result.activated);
    expect(await play(after.cookies)).toEqual({ status: 200, body: 'segment bytes' });
    expect(await play(before.cookies)).toEqual({ status: 200, body: 'segment bytes' });
    // Before its time nothing is retired, whatever is asked.
    const backend = localKeyBackend(dataDir);
    const retireAt = Date.parse(result.retiring.retireAfter);
    expect((await retireKeys(backend, { now: () => retireAt - 1 })).retired).toEqual([]);
    expect((await play(before.cookies)).status).toBe(200);

    // The clock past retireAfter: the old key leaves, and its cookie (not expired itself) is refused.
    expect((await retireKeys(backend, { now: () => retireAt })).retired).toEqual([oldKey]);
    const refused = await play(before.cookies);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({
      error: { code: 'FORBIDDEN', details: { reason: 'unknown-key-pair' } },
    });
    expect(await play(after.cookies)).toEqual({ status: 200, body: 'segment bytes' });
    expect((await grant('tablet-1')).cookies['CloudFront-Key-Pair-Id']).toBe(result.activated);

    const listed = await runCli(['keys', 'list', '--json'], { cwd: dir, env });
    expect(jsonLines(listed.stdout)[0]).toMatchObject({
      active: result.activated,
      keys: [{ keyPairId: result.activated, status: 'active' }],
    });
  });
});
