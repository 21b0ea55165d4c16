/**
 * Transcoding behind one interface: MediaConvert on AWS, ffmpeg locally.
 * Both take the same ladder and request, report the same states (SUBMITTED,
 * PROGRESSING, COMPLETE, ERROR, CANCELED) and percentages, and describe
 * their outputs the same way. A ladder renders into a MediaConvert
 * `CreateJob` request (`mediaconvert-job.ts`) or one ffmpeg command
 * (`ffmpeg-plan.ts`).
 *
 * @module
 */
export { createTranscoder } from './create.js';
export {
  createFfmpegTranscoder,
  type FfmpegTranscoderOptions,
  parseMasterPlaylist,
  progressPercent,
} from './ffmpeg.js';
export { type FfmpegPlan, renderFfmpegPlan } from './ffmpeg-plan.js';
export {
  createMediaConvertTranscoder,
  type MediaConvertStateChange,
  type MediaConvertTranscoderOptions,
  mediaConvertOutputs,
  statusFromEvent,
  statusFromJob,
} from './mediaconvert.js';
export { type MediaConvertProtection, type MediaConvertTarget, renderMediaConvertJob } from './mediaconvert-job.js';
export { findMediaTools, type MediaToolSettings, type MediaTools } from './tools.js';
export {
  type AudioTrackInput,
  audioModifiers,
  type CaptionInput,
  captionModifiers,
  LanguageSchema,
} from './tracks.js';
export type {
  ContentKey,
  OutputProtection,
  RenditionOutput,
  SpekeSettings,
  TranscodeJob,
  TranscodeOutputs,
  TranscodeProtection,
  TranscodeRequest,
  Transcoder,
  TranscoderBackend,
  TranscodeState,
  TranscodeStatus,
} from './types.js';
export { type WaitOptions, waitForTranscode } from './wait.js';
