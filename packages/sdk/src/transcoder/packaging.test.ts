import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isSyncSample, parseFragments, parseInitSegment } from './bmff.js';
import { dashFrameRate, isoDuration, renderMpd } from './dash.js';
import { readMediaPlaylist, rewriteMaster, sealedSize, segmentBitrates } from './hls-master.js';
import { iFramePlaylist, keyframeRanges, spriteSheetName, thumbnailTrack } from './trickplay.js';

/** An ISO BMFF box: size, type, payload. */
const box = (type: string, ...payload: Buffer[]) => {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
};
const u32 = (...values: number[]) => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => {
    b.writeUInt32BE(v >>> 0, 4 * i);
  });
  return b;
};

/** A fragment as ffmpeg's HLS fMP4 muxer writes it: moof (mfhd, traf: tfhd default-base-is-moof, tfdt, trun) and mdat. */
function fragment(decodeTime: number, samples: Array<{ size: number; flags: number; cto: number }>): Buffer {
  const trun = (dataOffset: number) =>
    box('trun', u32(0x000f01, samples.length, dataOffset), ...samples.map((s) => u32(512, s.size, s.flags, s.cto)));
  const build = (dataOffset: number) =>
    box(
      'moof',
      box('mfhd', u32(0, 1)),
      box(
        'traf',
        box('tfhd', u32(0x020000, 1)),
        box('tfdt', Buffer.from([1, 0, 0, 0]), Buffer.alloc(4), u32(decodeTime)),
        trun(dataOffset),
      ),
    );
  const moof = build(0);
  const data = Buffer.concat(samples.map((s) => Buffer.alloc(s.size, 0xab)));
  return Buffer.concat([build(moof.length + 8), box('mdat', data)]);
}

const KEY = 0x02000000;
const DELTA = 0x01010000;

describe('ISO BMFF', () => {
  it('reads fragments, samples and their byte offsets', () => {
    const seg = Buffer.concat([
      box('styp', Buffer.from('msdh')),
      fragment(30720, [
        { size: 100, flags: KEY, cto: 1024 },
        { size: 40, flags: DELTA, cto: 512 },
      ]),
      fragment(31744, [{ size: 30, flags: DELTA, cto: 0 }]),
    ]);
    const fragments = parseFragments(seg);
    expect(fragments).toHaveLength(2);
    const [first, second] = fragments;
    expect(first?.moofOffset).toBe(12);
    expect(first?.tracks[0]).toMatchObject({ trackId: 1, baseDecodeTime: 30720 });
    const samples = first?.tracks[0]?.samples ?? [];
    expect(samples.map((s) => [s.size, s.duration, s.compositionOffset])).toEqual([
      [100, 512, 1024],
      [40, 512, 512],
    ]);
    // The first sample's data starts right after the mdat header.
    expect(samples[0]?.offset).toBe((first?.mdatOffset ?? 0) + 8);
    expect(seg.subarray(samples[1]?.offset, (samples[1]?.offset ?? 0) + 40).every((b) => b === 0xab)).toBe(true);
    expect(samples.map((s) => isSyncSample(s.flags))).toEqual([true, false]);
    expect(second?.end).toBe(seg.length);

    // I-frames: only fragments that open on a sync sample, from the moof to that sample's last byte.
    const ranges = keyframeRanges('seg_00001.m4s', fragments, [
      {
        id: 1,
        handler: 'vide',
        timescale: 15360,
        sampleEntry: 'avc1',
        language: 'und',
        defaults: { duration: 0, size: 0, flags: 0 },
      },
    ]);
    expect(ranges).toEqual([
      { uri: 'seg_00001.m4s', offset: 12, length: (samples[0]?.offset ?? 0) + 100 - 12, time: (30720 + 1024) / 15360 },
    ]);
  });

  it('refuses a truncated box', () => {
    const seg = fragment(0, [{ size: 100, flags: KEY, cto: 0 }]);
    expect(() => parseFragments(seg.subarray(0, seg.length - 10))).toThrow(/truncated or malformed "mdat"/);
    expect(() => parseInitSegment(box('ftyp', Buffer.from('iso6')))).toThrow(/no moov/);
  });
});

