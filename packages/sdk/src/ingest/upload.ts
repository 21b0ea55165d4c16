import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ErrorCode, StreamctlError, wrapAwsError } from '../errors/index.js';

/** Bytes sent so far. */
export interface UploadProgress {
  loaded: number;
  total: number;
  /** Bytes that an earlier, interrupted run had already sent. */
  resumed: number;
}

/** What {@link uploadResumable} needs. */
export interface ResumableUploadOptions {
  s3: S3Client;
  bucket: string;
  key: string;
  file: string;
  /** SHA-256 of the file (hex); stored as object metadata, so an identical object is never sent twice. */
  sha256: string;
  /** Where the journal of an unfinished upload is kept. */
  journalDir: string;
  /** Default 8 MiB (S3's minimum is 5 MiB). */
  partSize?: number;
  /** Parts in flight. Default 4. */
  concurrency?: number;
  contentType?: string;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

/** How an upload went. */
export interface UploadResult {
  bucket: string;
  key: string;
  bytes: number;
  /** `skipped`: the object was already there; `resumed`: an interrupted upload was finished. */
  mode: 'single' | 'multipart' | 'resumed' | 'skipped';
  /** Parts sent by this run (multipart only). */
  partsSent: number;
  partsTotal: number;
}

interface Journal {
  bucket: string;
  key: string;
  sha256: string;
  uploadId: string;
  partSize: number;
  size: number;
  parts: Record<string, string>;
}

const MIB = 1024 * 1024;

/** The upload was stopped (signal) or failed part-way; its journal stays for the next run. */
export class UploadInterruptedError extends StreamctlError {
  constructor(message: string, cause?: unknown) {
    super(ErrorCode.AwsError, message, { cause, hint: 're-run the same command: the upload resumes where it stopped' });
  }
}

/**
 * SHA-256 of a file, streamed.
 *
 * @example
 * ```ts
 * await sha256File('master.mp4'); // "9f86d0…"
 * ```
 */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MIB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readPart(file: string, start: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/**
 * Uploads a file to S3, resumably. Small files go in one request through
 * `@aws-sdk/lib-storage`; larger ones as a multipart upload whose id and
 * finished parts are journalled after every part, so a run that is
 * interrupted (Ctrl-C, a lost connection, a signal) is finished by the next
 * run instead of started over. Where the service lists parts (S3) the
 * journal is checked against it; emulators that do not (s3rver) are trusted
 * to the journal. An object already carrying the same SHA-256 is not sent again.
 *
 * @example
 * ```ts
 * await uploadResumable({ s3, bucket: 'raw', key: 'masters/t1/master.mp4', file, sha256, journalDir: '.streamctl/uploads' });
 * ```
 */
export async function uploadResumable(options: ResumableUploadOptions): Promise<UploadResult> {
  const { s3, bucket: Bucket, key: Key, file } = options;
  const size = (await stat(file)).size;
  const partSize = Math.max(5 * MIB, options.partSize ?? 8 * MIB);
  const partsTotal = Math.max(1, Math.ceil(size / partSize));
  const where = `s3://${Bucket}/${Key}`;

  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    if (head.Metadata?.sha256 === options.sha256 && head.ContentLength === size) {
      options.onProgress?.({ loaded: size, total: size, resumed: size });
      return { bucket: Bucket, key: Key, bytes: size, mode: 'skipped', partsSent: 0, partsTotal };
    }
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404) throw wrapAwsError(err, 's3:HeadObject', where);
  }

  if (size <= partSize) {
    const upload = new Upload({
      client: s3,
      params: {
        Bucket,
        Key,
        Body: createReadStream(file),
        Metadata: { sha256: options.sha256 },
        ...(options.contentType ? { ContentType: options.contentType } : {}),
      },
      ...(options.signal ? { abortController: abortControllerFor(options.signal) } : {}),
    });
    upload.on('httpUploadProgress', (p) => options.onProgress?.({ loaded: p.loaded ?? 0, total: size, resumed: 0 }));
    try {
      await upload.done();
    } catch (err) {
      if (options.signal?.aborted) throw new UploadInterruptedError(`Upload of ${where} was interrupted`, err);
      throw wrapAwsError(err, 's3:PutObject', where);
    }
    return { bucket: Bucket, key: Key, bytes: size, mode: 'single', partsSent: 1, partsTotal: 1 };
  }

