import { type CommandContext, defineCommand } from '../context.js';
import { ExitError, UsageError } from '../errors.js';
import type { TaskStep } from '../ui.js';

interface IngestOptions {
  title?: string;
  id?: string;
  ladder?: string;
  genres?: string;
  captions?: Array<{ language: string; file: string }>;
  wait?: boolean;
  replace?: boolean;
  protection?: 'none' | 'aes-128' | 'drm';
}

/** `en=en.vtt,pt-BR=subs/pt.vtt` → one sidecar per language (the SDK checks codes and files). */
function parseCaptions(value: string): Array<{ language: string; file: string }> {
  return value
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0 || eq === pair.length - 1) {
        throw new UsageError(
          `--captions takes LANG=FILE pairs, got "${pair}"`,
          'write e.g. --captions en=en.vtt,fr=fr.vtt',
        );
      }
      return { language: pair.slice(0, eq).trim(), file: pair.slice(eq + 1).trim() };
    });
}

type Step = 'probe' | 'register' | 'upload' | 'transcode' | 'record';
const STEPS: Array<[Step, string]> = [
  ['probe', 'Probe the master'],
  ['register', 'Register the title'],
  ['upload', 'Upload the master'],
  ['transcode', 'Transcode the ladder'],
  ['record', 'Record the renditions'],
];

/** A word as a POSIX shell reads it back. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);

/**
 * The command that picks an interrupted ingest up again: the same file and
 * options, with the title id the run settled on, and the stage flags given.
 */
function resumeCommand(ctx: CommandContext, file: string, options: IngestOptions, titleId: string | undefined): string {
  const g = ctx.globals;
  const words = ['streamctl', 'ingest', file];
  const add = (flag: string, value: string | undefined) => {
    if (value) words.push(flag, value);
  };
  add('--id', titleId ?? options.id);
  add('--title', options.title);
  add('--ladder', options.ladder);
  add('--genres', options.genres);
  add('--captions', options.captions?.map((c) => `${c.language}=${c.file}`).join(','));
  add('--protection', options.protection);
  if (options.wait) words.push('--wait');
  // Harmless once the new master is in place, needed when the stop came before.
  if (options.replace) words.push('--replace');
  add('--stage', g.stage);
  add('--region', g.region);
  add('--profile', g.profile);
  add('--endpoint-url', g.endpointUrl);
  if (g.json) words.push('--json');
  return words.map(shellWord).join(' ');
}

