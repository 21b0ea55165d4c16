/**
 * The deployment config: one file describes a stage in every Region. Read
 * with zod, so a bad field is named before CloudFormation ever sees it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS Region such as us-east-1');

/** The shape of `streamctl.infra.json`. */
export const InfraConfigSchema = z
  .object({
    /** The stage; resource names derive from it exactly as the SDK derives them (`streamctl-<stage>-…`). */
    stage: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, '1–20 lowercase letters, digits or dashes'),
    account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
    /** Regions of the stage; the first is the primary (global tables are created there, CloudFront prefers it). */
    regions: z.array(Region).min(1).max(5),
    /** API host names are `api-<region>.<domain>`; the edge serves `<domain>`. */
    domain: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'a DNS name such as watch.example.com'),
    /** Public keys of the CloudFront key group that verifies signed URLs and cookies. */
    publicKeys: z
      .array(
        z
          .object({
            id: z.string().regex(/^[A-Za-z0-9-]{1,40}$/, 'letters, digits and dashes'),
            pem: z.string().includes('BEGIN PUBLIC KEY', { message: 'a PEM public key' }),
          })
          .strict(),
      )
      .min(1)
      .max(5),
    /** The transcode ladder of the MediaConvert workflow: default, mobile or premium-4k. */
    ladder: z.enum(['default', 'mobile', 'premium-4k']).default('default'),
    /** Requests per 5 minutes per IP before WAF blocks. */
    rateLimitPer5Min: z.number().int().min(100).max(2_000_000_000).default(2000),
    /**
     * The Region whose API the edge sends writes to and tries first for reads (the origin group's
     * primary). Default: the primary Region. After `streamctl failover --to R`, set it to R and deploy
     * the edge stack: the failover moves only the origin group, not the write behaviours.
     */
    apiPrimaryRegion: Region.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.apiPrimaryRegion && !config.regions.includes(config.apiPrimaryRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiPrimaryRegion'],
        message: `one of the stage's regions (${config.regions.join(', ')})`,
      });
    }
  });

/** A validated deployment config. */
export type InfraConfig = z.infer<typeof InfraConfigSchema>;

/** The primary Region: first in the list. */
export const primaryRegion = (config: InfraConfig): string => config.regions[0] as string;

/** The Region whose API takes the edge's writes and heads its API origin group: `apiPrimaryRegion`, else the primary. */
export const apiPrimaryRegion = (config: InfraConfig): string => config.apiPrimaryRegion ?? primaryRegion(config);

/**
 * Reads and validates a config file, naming every bad field.
 *
 * @example
 * ```ts
 * const config = loadInfraConfig('streamctl.infra.json');
 * ```
 */
export function loadInfraConfig(path: string): InfraConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read the infra config ${path}: ${(err as Error).message}`);
  }
  return parseInfraConfig(raw, path);
}

/** Validates a config value; the error lists every bad field by path. */
export function parseInfraConfig(raw: unknown, origin = 'config'): InfraConfig {
  const parsed = InfraConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`Invalid infra config ${origin}:\n  ${problems.join('\n  ')}`);
}
