/**
 * Devices and playback sessions of an account, in the user-state table.
 *
 * Two items per account hold them: `PLAYBACK#DEVICES` (the registered
 * devices) and `PLAYBACK#SESSIONS` (the active sessions, with a DynamoDB TTL
 * on the newest session's end, so an idle account's sessions item goes by
 * itself). Every change reads both (one consistent query), decides, and
 * writes the changed items conditionally on the version it read; a lost race
 * reads again and decides again. So the stream limit holds under races on
 * every engine: of N parallel starts on an account with limit L, exactly L
 * find a free slot, whoever wins the writes.
 *
 * A session id carries its account (`<random>.<base64url(userId)>`): an
 * operator revokes a session by id alone, and a viewer's heartbeat for a
 * session of another account is told the session does not exist.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import type { AwsClients } from '../aws/index.js';
import type { Plan, ResourceNames, SessionSettings } from '../config/index.js';
import { type DEVICE_KINDS, DeviceInputSchema, SessionIdSchema } from '../contract/index.js';
import { DeviceLimitError, ForbiddenError, NotFoundError, StreamLimitError, wrapAwsError } from '../errors/index.js';
import { IdSchema } from '../users/ids.js';
import { userStatePartition } from '../users/store.js';
import type { Viewer } from '../users/viewer.js';
import { parseInput } from '../util/validate.js';

/** A kind of device. */
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** What a client says about the device it plays on. */
export type DeviceInput = z.input<typeof DeviceInputSchema>;

/**
 * The device of a client that names none: one per account, so clients that
 * send no device id share one slot (they replace each other's session
 * instead of each taking a stream).
 */
export const UNNAMED_DEVICE: Readonly<Required<DeviceInput>> = Object.freeze({
  deviceId: 'unnamed',
  name: 'Unnamed device',
  kind: 'other',
});

/** A registered device. */
export interface Device {
  deviceId: string;
  name: string;
  kind: DeviceKind;
  firstSeenAt: string;
  lastSeenAt: string;
}

/** An active playback session. */
export interface PlaybackSession {
  sessionId: string;
  userId: string;
  deviceId: string;
  deviceName: string;
  titleId: string;
  startedAt: string;
  heartbeatAt: string;
  /** When the session ends unless a heartbeat comes first. */
  expiresAt: string;
}

/** Devices and sessions of accounts. Viewer-facing members take the viewer; operator members a user id. */
export interface Sessions {
  /** The plan a viewer's claim names; `FORBIDDEN` when the stage offers no such plan. */
  plan(viewer: Viewer): Plan & { name: string };
  /**
   * Opens a session for a viewer on a device (registering the device on first use, replacing the
   * device's own session): `STREAM_LIMIT` when the account plays its plan's streams already,
   * `DEVICE_LIMIT` when a new device would exceed the devices allowed.
   */
  start(viewer: Viewer, titleId: string, device?: DeviceInput): Promise<PlaybackSession>;
  /** Keeps a viewer's session alive; `NOT_FOUND` when it ended (or is not the viewer's). */
  heartbeat(viewer: Viewer, sessionId: string): Promise<PlaybackSession>;
  /** Ends a viewer's session; true when it was active. Ending an ended session changes nothing. */
  end(viewer: Viewer, sessionId: string): Promise<boolean>;
  /** The account's active sessions, oldest first. */
  list(userId: string): Promise<PlaybackSession[]>;
  /** Ends any account's session by id (operators); the session, or undefined when none was active. */
  revoke(sessionId: string): Promise<PlaybackSession | undefined>;
  /** Ends every session of an account (operators); how many ended. */
  revokeAll(userId: string): Promise<number>;
  /** The account's registered devices, most recently seen first. */
  devices(userId: string): Promise<Device[]>;
  /** Removes a device and ends its sessions at once; true when it was registered. */
  removeDevice(userId: string, deviceId: string): Promise<boolean>;
  /** An account at a glance (operators): the plan of its last playback start, its devices and active sessions. */
  account(userId: string): Promise<{ plan?: string; devices: Device[]; sessions: PlaybackSession[] }>;
  /** The settings in force (plans, TTL, heartbeat, grant period). */
  readonly settings: SessionSettings;
}

