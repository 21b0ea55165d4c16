import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/index.js';
import type { StreamctlConfig } from '../config/index.js';
import { wrapAwsError } from '../errors/index.js';
import { masterCaptionKey } from '../resources/index.js';
import type { CaptionInput } from '../transcoder/index.js';
import { makeWorkDir } from '../util/index.js';
import type { MediaProbe } from './probe.js';
import { type CaptionFile, extractSubtitles, type PreparedCaption } from './tracks.js';
import { type UploadProgress, type UploadResult, uploadResumable } from './upload.js';

/**
 * The upload step, for the master: a resumable multipart upload to the raw
 * bucket (an interrupted upload of the same file resumes where it stopped).
 *
 * @example
 * ```ts
 * const upload = await uploadMaster(config, clients, { file: 'clip.mp4', sha256, key: 'masters/clip/…/clip.mp4' });
 * ```
 */
export function uploadMaster(
  config: StreamctlConfig,
  clients: AwsClients,
  master: {
    file: string;
    sha256: string;
    key: string;
    partSize?: number | undefined;
    onProgress?: ((progress: UploadProgress) => void) | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<UploadResult> {
  return uploadResumable({
    s3: clients.s3(),
    bucket: config.resources.rawBucket,
    key: master.key,
    file: master.file,
    sha256: master.sha256,
    journalDir: join(config.dataDir, 'uploads'),
    ...(master.partSize ? { partSize: master.partSize } : {}),
    ...(master.onProgress ? { onProgress: master.onProgress } : {}),
    ...(master.signal ? { signal: master.signal } : {}),
  });
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
 * The upload step, for captions: the sidecars and the master's text
 * subtitle streams (as WebVTT) go up beside the master, ready for the
 * transcoder; bitmap subtitle streams are reported as skipped.
 *
 * @example
 * ```ts
 * const { captions, skipped } = await uploadCaptions(config, clients, { probe, masterKey, sidecars: [] });
 * ```
 */
export async function uploadCaptions(
  config: StreamctlConfig,
  clients: AwsClients,
  input: { probe: MediaProbe; masterKey: string; sidecars: CaptionFile[] },
): Promise<{ captions: CaptionInput[]; skipped: Array<{ index: number; codec: string }> }> {
  const bucket = config.resources.rawBucket;
  const work = await makeWorkDir(tmpdir(), 'captions');
  try {
    const extracted = await extractSubtitles(input.probe, work, config.media);
    const captions: CaptionInput[] = [];
    for (const [i, c] of mergeCaptions(input.sidecars, extracted.captions).entries()) {
      const Key = masterCaptionKey(input.masterKey, i, c.language);
      try {
        await clients
          .s3()
          .send(new PutObjectCommand({ Bucket: bucket, Key, Body: await readFile(c.file), ContentType: 'text/vtt' }));
      } catch (err) {
        throw wrapAwsError(err, 's3:PutObject', `s3://${bucket}/${Key}`);
      }
      captions.push({ language: c.language, ...(c.name ? { name: c.name } : {}), source: `s3://${bucket}/${Key}` });
    }
    return { captions, skipped: extracted.skipped };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
