/**
 * Fitting a ladder to its master: no rung is made bigger than the picture
 * it comes from.
 *
 * @module
 */
import { type Ladder, rungName } from './schema.js';

/** A rung a ladder lost to its master, and why. */
export interface LeftOutRung {
  name: string;
  width: number;
  height: number;
  /** One sentence, e.g. "the master is 640×360; a 1920×1080 rung would upscale it". */
  reason: string;
}

/** A ladder cut to its master, with the rungs it lost. */
export interface FittedLadder {
  ladder: Ladder;
  leftOut: LeftOutRung[];
}

/**
 * Drops the rungs that would upscale the master. Renditions are scaled to
 * fit inside a rung's frame keeping the master's aspect ratio, so a rung
 * upscales exactly when its frame is wider *and* taller than the master:
 * a 1920×800 scope master keeps its 1080p rung (it comes out 1920×800),
 * a 640×360 one loses everything above 360p. Upscaled renditions cost
 * storage and bandwidth and look no better than the player scaling the
 * master's own size, so they are left out; the lowest rung always stays so
 * that a tiny master still makes a title (the transcoder then keeps the
 * master's size rather than upscale it).
 *
 * The master's size is the one it displays at when the probe gives it
 * (`displayWidth`×`displayHeight`): a phone video stored 1920×1080 and
 * turned a quarter is a 1080×1920 picture; 720×576 at a 64:45 pixel aspect
 * is 1024×576.
 *
 * @example
 * ```ts
 * const { ladder: fitted, leftOut } = fitLadderToSource(await loadLadder('default'), { width: 640, height: 360 });
 * fitted.rungs.map(rungName); // ["360p"]
 * leftOut.map((r) => r.name); // ["432p", "540p", "720p", "1080p", …]
 * fitLadderToSource(await loadLadder('default'), probe.video); // fits the displayed size
 * ```
 */
export function fitLadderToSource(
  ladder: Ladder,
  master: { width: number; height: number; displayWidth?: number; displayHeight?: number },
): FittedLadder {
  const source = {
    width: master.displayWidth || master.width,
    height: master.displayHeight || master.height,
  };
  const upscales = (r: { width: number; height: number }) => r.width > source.width && r.height > source.height;
  // Rungs go from the lowest resolution up (the schema checks it): the first is the one to keep.
  const kept = ladder.rungs.filter((r, i) => i === 0 || !upscales(r));
  if (kept.length === ladder.rungs.length) return { ladder, leftOut: [] };
  const shown = `${source.width}×${source.height}`;
  const leftOut = ladder.rungs
    .filter((r) => !kept.includes(r))
    .map((r) => ({
      name: rungName(r),
      width: r.width,
      height: r.height,
      reason: `the master is ${shown}; a ${r.width}×${r.height} rung would upscale it`,
    }));
  return { ladder: { ...ladder, rungs: kept }, leftOut };
}
