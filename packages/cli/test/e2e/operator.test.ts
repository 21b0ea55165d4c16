/**
 * The operator commands end to end against the shared embedded platform:
 * viewers start playback through the HTTP API (tokens as `streamctl token`
 * mints them), and `streamctl sessions`, `devices`, `watchlist` and `users`
 * see and change the same accounts, with `--json` and human output. What
 * an operator ends, the viewer's player is told at its next heartbeat.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER, ensureDevSigningKey, mintDevToken } from '@streamctl/local';
import { createPlatform, createPlaybackSigner, type Platform, type PlaybackSession } from '@streamctl/sdk';
import { createHttpApp, createJwtVerifier, type NodeServer, serveNode } from '@streamctl/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isLocalPlatform, targetConfig } from '../../../../test/e2e/target.js';
import { jsonLines, runCli } from '../run-cli.js';

const target = inject('target');
const run = randomUUID().slice(0, 6);

/** A session as the CLI's `--json` prints it: the SDK's own shape. */
type Session = PlaybackSession;

describe.skipIf(!isLocalPlatform(target))('operator commands: sessions, devices, watchlist, users', () => {
  let platform: Platform;
  let server: NodeServer;
  let keyDir: string;
  const titleId = `ops-${run}`;
  const other = `ops-other-${run}`;
  /** The CLI finds the running embedded platform through its data dir, as an operator's shell would. */
  const env = { STREAMCTL_DATA_DIR: target.dataDir };
  const cli = (...argv: string[]) => runCli([...argv, '--stage', 'local'], { env });
  const json = async <T>(...argv: string[]) => {
    const out = await cli(...argv, '--json');
    expect(out.code, out.stderr).toBe(0);
    return jsonLines(out.stdout)[0] as T;
  };

  const token = async (userId: string, plan: string) =>
    (await mintDevToken(keyDir, { userId, country: 'GB', plan })).token;
  const api = (tok: string, method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tok}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const play = async (tok: string, deviceId: string, name: string, kind: string, title = titleId) => {
    const res = await api(tok, 'POST', `/v1/playback/${title}`, { deviceId, name, kind });
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { session: { id: string } }).session.id;
  };

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'streamctl-operator-e2e-'));
    const devKey = await ensureDevSigningKey(keyDir);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // The test's own API over the shared platform's store: the CLI and it read and write the same tables.
    platform = createPlatform(
      { ...(await targetConfig(target)), dataDir: keyDir },
      {
        verifyToken: createJwtVerifier({
          jwks: { keys: [devKey.publicJwk] },
          issuer: DEV_TOKEN_ISSUER,
          audience: DEV_TOKEN_AUDIENCE,
        }),
        playback: {
          signer: createPlaybackSigner({ keyPairId: 'KOPERATORTEST1', privateKey }),
          cdnBaseUrl: 'http://127.0.0.1:9',
        },
      },
    );
    server = await serveNode(
      createHttpApp(platform, {
        rateLimits: { user: { perSecond: 10_000, burst: 10_000 }, ip: { perSecond: 10_000, burst: 10_000 } },
      }),
    );
    for (const [id, name] of [
      [titleId, 'Operator Night'],
      [other, 'Operator Day'],
    ] as const) {
      await platform.catalog.putTitle({
        titleId: id,
        name,
        genres: ['drama'],
        durationSec: 3000,
        manifests: { hls: `titles/${id}/master.m3u8` },
      });
      await platform.catalog.publishTitle(id, { countries: 'ALL' });
    }
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    platform?.close();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it('sessions list and devices list show what the API started; revoke ends one, then all; the player is told', async () => {
    const userId = `ops-a-${run}`;
    const tok = await token(userId, 'premium');
    const tv = await play(tok, 'tv', 'Living room TV', 'tv');
    const phone = await play(tok, 'phone', 'Ana phone', 'phone', other);
    const tablet = await play(tok, 'tablet', 'Kitchen tablet', 'tablet');

    const listed = await json<{ userId: string; sessions: Session[] }>('sessions', 'list', '--user', userId);
    expect(listed.userId).toBe(userId);
    expect(listed.sessions.map((s) => s.sessionId).sort()).toEqual([tv, phone, tablet].sort());
    expect(listed.sessions.find((s) => s.sessionId === phone)).toMatchObject({
      userId,
      deviceId: 'phone',
      deviceName: 'Ana phone',
      titleId: other,
    });
    const human = await cli('sessions', 'list', '--user', userId);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${userId}: 3 active sessions\n`);
    expect(human.stdout).toMatch(
      new RegExp(
        `  ${tv}\\n    Living room TV \\(tv\\) playing ${titleId}; started \\S+ \\S+Z, last heartbeat \\S+ \\S+Z, ends \\S+ \\S+Z\\n`,
      ),
    );

    const devices = await json<{
      devices: Array<{ deviceId: string; name: string; kind: string; sessionId?: string }>;
    }>('devices', 'list', '--user', userId);
    expect(devices.devices.map((d) => d.deviceId).sort()).toEqual(['phone', 'tablet', 'tv']);
    expect(devices.devices.find((d) => d.deviceId === 'tv')).toMatchObject({
      name: 'Living room TV',
      kind: 'tv',
      sessionId: tv,
    });
    const devicesHuman = await cli('devices', 'list', '--user', userId);
    expect(devicesHuman.stdout).toMatch(/^ops-a-\S+: 3 of 10 devices\n/);
    expect(devicesHuman.stdout).toMatch(
      new RegExp(`  tv\\s+Living room TV\\s+tv\\s+last seen \\S+ \\S+Z  playing ${titleId}\\n`),
    );

    // One session by id: the operator sees what ended; the player's next heartbeat is refused.
    const revoked = await cli('sessions', 'revoke', tv);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(
      `Ended session ${tv}: ${userId} on Living room TV (tv) playing ${titleId} since ${listed.sessions
        .find((s) => s.sessionId === tv)
        ?.startedAt.replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')}.\n`,
    );
    expect((await api(tok, 'PUT', `/v1/sessions/${tv}`)).status).toBe(404);
    expect((await api(tok, 'PUT', `/v1/sessions/${phone}`)).status).toBe(200);
    // Again: nothing to end, and that is no failure (a retried revoke must not fail).
    const again = await cli('sessions', 'revoke', tv);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe(`Session ${tv} is not active (it ended or never existed); nothing to end.\n`);
    expect(await json('sessions', 'revoke', tv)).toEqual({ sessionId: tv, revoked: false });

    // Every session of the account.
    expect(await json('sessions', 'revoke', '--user', userId, '--all')).toEqual({ userId, revoked: 2 });
    expect((await api(tok, 'PUT', `/v1/sessions/${phone}`)).status).toBe(404);
    expect(await json('sessions', 'list', '--user', userId)).toEqual({ userId, sessions: [] });
    expect((await cli('sessions', 'list', '--user', userId)).stdout).toBe(`${userId} has no active sessions.\n`);
    const none = await cli('sessions', 'revoke', '--user', userId, '--all');
    expect(none).toMatchObject({ code: 0, stdout: `${userId} had no active sessions; nothing to end.\n` });
    // The devices stay registered.
    expect((await json<{ devices: unknown[] }>('devices', 'list', '--user', userId)).devices).toHaveLength(3);
  });

  it('revoke --json names the session that ended; a session of nobody is not active', async () => {
    const userId = `ops-b-${run}`;
    const tok = await token(userId, 'standard');
    const id = await play(tok, 'web', 'Browser', 'browser');
    const out = await json<{ sessionId: string; revoked: boolean; session: Session }>('sessions', 'revoke', id);
    expect(out).toMatchObject({ sessionId: id, revoked: true, session: { userId, deviceId: 'web', titleId } });
    const tv = await play(tok, 'tv', 'Living room TV', 'tv');
    const phone = await play(tok, 'phone', 'Ana phone', 'phone', other);
    const all = await cli('sessions', 'revoke', '--user', userId, '--all');
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout).toBe(
      `Ended 2 sessions of ${userId}.\n  ${tv}  Living room TV (tv) playing ${titleId}\n  ${phone}  Ana phone (phone) playing ${other}\n`,
    );
    const stranger = `AAAAAAAAAAAAAAAA.${Buffer.from(`nobody-${run}`).toString('base64url')}`;
    expect(await json('sessions', 'revoke', stranger)).toEqual({ sessionId: stranger, revoked: false });
  });

  it('devices remove ends the device sessions at once and frees its slot; removing it again changes nothing', async () => {
    const userId = `ops-c-${run}`;
    const tok = await token(userId, 'standard');
    const tv = await play(tok, 'tv', 'Living room TV', 'tv');
    const phone = await play(tok, 'phone', 'Ana phone', 'phone');
    const removed = await cli('devices', 'remove', 'tv', '--user', userId);
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).toBe(`Removed Living room TV (tv) from ${userId}; ended its session (${titleId}).\n`);
    expect((await api(tok, 'PUT', `/v1/sessions/${tv}`)).status).toBe(404);
    expect((await api(tok, 'PUT', `/v1/sessions/${phone}`)).status).toBe(200);
    const devices = await json<{ devices: Array<{ deviceId: string }> }>('devices', 'list', '--user', userId);
    expect(devices.devices.map((d) => d.deviceId)).toEqual(['phone']);
    const sessions = await json<{ sessions: Session[] }>('sessions', 'list', '--user', userId);
    expect(sessions.sessions.map((s) => s.sessionId)).toEqual([phone]);

    const again = await cli('devices', 'remove', 'tv', '--user', userId);
    expect(again).toMatchObject({ code: 0, stdout: `${userId} has no device tv; nothing to remove.\n` });
    expect(await json('devices', 'remove', 'tv', '--user', userId)).toEqual({
      userId,
      deviceId: 'tv',
      removed: false,
      endedSessions: [],
    });
    expect(await json('devices', 'remove', 'phone', '--user', userId)).toEqual({
      userId,
      deviceId: 'phone',
      removed: true,
      endedSessions: [phone],
    });
    expect((await cli('devices', 'list', '--user', userId)).stdout).toBe(
      `${userId} has no registered devices (a device registers at its first playback).\n`,
    );
  });

  it('watchlist add, list and remove change what the viewer sees; add refuses a title the catalog lacks', async () => {
    const userId = `ops-d-${run}`;
    const tok = await token(userId, 'standard');
    const viewerList = async () =>
      ((await (await api(tok, 'GET', '/v1/watchlist')).json()) as { items: Array<{ titleId: string }> }).items.map(
        (i) => i.titleId,
      );
    // The viewer's home is built (and cached by the API) before the operator's change.
    const homeRail = async () => {
      const home = (await (await api(tok, 'GET', '/v1/home')).json()) as {
        rails: Array<{ id: string; items: Array<{ titleId: string }> }>;
      };
      return home.rails.find((r) => r.id === 'my-list')?.items.map((i) => i.titleId) ?? [];
    };
    expect(await homeRail()).toEqual([]);

    const added = await cli('watchlist', 'add', '--user', userId, titleId);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toBe(`Added ${titleId} to ${userId}'s watchlist.\n`);
    expect(await json('watchlist', 'add', '--user', userId, other)).toEqual({
      userId,
      titleId: other,
      onWatchlist: true,
      changed: true,
    });
    const twice = await cli('watchlist', 'add', '--user', userId, titleId);
    expect(twice).toMatchObject({
      code: 0,
      stdout: `${titleId} is already on ${userId}'s watchlist; nothing changed.\n`,
    });
    expect((await viewerList()).sort()).toEqual([other, titleId].sort());
    // The API's cached home page goes stale with the change: its My List rail has both within seconds.
    const started = Date.now();
    let rail: string[] = [];
    while (Date.now() - started < 8_000) {
      rail = await homeRail();
      if (rail.length === 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(rail.sort()).toEqual([other, titleId].sort());

    const missing = await cli('watchlist', 'add', '--user', userId, `nope-${run}`);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      `error: Title nope-${run} does not exist in the catalog; find its id with \`streamctl titles list\` or \`streamctl search "<name>"\`\n`,
    );
    const missingJson = await cli('watchlist', 'add', '--user', userId, `nope-${run}`, '--json');
    expect(missingJson.code).toBe(1);
    expect((jsonLines(missingJson.stdout)[0] as { error: { code: string } }).error.code).toBe('NOT_FOUND');

    const page = await json<{ userId: string; items: Array<{ titleId: string; addedAt: string }>; cursor?: string }>(
      'watchlist',
      'list',
      '--user',
      userId,
      '--limit',
      '1',
    );
    expect(page.items).toHaveLength(1);
    expect(page.cursor).toBeTruthy();
    const next = await json<{ items: Array<{ titleId: string }>; cursor?: string }>(
      'watchlist',
      'list',
      '--user',
      userId,
      '--limit',
      '1',
      '--cursor',
      page.cursor as string,
    );
    expect([...page.items, ...next.items].map((i) => i.titleId).sort()).toEqual([other, titleId].sort());
    expect(next.cursor).toBeUndefined();
    const human = await cli('watchlist', 'list', '--user', userId, '--limit', '1');
    expect(human.stdout).toMatch(
      new RegExp(
        `^\\S+\\s+added \\S+ \\S+Z\\nMore: streamctl watchlist list --user ${userId} --limit 1 --cursor \\S+\\n$`,
      ),
    );

    const removed = await cli('watchlist', 'remove', '--user', userId, titleId);
    expect(removed).toMatchObject({ code: 0, stdout: `Removed ${titleId} from ${userId}'s watchlist.\n` });
    const removedAgain = await json('watchlist', 'remove', '--user', userId, titleId);
    expect(removedAgain).toEqual({ userId, titleId, onWatchlist: false, changed: false });
    expect(await viewerList()).toEqual([other]);
    expect((await json<{ items: Array<{ titleId: string }> }>('watchlist', 'list', '--user', userId)).items).toEqual([
      expect.objectContaining({ titleId: other }),
    ]);
    await cli('watchlist', 'remove', '--user', userId, other);
    expect((await cli('watchlist', 'list', '--user', userId)).stdout).toBe(
      `${userId}'s watchlist is empty. Add a title with \`streamctl watchlist add --user ${userId} <titleId>\`.\n`,
    );
  });

  it('users show: plan, devices, sessions, watchlist size, continue watching and history', async () => {
    const fresh = `ops-new-${run}`;
    const unknown = await json<Record<string, unknown>>('users', 'show', fresh);
    expect(unknown).toMatchObject({ userId: fresh, plan: null, devices: [], sessions: [], watchlist: { count: 0 } });
    const unknownHuman = await cli('users', 'show', fresh);
    expect(unknownHuman.stdout).toContain('  plan: unknown (no playback yet)\n');

    const userId = `ops-e-${run}`;
    const tok = await token(userId, 'premium');
    const tv = await play(tok, 'tv', 'Living room TV', 'tv');
    await cli('watchlist', 'add', '--user', userId, other);
    const at = new Date().toISOString();
    // 12:34 into a 50-minute title: on Continue Watching, and in this month's history.
    await platform.users.recordProgress({ userId, titleId, positionSec: 754, durationSec: 3000, at });

    const shown = await json<{
      userId: string;
      plan: string | null;
      devices: Array<{ deviceId: string }>;
      sessions: Session[];
      watchlist: { count: number };
      continueWatching: Array<{ titleId: string; positionSec: number }>;
      history: Record<string, Array<{ titleId: string }>>;
    }>('users', 'show', userId);
    const month = at.slice(0, 7);
    expect(shown).toMatchObject({
      userId,
      plan: 'premium',
      devices: [expect.objectContaining({ deviceId: 'tv' })],
      sessions: [expect.objectContaining({ sessionId: tv, titleId })],
      watchlist: { count: 1 },
      continueWatching: [expect.objectContaining({ titleId, positionSec: 754 })],
    });
    expect(Object.keys(shown.history)).toHaveLength(2);
    expect(Object.keys(shown.history)[0]).toBe(month);
    expect(shown.history[month]).toEqual([expect.objectContaining({ titleId })]);

    const human = await cli('users', 'show', userId);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    const lines = human.stdout.split('\n');
    expect(lines[0]).toBe(userId);
    expect(lines).toContain('  plan: premium');
    expect(lines).toContain('  devices: 1');
    expect(lines).toContain('  active sessions: 1');
    expect(lines).toContain('  watchlist: 1 title');
    expect(human.stdout).toMatch(new RegExp(`  continue watching:\\n    ${titleId}\\s+12:34 of 50:00 \\(25 %\\)\\n`));
    expect(human.stdout).toContain(`    ${month}: ${titleId}\n`);
    expect(human.stdout).toMatch(/ {4}\d{4}-\d{2}: nothing watched\n$/);
  });
});
