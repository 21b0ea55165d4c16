import { describe, expect, it } from 'vitest';
import { capDashManifest, capMasterPlaylist, manifestForPlan, planCaps, planManifestKey } from './plan-manifest.js';

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

/** An MPD as a packager writes it: a video set with three sizes, an audio set, a text set. */
const MPD = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT8S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
  <Period id="0">
    <AdaptationSet contentType="video" segmentAlignment="true">
      <Representation id="2160p" bandwidth="12000000" width="3840" height="2160" codecs="hvc1.2.4.L150.B0">
        <SegmentTemplate initialization="2160p/init_0.mp4" media="2160p/seg_$Number%05d$.m4s" startNumber="0" duration="4" />
      </Representation>
      <Representation id="1080p" bandwidth="5000000" width="1920" height="1080" codecs="avc1.640028"><SegmentTemplate initialization="1080p/init_1.mp4" media="1080p/seg_$Number%05d$.m4s" startNumber="0" duration="4" /></Representation>
      <Representation id="720p" bandwidth="3000000" width="1280" height="720" codecs="avc1.64001f" />
    </AdaptationSet>
    <AdaptationSet contentType="audio" lang="en">
      <Representation id="audio" bandwidth="128000" codecs="mp4a.40.2" audioSamplingRate="48000" />
    </AdaptationSet>
  </Period>
</MPD>
`;

describe('plan DASH manifests', () => {
  const ids = (mpd: string) => [...mpd.matchAll(/<Representation id="([^"]+)"/g)].map((m) => m[1]);

  it('keeps the video representations at or below the cap, and audio and everything else', () => {
    expect(ids(capDashManifest(MPD, 1080))).toEqual(['1080p', '720p', 'audio']);
    expect(ids(capDashManifest(MPD, 720))).toEqual(['720p', 'audio']);
    expect(capDashManifest(MPD, 720)).toContain('<AdaptationSet contentType="audio" lang="en">');
    expect(capDashManifest(MPD, 2160)).toBe(MPD);
  });

  it('keeps the smallest representation when none fits, and names capped MPDs beside the manifest', () => {
    expect(ids(capDashManifest(MPD, 480))).toEqual(['720p', 'audio']);
    expect(planManifestKey('titles/t1/manifest.mpd', 720)).toBe('titles/t1/manifest.720p.mpd');
    const title = {
      manifests: { hls: 'titles/t1/master.m3u8', dash: 'titles/t1/manifest.mpd' },
      renditions: [{ width: 1920, height: 1080 }],
    };
    expect(manifestForPlan(title, 720, 'dash')).toBe('titles/t1/manifest.720p.mpd');
    expect(manifestForPlan(title, 1080, 'dash')).toBe('titles/t1/manifest.mpd');
    expect(manifestForPlan({ ...title, manifests: { hls: title.manifests.hls } }, 720, 'dash')).toBeUndefined();
  });
});
