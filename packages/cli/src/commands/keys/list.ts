import { defineCommand } from '../../context.js';

/** `streamctl keys list`. */
export const keysList = defineCommand<Record<string, never>>({
  name: 'keys list',
  description:
    "the stage's CloudFront signing keys: which one signs, which are pending or retiring and when they may leave the key group (never a private key)",
  examples: ['streamctl keys list', 'streamctl keys list --stage prod --json'],
  async handler(ctx) {
    const { createStageKeys } = await import('@streamctl/sdk');
    const keys = createStageKeys(await ctx.config());
    try {
      const listing = await keys.list();
      if (ctx.globals.json) {
        ctx.json(listing);
        return;
      }
      if (listing.keys.length === 0) {
        ctx.print(`No signing keys in ${listing.location} yet. Make the first: streamctl keys rotate`);
        return;
      }
      ctx.print(
        `Signing keys in ${listing.location}${listing.keyGroupId ? ` (key group ${listing.keyGroupId})` : ''}:`,
      );
      for (const k of listing.keys) {
        const when =
          k.status === 'retiring' || k.status === 'retired'
            ? `trusted until ${k.retireAfter ?? 'its next rotation dates it'}`
            : k.status === 'active'
              ? `signing since ${k.activatedAt ?? k.createdAt}`
              : `published ${k.createdAt}, waiting for the key group change to deploy`;
        ctx.print(`  ${k.keyPairId}  ${k.status.padEnd(8)}  ${when}`);
      }
    } finally {
      keys.close();
    }
  },
});
