/**
 * The built-in ladders: `default`, `mobile` and `premium-4k`.
 *
 * @module
 */
import type { z } from 'zod';
import { type Ladder, LadderSchema, type Rung } from './schema.js';

const rung = (height: number, width: number, codec: Rung['codec'], qvbrQuality: number, maxBitrate: number) => ({
  width,
  height,
  codec,
  qvbrQuality,
  maxBitrate,
});

/**
 * The built-in ladders. Rungs follow Apple's HLS authoring guidance and the
 * QVBR settings of AWS's VOD solution templates (270p 0.4 Mb/s … 1080p 8.5 Mb/s caps).
 * Every ladder starts at or below 360p, so a viewer on a constrained network
 * still gets a picture: Apple's tables start H.264 at 416×234 (145 kb/s average)
 * and HEVC at 640×360 (145 kb/s). The low rungs' caps sit at two to three times Apple's
 * averages, the headroom QVBR needs for hard scenes (Apple allows a VOD peak of
 * 200% of the average).
 */
export const BUILT_IN_LADDERS: Record<string, z.input<typeof LadderSchema>> = {
  default: {
    name: 'default',
    description: 'H.264, 360p to 1080p in 6 rungs, for every screen',
    segmentSeconds: 4,
    rungs: [
      rung(360, 640, 'h264', 7, 1_000_000),
      rung(432, 768, 'h264', 7, 1_600_000),
      rung(540, 960, 'h264', 7, 2_400_000),
      rung(720, 1280, 'h264', 8, 4_000_000),
      rung(900, 1600, 'h264', 8, 6_000_000),
      rung(1080, 1920, 'h264', 8, 8_500_000),
    ],
  },
  mobile: {
    name: 'mobile',
    description: 'H.264, low rungs first for cellular networks, 234p to 720p',
    segmentSeconds: 4,
    rungs: [
      rung(234, 416, 'h264', 6, 300_000),
      rung(270, 480, 'h264', 7, 400_000),
      rung(360, 640, 'h264', 7, 800_000),
      rung(432, 768, 'h264', 7, 1_200_000),
      rung(540, 960, 'h264', 7, 1_800_000),
      rung(720, 1280, 'h264', 8, 3_000_000),
    ],
    audio: { bitrate: 96_000, sampleRate: 48_000 },
  },
  'premium-4k': {
    name: 'premium-4k',
    description: 'H.265, 360p to 2160p: large screens, with low rungs for constrained networks',
    segmentSeconds: 6,
    rungs: [
      // Apple's HEVC table: 640×360 at 145 kb/s and 768×432 at 300 kb/s on average.
      rung(360, 640, 'h265', 7, 400_000),
      rung(432, 768, 'h265', 7, 800_000),
      rung(540, 960, 'h265', 7, 1_500_000),
      rung(720, 1280, 'h265', 8, 3_000_000),
      rung(1080, 1920, 'h265', 8, 5_500_000),
      rung(1440, 2560, 'h265', 9, 9_000_000),
      rung(2160, 3840, 'h265', 9, 16_000_000),
    ],
    audio: { bitrate: 192_000, sampleRate: 48_000 },
  },
};

/**
 * The built-in ladders, validated (defaults filled in).
 *
 * @example
 * ```ts
 * listLadders().map((l) => l.name); // ["default", "mobile", "premium-4k"]
 * ```
 */
export function listLadders(): Ladder[] {
  return Object.values(BUILT_IN_LADDERS).map((l) => LadderSchema.parse(l));
}