describe('HLS master', () => {
  const master = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="English",DEFAULT=YES,LANGUAGE="en",URI="audio_1_en/index.m3u8"',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="Français",DEFAULT=NO,LANGUAGE="fr",URI="audio_2_fr/index.m3u8"',
    '#EXT-X-STREAM-INF:BANDWIDTH=9490000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2",AUDIO="group_audio"',
    '1080p/index.m3u8',
    '',
  ].join('\n');

  it('peak is the largest segment bit rate, average all bits over all time; sealing pads to 16 bytes', () => {
    expect(
      segmentBitrates([
        { bytes: 500_000, duration: 4 },
        { bytes: 1_850_000, duration: 4 },
        { bytes: 100_000, duration: 1 },
      ]),
    ).toEqual({
      peak: 3_700_000,
      average: Math.ceil((2_450_000 * 8) / 9),
    });
    expect(segmentBitrates([])).toEqual({ peak: 0, average: 0 });
    expect([sealedSize(0), sealedSize(15), sealedSize(16), sealedSize(17)]).toEqual([16, 16, 32, 32]);
  });

  it('declares the measured peak with the largest audio rendition added, never the rung cap', () => {
    const text = rewriteMaster(master, {
      bitrates: new Map([
        ['1080p/index.m3u8', { peak: 3_700_000, average: 2_900_000 }],
        ['audio_1_en/index.m3u8', { peak: 131_000, average: 128_500 }],
        ['audio_2_fr/index.m3u8', { peak: 140_000, average: 127_000 }],
      ]),
      frameRates: new Map([['1080p/index.m3u8', 30000 / 1001]]),
      iFrames: [
        {
          uri: '1080p/iframes.m3u8',
          bitrates: { peak: 400_000, average: 200_000 },
          resolution: '1920x1080',
          codecs: 'avc1.640028',
        },
      ],
    });
    expect(text.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="English",DEFAULT=YES,LANGUAGE="en",URI="audio_1_en/index.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="Français",DEFAULT=NO,LANGUAGE="fr",URI="audio_2_fr/index.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=3840000,RESOLUTION=1920x1080,AVERAGE-BANDWIDTH=3028500,FRAME-RATE=29.970,CLOSED-CAPTIONS=NONE,CODECS="avc1.640028,mp4a.40.2",AUDIO="group_audio"',
      '1080p/index.m3u8',
      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=400000,AVERAGE-BANDWIDTH=200000,RESOLUTION=1920x1080,CODECS="avc1.640028",URI="1080p/iframes.m3u8"',
      '',
    ]);
    // Rewriting again changes nothing: the tags are not doubled.
    const again = rewriteMaster(text, {
      bitrates: new Map([['1080p/index.m3u8', { peak: 3_700_000, average: 2_900_000 }]]),
    });
    expect(again.match(/INDEPENDENT-SEGMENTS/g)).toHaveLength(1);
    expect(again).not.toMatch(/I-FRAME/);
  });

  it('adds its attributes after CODECS when nothing follows it (ffmpeg 4 writes no groups)', () => {
    const text = rewriteMaster(
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=1120000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"\n360p/index.m3u8\n',
      {
        bitrates: new Map([['360p/index.m3u8', { peak: 700_000, average: 600_000 }]]),
        frameRates: new Map([['360p/index.m3u8', 25]]),
      },
    );
    expect(text).toContain(
      '#EXT-X-STREAM-INF:BANDWIDTH=700000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AVERAGE-BANDWIDTH=600000,FRAME-RATE=25.000,CLOSED-CAPTIONS=NONE\n360p/index.m3u8',
    );
  });

  it('keeps closed captions the master declares', () => {
    const withCc = master.replace(
      '#EXT-X-STREAM-INF:',
      '#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="English",INSTREAM-ID="CC1"\n#EXT-X-STREAM-INF:',
    );
    const text = rewriteMaster(withCc.replace('AUDIO="group_audio"', 'AUDIO="group_audio",CLOSED-CAPTIONS="cc"'), {
      bitrates: new Map(),
    });
    expect(text).toMatch(/CLOSED-CAPTIONS="cc"/);
    expect(text).not.toMatch(/CLOSED-CAPTIONS=NONE/);
  });

  it('reads media playlists, byte ranges included', () => {
    expect(
      readMediaPlaylist(
        '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="init_0.mp4"\n#EXTINF:4.000,\n#EXT-X-BYTERANGE:100@76\nseg_00000.m4s\n#EXTINF:2.5,\n#EXT-X-BYTERANGE:50\nseg_00000.m4s\n#EXT-X-ENDLIST\n',
      ),
    ).toEqual({
      map: 'init_0.mp4',
      targetDuration: 4,
      segments: [
        { uri: 'seg_00000.m4s', duration: 4, byteRange: { length: 100, offset: 76 } },
        { uri: 'seg_00000.m4s', duration: 2.5, byteRange: { length: 50, offset: 176 } },
      ],
    });
  });
});