/** An active session as stored (the map key, or the Redis field after `s:`, is its id). */
export interface SessionRow {
  deviceId: string;
  titleId: string;
  startedAt: string;
  heartbeatAt: string;
  /** Epoch ms. */
  endsAt: number;
}

/** A registered device as stored (the map key is its id). */
export interface DeviceRow {
  name: string;
  kind: DeviceKind;
  firstSeenAt: string;
  lastSeenAt: string;
}

interface State {
  devices: Record<string, DeviceRow>;
  sessions: Record<string, SessionRow>;
  /** The plan of the account's last playback start (plans live in tokens; this is what was seen). */
  plan?: string;
}

type Part = 'devices' | 'sessions';

interface Versions {
  devices: number;
  sessions: number;
}

/** A device's last-seen time is rewritten at most this often (ms): a grant should not cost a write for it. */
export const LAST_SEEN_RESOLUTION_MS = 3600_000;
/** A lost race reads and decides again, this many times at most. */
const MAX_ATTEMPTS = 40;

const SK = { devices: 'PLAYBACK#DEVICES', sessions: 'PLAYBACK#SESSIONS' } as const;

/** The account a session id belongs to, or undefined for an id that is not one. */
export function sessionOwner(sessionId: string): string | undefined {
  if (!SessionIdSchema.safeParse(sessionId).success) return undefined;
  const owner = Buffer.from(sessionId.slice(17), 'base64url').toString('utf8');
  return IdSchema.safeParse(owner).success ? owner : undefined;
}

/** The row of a session opened at `at` (epoch ms), ending a TTL later unless a heartbeat comes. */
export function newSessionRow(deviceId: string, titleId: string, at: number, ttlSeconds: number): SessionRow {
  const iso = new Date(at).toISOString();
  return { deviceId, titleId, startedAt: iso, heartbeatAt: iso, endsAt: at + ttlSeconds * 1000 };
}

/** Bytes of randomness in a session id (16 base64url characters). */
const SESSION_ENTROPY = 12;
/**
 * Session ids take their randomness from a pool refilled 256 ids at a time (as Node's own
 * `randomUUID` does): one `randomBytes` call per id is a system call on every playback start.
 * Each slice of the pool is used once.
 */
const entropy = Buffer.allocUnsafe(SESSION_ENTROPY * 256);
let entropyAt = entropy.length;

/** A new session id of an account: 16 random characters (never a leading '-'), a dot, the account's id in base64url. */
export function newSessionId(userId: string): string {
  if (entropyAt + SESSION_ENTROPY > entropy.length) {
    randomFillSync(entropy);
    entropyAt = 0;
  }
  let random = entropy.toString('base64url', entropyAt, entropyAt + SESSION_ENTROPY);
  entropyAt += SESSION_ENTROPY;
  // One id in 64 would start with '-' and read as an option on a command line
  // (`streamctl sessions revoke -AbC…`): that first character becomes '_' (about 0.02 bits less).
  if (random.startsWith('-')) random = `_${random.slice(1)}`;
  return `${random}.${Buffer.from(userId, 'utf8').toString('base64url')}`;
}

const isConditionFailure = (err: unknown) => (err as { name?: string }).name === 'ConditionalCheckFailedException';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the devices and sessions capability over the user-state table.
 *
 * @example
 * ```ts
 * const sessions = createSessions({ clients, names, settings: config.sessions });
 * const s = await sessions.start(viewer, 't1', { deviceId: 'tv-1', name: 'Living room', kind: 'tv' });
 * await sessions.heartbeat(viewer, s.sessionId);
 * ```
 */
export function createSessions(deps: SessionStoreDeps): Sessions {
  return createDynamoPlayback(deps).sessions;
}

/** What the stores of devices and sessions are made with. */
export interface SessionStoreDeps {
  clients: AwsClients;
  names: ResourceNames;
  settings: SessionSettings;
  now?: () => number;
}

/**
 * The devices of accounts in DynamoDB, as the Redis fast path needs them: the durable record it
 * caches, and registration on first use within the device limit.
 */
