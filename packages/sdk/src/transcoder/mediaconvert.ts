import { createHash } from 'node:crypto';
import {
  CancelJobCommand,
  CreateJobCommand,
  GetJobCommand,
  type Job,
  type MediaConvertClient,
} from '@aws-sdk/client-mediaconvert';
import { NotFoundError, wrapAwsError } from '../errors/index.js';
import { type Ladder, rungName } from '../ladders/index.js';
import { CMAF_BASE, CMAF_MANIFESTS } from '../resources/index.js';
import { HLS_BASE, type MediaConvertProtection, renderMediaConvertJob, SILENT_AUDIO } from './mediaconvert-job.js';
import { JOB_RECORD_KEY, jobRecordMetadata, titleRecord } from './record.js';
import { audioModifiers, captionModifiers } from './tracks.js';
import type {
  OutputProtection,
  TranscodeOutputs,
  TranscodeProtection,
  Transcoder,
  TranscodeState,
  TranscodeStatus,
} from './types.js';

/** The manifest of an aes-128 job's Apple HLS group, relative to the title's prefix (no DASH). */
const HLS_MANIFEST = `${HLS_BASE}.m3u8`;

/** Settings of the MediaConvert backend. */
export interface MediaConvertTranscoderOptions {
  client: () => MediaConvertClient;
  /** The role MediaConvert assumes to read the master and write the renditions. */
  role: string;
  queue?: string | undefined;
  /**
   * The stage whose job-ended workflow (the CDK app's media stack) records the
   * job's end: its jobs carry `UserMetadata.stage` (what the workflow's rule
   * matches) and the title attributes to record ({@link JOB_RECORD_KEY}).
   * Without it, jobs carry neither and no workflow hears of them.
   */
  stage?: string | undefined;
}

const STATES: Record<string, TranscodeState> = {
  SUBMITTED: 'SUBMITTED',
  PROGRESSING: 'PROGRESSING',
  COMPLETE: 'COMPLETE',
  ERROR: 'ERROR',
  CANCELED: 'CANCELED',
};

/**
 * The protection a job applied, from the `UserMetadata` its request carried
 * (`protection`, `keyIds`); without metadata, the ladder's scheme (the renderer
 * refuses to render a protected ladder any other way).
 */
function protectionOf(ladder: Ladder, job: Job | undefined): OutputProtection | undefined {
  const scheme = job?.UserMetadata?.protection ?? (ladder.protection === 'none' ? undefined : ladder.protection);
  if (scheme !== 'aes-128' && scheme !== 'drm') return undefined;
  const keyIds = (job?.UserMetadata?.keyIds ?? '').split(',').filter(Boolean);
  return { scheme, ...(keyIds.length ? { keyIds } : {}) };
}

/**
 * Where a ladder's outputs land under the job's output prefix: the CMAF
 * group writes `cmaf/master.m3u8` (and `.mpd`) and one playlist per rung
 * named with the rung's name modifier, as {@link renderMediaConvertJob} sets them;
 * an `aes-128` job's HLS group writes `hls/master.m3u8` and `hls/master_<rung>.m3u8`
 * and no DASH. The protection (scheme, key ids) is read from the job's metadata,
 * so a job that ended unwatched (EventBridge) maps the same way; so is a silent
 * master (`audio: none`), whose renditions' bandwidth carries no audio.
 *
 * No `thumbnailTrack`: MediaConvert writes no WebVTT thumbnail track. Its image-based trick
 * play (`ImageBasedTrickPlay`, see `renderMediaConvertJob`) writes JPEG tile sheets in the
 * group's folder (`cmaf/`, or `hls/` for aes-128), an HLS image media playlist that the
 * multivariant playlist names with `EXT-X-IMAGE-STREAM-INF` (each sheet with `EXT-X-TILES`),
 * and, with DASH, an image adaptation set in the MPD (`http://dashif.org/guidelines/thumbnail_tile`).
 * Source: the MediaConvert API reference, CmafGroupSettings and HlsGroupSettings
 * `ImageBasedTrickPlay` ("creates a child manifest for each set of images that you generate and
 * adds corresponding entries to the parent manifest"; the images are "compatible with this Roku
 * specification", developer.roku.com/docs/developer-program/media-playback/trick-mode/hls-and-dash.md,
 * that is the Image Media Playlist v0.4 and the DASH-IF thumbnail tiles). The reference names no
 * file: sheets seen in public MediaConvert outputs are `Thumbnail_000000001.jpg`, … (the playlist
 * quoted in github.com/videojs/m3u8-parser/issues/148, 312×176 tiles, MediaConvert's default
 * thumbnail width), and the image playlist's own name is documented nowhere, so it is not
 * guessed here: players find it in the manifests, and a WebVTT track, if one is wanted, is made
 * from them.
 *
 * @example
 * ```ts
 * mediaConvertOutputs(ladder, job).hls; // "cmaf/master.m3u8", or "hls/master.m3u8" for aes-128
 * ```
 */
