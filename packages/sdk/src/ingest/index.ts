/**
 * Ingest: a studio master in, an adaptive-bitrate title out. Probe the
 * master (refusing unusable files before anything is written), register the
 * title, upload the master resumably to the raw bucket, transcode it into
 * the CDN bucket, and record the renditions: `UPLOADING → TRANSCODING →
 * READY`, or `FAILED` with the reason. Re-running the same file and id is
 * safe: finished work is kept, unfinished work resumes.
 *
 * @module
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/index.js';
import {
  type Catalog,
  createCatalog,
  isTranscoded,
  type Rendition,
  type Title,
  type TitleSource,
  type TitleStatus,
  type TitleTracks,
} from '../catalog/index.js';
import type { StreamctlConfig } from '../config/index.js';
import { ConflictError, isStreamctlError, ValidationError, wrapAwsError } from '../errors/index.js';
import { type Ladder, loadLadder } from '../ladders/index.js';
import { titleObjectKey, titleOutputUri } from '../resources/index.js';
import {
  createTranscoder,
  type TranscodeOutputs,
  type Transcoder,
  type TranscodeStatus,
  type WaitOptions,
  waitForTranscode,
} from '../transcoder/index.js';
import { IdSchema } from '../users/index.js';
import { parseInput } from '../util/validate.js';
import { type MediaProbe, probeMedia } from './probe.js';
import {
  audioTracksOf,
  type CaptionFile,
  captionKey,
  checkCaptionFiles,
  extractSubtitles,
  type PreparedCaption,
} from './tracks.js';
import { sha256File, type UploadProgress, type UploadResult, uploadResumable } from './upload.js';

export { MediaInvalidError, type MediaProbe, probeMedia } from './probe.js';
export { audioTracksOf, type CaptionFile, checkCaptionFiles, extractSubtitles } from './tracks.js';
export {
  type ResumableUploadOptions,
  sha256File,
  UploadInterruptedError,
  type UploadProgress,
  type UploadResult,
  uploadResumable,
} from './upload.js';

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
  /** Subtitle streams of the master that could not be carried (bitmap subtitles), by stream index. */
  skippedSubtitles?: Array<{ index: number; codec: string }>;
  probe: MediaProbe;
  /** Present when this run uploaded (or found) the master. */
  upload?: UploadResult;
  jobId?: string;
  /** True when the title was already READY (or later) for this very file: nothing was redone. */
  unchanged: boolean;
}

/** Ingest over one stage. */
export interface Ingest {
  run(input: IngestInput, hooks?: IngestHooks): Promise<IngestResult>;
  /**
   * Records the end of a transcode that finished without us watching
   * (a MediaConvert job reported by EventBridge): READY with renditions, or FAILED.
   */
  recordTranscode(titleId: string, status: TranscodeStatus): Promise<Title>;
}

