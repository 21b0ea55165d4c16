/**
 * The fast path of playback sessions: with a shared Redis (the API's cache
 * on AWS), the stream limit is decided by one Lua script per start, atomic
 * across every API instance, instead of a read and conditional writes in
 * DynamoDB. Devices stay in DynamoDB (the durable record; Redis caches
 * them per account), and a device is registered there on its first use.
 * Sessions live in Redis only: they are short-lived state that ends with
 * its TTL anyway.
 *
 * When Redis fails (a timeout, the breaker open) the call is served by the
 * DynamoDB engine instead, so playback degrades (during an outage the limit
 * counts the sessions each engine knows) rather than breaking. Sessions
 * opened there during an outage keep working after it: a heartbeat, an end
 * or a revocation that Redis does not know goes on to DynamoDB, and lists
 * show both.
 *
 * @module
 */
import type { Cache, CacheScript } from '../cache/index.js';
import type { Plan, SessionSettings } from '../config/index.js';
import { DeviceInputSchema, SessionIdSchema } from '../contract/index.js';
import { ConflictError, isStreamctlError } from '../errors/index.js';
import { IdSchema } from '../users/ids.js';
import type { Viewer } from '../users/viewer.js';
import { parseInput } from '../util/validate.js';
import {
  type Device,
  type DeviceRegistry,
  type DeviceRow,
  LAST_SEEN_RESOLUTION_MS,
  newSessionId,
  newSessionRow,
  ownSession,
  type PlaybackSession,
  type SessionRow,
  type Sessions,
  sessionOwner,
  streamLimitError,
  UNNAMED_DEVICE,
} from './store.js';

/** The cache key of an account's sessions and cached devices (a hash). */
export const playbackCacheKey = (userId: string): string => `playback:${userId}`;

/** An account's hash (its devices cached) outlives its last session by this much (ms). */
const KEEP_MS = 86_400_000;

/**
 * Opens a session, atomically. KEYS[1]: the account's hash (`devices` — the cached devices as
 * JSON —, `plan`, and `s:<sessionId>` per session). ARGV: now (ms), stream limit, device id,
 * session id, session row (JSON), plan, keep (ms).
 * Answers `{'LOAD'}` when the devices are not cached, `{'DEVICE'}` for a device not registered,
 * `{'LIMIT', id, row, …}` with the other active sessions, or `{'OK', lastSeenAt, name, kind}`.
 */
const START: CacheScript = {
  name: 'sessionStart',
  lua: `
local devices = redis.call('HGET', KEYS[1], 'devices')
if not devices then return {'LOAD'} end
local device = cjson.decode(devices)[ARGV[3]]
if not device then return {'DEVICE'} end
local now = tonumber(ARGV[1])
local fields = redis.call('HGETALL', KEYS[1])
local others = {}
for i = 1, #fields, 2 do
  local field = fields[i]
  if string.sub(field, 1, 2) == 's:' then
    local row = cjson.decode(fields[i + 1])
    if tonumber(row.endsAt) <= now or row.deviceId == ARGV[3] then
      redis.call('HDEL', KEYS[1], field)
    else
      table.insert(others, string.sub(field, 3))
      table.insert(others, fields[i + 1])
    end
  end
end
if #others / 2 >= tonumber(ARGV[2]) then
  table.insert(others, 1, 'LIMIT')
  return others
end
redis.call('HSET', KEYS[1], 's:' .. ARGV[4], ARGV[5], 'plan', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return {'OK', device.lastSeenAt, device.name or '', device.kind or ''}
`,
};

/**
 * A heartbeat. KEYS[1]: the account's hash. ARGV: session id, now (ms), heartbeat time (ISO),
 * new end (ms), keep (ms). Answers the renewed row (JSON), or nothing when the session ended.
 */
