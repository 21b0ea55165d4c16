import {
  assertReplaceable,
  type Catalog,
  isTranscoded,
  REPLACEABLE_STATUSES,
  type Title,
  type TitleSource,
} from '../catalog/index.js';
import { ConflictError } from '../errors/index.js';
import type { MediaProbe } from './probe.js';

/** What {@link registerTitle} registers. */
export interface Registration {
  titleId: string;
  name: string;
  genres: string[];
  probe: MediaProbe;
  /** The master and the ladder it is ingested with. */
  source: TitleSource;
  /**
   * Put this master in place of the one the title was ingested from
   * (only in {@link REPLACEABLE_STATUSES}); without it another master is a CONFLICT.
   */
  replace?: boolean;
}

/**
 * The register step: puts a new title in the catalog, or picks up where an
 * earlier run stopped, moving the title to UPLOADING with its source.
 * A title already transcoded from this master with this ladder is handed
 * back untouched (`done`); one ingested from another master is a CONFLICT
 * unless `replace` is set and its status allows it (FAILED, READY,
 * UNPUBLISHED), and then the new master takes the old one's place.
 *
 * @example
 * ```ts
 * const { done } = await registerTitle(catalog, { titleId, name, genres: [], probe, source });
 * if (done) return done; // nothing to redo
 * ```
 */
export async function registerTitle(catalog: Catalog, r: Registration): Promise<{ done?: Title }> {
  const title = await catalog.findTitle(r.titleId);
  if (title?.source && title.source.sha256 !== r.source.sha256) {
    if (!r.replace) {
      const replaceable = REPLACEABLE_STATUSES.includes(title.status);
      throw new ConflictError(`Title ${r.titleId} was ingested from a different master`, {
        hint: replaceable
          ? `pass --replace to ingest this file in its place (the title is ${title.status}), another --id for a new title, or ingest the original file`
          : `pass another --id for a new title, or ingest the original file; --replace works once the title is ${REPLACEABLE_STATUSES.join(', ')} (it is ${title.status})`,
        details: { titleId: r.titleId, sha256: title.source.sha256, status: title.status },
      });
    }
    assertReplaceable(r.titleId, title.status);
    // Conditional on the status read above: a publish racing this run wins, and this run stops.
    await catalog.setStatus(r.titleId, 'UPLOADING', {
      source: r.source,
      expect: [...REPLACEABLE_STATUSES],
      durationSec: Math.max(1, Math.round(r.probe.durationSec)),
    });
    return {};
  }
  // Done when transcoded from this master with this ladder and this protection; another protection re-encodes.
  if (
    title &&
    isTranscoded(title.status) &&
    title.source?.ladder === r.source.ladder &&
    (title.source?.protection ?? 'none') === (r.source.protection ?? 'none')
  ) {
    return { done: title };
  }
  if (!title) {
    await catalog.putTitle({
      titleId: r.titleId,
      name: r.name,
      genres: r.genres,
      durationSec: Math.max(1, Math.round(r.probe.durationSec)),
      status: 'UPLOADING',
    });
  }
  await catalog.setStatus(r.titleId, 'UPLOADING', { source: r.source });
  return {};
}