const slug = (name: string) =>
  name
    .replace(/\.[^.]+$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'title';

/** CDN keys of a transcode's outputs (paths relative to the title's prefix). */
function cdnKeys(titleId: string, outputs: TranscodeOutputs) {
  const key = (relative: string) => titleObjectKey(titleId, relative);
  return {
    renditions: outputs.renditions.map((r) => ({ ...r, playlist: key(r.playlist) })),
    manifests: {
      hls: key(outputs.hls),
      ...(outputs.dash ? { dash: key(outputs.dash) } : {}),
    },
    images: {
      ...(outputs.poster ? { poster: key(outputs.poster) } : {}),
      ...(outputs.thumbnails ? { thumbnails: key(outputs.thumbnails) } : {}),
    },
    ...(outputs.tracks
      ? {
          tracks: {
            audio: outputs.tracks.audio.map((t) => ({ ...t, playlist: key(t.playlist) })),
            captions: outputs.tracks.captions.map((t) => ({ ...t, playlist: key(t.playlist) })),
          },
        }
      : {}),
  };
}

/** Sidecars first; a master's subtitle stream only for a language no sidecar has. */
function mergeCaptions(sidecars: CaptionFile[], extracted: PreparedCaption[]): PreparedCaption[] {
  const languages = new Set(sidecars.map((c) => c.language));
  return [
    ...sidecars.map((c) => ({ ...c, origin: 'sidecar' as const })),
    ...extracted.filter((c) => c.language === 'und' || !languages.has(c.language)),
  ];
}

/**
 * Creates ingest for a stage: the catalog, the raw and CDN buckets and the
 * transcoder of its configuration (ffmpeg locally, MediaConvert on AWS).
 *
 * @example
 * ```ts
 * const platform = await loadPlatform();
 * const ingest = createIngest({ config: platform.config, clients: platform.clients });
 * const result = await ingest.run({ file: 'clip.mp4', titleId: 'clip', wait: true });
 * result.status; // "READY"
 * ```
 */
export function createIngest(deps: {
  config: StreamctlConfig;
  clients: AwsClients;
  catalog?: Catalog;
  transcoder?: Transcoder;
  wait?: Omit<WaitOptions, 'onProgress' | 'signal'>;
}): Ingest {
  const { config, clients } = deps;
  const names = config.resources;
  const catalog = deps.catalog ?? createCatalog(clients, names);
  let transcoder = deps.transcoder;
  const getTranscoder = () => {
    transcoder ??= createTranscoder(config, clients);
    return transcoder;
  };

  async function fail(titleId: string, err: unknown): Promise<never> {
    const reason = isStreamctlError(err) || err instanceof Error ? err.message : String(err);
    await catalog.setStatus(titleId, 'FAILED', { reason }).catch(() => undefined);
    throw err;
  }

  async function recordTranscode(titleId: string, status: TranscodeStatus): Promise<Title> {
    if (status.state === 'COMPLETE' && status.outputs) {
      const keys = cdnKeys(titleId, status.outputs);
      return catalog.setRenditions(titleId, keys);
    }
    if (status.state === 'ERROR' || status.state === 'CANCELED') {
      return catalog.setStatus(titleId, 'FAILED', {
        reason: status.error?.message ?? `transcode ${status.jobId} was ${status.state.toLowerCase()}`,
      });
    }
    return catalog.getTitle(titleId);
  }

  return {
    recordTranscode,

    async run(input, hooks = {}) {
      const step = (s: IngestStep, detail: string) => hooks.onStep?.(s, detail);
      if (input.titleId !== undefined) parseInput(IdSchema, input.titleId, 'titleId');
      const ladder: Ladder = await loadLadder(input.ladder ?? 'default');

      // 1. Probe: nothing is written for a file that cannot make a title.
      step('probe', input.file);
      const probe = await probeMedia(input.file, config.media);
      await checkCaptionFiles(input.captions ?? []);
      const sha256 = await sha256File(input.file);
      const titleId = input.titleId ?? `${slug(basename(input.file))}-${sha256.slice(0, 8)}`;
      const name = input.name ?? basename(input.file).replace(/\.[^.]+$/, '');

      // 2. Register, or pick up where an earlier run stopped.
      step('register', titleId);
      const masterKey = `masters/${titleId}/${sha256.slice(0, 16)}/${basename(input.file)}`;
      const source: TitleSource = { sha256, key: masterKey, bytes: probe.sizeBytes, ladder: ladder.name };
      let title = await catalog.findTitle(titleId);
      if (title?.source && title.source.sha256 !== sha256) {
        throw new ConflictError(`Title ${titleId} was ingested from a different master`, {
          hint: 'pass another --id for a new title, or ingest the original file',
          details: { titleId, sha256: title.source.sha256 },
        });
      }
      if (title && isTranscoded(title.status) && title.source?.ladder === ladder.name) {
        return {
          titleId,
          status: title.status,
          renditions: title.renditions,
          manifests: title.manifests,
          ...(title.tracks ? { tracks: title.tracks } : {}),
          probe,
          unchanged: true,
        };
      }
      if (!title) {
        await catalog.putTitle({
          titleId,
          name,
          genres: input.genres ?? [],
          durationSec: Math.max(1, Math.round(probe.durationSec)),
          status: 'UPLOADING',
        });
      }
      title = await catalog.setStatus(titleId, 'UPLOADING', { source });

      // 3. Upload the master (resumes an interrupted upload of the same file).
      step('upload', `s3://${names.rawBucket}/${masterKey}`);
      let upload: UploadResult;
      try {
        upload = await uploadResumable({
          s3: clients.s3(),
          bucket: names.rawBucket,
          key: masterKey,
          file: input.file,
          sha256,
          journalDir: join(config.dataDir, 'uploads'),
          ...(input.partSize ? { partSize: input.partSize } : {}),
          ...(hooks.onUpload ? { onProgress: hooks.onUpload } : {}),
          ...(input.signal ? { signal: input.signal } : {}),
        });
      } catch (err) {
        return fail(titleId, err);
      }

      // Captions (sidecars and the master's text subtitles as WebVTT) go up beside the master.
      const work = await mkdtemp(join(tmpdir(), 'streamctl-captions-'));
      let captionSources: Array<{ language: string; name?: string; source: string }>;
      let skippedSubtitles: Array<{ index: number; codec: string }>;
      try {
        const extracted = await extractSubtitles(probe, work, config.media);
        skippedSubtitles = extracted.skipped;
        const captions = mergeCaptions(input.captions ?? [], extracted.captions);
        captionSources = [];
        for (const [i, c] of captions.entries()) {
          const Key = captionKey(masterKey, i, c.language);
          try {
            await clients.s3().send(
              new PutObjectCommand({
                Bucket: names.rawBucket,
                Key,
                Body: await readFile(c.file),
                ContentType: 'text/vtt',
              }),
            );
          } catch (err) {
            throw wrapAwsError(err, 's3:PutObject', `s3://${names.rawBucket}/${Key}`);
          }
          captionSources.push({
            language: c.language,
            ...(c.name ? { name: c.name } : {}),
            source: `s3://${names.rawBucket}/${Key}`,
          });
        }
      } catch (err) {
        return fail(titleId, err);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      const audio = audioTracksOf(probe);

      // 4. Transcode into the CDN bucket.
      const engine = getTranscoder();
      step('transcode', `${engine.backend}, ladder ${ladder.name}`);
      let job: { jobId: string };
      try {
        job = await engine.submit({
          titleId,
          ladder,
          input: `s3://${names.rawBucket}/${masterKey}`,
          output: titleOutputUri(names.cdnBucket, titleId),
          durationSec: probe.durationSec,
          ...(audio.length ? { audio } : {}),
          ...(captionSources.length ? { captions: captionSources } : {}),
        });
      } catch (err) {
        return fail(titleId, err);
      }
      await catalog.setStatus(titleId, 'TRANSCODING', {
        source: { ...source, jobId: job.jobId, backend: engine.backend },
      });
      if (engine.backend === 'mediaconvert' && !input.wait) {
        return {
          titleId,
          status: 'TRANSCODING',
          renditions: [],
          manifests: {},
          probe,
          upload,
          jobId: job.jobId,
          unchanged: false,
        };
      }
      let done: TranscodeStatus;
      try {
        done = await waitForTranscode(engine, job.jobId, {
          ...deps.wait,
          ...(hooks.onTranscode ? { onProgress: hooks.onTranscode } : {}),
          ...(input.signal ? { signal: input.signal } : {}),
        });
      } catch (err) {
        return fail(titleId, err);
      }

      // 5. Record the renditions: READY.
      step('record', `${done.outputs?.renditions.length ?? 0} renditions`);
      if (!done.outputs?.renditions.length) {
        return fail(titleId, new ValidationError('The transcode finished without renditions', []));
      }
      const ready = await recordTranscode(titleId, done);
      return {
        titleId,
        status: ready.status,
        renditions: ready.renditions,
        manifests: ready.manifests,
        ...(ready.tracks ? { tracks: ready.tracks } : {}),
        ...(skippedSubtitles.length ? { skippedSubtitles } : {}),
        probe,
        upload,
        jobId: job.jobId,
        unchanged: false,
      };
    },
  };
}