export interface DeviceRegistry {
  /** The account's devices and the plan last seen, as stored. */
  load(userId: string): Promise<{ devices: Record<string, DeviceRow>; plan?: string }>;
  /**
   * Registers the device (or refreshes its last-seen time, name and kind) and records the plan:
   * `DEVICE_LIMIT` for a new device over the limit. Answers the devices after the change.
   */
  touch(viewer: Viewer, device: DeviceInput, plan: string): Promise<Record<string, DeviceRow>>;
}

/**
 * The DynamoDB engine of devices and sessions: the capability, and its device registry for the
 * Redis fast path.
 */
export function createDynamoPlayback(deps: SessionStoreDeps): { sessions: Sessions; registry: DeviceRegistry } {
  const { clients, settings } = deps;
  const TableName = deps.names.userStateTable;
  const now = deps.now ?? Date.now;
  const pk = userStatePartition;

  async function read(userId: string): Promise<{ state: State; versions: Versions }> {
    let items: Record<string, unknown>[];
    try {
      const out = await clients.documents().send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': pk(userId), ':prefix': 'PLAYBACK#' },
          ConsistentRead: true,
        }),
      );
      items = out.Items ?? [];
    } catch (err) {
      throw wrapAwsError(err, 'dynamodb:Query', `devices and sessions of ${userId}`);
    }
    const devicesItem = items.find((i) => i.SK === SK.devices);
    const sessionsItem = items.find((i) => i.SK === SK.sessions);
    const at = now();
    // Sessions whose heartbeat lapsed have ended, whether or not TTL has removed them yet.
    const sessions = Object.fromEntries(
      Object.entries((sessionsItem?.sessions ?? {}) as Record<string, SessionRow>).filter(([, s]) => s.endsAt > at),
    );
    return {
      state: {
        devices: { ...((devicesItem?.devices ?? {}) as Record<string, DeviceRow>) },
        sessions,
        ...(typeof devicesItem?.plan === 'string' ? { plan: devicesItem.plan } : {}),
      },
      versions: { devices: Number(devicesItem?.version ?? 0), sessions: Number(sessionsItem?.version ?? 0) },
    };
  }

  async function write(userId: string, part: Part, state: State, version: number): Promise<void> {
    const extra =
      part === 'sessions'
        ? {
            // TTL: the item goes once its last session would have ended.
            expiresAt: Math.ceil(Math.max(now(), ...Object.values(state.sessions).map((s) => s.endsAt)) / 1000),
          }
        : state.plan
          ? { plan: state.plan }
          : {};
    await clients.documents().send(
      new PutCommand({
        TableName,
        Item: { PK: pk(userId), SK: SK[part], [part]: state[part], version: version + 1, ...extra },
        ConditionExpression: version === 0 ? 'attribute_not_exists(PK)' : 'version = :v',
        ...(version === 0 ? {} : { ExpressionAttributeValues: { ':v': version } }),
      }),
    );
  }

  /**
   * Reads an account's devices and sessions, lets `decide` change them, and writes what changed,
   * conditionally on the versions read; a lost race decides again on fresh state.
   */
  async function change<T>(userId: string, decide: (state: State) => { result: T; changed: Part[] }): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const { state, versions } = await read(userId);
      const { result, changed } = decide(state);
      try {
        for (const part of changed) await write(userId, part, state, versions[part]);
        return result;
      } catch (err) {
        if (!isConditionFailure(err)) throw wrapAwsError(err, 'dynamodb:PutItem', `devices and sessions of ${userId}`);
        if (attempt >= MAX_ATTEMPTS) {
          throw wrapAwsError(
            err,
            'dynamodb:PutItem',
            `devices and sessions of ${userId} (busy: too many changes at once)`,
          );
        }
        await sleep(Math.random() * 4 * Math.min(attempt, 10));
      }
    }
  }

  const toSession = (userId: string, state: State, sessionId: string, row: SessionRow): PlaybackSession => ({
    sessionId,
    userId,
    deviceId: row.deviceId,
    deviceName: state.devices[row.deviceId]?.name ?? row.deviceId,
    titleId: row.titleId,
    startedAt: row.startedAt,
    heartbeatAt: row.heartbeatAt,
    expiresAt: new Date(row.endsAt).toISOString(),
  });

  const listOf = (userId: string, state: State) =>
    Object.entries(state.sessions)
      .map(([id, row]) => toSession(userId, state, id, row))
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.sessionId.localeCompare(b.sessionId));

  /** Registers or refreshes a device in the state, and records the plan: the parts that changed. */
  function registerDevice(
    state: State,
    device: z.output<typeof DeviceInputSchema>,
    planName: string,
    at: number,
  ): Part[] {
    const iso = new Date(at).toISOString();
    const changed: Part[] = [];
    const known = state.devices[device.deviceId];
    if (state.plan !== planName) {
      state.plan = planName;
      changed.push('devices');
    }
    if (!known) {
      if (Object.keys(state.devices).length >= settings.maxDevices) {
        throw new DeviceLimitError(
          `The account has ${settings.maxDevices} devices registered, the most allowed: remove one to play on ${device.deviceId}`,
          {
            hint: 'remove a device (DELETE /v1/devices/:deviceId, or `streamctl devices list --user U`)',
            details: { maxDevices: settings.maxDevices, devices: devicesOf(state) },
          },
        );
      }
      state.devices[device.deviceId] = {
        name: device.name ?? device.deviceId,
        kind: device.kind ?? 'other',
        firstSeenAt: iso,
        lastSeenAt: iso,
      };
      if (!changed.includes('devices')) changed.push('devices');
    } else if (
      at - Date.parse(known.lastSeenAt) >= LAST_SEEN_RESOLUTION_MS ||
      (device.name !== undefined && device.name !== known.name) ||
      (device.kind !== undefined && device.kind !== known.kind)
    ) {
      state.devices[device.deviceId] = {
        ...known,
        ...(device.name !== undefined ? { name: device.name } : {}),
        ...(device.kind !== undefined ? { kind: device.kind } : {}),
        lastSeenAt: iso,
      };
      if (!changed.includes('devices')) changed.push('devices');
    }
    return changed;
  }

  function planOf(viewer: Viewer): Plan & { name: string } {
    const plan = Object.hasOwn(settings.plans, viewer.plan) ? settings.plans[viewer.plan] : undefined;
    if (!plan) {
      throw new ForbiddenError(`Plan "${viewer.plan}" is not offered on this stage`, {
        hint: `issue tokens with one of: ${Object.keys(settings.plans).join(', ')}`,
        details: { plan: viewer.plan },
      });
    }
    return { name: viewer.plan, ...plan };
  }

  const devicesOf = (state: State): Device[] =>
    Object.entries(state.devices)
      .map(([deviceId, d]) => ({ deviceId, ...d }))
      .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt) || a.deviceId.localeCompare(b.deviceId));

  const sessions: Sessions = {
    settings,
    plan: planOf,

    async start(viewer, titleId, deviceInput) {
      parseInput(IdSchema, titleId, 'titleId');
      const device = parseInput(DeviceInputSchema, deviceInput ?? UNNAMED_DEVICE, 'device');
      const plan = planOf(viewer);
      const userId = viewer.userId;
      return change(userId, (state) => {
        const at = now();
        const changed: Part[] = registerDevice(state, device, plan.name, at);
        // Starting again on a device replaces that device's session.
        for (const [id, s] of Object.entries(state.sessions)) {
          if (s.deviceId === device.deviceId) delete state.sessions[id];
        }
        const others = listOf(userId, state);
        if (others.length >= plan.streams) throw streamLimitError(plan, others);
        const sessionId = newSessionId(userId);
        const row = newSessionRow(device.deviceId, titleId, at, settings.ttlSeconds);
        state.sessions[sessionId] = row;
        changed.push('sessions');
        return { result: toSession(userId, state, sessionId, row), changed };
      });
    },

    async heartbeat(viewer, sessionId) {
      const userId = ownSession(viewer, sessionId);
      return change(userId, (state) => {
        const row = state.sessions[sessionId];
        if (!row) throw sessionEnded(sessionId);
        const at = now();
        const renewed = { ...row, heartbeatAt: new Date(at).toISOString(), endsAt: at + settings.ttlSeconds * 1000 };
        state.sessions[sessionId] = renewed;
        return { result: toSession(userId, state, sessionId, renewed), changed: ['sessions'] };
      });
    },

    async end(viewer, sessionId) {
      const userId = ownSession(viewer, sessionId);
      return change(userId, (state) => {
        if (!state.sessions[sessionId]) return { result: false, changed: [] };
        delete state.sessions[sessionId];
        return { result: true, changed: ['sessions'] };
      });
    },

    async list(userId) {
      parseInput(IdSchema, userId, 'userId');
      const { state } = await read(userId);
      return listOf(userId, state);
    },

    async revoke(sessionId) {
      parseInput(SessionIdSchema, sessionId, 'session id');
      const userId = sessionOwner(sessionId);
      if (!userId) return undefined;
      return change(userId, (state) => {
        const row = state.sessions[sessionId];
        if (!row) return { result: undefined, changed: [] };
        const ended = toSession(userId, state, sessionId, row);
        delete state.sessions[sessionId];
        return { result: ended, changed: ['sessions'] };
      });
    },

    async revokeAll(userId) {
      parseInput(IdSchema, userId, 'userId');
      return change(userId, (state) => {
        const count = Object.keys(state.sessions).length;
        state.sessions = {};
        return { result: count, changed: count ? ['sessions'] : [] };
      });
    },

    async devices(userId) {
      parseInput(IdSchema, userId, 'userId');
      const { state } = await read(userId);
      return devicesOf(state);
    },

    async account(userId) {
      parseInput(IdSchema, userId, 'userId');
      const { state } = await read(userId);
      return {
        ...(state.plan ? { plan: state.plan } : {}),
        devices: devicesOf(state),
        sessions: listOf(userId, state),
      };
    },

    async removeDevice(userId, deviceId) {
      parseInput(IdSchema, userId, 'userId');
      parseInput(IdSchema, deviceId, 'deviceId');
      return change(userId, (state) => {
        const changed: Part[] = [];
        const known = Boolean(state.devices[deviceId]);
        if (known) {
          delete state.devices[deviceId];
          changed.push('devices');
        }
        // A removed device's sessions end with it (also ones left from an earlier, raced removal).
        const ending = Object.entries(state.sessions).filter(([, s]) => s.deviceId === deviceId);
        for (const [id] of ending) delete state.sessions[id];
        if (ending.length) changed.push('sessions');
        return { result: known, changed };
      });
    },
  };

  const registry: DeviceRegistry = {
    async load(userId) {
      const { state } = await read(userId);
      return { devices: state.devices, ...(state.plan ? { plan: state.plan } : {}) };
    },
    async touch(viewer, deviceInput, plan) {
      const device = parseInput(DeviceInputSchema, deviceInput, 'device');
      return change(viewer.userId, (state) => ({
        result: state.devices,
        changed: registerDevice(state, device, plan, now()),
      }));
    },
  };
  return { sessions, registry };
}

