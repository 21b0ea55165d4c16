/**
 * A worker killed in the middle of an event: after the ledger claimed it,
 * before its write. The worker is its own process, killed with SIGKILL (no
 * checkpoint, no release, no goodbye). A new worker restarts from the
 * checkpoint and finds the event busy (the dead worker's lease holds: busy,
 * never a duplicate, which would drop it), claims it when the lease is
 * over, and processes it exactly once, counted in the platform table. The
 * same event published again afterwards is a duplicate.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type Claim,
  createAwsClients,
  createEventPublisher,
  type EngagementEvent,
  ensureStreams,
  type StreamctlConfig,
} from '@streamctl/sdk';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { targetConfig } from '../../../../test/e2e/target.js';
import { startPoller } from '../../src/index.js';
import { type MidEventSettings, midEventConsumer, timesProcessed } from './mid-event-worker.js';

const target = inject('target');
const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const LEASE_SECONDS = 2;

async function withStream(name: string): Promise<StreamctlConfig> {
  const base = await targetConfig(target);
  const config = {
    ...base,
    resources: { ...base.resources, eventsStream: `streamctl-e2e-${name}-${randomUUID().slice(0, 6)}` },
  };
  const clients = createAwsClients(config);
  await ensureStreams(clients.kinesis(), config.resources);
  clients.destroy();
  return config;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!target.endpoints.dynamodb || !target.endpoints.kinesis)(
  `a worker killed mid-event (${target.kind})`,
  () => {
    let bundleDir: string;
    let workerScript: string;
    let child: ChildProcess | undefined;

    beforeAll(async () => {
      // The worker process runs the workspace's source, bundled (node alone runs no TypeScript).
      bundleDir = mkdtempSync(join(tmpdir(), 'streamctl-mid-event-'));
      workerScript = join(bundleDir, 'worker.mjs');
      await build({
        entryPoints: [join(import.meta.dirname, 'mid-event-worker.ts')],
        outfile: workerScript,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        tsconfig: join(ROOT, 'tsconfig.json'),
        // Bundled CommonJS dependencies call require.
        banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
        logLevel: 'error',
      });
    });
    afterAll(() => {
      child?.kill('SIGKILL');
      if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
    });

    it('processes the event exactly once after a restart: busy while the lease holds, then claimed', {
      timeout: 90_000,
    }, async () => {
      const config = await withStream('mid-event');
      const clients = createAwsClients(config);
      const run = randomUUID().slice(0, 8);
      const settings: MidEventSettings = {
        config,
        consumer: `mid-event-${run}`,
        leaseSeconds: LEASE_SECONDS,
        counts: `E2E#mid-event#${run}`,
      };
      // One viewer, so one shard and this order: one before, the one the worker dies in, one after.
      const event = (n: number): EngagementEvent => ({
        v: 1,
        id: randomUUID(),
        type: 'play',
        userId: `viewer-${run}`,
        titleId: `t-${n}`,
        ts: new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString(),
      });
      const [before, middle, after] = [event(1), event(2), event(3)];
      const publisher = createEventPublisher(clients, config.resources);
      for (const e of [before, middle, after]) await publisher.publish(e);
      expect(await publisher.close()).toEqual([]);

      // The first worker, in its own process, until it is inside the middle event.
      const said: { claim?: Claim; eventId?: string; askedAt?: number; inside?: string }[] = [];
      child = spawn(process.execPath, [workerScript], {
        env: {
          ...process.env,
          STREAMCTL_MID_EVENT_WORKER: '1',
          STREAMCTL_MID_EVENT: JSON.stringify({ ...settings, blockOn: middle.id }),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child?.once('exit', (_code, signal) => resolve(signal)),
      );
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        said.push(JSON.parse(line));
      });
      await until(() => said.some((s) => s.inside === middle.id), 60_000, 'the worker inside the middle event');
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      child = undefined;
      const deadClaim = said.find((s) => s.eventId === middle.id);
      expect(deadClaim?.claim).toBe('claimed');
      expect(await timesProcessed(clients, settings, before.id)).toBe(1);
      expect(await timesProcessed(clients, settings, middle.id)).toBe(0);

      // A new worker from the checkpoint, at once.
      const claims: { claim: Claim; answeredAt: number }[] = [];
      const restarted = await startPoller(
        clients,
        config.resources,
        midEventConsumer(clients, settings, {
          onClaim: (eventId, claim) => {
            if (eventId === middle.id) claims.push({ claim, answeredAt: Date.now() });
          },
        }),
        { idleMs: 50 },
      );
      await until(
        async () => (await timesProcessed(clients, settings, after.id)) > 0,
        30_000,
        'the rest after restart',
      );

      // Busy (never a duplicate) while the dead worker's lease held, then claimed once it was over.
      const outcomes = claims.map((c) => c.claim);
      expect(outcomes[0]).toBe('busy');
      expect(outcomes.at(-1)).toBe('claimed');
      expect(outcomes.slice(0, -1).every((o) => o === 'busy')).toBe(true);
      // The dead worker's lease started no earlier than it asked for its claim.
      const taken = claims.at(-1)?.answeredAt ?? 0;
      expect(taken - (deadClaim?.askedAt ?? Number.POSITIVE_INFINITY)).toBeGreaterThan(LEASE_SECONDS * 1000);
      for (const e of [before, middle, after]) expect(await timesProcessed(clients, settings, e.id), e.titleId).toBe(1);

      // The same event published again (another record): a duplicate, not processed.
      const again = createEventPublisher(clients, config.resources);
      await again.publish({ ...middle });
      expect(await again.close()).toEqual([]);
      await until(() => claims.length > outcomes.length, 30_000, 'the event published again');
      await restarted.stop();
      expect(claims.at(-1)?.claim).toBe('duplicate');
      expect(await timesProcessed(clients, settings, middle.id)).toBe(1);
      console.log(
        `[mid-event] ${target.kind}: the restarted worker found the event busy ${outcomes.length - 1} times, then claimed it ${taken - (deadClaim?.askedAt ?? 0)} ms after the dead worker did`,
      );
      clients.destroy();
    });
  },
);
