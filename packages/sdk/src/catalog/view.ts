/**
 * What a viewer may see of the catalog: published titles only. Anything else
 * (a draft, a title still transcoding, an unpublished one) does not exist
 * for a viewer, so it answers the same `NOT_FOUND` as an unknown id.
 */
import { NotFoundError } from '../errors/index.js';
import { type Catalog, TITLE_STATUS, type Title } from './index.js';

/** The viewer-facing catalog. */
export interface TitleViews {
  /** A published title; `NOT_FOUND` for every other id. */
  view(viewer: { country: string }, titleId: string): Promise<Title>;
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
export function createTitleViews(deps: { catalog: Pick<Catalog, 'findTitle'> }): TitleViews {
  return {
    async view(_viewer, titleId) {
      const title = await deps.catalog.findTitle(titleId);
      if (title?.status !== TITLE_STATUS.PUBLISHED) throw new NotFoundError(`Title ${titleId} does not exist`);
      return title;
    },
  };
}
