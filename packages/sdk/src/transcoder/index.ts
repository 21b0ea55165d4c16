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
export {
  type Fragment,
  type FragmentSample,
  type FragmentTrack,
  type InitTrack,
  isSyncSample,
  parseFragments,
  parseInitSegment,
  readFragments,
} from './bmff.js';
export { createTranscoder } from './create.js';
export {
  type DashAudio,
  type DashPresentation,
  type DashSegments,
  type DashText,
  type DashVideo,
  dashFrameRate,
  renderMpd,
} from './dash.js';
export {
  createFfmpegTranscoder,
  type FfmpegTranscoderOptions,
  parseMasterPlaylist,
  progressPercent,
} from './ffmpeg.js';
export { type FfmpegPlan, renderFfmpegPlan } from './ffmpeg-plan.js';
export {
  type Bitrates,
  type IFrameStream,
  type MediaPlaylistInfo,
  type PlaylistSegment,
  readMediaPlaylist,
  rewriteMaster,
  segmentBitrates,
} from './hls-master.js';
export {
  createMediaConvertTranscoder,
  type MediaConvertStateChange,
  type MediaConvertTranscoderOptions,
  mediaConvertOutputs,
  statusFromEvent,
  statusFromJob,
} from './mediaconvert.js';
export { type MediaConvertProtection, type MediaConvertTarget, renderMediaConvertJob } from './mediaconvert-job.js';
export { type PackagingInput, type PackagingResult, packageRenditions } from './packaging.js';
export { JOB_RECORD_KEY, jobRecordMetadata, titleRecord } from './record.js';
export { findMediaTools, type MediaToolSettings, type MediaTools } from './tools.js';
export {
  type AudioTrackInput,
  audioModifiers,
  type CaptionInput,
  captionModifiers,
  LanguageSchema,
} from './tracks.js';
export {
  type IFrameRange,
  iFramePlaylist,
  keyframeRanges,
  type SpriteLayout,
  spriteSheetName,
  thumbnailTrack,
} from './trickplay.js';
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
