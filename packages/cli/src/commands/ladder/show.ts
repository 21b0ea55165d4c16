import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';

/** `streamctl ladder show <name|file.json>`. */
export const ladderShow = defineCommand<Record<string, never>>({
  name: 'ladder show',
  description: 'show one ladder, built in or from a JSON file (validated)',
  arguments: [
    { name: 'ladder', description: 'a ladder name (default, mobile, premium-4k) or a .json file', required: true },
  ],
  examples: ['streamctl ladder show premium-4k', 'streamctl ladder show ./my-ladder.json --json'],
  async handler(ctx, args) {
    const { ErrorCode, isStreamctlError, loadLadder, rungName } = await import('@streamctl/sdk');
    const ladder = await loadLadder(args[0] as string).catch((err: unknown) => {
      // The name was typed on the command line: not one of the built-in ladders is a usage error.
      if (isStreamctlError(err) && err.code === ErrorCode.NotFound) throw new UsageError(err.message, err.hint);
      throw err;
    });
    if (ctx.globals.json) {
      ctx.json(ladder);
      return;
    }
    ctx.print(
      `${ladder.name}: ${ladder.description ?? ''} (segments ${ladder.segmentSeconds} s, audio AAC ${ladder.audio.bitrate / 1000} kb/s)`,
    );
    for (const r of ladder.rungs) {
      ctx.print(
        `  ${rungName(r).padEnd(7)} ${`${r.width}x${r.height}`.padEnd(10)} ${r.codec.padEnd(5)} QVBR ${r.qvbrQuality}, max ${(r.maxBitrate / 1e6).toFixed(1)} Mb/s`,
      );
    }
  },
});