/** A viewer's own session's account, or NOT_FOUND (also for another account's id: nothing tells it exists). */
export function ownSession(viewer: Viewer, sessionId: string): string {
  if (sessionOwner(sessionId) !== viewer.userId) throw sessionEnded(sessionId);
  return viewer.userId;
}

/** The answer about a session that ended, or was never the caller's. */
export function sessionEnded(sessionId: string): NotFoundError {
  return new NotFoundError(`Session ${sessionId} does not exist or has ended`, {
    hint: 'start playback again to open a new session',
  });
}

/** The error of a start over the plan's streams, naming the devices that play. */
export function streamLimitError(plan: Plan & { name: string }, others: PlaybackSession[]): StreamLimitError {
  return new StreamLimitError(
    `The ${plan.name} plan plays on ${plan.streams} ${plan.streams === 1 ? 'device' : 'devices'} at once, and ${others
      .map((s) => s.deviceName)
      .join(', ')} ${others.length === 1 ? 'is' : 'are'} playing`,
    plan.streams,
    others.map((s) => ({
      sessionId: s.sessionId,
      deviceId: s.deviceId,
      deviceName: s.deviceName,
      titleId: s.titleId,
      startedAt: s.startedAt,
    })),
    { hint: 'stop playback on another device (DELETE /v1/sessions/:id), then start again' },
  );
}
