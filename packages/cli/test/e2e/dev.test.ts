/**
 * `streamctl dev` in-process: ready line, status of every part, a second dev
 * on the same data dir, data that survives a restart, --reset, and ports
 * freed on shutdown.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROFILE_ENGINES } from '@streamctl/local';
import { createAwsClients, createCatalog, resolveConfig } from '@streamctl/sdk';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { canConnect } from '../../../../scripts/net.mjs';
import { enginesUnavailable, targetEngines, targetEnginesEnv } from '../../../../test/e2e/target.js';
import { jsonLines, runCli } from '../run-cli.js';

type Ready = {
  event: string;
  api: string;
  edge: string;
  dynamodb: string;
  kinesis: string;
  s3: string;
  engines: Record<string, string>;
};

/** Every `dev` here runs on the project's engines (embedded, or aws-local). */
const target = inject('target');
const enginesEnv = targetEnginesEnv(target);

interface RunningDev {
  ready: Ready;
  stop(): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** True when something still listens on the URL's port. */
const portOpenUrl = (url: string) => canConnect(Number(new URL(url).port), new URL(url).hostname);

const running: RunningDev[] = [];

async function startDev(
  dataDir: string,
  extra: string[] = [],
  cwd?: string,
  env?: Record<string, string>,
): Promise<RunningDev> {
  let signal!: (name: string) => void;
  const shutdown = new Promise<string>((resolve) => {
    signal = resolve;
  });
  let onReady!: (line: Ready) => void;
  const readyLine = new Promise<Ready>((resolve) => {
    onReady = resolve;
  });
  let buffer = '';
  const done = runCli(['dev', '--json', '--data-dir', dataDir, ...extra], {
    shutdown,
    ...(cwd ? { cwd } : {}),
    env: { ...enginesEnv, ...env },
    onStdout: (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n') && line) onReady(JSON.parse(line) as Ready);
    },
  });
  const ready = await Promise.race([
    readyLine,
    done.then((r) => {
      throw new Error(`dev exited with ${r.code}: ${r.stderr}`);
    }),
  ]);
  const dev = {
    ready,
    stop: async () => {
      signal('SIGINT');
      return done;
    },
  };
  running.push(dev);
  return dev;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

const tmp = () => mkdtempSync(join(tmpdir(), 'streamctl-dev-'));

describe.skipIf(enginesUnavailable(target))(`streamctl dev (${targetEngines(target)})`, () => {
  it('prints the ready line, reports every part healthy, and frees every port on shutdown', async () => {
    const dataDir = join(tmp(), 'data');
    const started = Date.now();
    // The stage's session timings reach the API `dev` serves (checked on a grant below).
    const dev = await startDev(dataDir, [], undefined, { STREAMCTL_SESSIONS_HEARTBEAT_SECONDS: '7' });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(Object.keys(dev.ready)).toEqual(['event', 'api', 'edge', 'dynamodb', 'kinesis', 's3', 'engines']);
    expect(dev.ready.event).toBe('ready');
    // The ready line names the emulator behind each AWS part, and so does status.
    const engines = PROFILE_ENGINES[targetEngines(target)];
    expect(dev.ready.engines).toEqual(engines);
    for (const url of [dev.ready.api, dev.ready.edge, dev.ready.dynamodb, dev.ready.kinesis, dev.ready.s3]) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }

    const status = await runCli(['status', '--stage', 'local', '--json'], { env: { STREAMCTL_DATA_DIR: dataDir } });
    expect(status.code).toBe(0);
    const report = jsonLines(status.stdout)[0] as {
      healthy: boolean;
      parts: Array<{ name: string; ok: boolean; engine?: string }>;
    };
    expect(report.healthy).toBe(true);
    expect(report.parts.map((p) => [p.name, p.ok, p.engine])).toEqual([
      ['api', true, undefined],
      ['edge', true, undefined],
      ['dynamodb', true, engines.dynamodb],
      ['kinesis', true, engines.kinesis],
      ['s3', true, engines.s3],
    ]);
    const text = await runCli(['status', '--stage', 'local'], { env: { STREAMCTL_DATA_DIR: dataDir } });
    expect(text.stdout).toContain(`${dev.ready.dynamodb} (${engines.dynamodb})`);

    // Without --player there is no web app to sign in, so nothing mints tokens over HTTP.
    expect((await fetch(`${dev.ready.api}/dev/token?user=mallory&country=GB`)).status).toBe(404);
    const health = await fetch(`${dev.ready.api}/health`);
    expect(health.status).toBe(200);

    // `streamctl token` mints what the local API accepts; without it, 401. A token names its country.
    const countryless = await runCli(['token', '--user', 'alice', '--json'], { env: { STREAMCTL_DATA_DIR: dataDir } });
    expect(countryless.code).toBe(2);
    const minted = await runCli(['token', '--user', 'alice', '--country', 'US', '--json'], {
      env: { STREAMCTL_DATA_DIR: dataDir },
    });
    const { token } = jsonLines(minted.stdout)[0] as { token: string };
    const watchlist = await fetch(`${dev.ready.api}/v1/watchlist`, { headers: { authorization: `Bearer ${token}` } });
    expect(watchlist.status).toBe(200);
    expect(await watchlist.json()).toEqual({ items: [] });
    expect((await fetch(`${dev.ready.api}/v1/watchlist`)).status).toBe(401);

    // An event through the API reaches continue watching through the stream and the watch-state worker.
    const base = await resolveConfig({ flags: { stage: 'local' }, env: {}, configFile: false });
    const catalogClients = createAwsClients({ ...base, endpoints: { dynamodb: dev.ready.dynamodb } });
    const { putTitle, publishTitle } = createCatalog(catalogClients, base.resources);
    await putTitle({ titleId: 'movie-1', name: 'Movie', manifests: { hls: 'titles/movie-1/master.m3u8' } });
    await publishTitle('movie-1', { countries: 'ALL' });
    catalogClients.destroy();
    const grant = await fetch(`${dev.ready.api}/v1/playback/movie-1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(grant.status).toBe(200);
    expect(((await grant.json()) as { session: { heartbeatSec: number } }).session.heartbeatSec).toBe(7);
    const sent = await fetch(`${dev.ready.api}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          v: 1,
          id: crypto.randomUUID(),
          type: 'progress',
          titleId: 'movie-1',
          ts: new Date().toISOString(),
          positionSec: 600,
          durationSec: 6000,
        },
      ]),
    });
    expect(await sent.json()).toEqual({ accepted: 1, rejected: [] });
    const published = Date.now();
    let items: Array<{ titleId: string; positionSec: number }> = [];
    while (Date.now() - published < 10_000 && items.length === 0) {
      const cw = await fetch(`${dev.ready.api}/v1/continue-watching`, {
        headers: { authorization: `Bearer ${token}` },
      });
      items = ((await cw.json()) as { items: typeof items }).items;
      if (!items.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(items).toEqual([expect.objectContaining({ titleId: 'movie-1', positionSec: 600 })]);
    expect(Date.now() - published).toBeLessThan(5_000);

    // `streamctl publish` reaches `streamctl search` through the stream and the search worker.
    const searchClients = createAwsClients({ ...base, endpoints: { dynamodb: dev.ready.dynamodb } });
    await createCatalog(searchClients, base.resources).putTitle({
      titleId: 'harbour-1',
      name: 'Quillfeather Harbour',
      cast: ['Maren Oddvik'],
      manifests: { hls: 'titles/harbour-1/master.m3u8' },
    });
    searchClients.destroy();
    const env = { STREAMCTL_DATA_DIR: dataDir };
    const publishedTitle = await runCli(['publish', 'harbour-1', '--countries', 'NO,SE', '--json'], { env });
    expect(publishedTitle.code).toBe(0);
    const searchStarted = Date.now();
    let found: Array<{ titleId: string }> = [];
    while (Date.now() - searchStarted < 10_000 && !found.length) {
      const run = await runCli(['search', 'quilfeather harb', '--country', 'NO', '--json'], { env });
      expect(run.code).toBe(0);
      found = (jsonLines(run.stdout)[0] as { items: typeof found }).items;
    }
    expect(found.map((i) => i.titleId)).toEqual(['harbour-1']);
    expect(Date.now() - searchStarted).toBeLessThan(5_000);
    const elsewhere = await runCli(['search', 'oddvik', '--country', 'GB'], { env });
    expect(elsewhere.stdout.trim()).toBe('No published title in GB matches "oddvik".');
    const anywhere = await runCli(['search', 'oddvik'], { env });
    expect(anywhere.stdout).toMatch(/harbour-1\s+Quillfeather Harbour/);

    // A file in the CDN bucket plays through the edge only with a signature from `streamctl sign`.
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: dev.ready.s3,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: 'streamctl-local-cdn-us-east-1',
        Key: 'titles/t1/master.m3u8',
        Body: '#EXTM3U\n',
      }),
    );
    s3.destroy();
    const manifest = `${dev.ready.edge}/titles/t1/master.m3u8`;
    expect((await fetch(manifest)).status).toBe(403);
    const signed = await runCli(['sign', manifest, '--stage', 'local', '--expires-in', '5m', '--json'], {
      env: { STREAMCTL_DATA_DIR: dataDir },
    });
    expect(signed.code).toBe(0);
    const played = await fetch((jsonLines(signed.stdout)[0] as { url: string }).url);
    expect(played.status).toBe(200);
    expect(await played.text()).toBe('#EXTM3U\n');

    const stopped = await dev.stop();
    running.length = 0;
    expect(stopped.code).toBe(0);
    expect(jsonLines(stopped.stdout)).toEqual([dev.ready]);
    for (const url of [dev.ready.api, dev.ready.edge, dev.ready.dynamodb, dev.ready.kinesis, dev.ready.s3]) {
      expect(await portOpenUrl(url)).toBe(false);
    }
    const after = await runCli(['status', '--stage', 'local', '--json'], { env: { STREAMCTL_DATA_DIR: dataDir } });
    expect(after.code).toBe(1);
  });

  it('fails in one line naming the fix when aws-local has no Java, and never falls back', async () => {
    const dataDir = join(tmp(), 'data');
    const run = await runCli(['dev', '--engines', 'aws-local', '--data-dir', dataDir], {
      env: { JAVA_HOME: join(tmp(), 'no-java') },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    // One error line (after the spinner's "Starting…" note), no stack.
    const errors = run.stderr.split('\n').filter((line) => /error|at /i.test(line));
    expect(errors).toEqual([
      expect.stringMatching(
        /^error: The aws-local engines need Java for DynamoDB Local.*install a Java runtime.*--engines embedded/,
      ),
    ]);
    // Nothing was left running: the data dir is free for the next dev.
    const status = await runCli(['status', '--json'], { env: { STREAMCTL_DATA_DIR: dataDir } });
    expect(status.code).toBe(1);
    const bad = await runCli(['dev', '--engines', 'docker', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid engines "docker" from --engines: expected embedded or aws-local/);
  });

  it('refuses a second dev on the same data dir without harming the first', async () => {
    const dataDir = join(tmp(), 'data');
    const first = await startDev(dataDir);
    const second = await runCli(['dev', '--json', '--data-dir', dataDir], { env: enginesEnv });
    expect(second.code).toBe(1);
    expect((jsonLines(second.stdout)[0] as { error: { code: string } }).error.code).toBe('LOCAL_ALREADY_RUNNING');
    expect(second.stderr).toMatch(/already using the data dir/);
    const status = await runCli(['status', '--json'], { env: { STREAMCTL_DATA_DIR: dataDir } });
    expect(status.code).toBe(0);
    expect(await portOpenUrl(first.ready.dynamodb)).toBe(true);
  });

  it('keeps data across restarts and wipes it with --reset', async () => {
    const dataDir = join(tmp(), 'data');
    const { DynamoDBClient, PutItemCommand, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { S3Client, PutObjectCommand, HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const key = { PK: { S: 'VIDEO#t1' }, SK: { S: 'METADATA' } };
    const TableName = 'streamctl-local-catalog';
    const Bucket = 'streamctl-local-cdn-us-east-1';

    const write = async (ready: Ready) => {
      const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: ready.dynamodb, credentials: creds });
      const s3 = new S3Client({ region: 'us-east-1', endpoint: ready.s3, credentials: creds, forcePathStyle: true });
      await ddb.send(new PutItemCommand({ TableName, Item: { ...key, name: { S: 'Kept' } } }));
      await s3.send(new PutObjectCommand({ Bucket, Key: 'titles/t1/master.m3u8', Body: '#EXTM3U\n' }));
      ddb.destroy();
      s3.destroy();
    };
    const read = async (ready: Ready) => {
      const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: ready.dynamodb, credentials: creds });
      const s3 = new S3Client({ region: 'us-east-1', endpoint: ready.s3, credentials: creds, forcePathStyle: true });
      const item = await ddb.send(new GetItemCommand({ TableName, Key: key }));
      const object = await s3
        .send(new HeadObjectCommand({ Bucket, Key: 'titles/t1/master.m3u8' }))
        .then(() => true)
        .catch(() => false);
      ddb.destroy();
      s3.destroy();
      return { name: item.Item?.name?.S, object };
    };

    const first = await startDev(dataDir);
    await write(first.ready);
    expect((await first.stop()).code).toBe(0);
    running.length = 0;

    const second = await startDev(dataDir);
    expect(await read(second.ready)).toEqual({ name: 'Kept', object: true });
    expect((await second.stop()).code).toBe(0);
    running.length = 0;

    const third = await startDev(dataDir, ['--reset']);
    expect(await read(third.ready)).toEqual({ name: undefined, object: false });
  });

  it('is found from anywhere through its data dir, with the Region and names it created', async () => {
    const project = tmp();
    writeFileSync(join(project, 'streamctl.config.json'), JSON.stringify({ region: 'eu-west-1' }));
    const dataDir = join(project, 'data');
    await startDev(dataDir, [], project);
    // Another directory, no config file: its own default Region would be us-east-1.
    const status = await runCli(['status', '--json'], { cwd: tmp(), env: { STREAMCTL_DATA_DIR: dataDir } });
    expect(status.code).toBe(0);
    const report = jsonLines(status.stdout)[0] as {
      region: string;
      parts: Array<{ resources: Array<{ name: string }> }>;
    };
    expect(report.region).toBe('eu-west-1');
    const names = report.parts.flatMap((p) => p.resources.map((r) => r.name));
    expect(names).toContain('streamctl-local-cdn-eu-west-1');
  });
});
