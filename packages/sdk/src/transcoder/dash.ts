/**
 * A static MPEG-DASH MPD (ISO/IEC 23009-1, the isoff-live profile) over the
 * very CMAF files the HLS playlists name: each representation's
 * initialization segment and media segments through a SegmentTemplate with
 * a SegmentTimeline read from the segments' own tfdt and sample durations,
 * so DASH and HLS share one copy of the media.
 *
 * @module
 */

/** Where a representation's segments are and when each begins. */
export interface DashSegments {
  /** The initialization segment, relative to the MPD. */
  init: string;
  /** The media segments in order, relative to the MPD. */
  media: string[];
  timescale: number;
  /** Each segment's earliest presentation time and duration, in `timescale` units. */
  timeline: Array<{ t: number; d: number }>;
}

/** A video representation (a rung). */
export interface DashVideo extends DashSegments {
  id: string;
  bandwidth: number;
  width: number;
  height: number;
  /** `30`, `30000/1001`. */
  frameRate: string;
  codecs: string;
}

/** An audio track: one adaptation set with its one representation. */
export interface DashAudio extends DashSegments {
  id: string;
  language: string;
  label: string;
  main?: boolean;
  bandwidth: number;
  codecs: string;
  sampleRate: number;
  channels: number;
}

/** A WebVTT caption file: a text adaptation set. */
export interface DashText {
  id: string;
  language: string;
  label: string;
  /** The .vtt file, relative to the MPD. */
  url: string;
  bandwidth: number;
}

/** What an MPD describes. */
export interface DashPresentation {
  durationSec: number;
  /** The longest segment, in seconds: the MPD's minBufferTime. */
  maxSegmentSec: number;
  video: DashVideo[];
  audio: DashAudio[];
  text: DashText[];
}

const xml = (v: string | number) =>
  String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An xs:duration of seconds, to the millisecond. */
export const isoDuration = (sec: number): string => {
  const ms = Math.round(sec * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = (ms % 60_000) / 1000;
  return `PT${h ? `${h}H` : ''}${h || m ? `${m}M` : ''}${s.toFixed(3)}S`;
};

/** A frame rate as DASH writes it: frames per `timescale`/`sampleDuration`, reduced (`30`, `30000/1001`). */
export function dashFrameRate(timescale: number, sampleDuration: number): string {
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  const g = gcd(timescale, sampleDuration) || 1;
  const num = timescale / g;
  const den = sampleDuration / g;
  return den === 1 ? String(num) : `${num}/${den}`;
}

/** The timeline's S elements, runs of equal durations folded into @r. */
function timelineXml(timeline: DashSegments['timeline'], indent: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < timeline.length) {
    const { t, d } = timeline[i] as { t: number; d: number };
    let r = 0;
    while (i + r + 1 < timeline.length) {
      const next = timeline[i + r + 1] as { t: number; d: number };
      if (next.d !== d || next.t !== t + (r + 1) * d) break;
      r++;
    }
    const previous = timeline[i - 1];
    const contiguous = previous && previous.t + previous.d === t;
    out.push(`${indent}<S${contiguous ? '' : ` t="${t}"`} d="${d}"${r ? ` r="${r}"` : ''}/>`);
    i += r + 1;
  }
  return out;
}

/**
 * The segment addressing of a representation: a SegmentTemplate with
 * `$Number%0Nd$` when the media files are one numbered series in one folder
 * (what ffmpeg writes), a SegmentList otherwise.
 */
function segmentsXml(s: DashSegments, indent: string): string[] {
  const numbered = s.media.map((m) => /^(.*?)(\d+)(\.[a-z0-9]+)$/i.exec(m));
  const first = numbered[0];
  const series =
    first &&
    numbered.every(
      (m, i) =>
        m &&
        m[1] === first[1] &&
        m[3] === first[3] &&
        (m[2] as string).length === (first[2] as string).length &&
        Number(m[2]) === Number(first[2]) + i,
    );
  const timeline = [
    `${indent}  <SegmentTimeline>`,
    ...timelineXml(s.timeline, `${indent}    `),
    `${indent}  </SegmentTimeline>`,
  ];
  if (series && first) {
    const template = `${first[1]}$Number%0${(first[2] as string).length}d$${first[3]}`;
    return [
      `${indent}<SegmentTemplate timescale="${s.timescale}" initialization="${xml(s.init)}" media="${xml(template)}" startNumber="${Number(first[2])}">`,
      ...timeline,
      `${indent}</SegmentTemplate>`,
    ];
  }
  return [
    `${indent}<SegmentList timescale="${s.timescale}">`,
    `${indent}  <Initialization sourceURL="${xml(s.init)}"/>`,
    ...timeline,
    ...s.media.map((m) => `${indent}  <SegmentURL media="${xml(m)}"/>`),
    `${indent}</SegmentList>`,
  ];
}

/**
 * Renders a static MPD: one video AdaptationSet with a Representation per
 * rung, one audio AdaptationSet per audio track (with its language, the
 * first `main`), a text AdaptationSet per WebVTT caption file.
 *
 * @example
 * ```ts
 * await writeFile('out/manifest.mpd', renderMpd({ durationSec: 8, maxSegmentSec: 4, video, audio, text: [] }));
 * ```
 */
export function renderMpd(p: DashPresentation): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    '  xsi:schemaLocation="urn:mpeg:dash:schema:mpd:2011 DASH-MPD.xsd"',
    `  profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="${isoDuration(p.durationSec)}" minBufferTime="${isoDuration(Math.max(1, p.maxSegmentSec))}">`,
    '  <Period id="0" start="PT0S">',
  ];
  let setId = 0;
  if (p.video.length) {
    const maxW = Math.max(...p.video.map((v) => v.width));
    const maxH = Math.max(...p.video.map((v) => v.height));
    lines.push(
      `    <AdaptationSet id="${setId++}" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="${maxW}" maxHeight="${maxH}">`,
    );
    for (const v of p.video) {
      lines.push(
        `      <Representation id="${xml(v.id)}" bandwidth="${v.bandwidth}" width="${v.width}" height="${v.height}" frameRate="${v.frameRate}" sar="1:1" codecs="${xml(v.codecs)}">`,
        ...segmentsXml(v, '        '),
        '      </Representation>',
      );
    }
    lines.push('    </AdaptationSet>');
  }
  for (const a of p.audio) {
    lines.push(
      `    <AdaptationSet id="${setId++}" contentType="audio" mimeType="audio/mp4" lang="${xml(a.language)}" segmentAlignment="true" startWithSAP="1">`,
      `      <Label>${xml(a.label)}</Label>`,
      `      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="${a.main ? 'main' : 'alternate'}"/>`,
      `      <Representation id="${xml(a.id)}" bandwidth="${a.bandwidth}" audioSamplingRate="${a.sampleRate}" codecs="${xml(a.codecs)}">`,
      `        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${a.channels}"/>`,
      ...segmentsXml(a, '        '),
      '      </Representation>',
      '    </AdaptationSet>',
    );
  }
  for (const t of p.text) {
    lines.push(
      `    <AdaptationSet id="${setId++}" contentType="text" mimeType="text/vtt" lang="${xml(t.language)}">`,
      `      <Label>${xml(t.label)}</Label>`,
      '      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>',
      `      <Representation id="${xml(t.id)}" bandwidth="${t.bandwidth}">`,
      `        <BaseURL>${xml(t.url)}</BaseURL>`,
      '      </Representation>',
      '    </AdaptationSet>',
    );
  }
  lines.push('  </Period>', '</MPD>', '');
  return lines.join('\n');
}
