import { defineCommand } from '../../context.js';
import { ExitCode, ExitError } from '../../errors.js';
import { erasureIdArgument, failedStores, printErasure } from './record.js';

/** `streamctl privacy status <erasureId>`. */
export const privacyStatus = defineCommand<Record<string, never>>({
  name: 'privacy status',
  description: "an erasure's record: its status and each store's outcome (exit 1 if it failed)",
  arguments: [{ name: 'erasureId', description: 'the id `privacy erase` printed', required: true }],
  examples: [
    'streamctl privacy status 3f0c2d4e-8b1a-4c5d-9e6f-7a8b9c0d1e2f',
    'streamctl privacy status 3f0c2d4e-8b1a-4c5d-9e6f-7a8b9c0d1e2f --json',
  ],
  async handler(ctx, args) {
    const erasureId = erasureIdArgument(args[0]);
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      const record = await platform.privacy.status(erasureId);
      if (ctx.globals.json) ctx.json(record);
      else printErasure(ctx, record, `Erasure ${erasureId}`);
      if (record.status === 'failed') {
        const failed = failedStores(record);
        ctx.ui.note(
          `error: erasure ${erasureId} failed${failed ? ` (${failed})` : ''}; erase the viewer again with \`streamctl privacy erase <user> --yes\``,
        );
        throw new ExitError(ExitCode.Failure);
      }
    } finally {
      platform.close();
    }
  },
});
