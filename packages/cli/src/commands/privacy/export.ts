import type { ViewerExport } from '@streamctl/sdk';
import { defineCommand } from '../../context.js';
import { UsageError } from '../../errors.js';
import { countryFlag } from '../../flags.js';
import { idFlag } from '../users/ids.js';

interface ExportOptions {
  out?: string;
  force?: boolean;
  country?: string;
}

/**
 * What an export holds, counted: the stores read and their items in all, and one label per store
 * (`models 2`; `models@eu-west-1 2` when the stage has several Regions).
 *
 * @example
 * ```ts
 * exportSummary(document); // { stores: 4, items: 5, parts: ['user-state 3', 'models 2', 'dead-letters 0', 'cache 0'] }
 * ```
 */
export function exportSummary(document: Pick<ViewerExport, 'stores'>): {
  stores: number;
  items: number;
  parts: string[];
} {
  const regions = new Set(document.stores.map((s) => s.region));
  return {
    stores: document.stores.length,
    items: document.stores.reduce((sum, s) => sum + s.items.length, 0),
    parts: document.stores.map((s) => `${regions.size > 1 ? `${s.store}@${s.region}` : s.store} ${s.items.length}`),
  };
}

/** Filesystem refusals that are the chosen path's fault, said as usage errors. */
const PATH_ERRORS = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'EEXIST']);

/** `streamctl privacy export <user> [--out FILE]`. */
export const privacyExport = defineCommand<ExportOptions>({
  name: 'privacy export',
  description:
    'everything the stage holds about a viewer, store by store, as one JSON document (on stdout, or in a file only you can read)',
  arguments: [{ name: 'user', description: 'the viewer (user id)', required: true }],
  options: [
    { flags: '--out <file>', description: 'write the document to this file (mode 0600), not stdout' },
    { flags: '--force', description: 'with --out: overwrite an existing file' },
    {
      flags: '--country <cc>',
      description:
        "the viewer's country: whose consent default the export reports if they never chose (default: the stage's)",
    },
  ],
  examples: [
    'streamctl privacy export alice --out alice-export.json',
    'streamctl privacy export alice --out alice-export.json --json',
    'streamctl privacy export alice > alice-export.json',
  ],
  async handler(ctx, args, options) {
    const userId = await idFlag('user', args[0]);
    const country = options.country === undefined ? undefined : await countryFlag(options.country);
    if (options.force && options.out === undefined)
      throw new UsageError('--force only applies with --out', 'pass --out <file> too, or drop --force');
    const { existsSync, statSync } = await import('node:fs');
    const { dirname, resolve } = await import('node:path');
    const file = options.out === undefined ? undefined : resolve(ctx.io.cwd, options.out);
    let overwrite = Boolean(options.force);
    if (file !== undefined) {
      // Refused before the platform is read: the document holds personal data and goes nowhere unplanned.
      if (!existsSync(dirname(file)) || !statSync(dirname(file)).isDirectory())
        throw new UsageError(
          `cannot write ${options.out}: no directory ${dirname(file)}`,
          'create it, or pick another --out',
        );
      if (existsSync(file) && !overwrite) {
        overwrite = ctx.ui.interactive
          ? await ctx.ui.confirm({ message: `${options.out} exists. Overwrite it?`, default: false })
          : false;
        if (!overwrite) throw new UsageError(`${options.out} already exists`, 'pass --force to overwrite it');
      }
    }
    const sdk = await import('@streamctl/sdk');
    const config = await ctx.config();
    const { lakes, close: closeLakes } = await (await import('./lakes.js')).viewerLakes(config);
    const platform = sdk.createPlatform(config, { lakes });
    let document: ViewerExport;
    try {
      document = await ctx.ui.spin(`Exporting ${userId}`, () =>
        platform.privacy.export(userId, country ? { country } : {}),
      );
    } finally {
      platform.close();
      closeLakes();
    }
    if (file === undefined) {
      if (ctx.globals.json) ctx.json(document);
      else ctx.print(JSON.stringify(document, null, 2));
      return;
    }
    await writePrivate(file, `${JSON.stringify(document, null, 2)}\n`, overwrite).catch((err: unknown) => {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && PATH_ERRORS.has(code))
        throw new UsageError(
          code === 'EEXIST' ? `${options.out} already exists` : `cannot write ${options.out}: ${code}`,
          code === 'EEXIST' ? 'pass --force to overwrite it' : 'pick a path you can write to',
        );
      throw err;
    });
    const summary = exportSummary(document);
    if (ctx.globals.json) ctx.json({ out: file, items: summary.items, stores: summary.stores });
    else
      ctx.print(
        `Exported ${userId} to ${options.out}: ${summary.items} item${summary.items === 1 ? '' : 's'} from ${summary.stores} store${summary.stores === 1 ? '' : 's'} read (${summary.parts.join(', ')}).`,
      );
  },
});

/**
 * Writes a file only its owner may read (0600). A new file is created exclusively (an existing one
 * is an `EEXIST` error); an overwrite goes through a new file renamed over the old one, so the old
 * file's wider mode never carries over.
 *
 * @example
 * ```ts
 * await writePrivate('/tmp/alice-export.json', text, false);
 * ```
 */
export async function writePrivate(file: string, text: string, overwrite: boolean): Promise<void> {
  const { rename, rm, writeFile } = await import('node:fs/promises');
  if (!overwrite) {
    await writeFile(file, text, { flag: 'wx', mode: 0o600 });
    return;
  }
  const { randomUUID } = await import('node:crypto');
  const temporary = `${file}.${randomUUID().slice(0, 8)}.tmp`;
  await writeFile(temporary, text, { flag: 'wx', mode: 0o600 });
  try {
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
