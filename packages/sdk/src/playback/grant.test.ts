import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Title } from '../catalog/index.js';
import { DEFAULT_SESSION_SETTINGS } from '../config/index.js';
import { ForbiddenError } from '../errors/index.js';
import type { Sessions } from '../sessions/index.js';
import type { Viewer } from '../users/index.js';
import { createPlaybackGrants, grantSetCookies } from './grant.js';
import { createPlaybackSigner as makeSigner, type PlaybackSigner } from './signer.js';
import { createPlaybackVerifier } from './verifier.js';

const CDN = 'https://cdn.example.test';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const NOW = Date.parse('2026-12-02T12:00:00Z');

const title = (over: Partial<Title> = {}): Title => ({
  titleId: 't1',
  name: 'One',
  kind: 'movie',
  genres: [],
  manifests: { hls: 'titles/t1/master.m3u8' },
  status: 'PUBLISHED',
  availability: { countries: ['GB'] },
  seasons: [],
  renditions: [],
  ...over,
});

/** A signer that counts its RSA signatures. */
function counting(): { signer: PlaybackSigner; signatures: () => number } {
  const inner = makeSigner({ keyPairId: 'KGRANTTEST001', privateKey });
  let count = 0;
  return {
    signer: {
      ...inner,
      signPolicy: (url, options) => {
        count++;
        return inner.signPolicy(url, options);
      },
      signUrl: () => {
        throw new Error('a grant signs its policy once, not the URL on its own');
      },
      signCookies: () => {
        throw new Error('a grant signs its policy once, not the cookies on their own');
      },
    },
    signatures: () => count,
  };
}

/**
 * The sessions a grant opens, reduced to what the grant reads (the store itself is tested on
 * dynalite and DynamoDB Local in sessions.ddb.test.ts): plans as configured, a session per start.
 */
function sessionsStub(): Sessions & { started: string[] } {
  const started: string[] = [];
  const settings = DEFAULT_SESSION_SETTINGS;
  const session = (viewer: Viewer, titleId: string) => ({
    sessionId: `s${started.length}`,
    userId: viewer.userId,
    deviceId: 'unnamed',
    deviceName: 'Unnamed device',
    titleId,
    startedAt: new Date(NOW).toISOString(),
    heartbeatAt: new Date(NOW).toISOString(),
    expiresAt: new Date(NOW + settings.ttlSeconds * 1000).toISOString(),
  });
  const unused = async (): Promise<never> => {
    throw new Error('not used by grants');
  };
  return {
    started,
    settings,
    plan(viewer) {
      const plan = settings.plans[viewer.plan];
      if (!plan) throw new ForbiddenError(`Plan "${viewer.plan}" is not offered`);
      return { name: viewer.plan, ...plan };
    },
    async start(viewer, titleId) {
      const opened = session(viewer, titleId);
      started.push(`${viewer.userId}:${titleId}`);
      return opened;
    },
    heartbeat: async (viewer) => session(viewer, 't1'),
    end: async () => true,
    list: unused,
    revoke: unused,
    revokeAll: unused,
    devices: unused,
    removeDevice: unused,
    account: unused,
  };
}

