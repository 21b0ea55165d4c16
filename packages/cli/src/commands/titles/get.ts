import { defineCommand } from '../../context.js';

/** `streamctl titles get <titleId>`. */
export const titlesGet = defineCommand<Record<string, never>>({
  name: 'titles get',
  description: 'show one title: status, renditions, manifests, availability',
  arguments: [{ name: 'titleId', description: 'the title', required: true }],
  examples: ['streamctl titles get clip', 'streamctl titles get clip --json'],
  async handler(ctx, args) {
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      const title = await platform.catalog.getTitle(args[0] as string);
      if (ctx.globals.json) {
        ctx.json(title);
        return;
      }
      ctx.print(
        `${title.titleId}: ${title.name} — ${title.status}${title.statusReason ? ` (${title.statusReason})` : ''}`,
      );
      if (title.originalName) ctx.print(`  original name: ${title.originalName}`);
      if (title.aliases?.length) ctx.print(`  also known as: ${title.aliases.join(', ')}`);
      if (title.genres.length) ctx.print(`  genres: ${title.genres.join(', ')}`);
      if (title.cast?.length) ctx.print(`  cast: ${title.cast.join(', ')}`);
      if (title.crew?.length) ctx.print(`  crew: ${title.crew.join(', ')}`);
      if (title.durationSec) ctx.print(`  duration: ${title.durationSec} s`);
      for (const r of title.renditions) {
        ctx.print(
          `  ${r.name.padEnd(7)} ${`${r.width}x${r.height}`.padEnd(10)} ${(r.bandwidth / 1e6).toFixed(2)} Mb/s  ${r.playlist}`,
        );
      }
      if (title.manifests.hls) ctx.print(`  HLS: ${title.manifests.hls}`);
      if (title.manifests.dash) ctx.print(`  DASH: ${title.manifests.dash}`);
      for (const a of title.tracks?.audio ?? []) {
        ctx.print(`  audio ${a.language.padEnd(6)} ${a.playlist}${a.default ? '  (default)' : ''}`);
      }
      for (const c of title.tracks?.captions ?? []) ctx.print(`  captions ${c.language.padEnd(6)} ${c.playlist}`);
      if (title.availability) {
        const a = title.availability;
        ctx.print(
          `  available: ${a.countries === 'ALL' ? 'everywhere' : a.countries.join(', ')}${a.from ? ` from ${a.from}` : ''}${a.until ? ` until ${a.until}` : ''}`,
        );
      }
    } finally {
      platform.close();
    }
  },
});
