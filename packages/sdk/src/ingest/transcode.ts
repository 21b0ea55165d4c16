import type { Catalog, Title } from '../catalog/index.js';
import type { Ladder } from '../ladders/index.js';
import { titleOutputUri } from '../resources/index.js';
import {
  type AudioTrackInput,
  type CaptionInput,
  type TranscodeJob,
  type TranscodeProtection,
  type Transcoder,
  type TranscodeStatus,
  titleRecord,
  type WaitOptions,
  waitForTranscode,
} from '../transcoder/index.js';

/**
 * The transcode step: submits the master in the raw bucket to the
 * transcoder, with its renditions going to the title's tree in the CDN bucket.
 *
 * @example
 * ```ts
 * const job = await submitTranscode(transcoder, { titleId, ladder, master: 's3://raw/masters/…', cdnBucket, durationSec: 8 });
 * ```
 */
export function submitTranscode(
  transcoder: Transcoder,
  request: {
    titleId: string;
    ladder: Ladder;
    /** The master's `s3://` URI. */
    master: string;
    cdnBucket: string;
    durationSec: number;
    audio: AudioTrackInput[];
    captions: CaptionInput[];
    protection?: TranscodeProtection | undefined;
  },
): Promise<TranscodeJob> {
  return transcoder.submit({
    titleId: request.titleId,
    ladder: request.ladder,
    input: request.master,
    output: titleOutputUri(request.cdnBucket, request.titleId),
    durationSec: request.durationSec,
    // Always said: an empty list is a silent master (video-only renditions).
    audio: request.audio,
    ...(request.captions.length ? { captions: request.captions } : {}),
    ...(request.protection ? { protection: request.protection } : {}),
  });
}

/**
 * The follow step: waits for a transcode to finish, reporting progress.
 *
 * @example
 * ```ts
 * const done = await followTranscode(transcoder, job.jobId, { onProgress: (s) => console.log(s.percent) });
 * ```
 */
export function followTranscode(transcoder: Transcoder, jobId: string, options: WaitOptions): Promise<TranscodeStatus> {
  return waitForTranscode(transcoder, jobId, options);
}

/**
 * The record step: a finished transcode's renditions, manifests and images
 * go into the catalog (READY); a failed or canceled one makes the title
 * FAILED with the reason; a running one changes nothing.
 *
 * @example
 * ```ts
 * const title = await recordTranscode(catalog, 't1', await transcoder.status(jobId));
 * ```
 */
export async function recordTranscode(catalog: Catalog, titleId: string, status: TranscodeStatus): Promise<Title> {
  if (status.state === 'COMPLETE' && status.outputs) {
    return catalog.setRenditions(titleId, titleRecord(titleId, status.outputs));
  }
  if (status.state === 'ERROR' || status.state === 'CANCELED') {
    return catalog.setStatus(titleId, 'FAILED', {
      reason: status.error?.message ?? `transcode ${status.jobId} was ${status.state.toLowerCase()}`,
    });
  }
  return catalog.getTitle(titleId);
}
