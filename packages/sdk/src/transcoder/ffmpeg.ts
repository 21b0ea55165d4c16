import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Track } from '../catalog/index.js';
import { ErrorCode, NotFoundError, StreamctlError, ValidationError, wrapAwsError } from '../errors/index.js';
import { type Ladder, rungName } from '../ladders/index.js';
import { encryptHlsRenditions } from '../protection/hls.js';
import { makeWorkDir, sweepStaleWorkDirs } from '../util/index.js';
import { type FfmpegPlan, renderFfmpegPlan } from './ffmpeg-plan.js';
import { packageRenditions } from './packaging.js';
import { ffmpegFailureMessage, findMediaTools, type MediaToolSettings } from './tools.js';
import { type CaptionInput, captionModifiers } from './tracks.js';
import type { RenditionOutput, TranscodeOutputs, TranscodeRequest, Transcoder, TranscodeStatus } from './types.js';

/** Settings of the local ffmpeg backend. */
export interface FfmpegTranscoderOptions extends MediaToolSettings {
  /** For `s3://` inputs and outputs (the embedded platform's s3rver, or S3). */
  s3?: () => S3Client;
  /** Where masters are staged and renditions written before upload. Default: the OS temp dir. */
  workDir?: string;
  /** Parallel object uploads of the renditions. Default 8. */
  uploadConcurrency?: number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.mpd': 'application/dash+xml',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt',
};

const S3_URI = /^s3:\/\/([^/]+)\/(.*)$/;
const runFile = promisify(execFile);

/**
 * Reads the variants of an HLS master playlist: each `#EXT-X-STREAM-INF`
 * line's BANDWIDTH, RESOLUTION and CODECS with the URI on the next line.
 *
 * @example
 * ```ts
 * parseMasterPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/index.m3u8\n');
 * // [{ name: '360p', width: 640, height: 360, bandwidth: 800000, playlist: '360p/index.m3u8' }]
 * ```
 */
export function parseMasterPlaylist(text: string): RenditionOutput[] {
  const lines = text.split(/\r?\n/);
  const renditions: RenditionOutput[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return;
    const attrs = line.slice('#EXT-X-STREAM-INF:'.length);
    const attr = (name: string) => new RegExp(`(?:^|,)${name}=("[^"]*"|[^,]*)`).exec(attrs)?.[1]?.replace(/"/g, '');
    const playlist = lines[i + 1]?.trim() ?? '';
    const [width, height] = (attr('RESOLUTION') ?? '0x0').split('x').map(Number);
    const codecs = attr('CODECS');
    renditions.push({
      name: playlist.split('/')[0] ?? playlist,
      width: width ?? 0,
      height: height ?? 0,
      bandwidth: Number(attr('BANDWIDTH') ?? 0),
      ...(codecs ? { codecs } : {}),
      playlist,
    });
  });
  return renditions;
}

/**
 * Reads ffmpeg's `-progress` output (key=value lines, one block per update)
 * into a percentage of the master's duration. `out_time_us` is microseconds;
 * ffmpeg's `out_time_ms` is microseconds too, despite its name.
 */
