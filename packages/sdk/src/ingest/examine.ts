import { basename } from 'node:path';
import type { StreamctlConfig } from '../config/index.js';
import { type MediaProbe, probeMedia } from './probe.js';
import { checkCaptionFiles } from './tracks.js';
import type { IngestInput } from './types.js';
import { sha256File } from './upload.js';

/** A master that can make a title, and the title it makes. */
export interface ExaminedMaster {
  probe: MediaProbe;
  sha256: string;
  titleId: string;
  name: string;
}

const slug = (name: string) =>
  name
    .replace(/\.[^.]+$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'title';

/**
 * The probe step: probes the master and checks the caption sidecars, so
 * nothing is written for a file that cannot make a title; hashes the
 * master and names the title (its id defaults to the file's name and the
 * start of its SHA-256).
 *
 * @example
 * ```ts
 * const { probe, titleId } = await examineMaster(config, { file: 'My Film.mov' }); // titleId "my-film-3f2a9c1d"
 * ```
 */
export async function examineMaster(config: StreamctlConfig, input: IngestInput): Promise<ExaminedMaster> {
  const probe = await probeMedia(input.file, config.media);
  await checkCaptionFiles(input.captions ?? []);
  const sha256 = await sha256File(input.file);
  const titleId = input.titleId ?? `${slug(basename(input.file))}-${sha256.slice(0, 8)}`;
  const name = input.name ?? basename(input.file).replace(/\.[^.]+$/, '');
  return { probe, sha256, titleId, name };
}