  await mkdir(options.journalDir, { recursive: true });
  const journalFile = join(
    options.journalDir,
    `${createHash('sha256').update(`${Bucket}/${Key}`).digest('hex').slice(0, 16)}.json`,
  );
  const saveJournal = async (journal: Journal) => {
    const tmp = `${journalFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(journal));
    await rename(tmp, journalFile);
  };

  let journal = await readFile(journalFile, 'utf8')
    .then((text) => JSON.parse(text) as Journal)
    .catch(() => undefined);
  if (
    journal &&
    (journal.sha256 !== options.sha256 ||
      journal.size !== size ||
      journal.partSize !== partSize ||
      journal.bucket !== Bucket ||
      journal.key !== Key)
  ) {
    journal = undefined;
  }
  let resumedFrom = journal;
  if (journal) {
    try {
      const listed = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId: journal.uploadId }));
      // The service's own list wins: parts it does not have are sent again.
      const server = new Map((listed.Parts ?? []).map((p) => [String(p.PartNumber), p.ETag ?? '']));
      journal.parts = Object.fromEntries(Object.entries(journal.parts).filter(([n, etag]) => server.get(n) === etag));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'NoSuchUpload') journal = resumedFrom = undefined;
      // NotImplemented and the like (s3rver): keep the journal's view.
    }
  }
  if (!journal) {
    try {
      const created = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket,
          Key,
          Metadata: { sha256: options.sha256 },
          ...(options.contentType ? { ContentType: options.contentType } : {}),
        }),
      );
      if (!created.UploadId) throw new Error('CreateMultipartUpload answered without an upload id');
      journal = {
        bucket: Bucket,
        key: Key,
        sha256: options.sha256,
        uploadId: created.UploadId,
        partSize,
        size,
        parts: {},
      };
    } catch (err) {
      throw wrapAwsError(err, 's3:CreateMultipartUpload', where);
    }
    await saveJournal(journal);
  }

  const state = journal;
  const partLength = (n: number) => Math.min(partSize, size - (n - 1) * partSize);
  const resumed = Object.keys(state.parts).reduce((sum, n) => sum + partLength(Number(n)), 0);
  let loaded = resumed;
  options.onProgress?.({ loaded, total: size, resumed });
  const todo = Array.from({ length: partsTotal }, (_, i) => i + 1).filter((n) => !state.parts[String(n)]);
  let partsSent = 0;
  let failure: unknown;
  let saving = Promise.resolve();

  const worker = async () => {
    for (;;) {
      if (failure || options.signal?.aborted) return;
      const n = todo.shift();
      if (n === undefined) return;
      const body = await readPart(file, (n - 1) * partSize, partLength(n));
      try {
        const out = await s3.send(
          new UploadPartCommand({
            Bucket,
            Key,
            UploadId: state.uploadId,
            PartNumber: n,
            Body: body,
            ContentLength: body.length,
            ContentMD5: createHash('md5').update(body).digest('base64'),
          }),
          options.signal ? { abortSignal: options.signal } : {},
        );
        state.parts[String(n)] = out.ETag ?? '';
        partsSent++;
        loaded += body.length;
        // One journal write at a time, in order: the file always holds a consistent list.
        saving = saving.then(() => saveJournal(state));
        await saving;
        options.onProgress?.({ loaded, total: size, resumed });
      } catch (err) {
        failure ??= err;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, Math.max(1, todo.length)) }, worker));
  await saving;
  if (options.signal?.aborted) {
    throw new UploadInterruptedError(
      `Upload of ${where} was interrupted after ${Object.keys(state.parts).length} of ${partsTotal} parts`,
    );
  }
  if (failure) {
    if ((failure as { name?: string }).name === 'NoSuchUpload') await rm(journalFile, { force: true });
    throw new UploadInterruptedError(
      `Upload of ${where} stopped after ${Object.keys(state.parts).length} of ${partsTotal} parts: ${(failure as Error).message}`,
      failure,
    );
  }
  try {
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId: state.uploadId,
        MultipartUpload: {
          Parts: Object.entries(state.parts)
            .map(([n, ETag]) => ({ PartNumber: Number(n), ETag }))
            .sort((a, b) => a.PartNumber - b.PartNumber),
        },
      }),
    );
  } catch (err) {
    throw wrapAwsError(err, 's3:CompleteMultipartUpload', where);
  }
  await rm(journalFile, { force: true });
  return {
    bucket: Bucket,
    key: Key,
    bytes: size,
    mode: resumedFrom ? 'resumed' : 'multipart',
    partsSent,
    partsTotal,
  };
}

function abortControllerFor(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}
