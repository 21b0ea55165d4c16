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
   * its first). More than one becomes an alternate-audio group.
   */
  audio?: AudioTrackInput[];
  /** WebVTT caption files to carry through: `s3://` URIs, or (local backend) paths. */
  captions?: CaptionInput[];
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
  poster?: string;
  /** Alternate audio and captions (playlists relative to the output prefix). */
  tracks?: TitleTracks;
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
