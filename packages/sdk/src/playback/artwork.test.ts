import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildHome } from '../recommendations/index.js';
import { createArtworkSigner } from './artwork.js';
import { createPlaybackSigner } from './signer.js';
import { createPlaybackVerifier } from './verifier.js';

const CDN = 'https://cdn.example.test';
const NOW = Date.parse('2026-12-03T12:00:00Z');
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function signing() {
  const inner = createPlaybackSigner({ keyPairId: 'KARTWORK00001', privateKey });
  let signatures = 0;
  const signer = {
    ...inner,
    signUrl: (url: string, o: Parameters<typeof inner.signUrl>[1]) => {
      signatures++;
      return inner.signUrl(url, o);
    },
  };
  return { signer, signatures: () => signatures, verifier: createPlaybackVerifier(inner.publicKeys) };
}

describe('artwork', () => {
  it('signs a poster for itself alone, once per image and bucket, lasting at least the grant period', () => {
    const { signer, signatures, verifier } = signing();
    let now = NOW;
    const artwork = createArtworkSigner({ signer, cdnBaseUrl: `${CDN}/`, ttlSeconds: 300, now: () => now });
    const first = artwork({ titleId: 't1', poster: 'titles/t1/poster.jpg' });
    expect(first?.poster).toMatch(
      new RegExp(`^${CDN}/titles/t1/poster\\.jpg\\?Expires=\\d+&Key-Pair-Id=KARTWORK00001&Signature=`),
    );
    expect(artwork({ titleId: 't1', poster: 'titles/t1/poster.jpg' })).toEqual(first);
    expect(signatures()).toBe(1);
    const url = first?.poster as string;
    const expires = Number(new URL(url).searchParams.get('Expires'));
    expect(expires - NOW / 1000).toBeGreaterThanOrEqual(300);
    expect(verifier.verify({ url, cookies: {}, clientIp: '192.0.2.1', now: NOW / 1000 }).allowed).toBe(true);
    // The signature opens that image only: not the title's segments, not another title's poster.
    const query = new URL(url).search;
    for (const other of [`${CDN}/titles/t1/720p/seg_00000.m4s${query}`, `${CDN}/titles/t2/poster.jpg${query}`]) {
      expect(verifier.verify({ url: other, cookies: {}, clientIp: '192.0.2.1', now: NOW / 1000 }).allowed).toBe(false);
    }
    // The next bucket signs again; a year on, still at least the grant period.
    now = NOW + 365 * 86400_000;
    const later = artwork({ titleId: 't1', poster: 'titles/t1/poster.jpg' })?.poster as string;
    expect(signatures()).toBe(2);
    expect(Number(new URL(later).searchParams.get('Expires')) - now / 1000).toBeGreaterThanOrEqual(300);
  });

  it('has no artwork for a title without a poster, or a poster key outside its own tree', () => {
    const { signer, signatures } = signing();
    const artwork = createArtworkSigner({ signer, cdnBaseUrl: CDN, ttlSeconds: 300, now: () => NOW });
    expect(artwork({ titleId: 't1' })).toBeUndefined();
    expect(artwork({ titleId: 't1', poster: 'titles/t2/poster.jpg' })).toBeUndefined();
    expect(artwork({ titleId: 't1', poster: 'titles/t1/../t2/poster.jpg' })).toBeUndefined();
    expect(signatures()).toBe(0);
  });

  it("puts each card's artwork and length on the home page, and Continue Watching's length from the position", async () => {
    const { signer } = signing();
    const artwork = createArtworkSigner({ signer, cdnBaseUrl: CDN, ttlSeconds: 300, now: () => NOW });
    const titles = [
      { titleId: 'a1', name: 'A', genres: ['drama'], durationSec: 5400, poster: 'titles/a1/poster.jpg' },
      { titleId: 'b2', name: 'B', genres: ['drama'] },
    ];
    const home = await buildHome(
      {
        catalog: {
          listAvailable: async () => titles,
          availableAmong: async (_c, ids) => titles.filter((t) => ids.includes(t.titleId)),
        },
        users: {
          continueWatching: async () => [
            { titleId: 'a1', positionSec: 600, durationSec: 5390, ratio: 0.11, completed: false, updatedAt: '' },
          ],
          listWatchlist: async () => ({ items: [] }),
        },
      },
      { userId: 'u', country: 'GB', artwork },
    );
    const cw = home.rails.find((r) => r.id === 'continue-watching')?.items[0];
    expect(cw).toMatchObject({ titleId: 'a1', positionSec: 600, durationSec: 5390 });
    expect(cw?.artwork?.poster).toMatch(/^https:\/\/cdn\.example\.test\/titles\/a1\/poster\.jpg\?Expires=/);
    const fresh = home.rails.find((r) => r.id === 'new')?.items;
    expect(fresh?.find((i) => i.titleId === 'a1')).toMatchObject({
      durationSec: 5400,
      artwork: { poster: cw?.artwork?.poster },
    });
    expect(fresh?.find((i) => i.titleId === 'b2')).toEqual({
      titleId: 'b2',
      name: 'B',
      genres: ['drama'],
      reason: expect.any(String),
    });
  });
});
