import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { createCatalog, type TitleSource } from '../catalog/index.js';
import { IdSchema } from '../contract/index.js';
import { isStreamctlError, ValidationError } from '../errors/index.js';
import { fitLadderToSource, loadLadder } from '../ladders/index.js';
import { type ContentKeys, createContentKeys, keyWrapperFor } from '../protection/index.js';
import { masterKey as rawMasterKey } from '../resources/index.js';
import { createTranscoder, type Transcoder } from '../transcoder/index.js';
import { parseInput, sweepStaleWorkDirs } from '../util/index.js';
import { examineMaster } from './examine.js';
import { assertProtectionPossible, transcodeProtection } from './protect.js';
import { registerTitle } from './register.js';
import { uploadCaptions, uploadMaster } from './stage.js';
import { audioTracksOf } from './tracks.js';
import { followTranscode, recordTranscode, submitTranscode } from './transcode.js';
import type { Ingest, IngestDeps, IngestStep } from './types.js';
import { UploadInterruptedError, type UploadResult } from './upload.js';

/** The reason a title is FAILED with when its ingest was stopped by the caller (Ctrl-C). */
export const INTERRUPTED_REASON = 'interrupted';

/**
 * Creates ingest for a stage: the catalog, the raw and CDN buckets and the
 * transcoder of its configuration (ffmpeg locally, MediaConvert on AWS).
 * A run goes probe → register → upload → transcode → follow → record; a
 * step that fails after the title is registered leaves it FAILED with the reason.
 * The ladder loses the rungs that would upscale the master (`leftOutRungs`).
 * A run stopped through `signal` cancels its transcode, waits for its
 * temporary files to be removed, and leaves the title FAILED with the reason
 * `interrupted`: running it again resumes.
 *
 * @example
 * ```ts
 * const platform = await loadPlatform();
 * const ingest = createIngest({ config: platform.config, clients: platform.clients });
 * const result = await ingest.run({ file: 'clip.mp4', titleId: 'clip', wait: true });
 * result.status; // "READY"
 * ```
 */
