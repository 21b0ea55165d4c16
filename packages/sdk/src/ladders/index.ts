/**
 * Transcode ladders: named rung sets (`default`, `mobile`, `premium-4k`) and
 * user ladders from JSON, validated with a precise error per bad field.
 * The transcoder renders them (`renderMediaConvertJob`, `renderFfmpegPlan`).
 *
 * @module
 */
export { BUILT_IN_LADDERS, listLadders } from './builtins.js';
export { type FittedLadder, fitLadderToSource, type LeftOutRung } from './fit.js';
export { loadLadder } from './load.js';
export {
  type Ladder,
  LadderSchema,
  PROTECTION_SCHEMES,
  type ProtectionScheme,
  type Rung,
  RungSchema,
  rungName,
} from './schema.js';
