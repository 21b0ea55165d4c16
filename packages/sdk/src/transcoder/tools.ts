/**
 * Finding ffmpeg and ffprobe: a configured path, else the binaries on PATH,
 * else the static builds shipped in the `@ffmpeg-installer/ffmpeg` and
 * `@ffprobe-installer/ffprobe` npm packages (optional dependencies), so the
 * local platform transcodes on a machine that has only Node.js.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, StreamctlError } from '../errors/index.js';

/** The media tools one transcode or probe runs. */
export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
  /** ffmpeg's major version; static builds without a number count as 4. */
  ffmpegMajorVersion: number;
  /** Where the tools were found. */
  source: 'config' | 'path' | 'npm';
}

/** Paths that win over the search (`STREAMCTL_FFMPEG`, `STREAMCTL_FFPROBE` or the config file). */
export interface MediaToolSettings {
  ffmpegPath?: string | undefined;
  ffprobePath?: string | undefined;
}

const run = promisify(execFile);
const cache = new Map<string, Promise<MediaTools>>();

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await executable(candidate)) return candidate;
  }
  return undefined;
}

function fromNpm(pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'): string | undefined {
  try {
    const required = createRequire(import.meta.url)(pkg) as { path?: string };
    return required.path;
  } catch {
    return undefined;
  }
}

async function locate(
  name: 'ffmpeg' | 'ffprobe',
  configured: string | undefined,
): Promise<{ path: string; source: MediaTools['source'] }> {
  if (configured) {
    if (await executable(configured)) return { path: configured, source: 'config' };
    throw new StreamctlError(ErrorCode.ToolMissing, `The configured ${name} ${configured} is not an executable file`, {
      hint: `fix STREAMCTL_${name.toUpperCase()} or media.${name}Path in streamctl.config.json`,
    });
  }
  const found = await onPath(name);
  if (found) return { path: found, source: 'path' };
  const shipped = fromNpm(name === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe');
  if (shipped && (await stat(shipped).catch(() => undefined))?.isFile()) {
    // Package managers that skip install scripts (pnpm by default) leave the binary without its execute bit.
    if (!(await executable(shipped))) await chmod(shipped, 0o755).catch(() => undefined);
    if (await executable(shipped)) return { path: shipped, source: 'npm' };
  }
  throw new StreamctlError(ErrorCode.ToolMissing, `${name} is not installed`, {
    hint: `install ffmpeg (apt-get install ffmpeg, brew install ffmpeg) or set STREAMCTL_${name.toUpperCase()} to its path`,
  });
}

/**
 * Finds ffmpeg and ffprobe once per setting and reports ffmpeg's version,
 * which decides a few option spellings of the local plan.
 *
 * @example
 * ```ts
 * const tools = await findMediaTools({ ffmpegPath: process.env.STREAMCTL_FFMPEG });
 * spawn(tools.ffmpeg, ['-version']);
 * ```
 */
export function findMediaTools(settings: MediaToolSettings = {}): Promise<MediaTools> {
  const key = `${settings.ffmpegPath ?? ''}\0${settings.ffprobePath ?? ''}\0${process.env.PATH ?? ''}`;
  let found = cache.get(key);
  if (!found) {
    found = (async () => {
      const [ffmpeg, ffprobe] = await Promise.all([
        locate('ffmpeg', settings.ffmpegPath),
        locate('ffprobe', settings.ffprobePath),
      ]);
      const { stdout } = await run(ffmpeg.path, ['-hide_banner', '-version']).catch((cause: unknown) => {
        throw new StreamctlError(ErrorCode.ToolMissing, `${ffmpeg.path} does not run: ${(cause as Error).message}`, {
          cause,
          hint: 'reinstall ffmpeg or point STREAMCTL_FFMPEG at a working binary',
        });
      });
      const major = /^ffmpeg version n?(\d+)\./m.exec(stdout)?.[1];
      return {
        ffmpeg: ffmpeg.path,
        ffprobe: ffprobe.path,
        ffmpegMajorVersion: major ? Number(major) : 4,
        source: ffmpeg.source === 'config' || ffprobe.source === 'config' ? 'config' : ffmpeg.source,
      };
    })();
    // A failed search is not remembered: installing ffmpeg fixes the next call.
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}

/** ffmpeg's closing words when it fails: they say that it failed, not why. */
const GENERIC_FAILURE = [
  /^Conversion failed!?$/,
  /^Error initializing output stream\b/,
  /^Error while (?:opening encoder|filtering|processing|decoding)\b/,
  /^Error (?:opening|configuring|reinitializing) (?:output )?filters?!?$/,
  /^Error initializing complex filters\.?$/,
  /^Could not write header for output file\b/,
  /^Task finished with error code\b/,
  /^Terminating thread with return code\b/,
  /^Exiting normally\b/,
  /^To ignore this, add a trailing '\?' to the map\.?$/,
];

/** `[libx264 @ 0x55954c6bb8c0] Error…` without the pointer, which differs every run. */
const withoutAddress = (line: string) => line.replace(/^\[([^\]@]+?) @ 0x[0-9a-f]+\]/, '[$1]');

/**
 * ffmpeg's error output as lines worth reading: encoder libraries log on their own
 * (`Svt[info]: …`, `x265 [info]: …`) whatever ffmpeg's level, and say nothing of a failure there.
 */
const saidLines = (stderr: string): string[] =>
  stderr
    .split(/\r?\n/)
    .map((l) => withoutAddress(l.trim()))
    .filter((l) => l && !/^\S*\s?\[(?:info|debug|verbose|warning)\]/i.test(l));

/**
 * The line of ffmpeg's error output that says why it failed: an encoder
 * library's own error (`x264 [error]: high profile doesn't support 4:4:4`),
 * else a component's (`[libx264] Error setting profile high.`), else the
 * first line that is not one of ffmpeg's generic closing words (`Error
 * initializing output stream 0:0 … maybe incorrect parameters`, `Conversion
 * failed!`), which only say that something failed.
 *
 * @example
 * ```ts
 * ffmpegFailureReason('x264 [error]: high profile doesn\'t support 4:4:4\n[libx264 @ 0x5559] Error setting profile high.\nError initializing output stream 0:0 -- …');
 * // "x264 [error]: high profile doesn't support 4:4:4"
 * ```
 */
export function ffmpegFailureReason(stderr: string): string | undefined {
  const lines = saidLines(stderr);
  const telling = lines.filter((l) => !GENERIC_FAILURE.some((g) => g.test(l.replace(/^\[[^\]]+\]\s*/, ''))));
  return (
    telling.find((l) => /\[(?:error|fatal)\]/i.test(l)) ??
    telling.find((l) => /^\[lib\w+\]/.test(l)) ??
    telling[0] ??
    lines.at(-1)
  );
}

/**
 * What a failed ffmpeg run says: how it ended, the reason line
 * ({@link ffmpegFailureReason}) and, when they differ, its last words.
 *
 * @example
 * ```ts
 * ffmpegFailureMessage(stderr, 'exited with code 1');
 * // "ffmpeg exited with code 1: x264 [error]: high profile doesn't support 4:4:4 (last words: Error initializing output stream 0:0 -- …)"
 * ```
 */
export function ffmpegFailureMessage(stderr: string, how: string): string {
  const reason = ffmpegFailureReason(stderr);
  const last = saidLines(stderr).at(-1);
  if (!reason) return `ffmpeg ${how}`;
  return `ffmpeg ${how}: ${reason}${last && last !== reason ? ` (last words: ${last})` : ''}`;
}
