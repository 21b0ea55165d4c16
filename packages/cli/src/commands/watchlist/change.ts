/**
 * `watchlist add` and `watchlist remove`: one change to an account's list,
 * then the account's cached home page is dropped (its "My list" rail
 * changed), as the API does after a viewer's own change.
 */
import type { Platform } from '@streamctl/sdk';
import type { CommandContext } from '../../context.js';

/**
 * After a change: `home.changed` moves the account's model version, so the API's cached home page
 * (in its own process, or its Redis) is stale within seconds, as after the viewer's own change.
 * A failure is told, not thrown: the change itself is saved, and the cached page expires on its own.
 *
 * @example
 * ```ts
 * if (await platform.users.addToWatchlist(userId, titleId)) await homeChanged(ctx, platform, userId);
 * ```
 */
export async function homeChanged(ctx: CommandContext, platform: Platform, userId: string): Promise<boolean> {
  try {
    await platform.home.changed(userId);
    return true;
  } catch (err) {
    ctx.ui.note(
      `note: the cached home page of ${userId} was not refreshed (${err instanceof Error ? err.message : String(err)}); it shows the old list until it expires`,
    );
    return false;
  }
}

/**
 * What both commands print: the change, or that the list already was that way.
 *
 * @example
 * ```ts
 * printChange(ctx, { userId: 'alice', titleId: 'clip', onWatchlist: true, changed: false });
 * // clip is already on alice's watchlist; nothing changed.
 * ```
 */
export function printChange(
  ctx: CommandContext,
  change: { userId: string; titleId: string; onWatchlist: boolean; changed: boolean },
): void {
  if (ctx.globals.json) {
    ctx.json(change);
    return;
  }
  const { userId, titleId, onWatchlist, changed } = change;
  if (changed)
    ctx.print(
      onWatchlist ? `Added ${titleId} to ${userId}'s watchlist.` : `Removed ${titleId} from ${userId}'s watchlist.`,
    );
  else
    ctx.print(
      onWatchlist
        ? `${titleId} is already on ${userId}'s watchlist; nothing changed.`
        : `${titleId} is not on ${userId}'s watchlist; nothing changed.`,
    );
}