describe('trick play', () => {
  it('an I-frame lasts until the next one, the last until the end', () => {
    const { text, bitrates } = iFramePlaylist(
      [
        { uri: 'seg_00000.m4s', offset: 76, length: 5000, time: 0 },
        { uri: 'seg_00001.m4s', offset: 76, length: 6000, time: 4 },
      ],
      6,
      'init_0.mp4',
    );
    expect(text).toContain('#EXT-X-I-FRAMES-ONLY\n');
    expect(text).toContain('#EXT-X-TARGETDURATION:4\n');
    expect(text).toContain('#EXT-X-MAP:URI="init_0.mp4"\n');
    expect(text).toContain(
      '#EXTINF:4.000000,\n#EXT-X-BYTERANGE:5000@76\nseg_00000.m4s\n#EXTINF:2.000000,\n#EXT-X-BYTERANGE:6000@76\nseg_00001.m4s\n#EXT-X-ENDLIST',
    );
    expect(bitrates).toEqual({ peak: 24_000, average: Math.ceil((11_000 * 8) / 6) });
  });

  it('a thumbnail cue per interval, tiles left to right, top to bottom, a new sheet every 100', () => {
    const layout = {
      pattern: '/out/thumbnails/sprite_%05d.jpg',
      columns: 10,
      rows: 10,
      width: 160,
      height: 90,
      intervalSec: 10,
    };
    const vtt = thumbnailTrack(layout, 1005);
    const cues = vtt
      .split('\n\n')
      .slice(1)
      .map((c) => c.trim())
      .filter(Boolean);
    expect(cues).toHaveLength(101);
    expect(cues[0]).toBe('00:00:00.000 --> 00:00:10.000\nsprite_00001.jpg#xywh=0,0,160,90');
    expect(cues[11]).toBe('00:01:50.000 --> 00:02:00.000\nsprite_00001.jpg#xywh=160,90,160,90');
    expect(cues[99]).toBe('00:16:30.000 --> 00:16:40.000\nsprite_00001.jpg#xywh=1440,810,160,90');
    expect(cues[100]).toBe('00:16:40.000 --> 00:16:45.000\nsprite_00002.jpg#xywh=0,0,160,90');
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    expect(spriteSheetName('a/b/sprite_%05d.jpg', 12)).toBe('sprite_00012.jpg');
    // Hours for long titles.
    expect(thumbnailTrack({ ...layout, intervalSec: 3600 }, 7200)).toContain('01:00:00.000 --> 02:00:00.000');
  });
});

describe('DASH', () => {
  const segments = {
    timescale: 15360,
    timeline: [
      { t: 1024, d: 61440 },
      { t: 62464, d: 61440 },
      { t: 123904, d: 30720 },
    ],
  };
  const mpd = renderMpd({
    durationSec: 10,
    maxSegmentSec: 4,
    video: [
      {
        id: '360p',
        bandwidth: 950_000,
        width: 640,
        height: 360,
        frameRate: dashFrameRate(30000, 1001),
        codecs: 'avc1.64001e',
        init: '360p/init_0.mp4',
        media: ['360p/seg_00000.m4s', '360p/seg_00001.m4s', '360p/seg_00002.m4s'],
        ...segments,
      },
    ],
    audio: [
      {
        id: 'audio',
        language: 'fr',
        label: 'Français & co',
        main: true,
        bandwidth: 131_000,
        codecs: 'mp4a.40.2',
        sampleRate: 48_000,
        channels: 2,
        init: 'audio/init_1.mp4',
        media: ['audio/a.m4s', 'audio/b.m4s', 'audio/c.m4s'],
        ...segments,
      },
    ],
    text: [{ id: 'text_1', language: 'en', label: 'English', url: 'subs/1_en/captions.vtt', bandwidth: 100 }],
  });

  it('numbers a series with a template and a folded timeline, lists other names, escapes text', () => {
    expect(mpd).toContain('media="360p/seg_$Number%05d$.m4s" startNumber="0"');
    expect(mpd).toContain('<S t="1024" d="61440" r="1"/>\n');
    expect(mpd).toContain('<S d="30720"/>');
    expect(mpd).toContain('frameRate="30000/1001"');
    expect(mpd).toContain('<SegmentURL media="audio/b.m4s"/>');
    expect(mpd).toContain('<Label>Français &amp; co</Label>');
    expect(mpd).toContain('mediaPresentationDuration="PT10.000S" minBufferTime="PT4.000S"');
    expect(isoDuration(3725.5)).toBe('PT1H2M5.500S');
    expect(dashFrameRate(15360, 512)).toBe('30');
  });

  it.skipIf(spawnSync('python3', ['--version']).status !== 0)('is well-formed XML', { timeout: 30_000 }, () => {
    const parsed = spawnSync(
      'python3',
      ['-c', 'import sys,xml.etree.ElementTree as E; E.fromstring(sys.stdin.read()); print("ok")'],
      {
        input: mpd,
        encoding: 'utf8',
      },
    );
    expect(parsed.stdout.trim()).toBe('ok');
  });
});