export function progressPercent(block: Record<string, string>, durationSec: number | undefined): number | undefined {
  if (block.progress === 'end') return 100;
  const micros = Number(block.out_time_us ?? block.out_time_ms);
  if (!durationSec || !Number.isFinite(micros) || micros < 0) return undefined;
  // 99 until ffmpeg says `end`: the muxers still write their last segments.
  return Math.min(99, Math.floor(micros / 1e4 / durationSec));
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** RFC 6381 codec strings from ffprobe's view of a stream. */
function codecString(stream: { codec_name?: string; profile?: string; level?: number }): string {
  if (stream.codec_name === 'aac') return 'mp4a.40.2';
  if (stream.codec_name === 'h264') {
    const profile =
      { Baseline: 0x42, 'Constrained Baseline': 0x42, Main: 0x4d, High: 0x64 }[stream.profile ?? ''] ?? 0x64;
    const hex = (n: number) => n.toString(16).padStart(2, '0');
    return `avc1.${hex(profile)}00${hex(stream.level ?? 31)}`;
  }
  if (stream.codec_name === 'hevc') return `hvc1.1.6.L${stream.level ?? 93}.90`;
  return stream.codec_name ?? 'unknown';
}

/**
 * Writes the HLS master playlist from the variants ffmpeg wrote, for
 * ffmpeg builds that cannot (the npm-shipped 4.1): RESOLUTION and CODECS as
 * ffprobe reads them, BANDWIDTH as the rung's cap plus audio.
 */
async function writeMasterPlaylist(ffprobe: string, master: string, variants: string[], ladder: Ladder): Promise<void> {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const [i, variant] of variants.entries()) {
    const { stdout } = await runFile(ffprobe, ['-v', 'error', '-show_streams', '-of', 'json', variant]);
    const streams = (JSON.parse(stdout) as { streams?: Array<Record<string, unknown>> }).streams ?? [];
    const video = streams.find((s) => s.codec_type === 'video') as
      | { width?: number; height?: number; codec_name?: string; profile?: string; level?: number }
      | undefined;
    const audio = streams.find((s) => s.codec_type === 'audio') as { codec_name?: string } | undefined;
    const rung = ladder.rungs[i];
    const bandwidth = (rung?.maxBitrate ?? 0) + (audio ? ladder.audio.bitrate : 0);
    const codecs = [video ? codecString(video) : undefined, audio ? codecString(audio) : undefined]
      .filter(Boolean)
      .join(',');
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${bandwidth},RESOLUTION=${video?.width ?? 0}x${video?.height ?? 0},CODECS="${codecs}"`,
      relative(dirname(master), variant).split('\\').join('/'),
    );
  }
  await writeFile(master, `${lines.join('\n')}\n`);
}

/** The end of the last cue of a WebVTT file, in seconds (0 without cues). */
function lastCueEnd(vtt: string): number {
  let end = 0;
  for (const m of vtt.matchAll(/-->\s*(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})/g)) {
    const [, h, mm, ss, ms] = m;
    end = Math.max(end, Number(h ?? 0) * 3600 + Number(mm) * 60 + Number(ss) + Number(ms) / 1000);
  }
  return end;
}

/** The HLS media playlist of one whole-title WebVTT file. */
export function subtitlePlaylist(file: string, durationSec: number): string {
  const duration = Math.max(durationSec, 0.001);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(duration)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${duration.toFixed(3)},`,
    file,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

const quoted = (value: string) => value.replace(/"/g, "'");

/**
 * Adds tracks to a master playlist: names the alternate-audio renditions
 * ffmpeg wrote (it labels them `audio_N`), and adds a SUBTITLES group with
 * one rendition per caption track, referenced by every variant.
 *
 * @example
 * ```ts
 * withTracks(master, { audio: [], captions: [{ language: 'en', name: 'English', playlist: 'subs/en/index.m3u8' }] });
 * ```
 */
export function withTracks(master: string, tracks: { audio: Track[]; captions: Track[] }): string {
  const lines = master.split(/\r?\n/);
  const out: string[] = [];
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MEDIA:TYPE=AUDIO')) {
      const uri = /URI="([^"]*)"/.exec(line)?.[1];
      const track = tracks.audio.find((a) => a.playlist === uri);
      out.push(track ? line.replace(/NAME="[^"]*"/, `NAME="${quoted(track.name)}"`) : line);
      continue;
    }
    if (line.startsWith('#EXT-X-STREAM-INF:') && tracks.captions.length) {
      // Subtitle renditions go before the first variant, which then names their group.
      if (!out.some((l) => l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES'))) {
        for (const c of tracks.captions) {
          out.push(
            `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="${quoted(c.name)}",LANGUAGE="${c.language}",DEFAULT=NO,AUTOSELECT=YES,URI="${c.playlist}"`,
          );
        }
      }
      out.push(`${line},SUBTITLES="subs"`);
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

/**
 * Copies each caption file into the output tree as `subs/<n>_<language>/captions.vtt`
 * with its media playlist, refusing a file that is not WebVTT.
 */
async function writeCaptions(
  captions: Array<CaptionInput & { file: string }>,
  outputDir: string,
  durationSec: number | undefined,
): Promise<Track[]> {
  const names = captionModifiers(captions).map((m) => m.replace(/^_captions_/, ''));
  const tracks: Track[] = [];
  for (const [i, c] of captions.entries()) {
    const text = (await readFile(c.file, 'utf8')).replace(/^\uFEFF/, '');
    if (!/^WEBVTT(?:[ \t].*)?(?:\r?\n|$)/.test(text)) {
      throw new StreamctlError(
        ErrorCode.MediaInvalid,
        `${basename(c.file)} is not WebVTT: its first line is not "WEBVTT"`,
        {
          hint: 'convert the captions to WebVTT (ffmpeg -i captions.srt captions.vtt), then re-run',
          details: { file: c.file, language: c.language },
        },
      );
    }
    const dir = join(outputDir, 'subs', names[i] as string);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'captions.vtt'), text);
    await writeFile(join(dir, 'index.m3u8'), subtitlePlaylist('captions.vtt', durationSec ?? lastCueEnd(text)));
    tracks.push({ language: c.language, name: c.name ?? c.language, playlist: `subs/${names[i]}/index.m3u8` });
  }
  return tracks;
}

/** The plan's alternate-audio tracks with playlists relative to the master. */
const audioTracks = (plan: FfmpegPlan): Track[] =>
  plan.audio.map((a) => ({ ...a, playlist: relative(dirname(plan.master), a.playlist).split('\\').join('/') }));

interface LocalJob {
  status: TranscodeStatus;
  child?: ChildProcess;
  cancelled: boolean;
  /** Settles when the job's process has ended and its temporary folder is gone. */
  settled?: Promise<void>;
}

/**
 * The local backend: the whole ladder in one ffmpeg process (split filter,
 * HLS fMP4 per rung, master playlist, thumbnails and poster), progress from
 * `-progress`, and renditions uploaded to the output bucket when the output
 * is `s3://`. Jobs live in this process: a crash of ffmpeg ends the job in
 * ERROR with ffmpeg's own last words.
 *
 * @example
 * ```ts
 * const transcoder = createFfmpegTranscoder({ s3: () => clients.s3() });
 * const job = await transcoder.submit({ titleId: 't1', ladder, input: 'master.mp4', output: 'out/' });
 * await waitForTranscode(transcoder, job.jobId);
 * ```
 */
export function createFfmpegTranscoder(options: FfmpegTranscoderOptions = {}): Transcoder {
  const jobs = new Map<string, LocalJob>();
  let staged = 0;
  let swept: Promise<unknown> | undefined;

  const s3 = () => {
    if (!options.s3)
      throw new ValidationError('s3:// locations need an S3 client', [{ path: 's3', message: 'missing' }]);
    return options.s3();
  };

  async function stageInput(input: string, work: string, what = 'Master'): Promise<string> {
    const match = S3_URI.exec(input);
    if (!match) {
      await stat(input).catch(() => {
        throw new NotFoundError(`${what} ${input} does not exist`);
      });
      return input;
    }
    const [, Bucket, Key] = match as unknown as [string, string, string];
    // Each staged file in a folder of its own: two inputs may share a base name.
    const folder = join(work, 'input', String(staged++));
    const file = join(folder, basename(Key) || 'master');
    await mkdir(folder, { recursive: true });
    try {
      const out = await s3().send(new GetObjectCommand({ Bucket, Key }));
      await pipeline(out.Body as Readable, createWriteStream(file));
    } catch (err) {
      throw wrapAwsError(err, 's3:GetObject', input);
    }
    return file;
  }

  async function publishOutputs(dir: string, output: string, job: LocalJob): Promise<void> {
    const match = S3_URI.exec(output);
    if (!match) return;
    const [, Bucket, prefix] = match as unknown as [string, string, string];
    const files = await listFiles(dir);
    const limit = options.uploadConcurrency ?? 8;
    let next = 0;
    const worker = async () => {
      while (next < files.length && !job.cancelled) {
        const file = files[next++] as string;
        const key = `${prefix}${relative(dir, file).split('\\').join('/')}`;
        const ext = file.slice(file.lastIndexOf('.'));
        try {
          await new Upload({
            client: s3(),
            params: {
              Bucket,
              Key: key,
              Body: createReadStream(file),
              ContentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
            },
          }).done();
        } catch (err) {
          throw wrapAwsError(err, 's3:PutObject', `s3://${Bucket}/${key}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, files.length) }, worker));
  }

  function runFfmpeg(ffmpeg: string, args: string[], job: LocalJob, durationSec: number | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(ffmpeg, ['-loglevel', 'error', '-nostats', '-progress', 'pipe:1', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      job.child = child;
      if (child.pid !== undefined) job.status.pid = child.pid;
      let block: Record<string, string> = {};
      let pending = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        let nl = pending.indexOf('\n');
        while (nl >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          nl = pending.indexOf('\n');
          const eq = line.indexOf('=');
          if (eq < 0) continue;
          block[line.slice(0, eq)] = line.slice(eq + 1);
          if (line.startsWith('progress=')) {
            const percent = progressPercent(block, durationSec);
            if (percent !== undefined && percent < 100) {
              job.status.state = 'PROGRESSING';
              job.status.percent = Math.max(job.status.percent, percent);
            }
            block = {};
          }
        }
      });
      // The start and the end of what ffmpeg says: the reason comes first (an encoder refusing
      // its input), its last words after; decoder complaints can fill the middle.
      let head = '';
      let tail = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (head.length < 16_384) head += chunk;
        else tail = (tail + chunk).slice(-16_384);
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        delete job.child;
        delete job.status.pid;
        if (code === 0) return resolve();
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        // A tail cut mid-line starts at its next whole line.
        const end = tail.length >= 16_384 ? tail.slice(tail.indexOf('\n') + 1) : tail;
        reject(new Error(ffmpegFailureMessage(`${head}\n${end}`, how)));
      });
    });
  }

  async function run(request: TranscodeRequest, job: LocalJob): Promise<void> {
    const local = !S3_URI.test(request.output);
    const parent = options.workDir ?? tmpdir();
    // Once per transcoder: the folders of runs killed before they could clean up.
    swept ??= sweepStaleWorkDirs(parent).catch(() => undefined);
    await swept;
    const protection = request.protection;
    if (protection?.scheme === 'drm') {
      throw new StreamctlError(
        ErrorCode.ValidationFailed,
        'DRM (CMAF cbcs through a SPEKE key provider) needs MediaConvert: the local ffmpeg transcoder encrypts with aes-128 only',
        { hint: 'ingest with --protection aes-128 here, or on an AWS stage for drm' },
      );
    }
    const work = await makeWorkDir(parent, 'transcode');
    try {
      const tools = await findMediaTools(options);
      const input = await stageInput(request.input, work);
      const outputDir = local ? request.output.replace(/\/+$/, '') : join(work, 'out');
      const captions = [];
      for (const c of request.captions ?? [])
        captions.push({ ...c, file: await stageInput(c.source, work, 'Caption file') });
      const plan = renderFfmpegPlan(
        request.ladder,
        { input, outputDir, ...(request.audio ? { audio: request.audio } : {}) },
        { ffmpegMajorVersion: tools.ffmpegMajorVersion },
      );
      for (const dir of plan.directories) await mkdir(dir, { recursive: true });
      if (job.cancelled) return;
      job.status.state = 'PROGRESSING';
      job.status.startedAt = new Date().toISOString();
      await runFfmpeg(tools.ffmpeg, plan.args, job, request.durationSec);
      if (plan.writeMaster) await writeMasterPlaylist(tools.ffprobe, plan.master, plan.variants, request.ladder);
      const tracks = {
        audio: audioTracks(plan),
        captions: await writeCaptions(captions, outputDir, request.durationSec),
      };
      if (tracks.audio.length || tracks.captions.length) {
        await writeFile(plan.master, withTracks(await readFile(plan.master, 'utf8'), tracks));
      }
      // Packaging reads the clear segments, so it comes before sealing: the master's measured
      // figures, I-frame playlists, DASH over the same CMAF segments and the thumbnail track.
      const packaged = await packageRenditions({
        master: plan.master,
        variants: plan.variants,
        audio: plan.audio,
        captions: tracks.captions,
        // Sealed segments are encrypted whole (AES-128-CBC): a byte range inside one cannot be
        // decrypted alone, so no I-frame playlists; DASH has no whole-segment AES-128, so no MPD.
        sealed: protection?.scheme === 'aes-128',
        dash: request.ladder.outputs.dash,
        ...(plan.sprites ? { sprites: plan.sprites } : {}),
      });
      // AES-128: the written segments sealed before anything leaves this machine (the upload below).
      const keyIds =
        protection?.scheme === 'aes-128'
          ? await encryptHlsRenditions([...plan.variants, ...plan.audio.map((a) => a.playlist)], protection)
          : undefined;
      // The master lists the variants in ladder order; name them after the rungs whatever the directories are called.
      const renditions = parseMasterPlaylist(await readFile(plan.master, 'utf8')).map((r, i) => {
        const rung = request.ladder.rungs[i];
        return rung ? { ...r, name: rungName(rung) } : r;
      });
      await publishOutputs(outputDir, request.output, job);
      const outputs: TranscodeOutputs = {
        hls: 'master.m3u8',
        ...(packaged.dash ? { dash: packaged.dash } : {}),
        renditions,
        ...(plan.thumbnails ? { thumbnails: 'thumbnails/' } : {}),
        ...(packaged.thumbnailTrack ? { thumbnailTrack: packaged.thumbnailTrack } : {}),
        ...(plan.poster ? { poster: 'poster.jpg' } : {}),
        ...(tracks.audio.length || tracks.captions.length ? { tracks } : {}),
        ...(keyIds ? { protection: { scheme: 'aes-128' as const, keyIds } } : {}),
      };
      if (job.cancelled) return;
      job.status = {
        ...job.status,
        state: 'COMPLETE',
        percent: 100,
        finishedAt: new Date().toISOString(),
        outputs,
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  return {
    backend: 'ffmpeg',
    async submit(request) {
      const jobId = `local-${randomUUID()}`;
      const submittedAt = new Date().toISOString();
      const job: LocalJob = {
        status: { jobId, backend: 'ffmpeg', state: 'SUBMITTED', percent: 0 },
        cancelled: false,
      };
      jobs.set(jobId, job);
      job.settled = run(request, job).catch((err: unknown) => {
        if (job.cancelled) return;
        const code = (err as { code?: string }).code;
        job.status = {
          ...job.status,
          state: 'ERROR',
          finishedAt: new Date().toISOString(),
          error: { code: typeof code === 'string' ? code : 'FFMPEG_FAILED', message: (err as Error).message },
        };
      });
      return { jobId, backend: 'ffmpeg', titleId: request.titleId, submittedAt };
    },
    async status(jobId) {
      const job = jobs.get(jobId);
      if (!job) throw new NotFoundError(`Transcode job ${jobId} is not known to this process`, { details: { jobId } });
      return { ...job.status, ...(job.status.outputs ? { outputs: job.status.outputs } : {}) };
    },
    async cancel(jobId) {
      const job = jobs.get(jobId);
      if (!job) throw new NotFoundError(`Transcode job ${jobId} is not known to this process`, { details: { jobId } });
      if (job.status.state !== 'COMPLETE' && job.status.state !== 'ERROR') {
        job.cancelled = true;
        job.child?.kill('SIGTERM');
        job.status = { ...job.status, state: 'CANCELED', finishedAt: new Date().toISOString() };
      }
      // A caller that stops (Ctrl-C) exits right after: ffmpeg must be gone and its files removed by then.
      await job.settled;
    },
  };
}