/** Exit codes of a run stopped by a signal, as shells report them (128 + the signal's number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** A promise with its resolve and reject at hand. */
function gate() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** `streamctl ingest <file>`. */
export const ingest = defineCommand<IngestOptions>({
  name: 'ingest',
  description: 'ingest a master: probe it, upload it, transcode it into an HLS ladder and register the title',
  arguments: [{ name: 'file', description: 'the master (MP4, MOV, MKV … with a video track)', required: true }],
  options: [
    { flags: '--title <name>', description: 'display name (default: the file name)' },
    { flags: '--id <titleId>', description: 'title id (default: the file name and the start of its SHA-256)' },
    { flags: '--ladder <name|file.json>', description: 'transcode ladder: default, mobile, premium-4k or a JSON file' },
    { flags: '--genres <a,b>', description: 'comma-separated genres, e.g. drama,thriller' },
    {
      flags: '--captions <lang=file.vtt,…>',
      description: "WebVTT caption sidecars by language (the master's own text subtitles are carried too)",
      parse: parseCaptions,
    },
    {
      flags: '--protection <scheme>',
      description:
        "encrypt the renditions over the ladder's own choice: none, aes-128 (keys from the API's key route) or drm (AWS stages, SPEKE)",
      choices: ['none', 'aes-128', 'drm'],
    },
    {
      flags: '--wait',
      description: 'follow a MediaConvert job to READY (the local ffmpeg transcode is always followed)',
    },
    {
      flags: '--replace',
      description: "put this file in place of the title's master (FAILED, READY or UNPUBLISHED titles)",
    },
  ],
  examples: [
    'streamctl ingest clip.mp4 --id clip --genres documentary --wait',
    'streamctl ingest master.mov --ladder premium-4k --json',
    'streamctl ingest film.mov --captions en=film.en.vtt,fr=film.fr.vtt',
    'streamctl ingest clip-fixed.mp4 --id clip --replace',
    'streamctl ingest trailer.mp4 --id trailer --protection aes-128',
  ],
  async handler(ctx, args, options) {
    const file = args[0] as string;
    const sdk = await import('@streamctl/sdk');
    // A ladder named on the command line is checked before any step starts: a wrong name is a
    // usage error (2), not a failure of the probe.
    if (options.ladder) {
      await sdk.loadLadder(options.ladder).catch((err: unknown) => {
        if (sdk.isStreamctlError(err) && err.code === sdk.ErrorCode.NotFound)
          throw new UsageError(err.message, err.hint);
        throw err;
      });
    }
    const platform = sdk.createPlatform(await ctx.config());
    const ingestion = platform.ingest;
    const stop = new AbortController();
    let stoppedBy: string | undefined;
    void ctx.io.waitForShutdown().then((signal) => {
      stoppedBy = signal;
      stop.abort();
    });
    // Until the run has cleaned up, a signal must not end the process: a terminal's
    // renderer (listr2, through signal-exit) re-raises it when nobody else listens.
    const hold = () => undefined;
    process.on('SIGINT', hold);
    process.on('SIGTERM', hold);
    let registered: string | undefined;

    const gates = new Map(STEPS.map(([step]) => [step, gate()]));
    const progress = new Map<Step, (text: string, percent?: number) => void>();
    let current = -1;
    const reached = (step: Step, detail: string) => {
      if (step === 'register') registered = detail;
      const index = STEPS.findIndex(([s]) => s === step);
      for (let i = Math.max(current, 0); i < index; i++) gates.get(STEPS[i]?.[0] as Step)?.resolve();
      current = index;
    };
    const running = ingestion.run(
      {
        file,
        wait: Boolean(options.wait),
        signal: stop.signal,
        ...(options.replace ? { replace: true } : {}),
        ...(options.id ? { titleId: options.id } : {}),
        ...(options.title ? { name: options.title } : {}),
        ...(options.ladder ? { ladder: options.ladder } : {}),
        ...(options.protection ? { protection: options.protection } : {}),
        ...(options.captions ? { captions: options.captions } : {}),
        ...(options.genres
          ? {
              genres: options.genres
                .split(',')
                .map((g) => g.trim())
                .filter(Boolean),
            }
          : {}),
      },
      {
        onStep: reached,
        onUpload: (p) =>
          progress.get('upload')?.(
            `${mib(p.loaded)} of ${mib(p.total)}${p.resumed ? ` (resumed at ${mib(p.resumed)})` : ''}`,
            p.total ? (p.loaded / p.total) * 100 : 100,
          ),
        onTranscode: (s) => progress.get('transcode')?.(`${s.backend} ${s.state.toLowerCase()}`, s.percent),
      },
    );
    running.then(
      () => {
        for (const g of gates.values()) g.resolve();
      },
      (err: unknown) => gates.get(STEPS[Math.max(current, 0)]?.[0] as Step)?.reject(err),
    );

    const steps: TaskStep[] = STEPS.map(([step, title]) => ({
      title,
      async run(update) {
        progress.set(step, update);
        await gates.get(step)?.promise;
      },
    }));
    try {
      try {
        await ctx.ui.tasks(steps);
      } catch (err) {
        await running.catch(() => undefined);
        if (!stoppedBy) throw err;
        // Stopped: the SDK cancelled the transcode, removed its files and marked the title.
        const where = registered
          ? `title ${registered} is FAILED (interrupted) and its temporary files are removed. Resume with`
          : 'nothing was registered yet. Start again with';
        ctx.io.stderr.write(`Interrupted: ${where}: ${resumeCommand(ctx, file, options, registered)}\n`);
        throw new ExitError(SIGNAL_EXIT[stoppedBy] ?? 130);
      }
      const result = await running;
      if (ctx.globals.json) {
        ctx.json({
          titleId: result.titleId,
          status: result.status,
          renditions: result.renditions,
          manifests: result.manifests,
          ...(result.tracks ? { tracks: result.tracks } : {}),
          ...(result.protection ? { protection: result.protection } : {}),
          ...(result.skippedSubtitles ? { skippedSubtitles: result.skippedSubtitles } : {}),
          ...(result.leftOutRungs ? { leftOutRungs: result.leftOutRungs } : {}),
          ...(result.jobId ? { jobId: result.jobId } : {}),
          unchanged: result.unchanged,
        });
        return;
      }
      const sizes = result.renditions.map((r) => `${r.height}p`).join(', ');
      ctx.print(
        result.unchanged
          ? `Title ${result.titleId} is already ${result.status} from this file; nothing was redone.`
          : `Title ${result.titleId} is ${result.status}${sizes ? `: ${result.renditions.length} rendition${result.renditions.length === 1 ? '' : 's'} (${sizes})` : ''}.`,
      );
      if (result.manifests.hls) {
        ctx.print(`HLS manifest: s3://${platform.config.resources.cdnBucket}/${result.manifests.hls}`);
      }
      if (result.protection?.scheme === 'aes-128') {
        ctx.print(`Protection: AES-128; players get the keys from GET /v1/keys/${result.titleId}/<keyId>.`);
      } else if (result.protection) {
        ctx.print('Protection: DRM (CMAF cbcs: Widevine, PlayReady, FairPlay through the SPEKE key provider).');
      }
      // One track is the title's sound; several are a choice worth naming.
      const audio = result.tracks?.audio ?? [];
      if (audio.length > 1) ctx.print(`Audio: ${audio.map((a) => a.language).join(', ')}`);
      if (result.tracks?.captions.length) {
        ctx.print(`Captions: ${result.tracks.captions.map((c) => c.language).join(', ')}`);
      }
      if (result.leftOutRungs?.length) {
        const names = result.leftOutRungs.map((r) => r.name).join(', ');
        const { width, height } = result.probe.video;
        ctx.print(`Left out ${names}: the master is ${width}×${height} and they would upscale it.`);
      }
      for (const s of result.skippedSubtitles ?? []) {
        ctx.print(`Not carried: subtitle stream ${s.index} (${s.codec}) is a bitmap format WebVTT cannot hold.`);
      }
      if (result.status === 'TRANSCODING') ctx.print(`Follow it with \`streamctl titles get ${result.titleId}\`.`);
      if (result.status === 'READY') ctx.print(`Next: streamctl publish ${result.titleId} --countries ALL`);
    } finally {
      process.removeListener('SIGINT', hold);
      process.removeListener('SIGTERM', hold);
      await running.catch(() => undefined);
      platform.close();
    }
  },
});