const HEARTBEAT: CacheScript = {
  name: 'sessionHeartbeat',
  lua: `
local field = 's:' .. ARGV[1]
local text = redis.call('HGET', KEYS[1], field)
if not text then return false end
local row = cjson.decode(text)
if tonumber(row.endsAt) <= tonumber(ARGV[2]) then
  redis.call('HDEL', KEYS[1], field)
  return false
end
row.heartbeatAt = ARGV[3]
row.endsAt = tonumber(ARGV[4])
local renewed = cjson.encode(row)
redis.call('HSET', KEYS[1], field, renewed)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return renewed
`,
};

/**
 * Ends sessions. KEYS[1]: the account's hash. ARGV: now (ms), then either `id` and a session id,
 * `device` and a device id (its sessions; the cached devices are dropped too, to be read again),
 * or `all`. Answers the ended sessions as id, row pairs (active ones only).
 */
const END: CacheScript = {
  name: 'sessionEnd',
  lua: `
local now = tonumber(ARGV[1])
local ended = {}
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local field = fields[i]
  if string.sub(field, 1, 2) == 's:' then
    local id = string.sub(field, 3)
    local row = cjson.decode(fields[i + 1])
    local match = ARGV[2] == 'all' or (ARGV[2] == 'id' and id == ARGV[3]) or (ARGV[2] == 'device' and row.deviceId == ARGV[3])
    if match then
      redis.call('HDEL', KEYS[1], field)
      if tonumber(row.endsAt) > now then
        table.insert(ended, id)
        table.insert(ended, fields[i + 1])
      end
    end
  end
end
if ARGV[2] == 'device' then redis.call('HDEL', KEYS[1], 'devices') end
return ended
`,
};

/**
 * Caches an account's devices (JSON) and plan. KEYS[1]: the hash. ARGV: devices, plan, keep (ms).
 * The devices are merged into what is cached (each device as given wins): two starts registering
 * two new devices at once each cache what they read, and neither drops the other's.
 */
const CACHE_DEVICES: CacheScript = {
  name: 'sessionDevices',
  lua: `
local cached = redis.call('HGET', KEYS[1], 'devices')
local merged = cached and cjson.decode(cached) or {}
for id, device in pairs(cjson.decode(ARGV[1])) do merged[id] = device end
redis.call('HSET', KEYS[1], 'devices', cjson.encode(merged))
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'plan', ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`,
};

/** Reads an account's hash. KEYS[1]: the hash. Answers its fields and values. */
const READ: CacheScript = {
  name: 'sessionRead',
  lua: `return redis.call('HGETALL', KEYS[1])`,
};

/**
 * Sessions with the Redis fast path over the DynamoDB engine (`fallback`), which keeps the
 * devices and serves every call Redis cannot.
 *
 * @example
 * ```ts
 * const { sessions: dynamo, registry } = createDynamoPlayback({ clients, names, settings });
 * const sessions = withRedisSessions({ cache: redisCache, fallback: dynamo, registry, settings });
 * ```
 */
