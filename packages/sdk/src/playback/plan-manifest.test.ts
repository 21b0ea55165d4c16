import { describe, expect, it } from 'vitest';
import { capMasterPlaylist, manifestForPlan, planCaps, planManifestKey } from './plan-manifest.js';

/** A master as the local transcoder writes it: media groups, variants, an I-frame playlist per rung. */
const MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",DEFAULT=YES,URI="audio/en.m3u8"',
  '#EXT-X-STREAM-INF:BANDWIDTH=12000000,RESOLUTION=3840x2160,CODECS="hvc1.2.4.L150.B0",AUDIO="aac"',
  '2160p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080,AUDIO="aac"',
  '',
  '1080p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,AUDIO="aac"',
  '720p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS="mp4a.40.2",AUDIO="aac"',
  'audio/en.m3u8',
  '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=900000,RESOLUTION=1920x1080,URI="1080p/iframes.m3u8"',
  '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=400000,RESOLUTION=1280x720,URI="720p/iframes.m3u8"',
  '',
].join('\n');

const uris = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));

describe('plan manifests', () => {
  it('keeps the variants and I-frame playlists at or below the cap, and everything that is not a variant', () => {
    const capped = capMasterPlaylist(MASTER, 1080);
    expect(uris(capped)).toEqual(['1080p/index.m3u8', '720p/index.m3u8', 'audio/en.m3u8']);
    expect(capped).toContain('#EXT-X-MEDIA:TYPE=AUDIO');
    expect(capped).toContain('#EXT-X-INDEPENDENT-SEGMENTS');
    expect(capped).toContain('URI="1080p/iframes.m3u8"');
    const basic = capMasterPlaylist(MASTER, 720);
    expect(uris(basic)).toEqual(['720p/index.m3u8', 'audio/en.m3u8']);
    expect(basic).not.toContain('1920x1080');
    // Every variant tag still has its URI on the next non-tag line.
    const lines = basic.split('\n');
    lines.forEach((line, i) => {
      if (line.startsWith('#EXT-X-STREAM-INF:')) expect(lines[i + 1]).toMatch(/\.m3u8$/);
    });
  });

  it('sizes a rung by its shorter side (a portrait 1080×1920 rung is 1080p) and keeps the smallest rung when none fits', () => {
    const portrait = [
      '#EXTM3U',
      '#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1080x1920',
      'p1080/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=720x1280',
      'p720/index.m3u8',
    ].join('\n');
    expect(uris(capMasterPlaylist(portrait, 720))).toEqual(['p720/index.m3u8']);
    expect(uris(capMasterPlaylist(portrait, 480))).toEqual(['p720/index.m3u8']);
    expect(planCaps([{ width: 1080, height: 1920 }], [720, 1080, 2160])).toEqual([720]);
  });

  it('names capped masters beside the master and picks the one a plan plays', () => {
    expect(planManifestKey('titles/t1/master.m3u8', 720)).toBe('titles/t1/master.720p.m3u8');
    expect(planManifestKey('titles/t1/cmaf/master.m3u8', 1080)).toBe('titles/t1/cmaf/master.1080p.m3u8');
    const title = {
      manifests: { hls: 'titles/t1/master.m3u8' },
      renditions: [
        { width: 1920, height: 1080 },
        { width: 1280, height: 720 },
      ],
    };
    expect(manifestForPlan(title, 720)).toBe('titles/t1/master.720p.m3u8');
    expect(manifestForPlan(title, 1080)).toBe('titles/t1/master.m3u8');
    expect(manifestForPlan(title, 2160)).toBe('titles/t1/master.m3u8');
    expect(manifestForPlan({ manifests: {}, renditions: [] }, 720)).toBeUndefined();
    expect(planCaps(title.renditions, [720, 1080, 2160, 720])).toEqual([720]);
  });
});
