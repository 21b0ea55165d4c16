import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLocalPlatformState, writeState } from '@streamctl/sdk/local';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { startRecordingProxy } from '../../../../test/e2e/recording-proxy.js';
import { isLocalPlatform } from '../../../../test/e2e/target.js';
import { jsonLines, runCli } from '../run-cli.js';

const target = inject('target');
const dir = mkdtempSync(join(tmpdir(), 'streamctl-events-'));
const event = (over: object = {}) => ({
  v: 1,
  id: randomUUID(),
  type: 'play',
  userId: 'cli-user',
  titleId: 't1',
  ts: new Date().toISOString(),
  ...over,
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe.skipIf(!isLocalPlatform(target))('streamctl events', () => {
  const env = { STREAMCTL_DATA_DIR: target.dataDir };

  it('publishes a file, names the bad lines and exits 1 for them', async () => {
    const file = join(dir, 'mixed.ndjson');
    writeFileSync(
      file,
      [event(), event(), '{"v":1,"type":"nope"}', event(), '', event({ v: 3 }), event()]
        .map((l) => (typeof l === 'string' ? l : JSON.stringify(l)))
        .join('\n'),
    );
    const run = await runCli(['events', 'publish', file, '--stage', 'local', '--json'], { env });
    expect(run.code).toBe(1);
    const [report] = jsonLines(run.stdout) as Array<{
      read: number;
      delivered: number;
      invalid: Array<{ line: number }>;
      undelivered: number;
    }>;
    expect(report).toMatchObject({ read: 6, delivered: 4, undelivered: 0 });
    expect(report?.invalid.map((i) => i.line)).toEqual([3, 6]);
  });

  it('publishes what events example prints, every line delivered', async () => {
    const example = await runCli(['events', 'example', '--count', '30', '--user', 'cli-example']);
    expect(example.code).toBe(0);
    const file = join(dir, 'example.ndjson');
    writeFileSync(file, example.stdout);
    const run = await runCli(['events', 'publish', file, '--stage', 'local', '--json'], { env });
    expect(jsonLines(run.stdout)[0]).toMatchObject({ read: 30, delivered: 30, invalid: [], undelivered: 0 });
    expect(run.code).toBe(0);
  });

  it('spools what it cannot deliver, and the spool replays', { timeout: 60_000 }, async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const file = join(dir, 'good.ndjson');
    writeFileSync(file, `${[event(), event(), event()].map((e) => JSON.stringify(e)).join('\n')}\n`);
    const failed = await runCli(
      ['events', 'publish', file, '--stage', 'qa', '--endpoint-url', 'http://127.0.0.1:9', '--json'],
      { env: {} },
    );
    expect(failed.code).toBe(1);
    const [report] = jsonLines(failed.stdout) as Array<{ undelivered: number; spool: string }>;
    expect(report).toMatchObject({ undelivered: 3, spool: `${file}.undelivered.ndjson` });
    expect(readFileSync(`${file}.undelivered.ndjson`, 'utf8').trim().split('\n')).toHaveLength(3);
    const replay = await runCli(['events', 'publish', `${file}.undelivered.ndjson`, '--stage', 'local', '--json'], {
      env,
    });
    expect(replay.code).toBe(0);
    expect(jsonLines(replay.stdout)[0]).toMatchObject({ delivered: 3, undelivered: 0 });
  });

  it('tails new records as JSON lines', { timeout: 30_000 }, async () => {
    // The tail finds the platform through a data dir of its own whose Kinesis is the
    // platform's behind a recording proxy: the events go out once the tail holds its
    // place (a LATEST iterator) on every shard, not after a guessed pause.
    const state = readLocalPlatformState(target.dataDir as string);
    const kinesis = await startRecordingProxy(state.parts.kinesis as string);
    const tailDir = mkdtempSync(join(tmpdir(), 'streamctl-tail-'));
    writeState(tailDir, { ...state, parts: { ...state.parts, kinesis: kinesis.url } });
    try {
      const tail = runCli(['events', 'tail', '--stage', 'local', '--limit', '2', '--json'], {
        env: { STREAMCTL_DATA_DIR: tailDir },
      });
      await vi.waitFor(
        () => {
          const answered = (operation: string) =>
            kinesis.calls.filter((c) => c.operation === operation && c.status === 200);
          const shards = answered('ListShards')[0]?.output.Shards as unknown[] | undefined;
          expect(shards?.length).toBeGreaterThan(0);
          expect(new Set(answered('GetShardIterator').map((c) => c.input.ShardId)).size).toBe(shards?.length);
        },
        { timeout: 10_000, interval: 20 },
      );
      const mine = [event({ userId: 'tail-a' }), event({ userId: 'tail-b' })];
      const file = join(dir, 'tail.ndjson');
      writeFileSync(file, mine.map((e) => JSON.stringify(e)).join('\n'));
      expect((await runCli(['events', 'publish', file, '--stage', 'local'], { env })).code).toBe(0);
      const run = await tail;
      expect(run.code).toBe(0);
      const records = jsonLines(run.stdout) as Array<{ event: { id: string }; shardId: string }>;
      expect(records.map((r) => r.event.id).sort()).toEqual(mine.map((e) => e.id).sort());
      // --json keeps stderr quiet: the waiting note is for people.
      expect(run.stderr).toBe('');
    } finally {
      await kinesis.close();
    }
  });

  it('says what it follows and that it waits, on stderr, before any record comes', async () => {
    let stop: (signal: string) => void = () => {};
    const shutdown = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const run = runCli(['events', 'tail', '--stage', 'local'], { env, shutdown });
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop('SIGINT');
    const { code, stdout, stderr } = await run;
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^Following stream streamctl-local-events \(http:\/\/127\.0\.0\.1:\d+\) for new records; waiting for events… \(Ctrl-C stops\)\n$/,
    );
    expect(code).toBe(0);
  });
});
