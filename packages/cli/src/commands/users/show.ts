import { defineCommand } from '../../context.js';
import { idFlag, when } from './ids.js';

/** Continue Watching shows this many titles; `--json` as many. */
const CONTINUE_SHOWN = 5;
/** A page of the watchlist when counting it (the SDK's largest). */
const COUNT_PAGE = 100;

/**
 * The month of `now` and the month before it, as `YYYY-MM` in UTC (January's is last year's December).
 *
 * @example
 * ```ts
 * recentMonths(new Date('2027-01-15T00:00:00Z')); // ['2027-01', '2026-12']
 * ```
 */
export function recentMonths(now: Date): [string, string] {
  const month = (year: number, index: number) => new Date(Date.UTC(year, index, 1)).toISOString().slice(0, 7);
  return [month(now.getUTCFullYear(), now.getUTCMonth()), month(now.getUTCFullYear(), now.getUTCMonth() - 1)];
}

/**
 * A position as `mm:ss` (minutes past 59 keep counting: `75:03`).
 *
 * @example
 * ```ts
 * clock(4503.6); // "75:03"
 * ```
 */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  return `${String(Math.floor(whole / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
}

/** `streamctl users show <user>`. */
export const usersShow = defineCommand<Record<string, never>>({
  name: 'users show',
  description:
    'an account at a glance: plan, devices, active sessions, watchlist size, continue watching, recent history',
  arguments: [{ name: 'user', description: 'the account (user id)', required: true }],
  examples: ['streamctl users show alice', 'streamctl users show alice --json'],
  async handler(ctx, args) {
    const userId = await idFlag('user', args[0]);
    const sdk = await import('@streamctl/sdk');
    const platform = sdk.createPlatform(await ctx.config());
    try {
      const months = recentMonths(new Date());
      const countWatchlist = async () => {
        let count = 0;
        let cursor: string | undefined;
        do {
          const page = await platform.users.listWatchlist(userId, { limit: COUNT_PAGE, ...(cursor ? { cursor } : {}) });
          count += page.items.length;
          cursor = page.cursor;
        } while (cursor);
        return count;
      };
      const [account, watchlist, continueWatching, ...history] = await Promise.all([
        platform.sessions.account(userId),
        countWatchlist(),
        platform.users.continueWatching(userId, { limit: CONTINUE_SHOWN }),
        ...months.map((m) => platform.users.history(userId, m)),
      ]);
      if (ctx.globals.json) {
        ctx.json({
          userId,
          // The plan lives in tokens; this is the one seen at the account's last playback start.
          plan: account.plan ?? null,
          devices: account.devices,
          sessions: account.sessions,
          watchlist: { count: watchlist },
          continueWatching,
          history: Object.fromEntries(months.map((m, i) => [m, history[i] ?? []])),
        });
        return;
      }
      ctx.print(userId);
      ctx.print(`  plan: ${account.plan ?? 'unknown (no playback yet)'}`);
      ctx.print(`  devices: ${account.devices.length}`);
      for (const d of account.devices)
        ctx.print(
          `    ${d.deviceId.padEnd(20)} ${d.name.slice(0, 28).padEnd(28)} ${d.kind.padEnd(8)} last seen ${when(d.lastSeenAt)}`,
        );
      ctx.print(`  active sessions: ${account.sessions.length}`);
      for (const s of account.sessions)
        ctx.print(
          `    ${s.sessionId}  ${s.deviceName} playing ${s.titleId} since ${when(s.startedAt)}, ends ${when(s.expiresAt)}`,
        );
      ctx.print(`  watchlist: ${watchlist} title${watchlist === 1 ? '' : 's'}`);
      ctx.print(`  continue watching: ${continueWatching.length ? '' : 'nothing'}`.trimEnd());
      for (const p of continueWatching)
        ctx.print(
          `    ${p.titleId.padEnd(28)} ${clock(p.positionSec)} of ${clock(p.durationSec)} (${Math.round(p.ratio * 100)} %)`,
        );
      ctx.print('  history:');
      for (const [i, month] of months.entries()) {
        const entries = history[i] ?? [];
        ctx.print(
          `    ${month}: ${entries.length ? entries.map((e) => `${e.titleId}${e.completed ? ' (completed)' : ''}`).join(', ') : 'nothing watched'}`,
        );
      }
    } finally {
      platform.close();
    }
  },
});
