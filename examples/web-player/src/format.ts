/** How the player writes times, lengths, progress and dates for people. */

/**
 * A position as a clock: `m:ss`, or `h:mm:ss` from an hour on.
 *
 * @example
 * ```ts
 * clock(75); // "1:15"
 * clock(3725); // "1:02:05"
 * ```
 */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * A title's length in words: "1 h 32 min", "45 min", "14 s".
 *
 * @example
 * ```ts
 * runtime(5520); // "1 h 32 min"
 * ```
 */
export function runtime(seconds: number | undefined): string {
  if (!seconds || seconds <= 0) return '';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? (m ? `${h} h ${m} min` : `${h} h`) : `${m} min`;
}

/**
 * How far through a title the viewer is, 0 to 1: `positionSec / durationSec` when both are known,
 * else the API's `ratio`, else none.
 *
 * @example
 * ```ts
 * progress({ positionSec: 30, durationSec: 120 }); // 0.25
 * ```
 */
export function progress(item: { positionSec?: number; durationSec?: number; ratio?: number }): number | undefined {
  const { positionSec, durationSec, ratio } = item;
  const value =
    positionSec !== undefined && durationSec && durationSec > 0 ? positionSec / durationSec : (ratio ?? undefined);
  return value === undefined || !Number.isFinite(value) ? undefined : Math.min(1, Math.max(0, value));
}

/**
 * When a title stops being available, in the viewer's words ("Available until 31 Dec 2026"), or
 * '' when it has no end.
 */
export function availableUntil(until: string | undefined): string {
  if (!until) return '';
  const date = new Date(until);
  if (Number.isNaN(date.getTime())) return '';
  const words = date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
  return `Available until ${words}`;
}
