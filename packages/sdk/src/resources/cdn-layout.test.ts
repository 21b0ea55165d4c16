import { describe, expect, it } from 'vitest';
import {
  CMAF_MANIFESTS,
  cdnUrl,
  mediaConvertManifestKeys,
  titleInvalidationPaths,
  titleObjectKey,
  titleOutputUri,
  titlePrefix,
  titleResourcePattern,
} from './cdn-layout.js';

describe('the CDN layout', () => {
  it('puts a title under titles/<id>/', () => {
    expect(titlePrefix('t1')).toBe('titles/t1/');
    expect(titleObjectKey('t1', '720p/seg_00001.m4s')).toBe('titles/t1/720p/seg_00001.m4s');
    expect(titleOutputUri('cdn-bucket', 't1')).toBe('s3://cdn-bucket/titles/t1/');
  });

  it("names MediaConvert's CMAF manifests, with a Step Functions placeholder too", () => {
    expect(CMAF_MANIFESTS).toEqual({ hls: 'cmaf/master.m3u8', dash: 'cmaf/master.mpd' });
    expect(mediaConvertManifestKeys('t1')).toEqual({
      hls: 'titles/t1/cmaf/master.m3u8',
      dash: 'titles/t1/cmaf/master.mpd',
    });
    expect(mediaConvertManifestKeys('{}')).toEqual({
      hls: 'titles/{}/cmaf/master.m3u8',
      dash: 'titles/{}/cmaf/master.mpd',
    });
  });

  it('covers exactly one title with a policy resource and an invalidation', () => {
    expect(titleResourcePattern('https://d111.cloudfront.net/', 't1')).toBe('https://d111.cloudfront.net/titles/t1/*');
    expect(titleResourcePattern('http://127.0.0.1:4510', 't1')).toBe('http://127.0.0.1:4510/titles/t1/*');
    expect(titleInvalidationPaths('t1')).toEqual(['/titles/t1/*']);
    expect(cdnUrl('https://cdn.example.com/', 'titles/t1/master.m3u8')).toBe(
      'https://cdn.example.com/titles/t1/master.m3u8',
    );
  });
});