export function mediaConvertOutputs(ladder: Ladder, job?: Job): TranscodeOutputs {
  const details = job?.OutputGroupDetails?.[0]?.OutputDetails ?? [];
  const protection = protectionOf(ladder, job);
  const hls = protection?.scheme === 'aes-128';
  const base = hls ? HLS_BASE : CMAF_BASE;
  const audioBitrate = job?.UserMetadata?.audio === SILENT_AUDIO ? 0 : ladder.audio.bitrate;
  return {
    hls: hls ? HLS_MANIFEST : CMAF_MANIFESTS.hls,
    ...(ladder.outputs.dash && !hls ? { dash: CMAF_MANIFESTS.dash } : {}),
    renditions: ladder.rungs.map((r, i) => {
      // The service reports the size it really wrote (the aspect ratio of the master may differ).
      const video = details[i]?.VideoDetails;
      return {
        name: rungName(r),
        width: video?.WidthInPx ?? r.width,
        height: video?.HeightInPx ?? r.height,
        bandwidth: r.maxBitrate + audioBitrate,
        playlist: `${base}_${rungName(r)}.m3u8`,
      };
    }),
    ...(ladder.outputs.thumbnailSeconds > 0
      ? { thumbnails: 'thumbnails/', poster: 'thumbnails/master_poster.0000000.jpg' }
      : {}),
    ...tracksOf(job, base),
    ...(protection ? { protection } : {}),
  };
}

/** The alternate audio and caption playlists of a job, from the languages its request put in UserMetadata. */
function tracksOf(job: Job | undefined, base: string): Pick<TranscodeOutputs, 'tracks'> {
  const list = (key: string) => (job?.UserMetadata?.[key] ?? '').split(',').filter(Boolean);
  const audio = list('audio')
    .filter((language) => language !== SILENT_AUDIO)
    .map((language) => ({ language }));
  const captions = list('captions').map((language) => ({ language, source: '' }));
  if (audio.length < 2 && !captions.length) return {};
  const audioNames = audioModifiers(audio);
  const captionNames = captionModifiers(captions);
  return {
    tracks: {
      audio:
        audio.length > 1
          ? audio.map((a, i) => ({
              language: a.language,
              name: a.language,
              playlist: `${base}${audioNames[i]}.m3u8`,
              ...(i === 0 ? { default: true } : {}),
            }))
          : [],
      captions: captions.map((c, i) => ({
        language: c.language,
        name: c.language,
        playlist: `${base}${captionNames[i]}.m3u8`,
      })),
    },
  };
}

/** Maps a MediaConvert job to a transcode status. */
export function statusFromJob(job: Job, ladder?: Ladder): TranscodeStatus {
  const state = STATES[job.Status ?? ''] ?? 'SUBMITTED';
  const status: TranscodeStatus = {
    jobId: job.Id ?? '',
    backend: 'mediaconvert',
    state,
    percent: state === 'COMPLETE' ? 100 : (job.JobPercentComplete ?? 0),
  };
  if (job.Timing?.StartTime) status.startedAt = job.Timing.StartTime.toISOString();
  if (job.Timing?.FinishTime) status.finishedAt = job.Timing.FinishTime.toISOString();
  if (state === 'ERROR') {
    status.error = {
      code: job.ErrorCode !== undefined ? `MEDIACONVERT_${job.ErrorCode}` : 'MEDIACONVERT_ERROR',
      message: job.ErrorMessage ?? 'MediaConvert reported an error without a message',
    };
  }
  if (state === 'COMPLETE' && ladder) status.outputs = mediaConvertOutputs(ladder, job);
  return status;
}

/** The `detail` of an EventBridge "MediaConvert Job State Change" event. */
export interface MediaConvertStateChange {
  jobId: string;
  status: string;
  userMetadata?: Record<string, string>;
  jobProgress?: { jobPercentComplete?: number };
  errorCode?: number;
  errorMessage?: string;
}

/**
 * Maps an EventBridge "MediaConvert Job State Change" event (the push
 * alternative to polling) to a transcode status. `STATUS_UPDATE` and
 * `INPUT_INFORMATION` events are progress of a running job.
 *
 * @example
 * ```ts
 * export const handler = async (event: { detail: MediaConvertStateChange }) => statusFromEvent(event.detail);
 * ```
 */
export function statusFromEvent(
  detail: MediaConvertStateChange,
  ladder?: Ladder,
): TranscodeStatus & { titleId?: string } {
  const running = detail.status === 'STATUS_UPDATE' || detail.status === 'INPUT_INFORMATION';
  const job: Job = {
    Id: detail.jobId,
    Role: '',
    Settings: {},
    Status: (running ? 'PROGRESSING' : detail.status) as Job['Status'],
    ...(detail.jobProgress?.jobPercentComplete !== undefined
      ? { JobPercentComplete: detail.jobProgress.jobPercentComplete }
      : {}),
    ...(detail.errorCode !== undefined ? { ErrorCode: detail.errorCode } : {}),
    ...(detail.errorMessage !== undefined ? { ErrorMessage: detail.errorMessage } : {}),
    // The request's metadata (tracks, protection) maps the outputs as GetJob's would.
    ...(detail.userMetadata ? { UserMetadata: detail.userMetadata } : {}),
  };
  const titleId = detail.userMetadata?.titleId;
  return { ...statusFromJob(job, ladder), ...(titleId ? { titleId } : {}) };
}

