import type { AwsClients } from '../aws/index.js';
import type { Catalog, Rendition, TitleProtection, TitleStatus, TitleTracks } from '../catalog/index.js';
import type { StreamctlConfig } from '../config/index.js';
import type { LeftOutRung, ProtectionScheme } from '../ladders/index.js';
import type { ContentKeys } from '../protection/index.js';
import type { Transcoder, TranscodeStatus, WaitOptions } from '../transcoder/index.js';
import type { MediaProbe } from './probe.js';
import type { CaptionFile } from './tracks.js';
import type { UploadProgress, UploadResult } from './upload.js';

/** What to ingest. */
export interface IngestInput {
  /** Path of the master. */
  file: string;
  /** Title id; default: the file's name and the start of its SHA-256 (`my-film-3f2a9c1d`). */
  titleId?: string;
  /** Display name; default: the file name without extension. */
  name?: string;
  /** A built-in ladder name or a JSON ladder file. Default `default`. */
  ladder?: string;
  /** Content protection over the ladder's own (`none`, `aes-128`, `drm`). */
  protection?: ProtectionScheme;
  genres?: string[];
  /**
   * Follow the transcode to READY. MediaConvert jobs run on without us
   * otherwise; the local ffmpeg transcode runs in this process, so it is
   * always followed.
   */
  wait?: boolean;
  signal?: AbortSignal;
  /** Multipart part size of the master upload. */
  partSize?: number;
  /**
   * WebVTT caption sidecars. The master's own text subtitle streams are
   * carried through as well; a sidecar wins over a stream of the same language.
   */
  captions?: CaptionFile[];
  /**
   * Put this file in place of the master the title was ingested from. Only
   * a FAILED, READY or UNPUBLISHED title may have its master replaced
   * (`REPLACEABLE_STATUSES`); without it another master is a CONFLICT.
   */
  replace?: boolean;
}

/** The steps of an ingest, in order. */
export type IngestStep = 'probe' | 'register' | 'upload' | 'transcode' | 'record';

/** Progress callbacks. */
export interface IngestHooks {
  onStep?: (step: IngestStep, detail: string) => void;
  onUpload?: (progress: UploadProgress) => void;
  onTranscode?: (status: TranscodeStatus) => void;
}

/** The result of an ingest. */
export interface IngestResult {
  titleId: string;
  status: TitleStatus;
  renditions: Rendition[];
  manifests: { hls?: string; dash?: string };
  /** Alternate audio and captions, when the title has any. */
  tracks?: TitleTracks;
  /** How the renditions are encrypted, when they are (never the keys). */
  protection?: TitleProtection;
  /** Subtitle streams of the master that could not be carried (bitmap subtitles), by stream index. */
  skippedSubtitles?: Array<{ index: number; codec: string }>;
  /** Rungs of the ladder left out because they would upscale the master, with the reason. */
  leftOutRungs?: LeftOutRung[];
  probe: MediaProbe;
  /** Present when this run uploaded (or found) the master. */
  upload?: UploadResult;
  jobId?: string;
  /** True when the title was already READY (or later) for this very file: nothing was redone. */
  unchanged: boolean;
}

/** Ingest over one stage. */
export interface Ingest {
  /**
   * Runs an ingest. A MediaConvert job not followed (`wait` unset) is recorded
   * at its end by the stage's job-ended workflow (the CDK app's media stack).
   */
  run(input: IngestInput, hooks?: IngestHooks): Promise<IngestResult>;
}

/** What `createIngest` works with: a stage, and optionally its catalog, transcoder and polling. */
export interface IngestDeps {
  config: StreamctlConfig;
  clients: AwsClients;
  catalog?: Catalog;
  transcoder?: Transcoder;
  /** The content key store of `aes-128` titles. Default: the stage's (KMS, or the local data-dir key). */
  keys?: ContentKeys;
  wait?: Omit<WaitOptions, 'onProgress' | 'signal'>;
}
