import type { Rendition, TitleTracks } from '../catalog/index.js';
import type { Ladder } from '../ladders/index.js';
import type { AudioTrackInput, CaptionInput } from './tracks.js';

/** Which service runs a transcode. */
export type TranscoderBackend = 'mediaconvert' | 'ffmpeg';

/** A job's state, in MediaConvert's own words (the local backend uses the same). */
export type TranscodeState = 'SUBMITTED' | 'PROGRESSING' | 'COMPLETE' | 'ERROR' | 'CANCELED';

/** What to transcode and where the renditions go. */
export interface TranscodeRequest {
  titleId: string;
  ladder: Ladder;
  /** The master: `s3://bucket/key`, or (local backend) a file path. */
  input: string;
  /** Output prefix: `s3://bucket/prefix/`, or (local backend) a directory. */
  output: string;
  /** The master's duration, for progress percentages. */
  durationSec?: number;
  /**
   * The master's audio tracks to carry through, in stream order (default:
   * its first). More than one becomes an alternate-audio group. An empty
   * list says the master has no audio: the renditions are video only.
   */
  audio?: AudioTrackInput[];
  /** WebVTT caption files to carry through: `s3://` URIs, or (local backend) paths. */
  captions?: CaptionInput[];
  /** How the renditions are encrypted. Default: not at all. */
  protection?: TranscodeProtection;
}

/** A content key: its id (not secret, it names the key in manifests) and its 16 bytes. */
export interface ContentKey {
  keyId: string;
  key: Uint8Array;
}

/**
 * How a transcode encrypts its renditions.
 *
 * - `aes-128`: HLS segments encrypted whole (AES-128-CBC). Keys come from `nextKey`, one per
 *   `rotateEverySegments` segments (0: one for the title); `keyUri` names each in the playlists.
 *   On MediaConvert the first key is the job's static key unless `speke` is given.
 * - `drm`: CMAF `cbcs` through a SPEKE v2 key provider (MediaConvert only).
 */
export type TranscodeProtection =
  | {
      scheme: 'aes-128';
      nextKey: () => Promise<ContentKey>;
      keyUri: (keyId: string) => string;
      rotateEverySegments: number;
      speke?: SpekeSettings;
    }
  | { scheme: 'drm'; speke: SpekeSettings };

/** A SPEKE v2 key provider, as MediaConvert calls it. */
export interface SpekeSettings {
  /** The key provider's URL (an API Gateway endpoint). */
  url: string;
  /** The role MediaConvert assumes to call it. */
  roleArn: string;
  /** The content id the key provider sees (the title's id). */
  resourceId: string;
  /** ACM certificate that encrypts the returned keys, when the provider uses one. */
  certificateArn?: string;
}

/** What protection a finished transcode applied (never the keys themselves). */
export interface OutputProtection {
  scheme: 'aes-128' | 'drm';
  /** The ids of the content keys the renditions are encrypted with (aes-128), in order. */
  keyIds?: string[];
}

/** A submitted job. */
export interface TranscodeJob {
  jobId: string;
  backend: TranscoderBackend;
  titleId: string;
  submittedAt: string;
}

/** One rendition as written (the catalog records the same shape). Paths are relative to the request's output prefix. */
export type RenditionOutput = Rendition;

/** What a finished job wrote. Paths are relative to the request's output prefix. */
export interface TranscodeOutputs {
  hls: string;
  dash?: string;
  renditions: RenditionOutput[];
  thumbnails?: string;
  /**
   * The WebVTT thumbnail track (trick play): cues over time, each naming a sprite sheet and a
   * tile in it (`sprite_00001.jpg#xywh=0,0,160,90`), relative to the output prefix.
   */
  thumbnailTrack?: string;
  poster?: string;
  /** Alternate audio and captions (playlists relative to the output prefix). */
  tracks?: TitleTracks;
  /** How the renditions are encrypted, when they are. */
  protection?: OutputProtection;
}

/** A job's state, progress and, when finished, its outputs or error. */
export interface TranscodeStatus {
  jobId: string;
  backend: TranscoderBackend;
  state: TranscodeState;
  /** 0–100. */
  percent: number;
  startedAt?: string;
  finishedAt?: string;
  error?: { code: string; message: string };
  outputs?: TranscodeOutputs;
  /** The process id of a local ffmpeg job while it runs. */
  pid?: number;
}

/** One interface over MediaConvert and local ffmpeg. */
export interface Transcoder {
  readonly backend: TranscoderBackend;
  /** Starts a job; returns as soon as it is accepted. */
  submit(request: TranscodeRequest): Promise<TranscodeJob>;
  /** The job's current state; NOT_FOUND for an unknown job. */
  status(jobId: string): Promise<TranscodeStatus>;
  /** Cancels a job that has not finished. */
  cancel(jobId: string): Promise<void>;
}
