/**
 * The player's rules in plain Node: which engine plays a grant, track labels, times and progress
 * as people read them, the thumbnail track's tiles, and the screen each failure gets.
 */
import { ApiError } from '@streamctl/client';
import { describe, expect, it } from 'vitest';
import { chooseEngine, trackLabel } from '../src/engine.js';
import { availableUntil, clock, progress, runtime } from '../src/format.js';
import { problemFor } from '../src/problems.js';
import { parseThumbnailTrack, tileAt } from '../src/thumbnails.js';

describe('chooseEngine', () => {
  const dash = { dashManifestUrl: 'https://cdn/t/manifest.mpd' };
  const browser = { hlsSupported: true, mse: true, nativeHls: false };
  it('plays hls.js by default, dash.js when asked and the grant has an MPD', () => {
    expect(chooseEngine({ grant: dash, ...browser })).toBe('hls');
    expect(chooseEngine({ grant: dash, forced: 'dash', ...browser })).toBe('dash');
    expect(chooseEngine({ grant: {}, forced: 'dash', ...browser })).toBe('hls');
    expect(chooseEngine({ grant: dash, forced: 'dash', ...browser, mse: false })).toBe('hls');
  });
  it('keeps AES-128 titles on hls.js, even when DASH is asked for', () => {
    const grant = { ...dash, protection: { scheme: 'aes-128' as const, keyUrl: '/v1/keys/t/' } };
    expect(chooseEngine({ grant, forced: 'dash', ...browser })).toBe('hls');
  });
  it('takes DASH where hls.js declines MediaSource, the native player where there is none', () => {
    expect(chooseEngine({ grant: dash, hlsSupported: false, mse: true, nativeHls: false })).toBe('dash');
    expect(chooseEngine({ grant: dash, hlsSupported: false, mse: false, nativeHls: true })).toBe('native');
    expect(chooseEngine({ grant: {}, hlsSupported: false, mse: true, nativeHls: true })).toBe('native');
  });
});

describe('trackLabel', () => {
  it('names languages in words and keeps real names', () => {
    expect(trackLabel('fra', 'fra', 0)).toBe('French');
    expect(trackLabel('audio_1', 'eng', 0)).toBe('English');
    expect(trackLabel('Commentary', 'en', 2)).toBe('Commentary');
    expect(trackLabel(undefined, 'und', 3)).toBe('Track 4');
  });
});

describe('format', () => {
  it('writes clocks, lengths, progress and availability', () => {
    expect(clock(5)).toBe('0:05');
    expect(clock(75.9)).toBe('1:15');
    expect(clock(3725)).toBe('1:02:05');
    expect(clock(Number.NaN)).toBe('0:00');
    expect(runtime(16)).toBe('16 s');
    expect(runtime(5520)).toBe('1 h 32 min');
    expect(runtime(undefined)).toBe('');
    expect(progress({ positionSec: 30, durationSec: 120, ratio: 0.9 })).toBe(0.25);
    expect(progress({ ratio: 0.4 })).toBe(0.4);
    expect(progress({ positionSec: 200, durationSec: 100 })).toBe(1);
    expect(progress({})).toBeUndefined();
    expect(availableUntil('2036-12-31T00:00:00Z')).toMatch(/^Available until .*2036$/);
    expect(availableUntil('not a date')).toBe('');
  });
});

describe('thumbnail track', () => {
  const vtt = [
    'WEBVTT',
    '',
    '00:00:00.000 --> 00:00:10.000',
    'sprite_00001.jpg#xywh=0,0,160,90',
    '',
    '1',
    '00:10.000 --> 00:20.000',
    'sprite_00001.jpg#xywh=160,0,160,90',
    '',
    '00:00:20.000 --> 00:00:30.000',
    '../other/sprite_00002.jpg',
    '',
  ].join('\r\n');
  const tiles = parseThumbnailTrack(vtt, 'https://cdn.example/titles/t1/thumbnails/thumbs.vtt?Signature=x');
  it('reads cues with their sprite, relative to the track, and the tile area', () => {
    expect(tiles).toHaveLength(3);
    expect(tiles[1]).toEqual({
      start: 10,
      end: 20,
      url: 'https://cdn.example/titles/t1/thumbnails/sprite_00001.jpg',
      x: 160,
      y: 0,
      w: 160,
      h: 90,
    });
    expect(tiles[2]?.url).toBe('https://cdn.example/titles/t1/other/sprite_00002.jpg');
  });
  it('finds the tile for a time, the last one past the end', () => {
    expect(tileAt(tiles, 0)?.x).toBe(0);
    expect(tileAt(tiles, 12.5)?.x).toBe(160);
    expect(tileAt(tiles, 99)?.url).toMatch(/sprite_00002/);
    expect(tileAt([], 3)).toBeUndefined();
  });
});

describe('problemFor', () => {
  it('gives each failure its screen', () => {
    expect(problemFor(new TypeError('Failed to fetch')).kind).toBe('offline');
    expect(problemFor(new ApiError(403, 'FORBIDDEN', 'Title t1 is not available in US')).kind).toBe('not-entitled');
    expect(problemFor(new ApiError(404, 'NOT_FOUND', 'Title t1 not found')).kind).toBe('gone');
    expect(problemFor(new ApiError(401, 'UNAUTHORIZED', 'token expired')).action).toBe('sign-in');
    expect(problemFor(new ApiError(503, 'UNAVAILABLE', 'down')).action).toBe('retry');
    const key = problemFor({ code: 'keySystemError/keyLoadError', keyRefused: 403 });
    expect(key).toMatchObject({ kind: 'key-refused', action: 'play-again' });
    expect(problemFor({ code: 'networkError/fragLoadError' }).kind).toBe('playback');
  });
});
