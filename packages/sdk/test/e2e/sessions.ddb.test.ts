/**
 * Devices and playback sessions on a real DynamoDB (dynalite, DynamoDB
 * Local or an endpoint), and again with the Redis fast path (Debian's
 * redis-server) in front of it: the stream limit under races, replacement
 * on the same device, heartbeats and TTL, revocation, device limits and
 * removal, and the rule that a viewer only ever touches their own sessions.
 */
import { randomUUID } from 'node:crypto';
import {
  type AwsClients,
  type Cache,
  createAwsClients,
  createDynamoPlayback,
  createRedisCache,
  createSessions,
  DEFAULT_SESSION_SETTINGS,
  type SessionSettings,
  type Sessions,
  StreamLimitError,
  type Viewer,
  withRedisSessions,
} from '@streamctl/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedisOrSkip } from '../../../../scripts/redis.mjs';
import { targetConfig } from '../../../../test/e2e/target.js';

const target = inject('target');
const START = Date.parse('2026-12-03T10:00:00Z');
const redis = target.endpoints.dynamodb ? await startRedisOrSkip('sessions') : undefined;
const engines = [['DynamoDB', false], ...(redis ? [['the Redis fast path', true] as const] : [])] as const;

describe.skipIf(!target.endpoints.dynamodb).each(engines)(
  `devices and sessions on %s (${target.kind})`,
  (_name, fast) => {
    let clients: AwsClients;
    let cache: Cache | undefined;
    let make: (settings?: Partial<SessionSettings>) => Sessions;
    /** The DynamoDB engine alone, as the fast path falls back to it when Redis is away. */
    let dynamoOnly: () => Sessions;
    let now = START;
    const viewer = (plan: string): Viewer => ({ userId: `u-${randomUUID().slice(0, 8)}`, country: 'GB', plan });

    beforeAll(async () => {
      const config = await targetConfig(target);
      clients = createAwsClients(config);
      if (fast)
        cache = await createRedisCache((redis as { url: string }).url, {
          prefix: `sessions-${randomUUID()}:`,
          timeoutMs: 1_000,
        });
      make = (over = {}) => {
        const deps = {
          clients,
          names: config.resources,
          settings: { ...DEFAULT_SESSION_SETTINGS, ...over },
          now: () => now,
        };
        dynamoOnly = () => createSessions(deps);
        if (!cache) return createSessions(deps);
        const { sessions, registry } = createDynamoPlayback(deps);
        return withRedisSessions({
          cache,
          fallback: sessions,
          registry,
          ...deps,
          onFallback: (err) => {
            throw new Error(`fell back to DynamoDB: ${String(err)}`);
          },
        });
      };
    });
    afterAll(async () => {
      clients?.destroy();
      await cache?.close();
    });

    it('50 parallel starts on a standard account (2 streams) give exactly 2 sessions', async () => {
      const sessions = make({ maxDevices: 100 });
      const alice = viewer('standard');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => sessions.start(alice, 't1', { deviceId: `d${i}`, kind: 'tv' })),
      );
      const opened = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
      expect(opened).toHaveLength(2);
      expect(refused).toHaveLength(48);
      for (const err of refused) {
        expect(err).toBeInstanceOf(StreamLimitError);
        expect((err as StreamLimitError).sessions).toHaveLength(2);
      }
      const active = await sessions.list(alice.userId);
      expect(active.map((s) => s.sessionId).sort()).toEqual(
        opened.map((o) => (o as PromiseFulfilledResult<{ sessionId: string }>).value.sessionId).sort(),
      );
    });

    it('a basic account plays on one device; the second is told which device plays; stopping the first frees it', async () => {
      const sessions = make();
      const bob = viewer('basic');
      const tv = await sessions.start(bob, 't1', { deviceId: 'tv', name: 'Living room', kind: 'tv' });
      const refused = await sessions.start(bob, 't2', { deviceId: 'phone', name: 'Pixel' }).catch((e) => e);
      expect(refused).toBeInstanceOf(StreamLimitError);
      expect(refused).toMatchObject({ code: 'STREAM_LIMIT', httpStatus: 409, limit: 1 });
      expect(refused.message).toContain('Living room');
      expect(refused.sessions).toEqual([
        { sessionId: tv.sessionId, deviceId: 'tv', deviceName: 'Living room', titleId: 't1', startedAt: tv.startedAt },
      ]);
      expect(await sessions.end(bob, tv.sessionId)).toBe(true);
      expect(await sessions.end(bob, tv.sessionId)).toBe(false);
      const phone = await sessions.start(bob, 't2', { deviceId: 'phone' });
      expect((await sessions.list(bob.userId)).map((s) => s.sessionId)).toEqual([phone.sessionId]);
    });

    it('starting again on the same device replaces its session instead of taking a second stream', async () => {
      const sessions = make();
      const carol = viewer('basic');
      const first = await sessions.start(carol, 't1', { deviceId: 'tv' });
      const second = await sessions.start(carol, 't2', { deviceId: 'tv' });
      expect(second.sessionId).not.toBe(first.sessionId);
      expect((await sessions.list(carol.userId)).map((s) => [s.sessionId, s.titleId])).toEqual([
        [second.sessionId, 't2'],
      ]);
      await expect(sessions.heartbeat(carol, first.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('a session without heartbeats ends after its TTL and frees the slot; heartbeats keep it', async () => {
      const sessions = make({ ttlSeconds: 120 });
      const dave = viewer('basic');
      now = START;
      const kept = await sessions.start(dave, 't1', { deviceId: 'tv' });
      for (let i = 1; i <= 5; i++) {
        now = START + i * 100_000; // 100 s apart: within the TTL each time
        expect((await sessions.heartbeat(dave, kept.sessionId)).expiresAt).toBe(new Date(now + 120_000).toISOString());
      }
      await expect(sessions.start(dave, 't1', { deviceId: 'phone' })).rejects.toMatchObject({ code: 'STREAM_LIMIT' });
      now += 121_000; // the heartbeats stop
      expect(await sessions.list(dave.userId)).toEqual([]);
      await expect(sessions.heartbeat(dave, kept.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await sessions.start(dave, 't1', { deviceId: 'phone' });
      now = START;
    });

    it('an operator revokes by session id alone, or every session of an account', async () => {
      const sessions = make();
      const erin = viewer('premium');
      const a = await sessions.start(erin, 't1', { deviceId: 'a' });
      await sessions.start(erin, 't1', { deviceId: 'b' });
      await sessions.start(erin, 't1', { deviceId: 'c' });
      expect(await sessions.revoke(a.sessionId)).toMatchObject({ sessionId: a.sessionId, userId: erin.userId });
      expect(await sessions.revoke(a.sessionId)).toBeUndefined();
      await expect(sessions.heartbeat(erin, a.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await sessions.revokeAll(erin.userId)).toBe(2);
      expect(await sessions.list(erin.userId)).toEqual([]);
      await expect(sessions.revoke('not a session id')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it("a viewer cannot see, keep alive or end another account's session, and is not told it exists", async () => {
      const sessions = make();
      const owner = viewer('standard');
      const mallory = viewer('premium');
      const s = await sessions.start(owner, 't1', { deviceId: 'tv' });
      await expect(sessions.heartbeat(mallory, s.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(sessions.end(mallory, s.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      // A forged id naming the owner's account with made-up randomness is just as unknown.
      const forged = `AAAAAAAAAAAAAAAA.${Buffer.from(owner.userId).toString('base64url')}`;
      await expect(sessions.heartbeat(owner, forged)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await sessions.list(owner.userId)).map((x) => x.sessionId)).toEqual([s.sessionId]);
    });

    it('registers devices on first use up to the limit; removing one ends its sessions at once', async () => {
      const sessions = make({ maxDevices: 2 });
      const fay = viewer('premium');
      const tv = await sessions.start(fay, 't1', { deviceId: 'tv', name: 'TV', kind: 'tv' });
      await sessions.start(fay, 't1', { deviceId: 'phone', name: 'Phone', kind: 'phone' });
      const refused = await sessions.start(fay, 't1', { deviceId: 'laptop' }).catch((e) => e);
      expect(refused).toMatchObject({ code: 'DEVICE_LIMIT', httpStatus: 409 });
      expect((refused.details.devices as Array<{ deviceId: string }>).map((d) => d.deviceId).sort()).toEqual([
        'phone',
        'tv',
      ]);
      const devices = await sessions.devices(fay.userId);
      expect(devices.find((d) => d.deviceId === 'tv')).toMatchObject({ name: 'TV', kind: 'tv' });
      expect(await sessions.removeDevice(fay.userId, 'tv')).toBe(true);
      expect(await sessions.removeDevice(fay.userId, 'tv')).toBe(false);
      await expect(sessions.heartbeat(fay, tv.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await sessions.start(fay, 't1', { deviceId: 'laptop' });
      const account = await sessions.account(fay.userId);
      expect(account.plan).toBe('premium');
      expect(account.devices.map((d) => d.deviceId).sort()).toEqual(['laptop', 'phone']);
      expect(account.sessions).toHaveLength(2);
    });

    // On the fast path: sessions opened on DynamoDB while Redis was away; on DynamoDB: by another instance.
    it('keeps sessions opened by the DynamoDB engine alone: heartbeats, lists and ends reach them', async () => {
      const sessions = make();
      const hal = viewer('premium');
      const during = await dynamoOnly().start(hal, 't1', { deviceId: 'tv' });
      const after = await sessions.start(hal, 't1', { deviceId: 'phone' });
      expect((await sessions.list(hal.userId)).map((s) => s.sessionId).sort()).toEqual(
        [during.sessionId, after.sessionId].sort(),
      );
      expect((await sessions.heartbeat(hal, during.sessionId)).sessionId).toBe(during.sessionId);
      expect(await sessions.end(hal, during.sessionId)).toBe(true);
      await expect(sessions.heartbeat(hal, during.sessionId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await sessions.list(hal.userId)).map((s) => s.sessionId)).toEqual([after.sessionId]);
    });

    it('refuses a plan the stage does not offer before taking a slot, and bad input as VALIDATION_FAILED', async () => {
      const sessions = make();
      const gus = viewer('gold');
      await expect(sessions.start(gus, 't1', { deviceId: 'tv' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await sessions.list(gus.userId)).toEqual([]);
      const ok = viewer('basic');
      for (const device of [
        { deviceId: '../etc' },
        { deviceId: 'x'.repeat(129) },
        { deviceId: 'tv', kind: 'toaster' },
        { deviceId: 'tv', name: 'n'.repeat(81) },
        { deviceId: 'tv', admin: true },
      ]) {
        await expect(sessions.start(ok, 't1', device as never)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      }
    });
  },
);

afterAll(async () => {
  await redis?.stop();
});
