/**
 * The audio and caption tracks a transcode carries through, and the output
 * names both renderers give them.
 *
 * @module
 */
import { z } from 'zod';

/** One audio track of the master to carry through. */
export interface AudioTrackInput {
  /** ISO 639 / BCP 47 code; `und` when the master does not say. */
  language: string;
  /** Menu label; default: the language. */
  name?: string;
  /**
   * The track's channel count as probed (6 for 5.1); renderers downmix more than two to the
   * stereo rendition. Default: unknown, the track is taken as it comes.
   */
  channels?: number;
}

/** One WebVTT caption file to carry through. */
export interface CaptionInput {
  /** ISO 639 / BCP 47 code. */
  language: string;
  /** Menu label; default: the language. */
  name?: string;
  /** `s3://bucket/key.vtt` (MediaConvert), or a path (local ffmpeg). */
  source: string;
}

/** A language code as players and MediaConvert's `CustomLanguageCode` take it. */
export const LanguageSchema = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'an ISO 639 / BCP 47 code such as en, fra or pt-BR');

/**
 * Output name modifiers of a job's audio tracks: `_audio` for a single
 * track (the layout without alternate audio), `_audio_<n>_<language>` for several.
 */
export const audioModifiers = (audio: readonly AudioTrackInput[]): string[] =>
  audio.length <= 1 ? ['_audio'] : audio.map((a, i) => `_audio_${i + 1}_${a.language}`);

/** Output name modifiers of a job's caption tracks: `_captions_<n>_<language>`. */
export const captionModifiers = (captions: readonly CaptionInput[]): string[] =>
  captions.map((c, i) => `_captions_${i + 1}_${c.language}`);
