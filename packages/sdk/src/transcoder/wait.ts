import { ErrorCode, StreamctlError } from '../errors/index.js';
import { sleep as pause } from '../util/index.js';
import type { Transcoder, TranscodeStatus } from './types.js';

/** How {@link waitForTranscode} watches a job. */
export interface WaitOptions {
  /** Between status reads. Default 200 ms for ffmpeg, 5 s for MediaConvert. */
  pollMs?: number;
  /** A job still SUBMITTED after this long never started: cancelled and reported. Default 15 min (MediaConvert queues), 60 s (ffmpeg). */
  startTimeoutMs?: number;
  /** A running job whose progress has not moved for this long has stalled. Default 10 min (MediaConvert), 2 min (ffmpeg). */
  stallTimeoutMs?: number;
  /** Called whenever the state or percent changes. */
  onProgress?: (status: TranscodeStatus) => void;
  signal?: AbortSignal;
  /** Clock and sleep, for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULTS = {
  mediaconvert: { pollMs: 5_000, startTimeoutMs: 15 * 60_000, stallTimeoutMs: 10 * 60_000 },
  ffmpeg: { pollMs: 200, startTimeoutMs: 60_000, stallTimeoutMs: 2 * 60_000 },
} as const;

/**
 * Follows a job to its end. Resolves with the COMPLETE status; throws
 * `TRANSCODE_FAILED` on ERROR or CANCELED and `TRANSCODE_STALLED` (after
 * cancelling the job) when it never starts or stops making progress, so a
 * caller is never left waiting on a job that will not finish.
 *
 * @example
 * ```ts
 * const job = await transcoder.submit(request);
 * const done = await waitForTranscode(transcoder, job.jobId, { onProgress: (s) => console.log(s.percent) });
 * done.outputs?.hls; // "master.m3u8"
 * ```
 */
export async function waitForTranscode(
  transcoder: Transcoder,
  jobId: string,
  options: WaitOptions = {},
): Promise<TranscodeStatus> {
  const defaults = DEFAULTS[transcoder.backend];
  const pollMs = options.pollMs ?? defaults.pollMs;
  const startTimeoutMs = options.startTimeoutMs ?? defaults.startTimeoutMs;
  const stallTimeoutMs = options.stallTimeoutMs ?? defaults.stallTimeoutMs;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? pause;
  const since = now();
  let lastChange = since;
  let last: TranscodeStatus | undefined;

  const stalled = async (message: string, status: TranscodeStatus): Promise<never> => {
    await transcoder.cancel(jobId).catch(() => undefined);
    throw new StreamctlError(ErrorCode.TranscodeStalled, message, {
      hint: 'look at the job in the transcoder, then re-run the ingest: it resumes',
      details: { jobId, state: status.state, percent: status.percent },
    });
  };

  for (;;) {
    if (options.signal?.aborted) {
      await transcoder.cancel(jobId).catch(() => undefined);
      throw new StreamctlError(ErrorCode.TranscodeFailed, `Transcode ${jobId} was cancelled by the caller`, {
        details: { jobId },
      });
    }
    const status = await transcoder.status(jobId);
    if (!last || status.state !== last.state || status.percent !== last.percent) {
      lastChange = now();
      options.onProgress?.(status);
    }
    last = status;
    if (status.state === 'COMPLETE') return status;
    if (status.state === 'ERROR' || status.state === 'CANCELED') {
      const reason = status.error?.message ?? (status.state === 'CANCELED' ? 'the job was cancelled' : 'unknown error');
      throw new StreamctlError(ErrorCode.TranscodeFailed, `Transcode ${jobId} failed: ${reason}`, {
        hint: 'fix the cause, then re-run the ingest with the same --id',
        details: { jobId, state: status.state, ...(status.error ? { error: status.error } : {}) },
      });
    }
    const elapsed = now();
    if (status.state === 'SUBMITTED' && elapsed - since > startTimeoutMs) {
      await stalled(`Transcode ${jobId} did not start within ${Math.round(startTimeoutMs / 1000)} s`, status);
    }
    if (status.state === 'PROGRESSING' && elapsed - lastChange > stallTimeoutMs) {
      await stalled(
        `Transcode ${jobId} made no progress for ${Math.round(stallTimeoutMs / 1000)} s (stuck at ${status.percent}%)`,
        status,
      );
    }
    await sleep(pollMs);
  }
}