export function createIngest(deps: IngestDeps): Ingest {
  const { config, clients } = deps;
  const names = config.resources;
  const catalog = deps.catalog ?? createCatalog(clients, names);
  let transcoder = deps.transcoder;
  let keys = deps.keys;
  const getKeys = (): ContentKeys => {
    keys ??= createContentKeys(clients, names, keyWrapperFor(config, clients));
    return keys;
  };
  const getTranscoder = (): Transcoder => {
    transcoder ??= createTranscoder(config, clients);
    return transcoder;
  };

  /** Runs a step of a registered title; its failure makes the title FAILED with the reason. */
  async function orFail<T>(titleId: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await work();
    } catch (err) {
      // A stopped run fails with whatever the step was doing when it stopped; the reason is the stop.
      const reason = signal?.aborted
        ? INTERRUPTED_REASON
        : isStreamctlError(err) || err instanceof Error
          ? err.message
          : String(err);
      await catalog.setStatus(titleId, 'FAILED', { reason }).catch(() => undefined);
      throw err;
    }
  }

  return {
    async run(input, hooks = {}) {
      const step = (s: IngestStep, detail: string) => hooks.onStep?.(s, detail);
      if (input.titleId !== undefined) parseInput(IdSchema, input.titleId, 'titleId');
      const chosen = await loadLadder(input.ladder ?? 'default');
      const scheme = input.protection ?? chosen.protection;
      // Before anything is uploaded: a scheme the stage cannot run, or content keys it cannot keep.
      assertProtectionPossible(config, scheme, getTranscoder().backend);
      if (scheme === 'aes-128') getKeys();
      // Runs killed outright (SIGKILL, a crash) could not remove their temporary files: this one does.
      await sweepStaleWorkDirs(tmpdir());

      step('probe', input.file);
      const { probe, sha256, titleId, name } = await examineMaster(config, input);
      if (input.signal?.aborted) {
        throw new UploadInterruptedError(`Ingest of ${input.file} was interrupted before anything was uploaded`);
      }
      const { ladder, leftOut } = fitLadderToSource(chosen, probe.video);
      const leftOutRungs = leftOut.length ? { leftOutRungs: leftOut } : {};

      step('register', titleId);
      const masterKey = rawMasterKey(titleId, sha256, basename(input.file));
      const source: TitleSource = {
        sha256,
        key: masterKey,
        bytes: probe.sizeBytes,
        ladder: ladder.name,
        ...(scheme !== 'none' ? { protection: scheme } : {}),
        region: config.region,
      };
      const { done: finished } = await registerTitle(catalog, {
        titleId,
        name,
        genres: input.genres ?? [],
        probe,
        source,
        ...(input.replace ? { replace: true } : {}),
      });
      if (finished) {
        return {
          titleId,
          status: finished.status,
          renditions: finished.renditions,
          manifests: finished.manifests,
          ...(finished.tracks ? { tracks: finished.tracks } : {}),
          ...(finished.protection ? { protection: finished.protection } : {}),
          probe,
          unchanged: true,
        };
      }

      step('upload', `s3://${names.rawBucket}/${masterKey}`);
      const upload: UploadResult = await orFail(
        titleId,
        () =>
          uploadMaster(config, clients, {
            file: input.file,
            sha256,
            key: masterKey,
            partSize: input.partSize,
            onProgress: hooks.onUpload,
            signal: input.signal,
          }),
        input.signal,
      );
      const captions = await orFail(
        titleId,
        () => uploadCaptions(config, clients, { probe, masterKey, sidecars: input.captions ?? [] }),
        input.signal,
      );

      const engine = getTranscoder();
      step('transcode', `${engine.backend}, ladder ${ladder.name}`);
      const job = await orFail(
        titleId,
        () =>
          submitTranscode(engine, {
            titleId,
            ladder,
            master: `s3://${names.rawBucket}/${masterKey}`,
            cdnBucket: names.cdnBucket,
            durationSec: probe.durationSec,
            audio: audioTracksOf(probe),
            captions: captions.captions,
            protection: transcodeProtection(config, {
              scheme,
              titleId,
              ladder,
              backend: engine.backend,
              keys: getKeys,
            }),
          }),
        input.signal,
      );
      await catalog.setStatus(titleId, 'TRANSCODING', {
        source: { ...source, jobId: job.jobId, backend: engine.backend },
      });
      // MediaConvert runs on without us; the local ffmpeg transcode runs in this process.
      if (engine.backend === 'mediaconvert' && !input.wait) {
        return {
          titleId,
          status: 'TRANSCODING',
          renditions: [],
          manifests: {},
          probe,
          upload,
          jobId: job.jobId,
          ...leftOutRungs,
          unchanged: false,
        };
      }
      const done = await orFail(
        titleId,
        () =>
          followTranscode(engine, job.jobId, {
            ...deps.wait,
            ...(hooks.onTranscode ? { onProgress: hooks.onTranscode } : {}),
            ...(input.signal ? { signal: input.signal } : {}),
          }),
        input.signal,
      );

      step('record', `${done.outputs?.renditions.length ?? 0} renditions`);
      if (!done.outputs?.renditions.length) {
        return orFail(titleId, () =>
          Promise.reject(new ValidationError('The transcode finished without renditions', [])),
        );
      }
      const ready = await recordTranscode(catalog, titleId, done);
      // The keys of an earlier encryption of this title are of no use any more.
      const keyIds = done.outputs.protection?.keyIds;
      if (keyIds) await getKeys().retire(titleId, keyIds);
      return {
        titleId,
        status: ready.status,
        renditions: ready.renditions,
        manifests: ready.manifests,
        ...(ready.tracks ? { tracks: ready.tracks } : {}),
        ...(ready.protection ? { protection: ready.protection } : {}),
        ...(captions.skipped.length ? { skippedSubtitles: captions.skipped } : {}),
        probe,
        upload,
        jobId: job.jobId,
        ...leftOutRungs,
        unchanged: false,
      };
    },
  };
}