describe('playback.grant', () => {
  const alice = { userId: 'alice', country: 'GB', plan: 'standard' };

  it('signs one policy per title and expiry bucket: URL and cookies from one signature, shared by viewers', async () => {
    const { signer, signatures } = counting();
    let now = NOW;
    const sessions = sessionsStub();
    const playback = createPlaybackGrants(
      { catalog: { findTitle: async () => title() }, sessions, now: () => now },
      { signer, cdnBaseUrl: `${CDN}/` },
    );
    const first = await playback.grant(alice, 't1');
    expect(signatures()).toBe(1);
    const bobs = await playback.grant({ userId: 'bob', country: 'GB', plan: 'basic' }, 't1');
    expect({ ...bobs, session: undefined }).toEqual({ ...first, session: undefined });
    expect(signatures()).toBe(1);
    expect(sessions.started).toEqual(['alice:t1', 'bob:t1']);
    expect(first.session).toMatchObject({ id: 's0', heartbeatSec: 30 });
    // At least the grant period (300 s), rounded up to the bucket (a fifth of it).
    const expires = Date.parse(first.expiresAt);
    expect(expires - NOW).toBeGreaterThanOrEqual(300_000);
    expect(expires - NOW).toBeLessThan(360_000);
    expect(expires % 60_000).toBe(0);

    // The URL and the cookies both open the title's tree, and nothing else.
    const verifier = createPlaybackVerifier(signer.publicKeys);
    const at = NOW / 1000;
    expect(verifier.verify({ url: first.manifestUrl, cookies: {}, clientIp: '192.0.2.1', now: at }).allowed).toBe(true);
    const segment = `${CDN}/titles/t1/720p/seg_00001.m4s`;
    expect(verifier.verify({ url: segment, cookies: first.cookies, clientIp: '192.0.2.1', now: at }).allowed).toBe(
      true,
    );
    const other = `${CDN}/titles/t2/master.m3u8`;
    expect(verifier.verify({ url: other, cookies: first.cookies, clientIp: '192.0.2.1', now: at })).toMatchObject({
      allowed: false,
      reason: 'resource-mismatch',
    });

    // A year later (the clock moved): a new bucket, a new signature, and still at least the TTL.
    now = NOW + 365 * 86400_000;
    const later = await playback.grant(alice, 't1');
    expect(signatures()).toBe(2);
    expect(Date.parse(later.expiresAt) - now).toBeGreaterThanOrEqual(300_000);
  });

  it("hands out the plan's DASH manifest and the thumbnail track, signed like the manifest, but no DASH for AES-128", async () => {
    const { signer } = counting();
    const withExtras = title({
      manifests: { hls: 'titles/t1/master.m3u8', dash: 'titles/t1/manifest.mpd' },
      renditions: [
        { name: '1080p', width: 1920, height: 1080, bandwidth: 5_000_000, playlist: 'titles/t1/1080p/index.m3u8' },
        { name: '720p', width: 1280, height: 720, bandwidth: 3_000_000, playlist: 'titles/t1/720p/index.m3u8' },
      ],
      images: { thumbnailTrack: 'titles/t1/thumbnails/thumbnails.vtt' },
    });
    let current = withExtras;
    const playback = createPlaybackGrants(
      { catalog: { findTitle: async () => current }, sessions: sessionsStub(), now: () => NOW },
      { signer, cdnBaseUrl: CDN },
    );
    const basic = await playback.grant({ userId: 'bob', country: 'GB', plan: 'basic' }, 't1');
    expect(basic.dashManifestUrl).toMatch(new RegExp(`^${CDN}/titles/t1/manifest\\.720p\\.mpd\\?Policy=`));
    expect(basic.thumbnailTrackUrl).toMatch(new RegExp(`^${CDN}/titles/t1/thumbnails/thumbnails\\.vtt\\?Policy=`));
    const standard = await playback.grant(alice, 't1');
    expect(standard.dashManifestUrl).toMatch(new RegExp(`^${CDN}/titles/t1/manifest\\.mpd\\?`));
    const verifier = createPlaybackVerifier(signer.publicKeys);
    for (const url of [basic.dashManifestUrl, basic.thumbnailTrackUrl] as string[]) {
      expect(verifier.verify({ url, cookies: {}, clientIp: '192.0.2.1', now: NOW / 1000 }).allowed).toBe(true);
    }
    current = { ...withExtras, protection: { scheme: 'aes-128' } };
    const sealed = await playback.grant(alice, 't1');
    expect(sealed.dashManifestUrl).toBeUndefined();
    expect(sealed.protection).toEqual({ scheme: 'aes-128', keyUrl: '/v1/keys/t1/' });
    expect(sealed.thumbnailTrackUrl).toBeDefined();
  });

  it("hands each plan the master capped at its tallest rung, and refuses a plan the stage doesn't offer", async () => {
    const { signer } = counting();
    const ladder = [
      { name: '1080p', width: 1920, height: 1080, bandwidth: 5e6, playlist: 'titles/t1/1080p/index.m3u8' },
      { name: '720p', width: 1280, height: 720, bandwidth: 3e6, playlist: 'titles/t1/720p/index.m3u8' },
    ];
    const sessions = sessionsStub();
    const playback = createPlaybackGrants(
      { catalog: { findTitle: async () => title({ renditions: ladder }) }, sessions, now: () => NOW },
      { signer, cdnBaseUrl: CDN },
    );
    const basic = await playback.grant({ ...alice, plan: 'basic' }, 't1');
    expect(new URL(basic.manifestUrl).pathname).toBe('/titles/t1/master.720p.m3u8');
    const standard = await playback.grant(alice, 't1');
    expect(new URL(standard.manifestUrl).pathname).toBe('/titles/t1/master.m3u8');
    await expect(playback.grant({ ...alice, plan: 'gold' }, 't1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // The refused plan took no stream slot.
    expect(sessions.started).toEqual(['alice:t1', 'alice:t1']);
  });

  it('refuses unknown and unpublished titles alike (404), titles elsewhere or out of their window (403)', async () => {
    const { signer, signatures } = counting();
    const titles: Record<string, Title> = {
      gb: title(),
      closed: title({ titleId: 'closed', availability: { countries: 'ALL', until: '2026-01-01T00:00:00Z' } }),
      draft: title({ titleId: 'draft', status: 'READY', availability: undefined }),
    };
    const sessions = sessionsStub();
    const playback = createPlaybackGrants(
      { catalog: { findTitle: async (id) => titles[id] }, sessions, now: () => NOW },
      { signer, cdnBaseUrl: CDN },
    );
    await expect(playback.grant(alice, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(playback.grant({ userId: 'u', country: 'US', plan: 'basic' }, 'gb')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(playback.grant(alice, 'closed')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A draft is not there for a viewer: the same answer as an unknown id, so its existence is not told.
    await expect(playback.grant(alice, 'draft')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(signatures()).toBe(0);
    // A viewer who may not play takes no stream slot.
    expect(sessions.started).toEqual([]);
  });

  it('says what is missing when playback is not configured', async () => {
    const playback = createPlaybackGrants(
      { catalog: { findTitle: async () => title() }, sessions: sessionsStub() },
      undefined,
    );
    await expect(playback.grant(alice, 't1')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('grantSetCookies', () => {
  const grant = {
    manifestUrl: `${CDN}/titles/t1/master.720p.m3u8?Policy=p&Signature=s&Key-Pair-Id=K`,
    expiresAt: '2026-12-03T12:05:00.000Z',
    cookies: { 'CloudFront-Policy': 'p', 'CloudFront-Signature': 's', 'CloudFront-Key-Pair-Id': 'K' },
  };

  it("hands the cookies over HttpOnly, Strict, for the title's tree alone, expiring with the grant", () => {
    const headers = grantSetCookies(grant, { secure: true });
    expect(headers).toEqual([
      'CloudFront-Policy=p; Path=/titles/t1/; Expires=Thu, 03 Dec 2026 12:05:00 GMT; HttpOnly; SameSite=Strict; Secure',
      'CloudFront-Signature=s; Path=/titles/t1/; Expires=Thu, 03 Dec 2026 12:05:00 GMT; HttpOnly; SameSite=Strict; Secure',
      'CloudFront-Key-Pair-Id=K; Path=/titles/t1/; Expires=Thu, 03 Dec 2026 12:05:00 GMT; HttpOnly; SameSite=Strict; Secure',
    ]);
    // Over plain http (the local edge) a Secure cookie would never come back: none then.
    expect(grantSetCookies(grant, { secure: false }).every((h) => !h.includes('Secure'))).toBe(true);
  });

  it('sets nothing for a manifest outside a title tree', () => {
    expect(grantSetCookies({ ...grant, manifestUrl: `${CDN}/other/master.m3u8` }, { secure: true })).toEqual([]);
  });
});
