import { defineCommand } from '../../context.js';

/** `streamctl ladder list`. */
export const ladderList = defineCommand<Record<string, never>>({
  name: 'ladder list',
  description: 'list the built-in transcode ladders',
  examples: ['streamctl ladder list', 'streamctl ladder list --json'],
  async handler(ctx) {
    const { listLadders, rungName } = await import('@streamctl/sdk');
    const ladders = listLadders();
    if (ctx.globals.json) {
      ctx.json({ ladders });
      return;
    }
    for (const ladder of ladders) {
      ctx.print(`${ladder.name.padEnd(12)} ${ladder.description ?? ''}`);
      ctx.print(
        `${''.padEnd(12)} ${ladder.rungs.map((r) => `${rungName(r)} ${r.codec} ${(r.maxBitrate / 1e6).toFixed(1)}M`).join(' · ')}`,
      );
    }
  },
});
