import { defineCommand } from '../../context.js';
import { DeclinedError } from '../../errors.js';

/** `streamctl keys retire`. */
export const keysRetire = defineCommand<Record<string, never>>({
  name: 'keys retire',
  description:
    'remove signing keys past their retire time: out of the key group, their public keys deleted, dropped from the key set (grants they signed have all expired)',
  examples: ['streamctl keys retire --yes', 'streamctl keys retire --stage prod --yes --json'],
  async handler(ctx) {
    const { createStageKeys } = await import('@streamctl/sdk');
    const config = await ctx.config();
    const keys = createStageKeys(config);
    try {
      if (!(await ctx.ui.confirm({ message: `Retire the expired signing keys of stage ${config.stage}?` })))
        throw new DeclinedError('key retirement');
      const { retired } = await keys.retire();
      if (ctx.globals.json) {
        ctx.json({ retired });
        return;
      }
      if (retired.length === 0)
        ctx.print('No key is past its retire time; nothing to retire. See `streamctl keys list`.');
      for (const id of retired) ctx.print(`Retired ${id}: out of the key group and the key set.`);
    } finally {
      keys.close();
    }
  },
});
