import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Title } from '../catalog/index.js';
import { ErrorCode } from '../errors/index.js';
import { playbackProtection } from '../playback/index.js';
import type { PlaybackSession } from '../sessions/index.js';
import type { Viewer } from '../users/index.js';
import { createKeyDelivery } from './delivery.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const YEAR = 365 * 24 * 3600 * 1000;
const KEY_ID = 'a'.repeat(32);
const KEY = randomBytes(16);
const alice: Viewer = { userId: 'alice', country: 'GB', plan: 'standard' };

const title = (over: Partial<Title> = {}): Title => ({
  titleId: 't1',
  name: 'One',
  kind: 'movie',
  genres: [],
  manifests: { hls: 'titles/t1/master.m3u8' },
  status: 'PUBLISHED',
  availability: { countries: ['GB'], until: '2027-06-01T00:00:00Z' },
  protection: { scheme: 'aes-128' },
  seasons: [],
  renditions: [],
  ...over,
});

/** Delivery over a catalog of one title, the sessions given (as the store lists them) and one key. */
function delivery(t: Title | undefined, sessions: Array<Pick<PlaybackSession, 'titleId'>>, now = () => NOW) {
  const asked: string[] = [];
  return {
    asked,
    delivery: createKeyDelivery({
      catalog: { findTitle: async (id) => (t?.titleId === id ? t : undefined) },
      sessions: { list: async () => sessions as PlaybackSession[] },
      keys: {
        key: async (titleId, keyId) => {
          asked.push(`${titleId}/${keyId}`);
          if (keyId !== KEY_ID) throw Object.assign(new Error('no key'), { code: ErrorCode.NotFound });
          return KEY;
        },
      },
      now,
    }),
  };
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'delivered',
    (err: { code?: string; details?: { reason?: string } }) =>
      `${err.code}${err.details?.reason ? `:${err.details.reason}` : ''}`,
  );

describe('key delivery', () => {
  it('hands the key to an entitled viewer who is playing the title', async () => {
    const { delivery: d } = delivery(title(), [{ titleId: 't1' }]);
    expect(Buffer.from(await d.deliver(alice, 't1', KEY_ID))).toEqual(KEY);
  });

  it('refuses, before any key is read: not playing, another title playing, another country, unpublished, clear titles', async () => {
    const cases: Array<[string, Title | undefined, Array<{ titleId: string }>, Viewer, string]> = [
      ['no session', title(), [], alice, 'FORBIDDEN:no-session'],
      ['a session of another title', title(), [{ titleId: 't2' }], alice, 'FORBIDDEN:no-session'],
      ['another country', title(), [{ titleId: 't1' }], { ...alice, country: 'US' }, 'FORBIDDEN:not-in-country'],
      ['a draft', title({ status: 'READY' }), [{ titleId: 't1' }], alice, 'NOT_FOUND'],
      ['withdrawn', title({ status: 'UNPUBLISHED' }), [{ titleId: 't1' }], alice, 'NOT_FOUND'],
      ['unknown', undefined, [{ titleId: 't1' }], alice, 'NOT_FOUND'],
      ['in the clear', title({ protection: undefined }), [{ titleId: 't1' }], alice, 'NOT_FOUND'],
      ['DRM (licences, not keys)', title({ protection: { scheme: 'drm' } }), [{ titleId: 't1' }], alice, 'NOT_FOUND'],
    ];
    for (const [what, t, sessions, viewer, expected] of cases) {
      const { delivery: d, asked } = delivery(t, sessions);
      expect(await refusal(d.deliver(viewer, 't1', KEY_ID)), what).toBe(expected);
      expect(asked, what).toEqual([]);
    }
  });

  it('answers NOT_FOUND for a key the title does not have', async () => {
    const { delivery: d } = delivery(title(), [{ titleId: 't1' }]);
    expect(await refusal(d.deliver(alice, 't1', 'b'.repeat(32)))).toBe('NOT_FOUND');
  });

  it('holds with the clock one and ten years ahead: the window has closed, so no key', async () => {
    for (const ahead of [YEAR, 10 * YEAR]) {
      const { delivery: d } = delivery(title(), [{ titleId: 't1' }], () => NOW + ahead);
      expect(await refusal(d.deliver(alice, 't1', KEY_ID))).toBe('FORBIDDEN:window-closed');
      // An open-ended title still plays then, to a viewer who is playing it.
      const open = delivery(title({ availability: { countries: ['GB'] } }), [{ titleId: 't1' }], () => NOW + ahead);
      expect(Buffer.from(await open.delivery.deliver(alice, 't1', KEY_ID))).toEqual(KEY);
    }
  });
});

describe('playbackProtection', () => {
  it('names the key route for aes-128, the configured licence servers for drm, nothing for clear titles', () => {
    expect(playbackProtection(title())).toEqual({ scheme: 'aes-128', keyUrl: '/v1/keys/t1/' });
    expect(playbackProtection(title({ protection: undefined }))).toBeUndefined();
    expect(
      playbackProtection(title({ protection: { scheme: 'drm' } }), {
        widevineLicenseUrl: 'https://drm.example.test/widevine',
        fairplayLicenseUrl: 'https://drm.example.test/fairplay',
        fairplayCertificateUrl: 'https://drm.example.test/fairplay.cer',
      }),
    ).toEqual({
      scheme: 'drm',
      widevine: { licenseUrl: 'https://drm.example.test/widevine' },
      fairplay: {
        licenseUrl: 'https://drm.example.test/fairplay',
        certificateUrl: 'https://drm.example.test/fairplay.cer',
      },
    });
  });
});
