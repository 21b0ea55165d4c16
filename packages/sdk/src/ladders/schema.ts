/**
 * The ladder schema: rungs (a resolution, a quality target and a bitrate
 * cap) and the ladder around them, validated with a precise error per bad
 * field.
 *
 * @module
 */
import { z } from 'zod';

/** How a ladder's renditions are protected (see `LadderSchema.protection`). */
export const PROTECTION_SCHEMES = ['none', 'aes-128', 'drm'] as const;

/** A protection scheme. */
export type ProtectionScheme = (typeof PROTECTION_SCHEMES)[number];

const Even = (what: string) =>
  z
    .number()
    .int()
    .min(96)
    .max(7680)
    .refine((n) => n % 2 === 0, `${what} must be even (encoders need even dimensions)`);

/** One rung: a resolution, a quality target and a bitrate cap. */
export const RungSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9_-]{1,20}$/, 'lowercase letters, digits, - and _')
      .optional(),
    width: Even('width'),
    height: Even('height'),
    codec: z.enum(['h264', 'h265', 'av1']),
    /** QVBR quality level, 1 (smallest) to 10 (best). */
    qvbrQuality: z.number().int().min(1).max(10),
    /** Bitrate cap in bits per second. */
    maxBitrate: z.number().int().min(100_000).max(80_000_000),
    /** Frames per second, or `source` to keep the master's. */
    frameRate: z.union([z.literal('source'), z.number().positive().max(120)]).default('source'),
  })
  .strict();

/** A ladder as written in a JSON file. */
export const LadderSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]{1,40}$/, 'lowercase letters, digits and dashes'),
    description: z.string().max(200).optional(),
    /** Segment length in seconds (2–6). */
    segmentSeconds: z.number().int().min(2).max(6).default(4),
    rungs: z.array(RungSchema).min(1).max(12),
    audio: z
      .object({
        bitrate: z.number().int().min(32_000).max(320_000).default(128_000),
        sampleRate: z.union([z.literal(44_100), z.literal(48_000)]).default(48_000),
      })
      .strict()
      .default({ bitrate: 128_000, sampleRate: 48_000 }),
    outputs: z
      .object({
        dash: z.boolean().default(true),
        /** Seconds between thumbnails; 0 for none. */
        thumbnailSeconds: z.number().int().min(0).max(60).default(10),
      })
      .strict()
      .default({ dash: true, thumbnailSeconds: 10 }),
    /**
     * Content protection of the renditions: `none`; `aes-128` (HLS segments encrypted whole with
     * AES-128, keys served by the API's key route to entitled viewers); `drm` (CMAF `cbcs` with
     * Widevine, PlayReady and FairPlay through a SPEKE v2 key provider: AWS stages only).
     */
    protection: z.enum(PROTECTION_SCHEMES).default('none'),
    /** With `aes-128`: a new key every this many segments; 0 keeps one key for the whole title. */
    keyRotationSegments: z.number().int().min(0).max(10_000).default(0),
  })
  .strict()
  .superRefine((ladder, ctx) => {
    const names = new Set<string>();
    ladder.rungs.forEach((rung, i) => {
      const name = rung.name ?? `${rung.height}p`;
      if (names.has(name))
        ctx.addIssue({ code: 'custom', path: ['rungs', i, 'name'], message: `duplicate rung name ${name}` });
      names.add(name);
      const previous = ladder.rungs[i - 1];
      if (previous && rung.height < previous.height) {
        ctx.addIssue({
          code: 'custom',
          path: ['rungs', i, 'height'],
          message: 'rungs go from the lowest to the highest resolution',
        });
      }
      if (previous && rung.height > previous.height && rung.maxBitrate <= previous.maxBitrate) {
        ctx.addIssue({
          code: 'custom',
          path: ['rungs', i, 'maxBitrate'],
          message: `must be above the ${previous.height}p rung's ${previous.maxBitrate} (bitrates rise with resolution)`,
        });
      }
      if (rung.codec === 'h264' && rung.width * rung.height > 4096 * 2304) {
        ctx.addIssue({
          code: 'custom',
          path: ['rungs', i, 'codec'],
          message: 'H.264 stops at 4096x2304; use h265 or av1',
        });
      }
    });
  });

/** A validated ladder (defaults filled in). */
export type Ladder = z.infer<typeof LadderSchema>;
/** A validated rung. */
export type Rung = z.infer<typeof RungSchema>;

/**
 * The name of a rung: its own, or its height.
 *
 * @example
 * ```ts
 * rungName({ width: 1920, height: 1080, codec: 'h264', qvbrQuality: 8, maxBitrate: 8_500_000, frameRate: 'source' }); // "1080p"
 * ```
 */
export const rungName = (r: Rung) => r.name ?? `${r.height}p`;