export function withRedisSessions(deps: {
  cache: Cache;
  fallback: Sessions;
  registry: DeviceRegistry;
  settings: SessionSettings;
  now?: () => number;
  /** Told when a call fell back to DynamoDB because Redis failed. */
  onFallback?: (err: unknown) => void;
}): Sessions {
  const { cache, fallback, registry, settings } = deps;
  const runScript = cache.runScript?.bind(cache);
  if (!runScript) return fallback;
  const now = deps.now ?? Date.now;
  const key = playbackCacheKey;
  const keep = () => Math.max(settings.ttlSeconds * 1000, KEEP_MS);

  /** Runs a Redis call, or (when Redis fails, never for the SDK's own errors) the DynamoDB engine's. */
  async function fast<T>(redisCall: () => Promise<T>, dynamoCall: () => Promise<T>): Promise<T> {
    try {
      return await redisCall();
    } catch (err) {
      if (isStreamctlError(err)) throw err;
      deps.onFallback?.(err);
      return dynamoCall();
    }
  }

  const run = (script: CacheScript, userId: string, args: Array<string | number>) =>
    runScript(script, [key(userId)], args) as Promise<unknown>;

  async function cacheDevices(userId: string, devices: Record<string, DeviceRow>, plan = '') {
    await run(CACHE_DEVICES, userId, [JSON.stringify(devices), plan, keep()]);
  }

  const toSession = (
    userId: string,
    sessionId: string,
    row: SessionRow,
    devices: Record<string, DeviceRow>,
  ): PlaybackSession => ({
    sessionId,
    userId,
    deviceId: row.deviceId,
    deviceName: devices[row.deviceId]?.name ?? row.deviceId,
    titleId: row.titleId,
    startedAt: row.startedAt,
    heartbeatAt: row.heartbeatAt,
    expiresAt: new Date(row.endsAt).toISOString(),
  });

  /** The account's hash: active sessions (oldest first), cached devices and plan. */
  async function readAccount(userId: string) {
    const flat = (await run(READ, userId, [])) as string[];
    const sessions: Array<[string, SessionRow]> = [];
    let devices: Record<string, DeviceRow> | undefined;
    let plan: string | undefined;
    for (let i = 0; i < flat.length; i += 2) {
      const field = flat[i] as string;
      const value = flat[i + 1] as string;
      if (field === 'devices') devices = JSON.parse(value) as Record<string, DeviceRow>;
      else if (field === 'plan') plan = value;
      else if (field.startsWith('s:')) sessions.push([field.slice(2), JSON.parse(value) as SessionRow]);
    }
    const at = now();
    if (!devices) {
      const loaded = await registry.load(userId);
      devices = loaded.devices;
      plan ??= loaded.plan;
    }
    const known = devices;
    return {
      plan,
      devices: known,
      sessions: sessions
        .filter(([, row]) => row.endsAt > at)
        .map(([id, row]) => toSession(userId, id, row, known))
        .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.sessionId.localeCompare(b.sessionId)),
    };
  }

  const pairs = (reply: unknown): Array<[string, SessionRow]> => {
    const flat = reply as string[];
    const out: Array<[string, SessionRow]> = [];
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, JSON.parse(flat[i + 1] as string)]);
    return out;
  };

  async function startFast(viewer: Viewer, plan: Plan & { name: string }, titleId: string, device: DeviceArg) {
    const userId = viewer.userId;
    const sessionId = newSessionId(userId);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const at = now();
      const row = newSessionRow(device.deviceId, titleId, at, settings.ttlSeconds);
      const reply = (await run(START, userId, [
        at,
        plan.streams,
        device.deviceId,
        sessionId,
        JSON.stringify(row),
        plan.name,
        keep(),
      ])) as string[];
      const verdict = reply[0];
      if (verdict === 'LOAD') {
        const loaded = await registry.load(userId);
        await cacheDevices(userId, loaded.devices, loaded.plan);
        continue;
      }
      if (verdict === 'DEVICE') {
        // First use of a device: registered in DynamoDB (within the device limit), then cached.
        await cacheDevices(userId, await registry.touch(viewer, device, plan.name), plan.name);
        continue;
      }
      if (verdict === 'LIMIT') {
        const cached = (await readAccount(userId)).devices;
        const others = pairs(reply.slice(1)).map(([id, r]) => toSession(userId, id, r, cached));
        throw streamLimitError(
          plan,
          others.sort((a, b) => a.startedAt.localeCompare(b.startedAt)),
        );
      }
      const [, lastSeenAt = '', name = '', kind = ''] = reply;
      if (
        at - Date.parse(lastSeenAt) >= LAST_SEEN_RESOLUTION_MS ||
        (device.name !== undefined && device.name !== name) ||
        (device.kind !== undefined && device.kind !== kind)
      ) {
        await cacheDevices(userId, await registry.touch(viewer, device, plan.name), plan.name);
      }
      return toSession(userId, sessionId, row, { [device.deviceId]: deviceRow(device, name, kind, lastSeenAt) });
    }
    throw new ConflictError(`The devices of ${userId} kept changing while playback started`, {
      hint: 'start playback again',
    });
  }

  return {
    settings,
    plan: fallback.plan,

    async start(viewer, titleId, deviceInput) {
      parseInput(IdSchema, titleId, 'titleId');
      const device = parseInput(DeviceInputSchema, deviceInput ?? UNNAMED_DEVICE, 'device');
      const plan = fallback.plan(viewer);
      return fast(
        () => startFast(viewer, plan, titleId, device),
        () => fallback.start(viewer, titleId, device),
      );
    },

    async heartbeat(viewer, sessionId) {
      const userId = ownSession(viewer, sessionId);
      return fast(
        async () => {
          const at = now();
          const renewed = await run(HEARTBEAT, userId, [
            sessionId,
            at,
            new Date(at).toISOString(),
            at + settings.ttlSeconds * 1000,
            keep(),
          ]);
          // Not in Redis: a session opened on DynamoDB while Redis was away, or an ended one.
          if (typeof renewed !== 'string') return fallback.heartbeat(viewer, sessionId);
          const { devices } = await readAccount(userId);
          return toSession(userId, sessionId, JSON.parse(renewed) as SessionRow, devices);
        },
        () => fallback.heartbeat(viewer, sessionId),
      );
    },

    async end(viewer, sessionId) {
      const userId = ownSession(viewer, sessionId);
      return fast(
        async () =>
          pairs(await run(END, userId, [now(), 'id', sessionId])).length > 0 || fallback.end(viewer, sessionId),
        () => fallback.end(viewer, sessionId),
      );
    },

    async list(userId) {
      parseInput(IdSchema, userId, 'userId');
      return fast(
        async () => merged((await readAccount(userId)).sessions, await fallback.list(userId)),
        () => fallback.list(userId),
      );
    },

    async revoke(sessionId) {
      parseInput(SessionIdSchema, sessionId, 'session id');
      const userId = sessionOwner(sessionId);
      if (!userId) return undefined;
      return fast(
        async () => {
          const { devices } = await readAccount(userId);
          const [ended] = pairs(await run(END, userId, [now(), 'id', sessionId]));
          return ended ? toSession(userId, ended[0], ended[1], devices) : fallback.revoke(sessionId);
        },
        () => fallback.revoke(sessionId),
      );
    },

    async revokeAll(userId) {
      parseInput(IdSchema, userId, 'userId');
      return fast(
        async () => pairs(await run(END, userId, [now(), 'all'])).length + (await fallback.revokeAll(userId)),
        () => fallback.revokeAll(userId),
      );
    },

    devices: (userId) => fallback.devices(userId),

    async removeDevice(userId, deviceId) {
      const removed = await fallback.removeDevice(userId, deviceId);
      // Its sessions end at once, and the cached devices are read again on the next start.
      await fast(
        async () => void (await run(END, userId, [now(), 'device', deviceId])),
        async () => undefined,
      );
      return removed;
    },

    async account(userId) {
      parseInput(IdSchema, userId, 'userId');
      return fast(
        async () => {
          const { plan, sessions } = await readAccount(userId);
          const stored = await fallback.account(userId);
          const devices: Device[] = stored.devices;
          const known = plan ?? stored.plan;
          return { ...(known ? { plan: known } : {}), devices, sessions: merged(sessions, stored.sessions) };
        },
        () => fallback.account(userId),
      );
    },
  };
}

type DeviceArg = ReturnType<typeof DeviceInputSchema.parse>;

/** Sessions of both engines, oldest first (DynamoDB holds only those opened while Redis was away). */
function merged(fast: PlaybackSession[], stored: PlaybackSession[]): PlaybackSession[] {
  return [...fast, ...stored].sort(
    (a, b) => a.startedAt.localeCompare(b.startedAt) || a.sessionId.localeCompare(b.sessionId),
  );
}

function deviceRow(device: DeviceArg, name: string, kind: string, lastSeenAt: string): DeviceRow {
  return {
    name: device.name ?? (name || device.deviceId),
    kind: (device.kind ?? (kind || 'other')) as DeviceRow['kind'],
    firstSeenAt: lastSeenAt,
    lastSeenAt,
  };
}
