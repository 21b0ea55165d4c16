/**
 * Ingest: a studio master in, an adaptive-bitrate title out. Probe the
 * master (refusing unusable files before anything is written), register the
 * title, upload the master resumably to the raw bucket, transcode it into
 * the CDN bucket, and record the renditions: `UPLOADING → TRANSCODING →
 * READY`, or `FAILED` with the reason. Re-running the same file and id is
 * safe: finished work is kept, unfinished work resumes.
 *
 * Each step is a function of its own (`examine.ts`, `register.ts`,
 * `stage.ts`, `transcode.ts`); `run.ts` runs them in order.
 *
 * @module
 */
export { type ExaminedMaster, examineMaster } from './examine.js';
export { MediaInvalidError, type MediaProbe, probeMedia } from './probe.js';
export { type Registration, registerTitle } from './register.js';
export { createIngest, INTERRUPTED_REASON } from './run.js';
export { uploadCaptions, uploadMaster } from './stage.js';
export { audioTracksOf, type CaptionFile, checkCaptionFiles, extractSubtitles } from './tracks.js';
export { followTranscode, submitTranscode } from './transcode.js';
export type { Ingest, IngestDeps, IngestHooks, IngestInput, IngestResult, IngestStep } from './types.js';
export {
  type ResumableUploadOptions,
  sha256File,
  UploadInterruptedError,
  type UploadProgress,
  type UploadResult,
  uploadResumable,
} from './upload.js';
