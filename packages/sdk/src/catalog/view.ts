/**
 * What a viewer may see of the catalog: published titles only, and of them
 * what a viewer needs (never the operator's record: where the master lies,
 * its checksum, the transcode job, why a status changed). Anything that is
 * not published (a draft, a title still transcoding, an unpublished one)
 * does not exist for a viewer, so it answers the same `NOT_FOUND` as an
 * unknown id.
 */
import type { TitleView } from '../contract/index.js';
import { NotFoundError } from '../errors/index.js';
import { type Catalog, TITLE_STATUS, type Title } from './index.js';

export type { TitleView } from '../contract/index.js';

/** The viewer-facing catalog. */
export interface TitleViews {
  /** A published title as viewers see it; `NOT_FOUND` for every other id. */
  view(viewer: { country: string }, titleId: string): Promise<TitleView>;
}

/**
 * A title as a viewer sees it: the operator's fields left out.
 *
 * @example
 * ```ts
 * toTitleView(await catalog.getTitle('t1')); // no `source`, no `statusReason`
 * ```
 */
export function toTitleView(title: Title): TitleView {
  const { source: _source, statusReason: _reason, ...view } = title;
  return view;
}

/**
 * Creates the viewer-facing title view.
 *
 * @example
 * ```ts
 * const titles = createTitleViews({ catalog });
 * const title = await titles.view(viewer, 't1');
 * ```
 */
export function createTitleViews(deps: {
  catalog: Pick<Catalog, 'findTitle'>;
  /** Signs the title's artwork for its page. Default: no artwork. */
  artwork?: (title: { titleId: string; poster?: string | undefined }) => TitleView['artwork'];
}): TitleViews {
  return {
    async view(_viewer, titleId) {
      const title = await deps.catalog.findTitle(titleId);
      if (title?.status !== TITLE_STATUS.PUBLISHED) throw new NotFoundError(`Title ${titleId} does not exist`);
      const artwork = deps.artwork?.({ titleId, poster: title.images?.poster });
      return { ...toTitleView(title), ...(artwork ? { artwork } : {}) };
    },
  };
}
