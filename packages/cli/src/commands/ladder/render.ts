import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';

interface RenderOptions {
  target: string;
  input?: string;
  output?: string;
  role?: string;
  titleId?: string;
}

/** `streamctl ladder render <name> --target mediaconvert|ffmpeg`. */
export const ladderRender = defineCommand<RenderOptions>({
  name: 'ladder render',
  description: 'render a ladder into a MediaConvert CreateJob request or a local ffmpeg command',
  arguments: [{ name: 'ladder', description: 'a ladder name or a .json file', required: true }],
  options: [
    { flags: '--target <target>', description: 'what to render for', choices: ['mediaconvert', 'ffmpeg'] },
    { flags: '--input <uri>', description: 'the master: s3://bucket/key (mediaconvert) or a file (ffmpeg)' },
    { flags: '--output <uri>', description: 'output: s3://bucket/prefix/ (mediaconvert) or a directory (ffmpeg)' },
    { flags: '--role <arn>', description: 'the MediaConvert service role ARN (mediaconvert)' },
    { flags: '--title-id <id>', description: 'title id carried in the job metadata (mediaconvert)' },
  ],
  examples: [
    'streamctl ladder render default --target mediaconvert --input s3://raw/masters/t1.mov --output s3://cdn/titles/t1/ --role arn:aws:iam::123456789012:role/mc --json',
    'streamctl ladder render mobile --target ffmpeg --input clip.mp4 --output out',
  ],
  async handler(ctx, args, options) {
    if (!options.target) throw new UsageError('--target is required', 'pass --target mediaconvert or --target ffmpeg');
    const sdk = await import('@streamctl/sdk');
    const ladder = await sdk.loadLadder(args[0] as string);
    const need = (value: string | undefined, flag: string) => {
      if (!value) throw new UsageError(`${flag} is required for --target ${options.target}`, `pass ${flag}`);
      return value;
    };
    const asUsage = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (err) {
        if (sdk.isStreamctlError(err) && err.code === sdk.ErrorCode.ValidationFailed)
          throw new UsageError(err.message, 'fix the named flag');
        throw err;
      }
    };
    if (options.target === 'mediaconvert') {
      const request = asUsage(() =>
        sdk.renderMediaConvertJob(ladder, {
          input: need(options.input, '--input'),
          output: need(options.output, '--output'),
          role: need(options.role, '--role'),
          ...(options.titleId ? { titleId: options.titleId } : {}),
        }),
      );
      if (ctx.globals.json) ctx.json(request);
      else ctx.print(JSON.stringify(request, null, 2));
      return;
    }
    const plan = sdk.renderFfmpegPlan(ladder, {
      input: need(options.input, '--input'),
      outputDir: need(options.output, '--output'),
    });
    const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
    if (ctx.globals.json) ctx.json(plan);
    // Image outputs need their directories before ffmpeg starts.
    else
      ctx.print(
        `mkdir -p ${plan.directories.map(quote).join(' ')} && ${[plan.command, ...plan.args].map(quote).join(' ')}`,
      );
  },
});