/**
 * A transcode request's protection as a MediaConvert job takes it: SPEKE as is;
 * otherwise one key from `nextKey()` as the job's static key, named by `keyUri`.
 * MediaConvert takes one static key per output group, so `rotateEverySegments`
 * cannot be honoured with a static key: the title has one key (rotation needs SPEKE).
 */
async function jobProtection(protection: TranscodeProtection): Promise<MediaConvertProtection> {
  if (protection.scheme === 'drm') return { scheme: 'drm', speke: protection.speke };
  if (protection.speke) return { scheme: 'aes-128', speke: protection.speke };
  const { keyId, key } = await protection.nextKey();
  return {
    scheme: 'aes-128',
    staticKey: { keyId, keyHex: Buffer.from(key).toString('hex'), url: protection.keyUri(keyId) },
  };
}

/**
 * The MediaConvert backend: `CreateJob` from the ladder (with a client
 * request token derived from title, input, ladder and protection scheme, so
 * a retried submit does not start a second job), `GetJob` for status,
 * `CancelJob`. With `aes-128` and no SPEKE, the title's one content key comes
 * from `protection.nextKey()` (no rotation with a static key: see
 * {@link MediaConvertProtection}); the key goes into the job's settings, its
 * id into the job's metadata. With `stage`, the job also carries the stage and
 * the title attributes its end records (see {@link MediaConvertTranscoderOptions.stage}),
 * so the stage's job-ended workflow records it when nobody follows the job.
 *
 * @example
 * ```ts
 * const transcoder = createMediaConvertTranscoder({ client: () => clients.mediaconvert(), role });
 * const job = await transcoder.submit({ titleId: 't1', ladder, input: 's3://raw/t1.mov', output: 's3://cdn/titles/t1/' });
 * ```
 */
export function createMediaConvertTranscoder(options: MediaConvertTranscoderOptions): Transcoder {
  const ladders = new Map<string, Ladder>();
  return {
    backend: 'mediaconvert',
    async submit(request) {
      const protection = request.protection ? await jobProtection(request.protection) : undefined;
      const input = renderMediaConvertJob(request.ladder, {
        input: request.input,
        output: request.output,
        role: options.role,
        titleId: request.titleId,
        ...(options.queue ? { queue: options.queue } : {}),
        // `[]` (a silent master) passes through as it is: no audio selector, no audio output.
        ...(request.audio ? { audio: request.audio } : {}),
        ...(request.captions ? { captions: request.captions } : {}),
        ...(protection ? { protection } : {}),
      });
      if (options.stage) {
        // What this job will write, read back as its end reads it: the workflow records exactly that.
        const outputs = mediaConvertOutputs(request.ladder, {
          Role: '',
          Settings: {},
          UserMetadata: input.UserMetadata,
        });
        input.UserMetadata = {
          ...input.UserMetadata,
          stage: options.stage,
          [JOB_RECORD_KEY]: jobRecordMetadata(request.titleId, titleRecord(request.titleId, outputs)),
        };
      }
      const token = createHash('sha256')
        .update(
          JSON.stringify([
            request.titleId,
            request.input,
            request.output,
            request.ladder,
            request.audio,
            request.captions,
            // The scheme and key provider, not the key: a retry that minted a new key is still the same job.
            request.protection ? [request.protection.scheme, request.protection.speke] : undefined,
          ]),
        )
        .digest('hex')
        .slice(0, 32);
      try {
        const out = await options.client().send(new CreateJobCommand({ ...input, ClientRequestToken: token }));
        const jobId = out.Job?.Id;
        if (!jobId) throw new Error('CreateJob answered without a job id');
        ladders.set(jobId, request.ladder);
        return {
          jobId,
          backend: 'mediaconvert',
          titleId: request.titleId,
          submittedAt: (out.Job?.CreatedAt ?? new Date()).toISOString(),
        };
      } catch (err) {
        throw wrapAwsError(err, 'mediaconvert:CreateJob', `title ${request.titleId}`);
      }
    },
    async status(jobId) {
      try {
        const out = await options.client().send(new GetJobCommand({ Id: jobId }));
        if (!out.Job) throw new NotFoundError(`MediaConvert job ${jobId} does not exist`);
        return statusFromJob(out.Job, ladders.get(jobId));
      } catch (err) {
        throw wrapAwsError(err, 'mediaconvert:GetJob', `job ${jobId}`);
      }
    },
    async cancel(jobId) {
      try {
        await options.client().send(new CancelJobCommand({ Id: jobId }));
      } catch (err) {
        throw wrapAwsError(err, 'mediaconvert:CancelJob', `job ${jobId}`);
      }
    },
  };
}
