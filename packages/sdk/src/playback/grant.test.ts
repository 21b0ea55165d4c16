import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Title } from '../catalog/index.js';
import { createPlaybackGrants } from './grant.js';
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

describe('playback.grant', () => {
  const alice = { userId: 'alice', country: 'GB' };

  it('signs one policy per title and expiry bucket: URL and cookies from one signature, shared by viewers', async () => {
    const { signer, signatures } = counting();
    let now = NOW;
    const playback = createPlaybackGrants(
      { catalog: { findTitle: async () => title() }, now: () => now },
      { signer, cdnBaseUrl: `${CDN}/` },
    );
    const first = await playback.grant(alice, 't1');
    expect(signatures()).toBe(1);
    expect(await playback.grant({ userId: 'bob', country: 'GB' }, 't1')).toEqual(first);
    expect(signatures()).toBe(1);
    // At least the TTL (6 h), rounded up to the bucket (15 min).
    const expires = Date.parse(first.expiresAt);
    expect(expires - NOW).toBeGreaterThanOrEqual(6 * 3600_000);
    expect(expires - NOW).toBeLessThan(6 * 3600_000 + 900_000);
    expect(expires % 900_000).toBe(0);

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
    expect(Date.parse(later.expiresAt) - now).toBeGreaterThanOrEqual(6 * 3600_000);
  });

  it('refuses unknown and unpublished titles alike (404), titles elsewhere or out of their window (403)', async () => {
    const { signer, signatures } = counting();
    const titles: Record<string, Title> = {
      gb: title(),
      closed: title({ titleId: 'closed', availability: { countries: 'ALL', until: '2026-01-01T00:00:00Z' } }),
      draft: title({ titleId: 'draft', status: 'READY', availability: undefined }),
    };
    const playback = createPlaybackGrants(
      { catalog: { findTitle: async (id) => titles[id] }, now: () => NOW },
      { signer, cdnBaseUrl: CDN },
    );
    await expect(playback.grant(alice, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(playback.grant({ userId: 'u', country: 'US' }, 'gb')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(playback.grant(alice, 'closed')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A draft is not there for a viewer: the same answer as an unknown id, so its existence is not told.
    await expect(playback.grant(alice, 'draft')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(signatures()).toBe(0);
  });

  it('says what is missing when playback is not configured', async () => {
    const playback = createPlaybackGrants({ catalog: { findTitle: async () => title() } }, undefined);
    await expect(playback.grant(alice, 't1')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
