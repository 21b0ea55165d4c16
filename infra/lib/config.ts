/**
 * The deployment config: one file describes a stage in every Region. Read
 * with zod, so a bad field is named before CloudFormation ever sees it.
 */
import { readFileSync } from 'node:fs';
import { resolveSlos, type SloThresholds, ValidationError } from '@streamctl/sdk';
import { z } from 'zod';

const Region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS Region such as us-east-1');

/** An ACM certificate ARN: `arn:aws:acm:<region>:<account>:certificate/<id>`. */
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):certificate\/[0-9a-f-]{36}$/;
const CertificateArn = z
  .string()
  .regex(CERTIFICATE_ARN, 'an ACM certificate ARN such as arn:aws:acm:us-east-1:123456789012:certificate/<id>');
/** The Region and account of a well-formed certificate ARN. */
const certificateArnParts = (arn: string) => {
  const m = CERTIFICATE_ARN.exec(arn);
  return m ? { region: m[1] as string, account: m[2] as string } : undefined;
};

/** A count for every Region, or one per Region of `regions` (keys checked against them). */
const PerRegion = (count: z.ZodNumber) => z.union([count, z.record(z.string(), count)]);

/**
 * Capacity from `streamctl plan capacity` (its per-Region `kinesis.provisionedShards` and
 * `lambda.api.concurrency`). Each field is a number for every Region, or `{ "<region>": n }` for
 * each Region of `regions`. Left out, the stream stays on-demand and the API has no provisioned
 * concurrency.
 *
 * @example
 * ```json
 * "capacity": { "streamShards": { "us-east-1": 477, "eu-west-1": 477 }, "apiProvisionedConcurrency": 500 }
 * ```
 */
export const CapacitySchema = z
  .object({
    /** The events stream in provisioned mode with this many shards, instead of on-demand. */
    streamShards: PerRegion(z.number().int().min(1).max(10_000)).optional(),
    /** Execution environments of the API function kept initialized (on its `live` alias, which the HTTP API invokes). */
    apiProvisionedConcurrency: PerRegion(z.number().int().min(1).max(100_000)).optional(),
  })
  .strict();

/** The lake's default retention: 400 days, a year of history plus a month to compare with. */
export const DEFAULT_LAKE_RETENTION_DAYS = 400;
/** Athena's default bytes-scanned cutoff per query: 10 GiB. */
export const DEFAULT_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;

/**
 * The analytics lake and its SLO alarms (the lake stack). Every field is optional. The SLO
 * thresholds are the SDK's (`resolveSlos`), so the alarms and the CLI's reports hold playback
 * to the same numbers.
 *
 * @example
 * ```json
 * "analytics": { "lakeRetentionDays": 730, "bytesScannedCutoffBytes": 5368709120, "slo": { "startupP95Ms": 1500 } }
 * ```
 */
export const AnalyticsSchema = z
  .object({
    /**
     * Days an event file stays in the lake before S3 expires it (default 400). Files move to
     * Intelligent-Tiering after 30 days, and S3 wants the expiry after the transition.
     */
    lakeRetentionDays: z.number().int().min(31).max(36_500).optional(),
    /** Athena cancels a query of the workgroup that scans more (default 10 GiB; Athena's minimum is 10 MiB). */
    bytesScannedCutoffBytes: z
      .number()
      .int()
      .min(10 * 1024 ** 2)
      .max(Number.MAX_SAFE_INTEGER)
      .optional(),
    /**
     * Overrides of the SLO thresholds (`startupP95Ms`, `rebufferRatio`, `apiP99Ms`, `errorRate`); the rest
     * keep `DEFAULT_SLOS`. The bounds are the SDK's (`resolveSlos`), checked below.
     */
    slo: z
      .object({ startupP95Ms: z.number(), rebufferRatio: z.number(), apiP99Ms: z.number(), errorRate: z.number() })
      .partial()
      .strict()
      .optional(),
  })
  .strict();

const HttpsUrl = z.url({ protocol: /^https$/, error: 'an https:// URL' });

/**
 * A SPEKE endpoint MediaConvert can call: an API Gateway stage URL with IAM authorization
 * (`https://<api-id>.execute-api.<region>.amazonaws.com/<stage>/<path>`). MediaConvert signs the
 * call with the job's role, so the role needs `execute-api:Invoke` on it, derived from this URL.
 */
export const SPEKE_URL =
  /^https:\/\/([a-z0-9]+)\.execute-api\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com\/([^/]+)(\/.*)?$/;

/**
 * Content protection (the SDK's `protection` block) for the stage's functions. Every field is
 * optional. The content-key KMS key is the app's own (`alias/streamctl-<stage>-content-keys`); the
 * SPEKE role is the stage's MediaConvert role, which the app lets invoke `spekeUrl`.
 *
 * @example
 * ```json
 * "protection": {
 *   "spekeUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/speke/v2.0/copyProtection",
 *   "widevineLicenseUrl": "https://license.example.com/widevine"
 * }
 * ```
 */
export const ProtectionSchema = z
  .object({
    /** The SPEKE v2 key provider's API Gateway URL (see {@link SPEKE_URL}). */
    spekeUrl: z
      .string()
      .regex(SPEKE_URL, 'an API Gateway URL such as https://<api-id>.execute-api.<region>.amazonaws.com/<stage>/<path>')
      .optional(),
    /** ACM certificate the key provider encrypts the keys it returns with, when it does. */
    spekeCertificateArn: CertificateArn.optional(),
    widevineLicenseUrl: HttpsUrl.optional(),
    playreadyLicenseUrl: HttpsUrl.optional(),
    fairplayLicenseUrl: HttpsUrl.optional(),
    fairplayCertificateUrl: HttpsUrl.optional(),
  })
  .strict()
  .superRefine((protection, ctx) => {
    if (protection.spekeCertificateArn && !protection.spekeUrl)
      ctx.addIssue({ code: 'custom', path: ['spekeUrl'], message: 'required with spekeCertificateArn' });
  });

/**
 * DynamoDB's Region sets for multi-Region strong consistency (MRSC): the replicas and the witness
 * of an MRSC global table all belong to one set (the CDK's own check of `TableV2` names the same).
 */
export const MRSC_REGION_SETS = {
  US: ['us-east-1', 'us-east-2', 'us-west-2'],
  EU: ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  AP: ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
} as const satisfies Record<string, readonly string[]>;

/** The MRSC Region set a Region belongs to, if any. */
export function mrscRegionSet(region: string): keyof typeof MRSC_REGION_SETS | undefined {
  return (Object.keys(MRSC_REGION_SETS) as Array<keyof typeof MRSC_REGION_SETS>).find((set) =>
    (MRSC_REGION_SETS[set] as readonly string[]).includes(region),
  );
}

const describeRegionSets = () =>
  Object.entries(MRSC_REGION_SETS)
    .map(([set, regions]) => `${set}: ${regions.join(', ')}`)
    .join('; ');

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
    /**
     * The CloudFront key group that verifies signed URLs and cookies, as `streamctl keys rotate` made it
     * (its answer `keyGroupId`, also in `streamctl keys list`). `streamctl keys` owns its keys: it adds a
     * new key, switches signing once the distribution has it, and retires the old key after its grants
     * expire. The app only points the distribution at it and never changes its keys, so a deploy cannot
     * undo a rotation. Give this or `publicKeys`.
     */
    keyGroupId: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,128}$/, 'a CloudFront key group ID such as 1f2e3d4c-5b6a-4789-9abc-def012345678')
      .optional(),
    /**
     * Instead of `keyGroupId`: public keys of a key group the app creates and keeps (retained when the
     * config moves to `keyGroupId`). `streamctl keys rotate` cannot rotate a group the app owns (the next
     * deploy would put these keys back): adopt it with `streamctl keys rotate --key-group <KeyGroupId output>`,
     * then give that ID as `keyGroupId` in place of this list and deploy.
     */
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
      .max(5)
      .optional(),
    /**
     * No longer a field: the SDK submits the MediaConvert job with the ladder chosen at ingest
     * (`streamctl ingest --ladder`), and the app's workflow records whatever that job wrote. Kept
     * here only so that a config still giving it is refused with that explanation, not as an
     * unknown key.
     */
    ladder: z
      .never({
        error:
          'no longer read: the ladder is chosen at ingest (`streamctl ingest --ladder <default|mobile|premium-4k>`), ' +
          'not by the stage; remove this field',
      })
      .optional(),
    /** Requests per 5 minutes per IP before WAF blocks. */
    rateLimitPer5Min: z.number().int().min(100).max(2_000_000_000).default(2000),
    /**
     * The Region whose API the edge sends writes to and tries first for reads (the origin group's
     * primary). Default: the primary Region. After `streamctl failover --to R`, set it to R and deploy
     * the edge stack: the failover moves only the origin group, not the write behaviours.
     */
    apiPrimaryRegion: Region.optional(),
    /**
     * The Route 53 public hosted zone of `domain` (its name is `domain` or a parent of it), with
     * `hostedZoneName`. Given a zone, the app creates DNS-validated certificates (`<domain>` in
     * us-east-1 for CloudFront, `api-<region>.<domain>` in each Region) and the alias records.
     */
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ')
      .optional(),
    /** The name of the hosted zone `hostedZoneId`, e.g. `example.com` for `watch.example.com`. */
    hostedZoneName: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'a DNS name such as example.com')
      .optional(),
    /**
     * Without a hosted zone: existing ACM certificates. `edge` (in us-east-1) covers `<domain>`; `api`
     * has one per Region of `regions`, in that Region, covering `api-<region>.<domain>`. The DNS
     * records are then yours to create (see the `ApiDomainTarget` and `DistributionDomainName` outputs).
     */
    certificates: z
      .object({
        edge: CertificateArn,
        // Keys are checked against `regions` below, so a mistyped Region is named as such.
        api: z.record(z.string(), CertificateArn),
      })
      .strict()
      .optional(),
    /**
     * The Regions of the control table (the Region routing record): default `regions`. The table is a
     * global table with multi-Region strong consistency, so a failover's conditional write is decided
     * across Regions. MRSC wants exactly three Regions of one Region set ({@link MRSC_REGION_SETS}):
     * three replicas, or two and a `witnessRegion`. When the stage's Regions span Region sets (say
     * us-east-1 and eu-west-1), name the primary Region and one more of its set here; the other
     * Regions then reach the record in those Regions. The first must be the stage's primary Region.
     */
    controlRegions: z.array(Region).min(1).max(3).optional(),
    /**
     * The witness Region of the control table: required when it has exactly two Regions, refused
     * otherwise. It holds no replica the app reads, only the votes MRSC needs; same Region set.
     */
    witnessRegion: Region.optional(),
    /** Capacity the plan sized (see {@link CapacitySchema}); optional. */
    capacity: CapacitySchema.optional(),
    /** The analytics lake, Athena and the SLO alarms (see {@link AnalyticsSchema}); optional, defaults apply. */
    analytics: AnalyticsSchema.optional(),
    /** Content protection: SPEKE key provider and licence servers (see {@link ProtectionSchema}); optional. */
    protection: ProtectionSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    // One owner of the key group: streamctl keys (keyGroupId) or this app (publicKeys).
    if ((config.keyGroupId === undefined) === (config.publicKeys === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['keyGroupId'],
        message: 'give keyGroupId (the key group `streamctl keys rotate` made) or publicKeys, exactly one',
      });
    for (const [field, value] of Object.entries(config.capacity ?? {})) {
      if (typeof value !== 'object' || value === null) continue;
      for (const region of Object.keys(value))
        if (!config.regions.includes(region))
          ctx.addIssue({
            code: 'custom',
            path: ['capacity', field, region],
            message: `not one of the stage's regions (${config.regions.join(', ')})`,
          });
      for (const region of config.regions)
        if (!(region in value))
          ctx.addIssue({
            code: 'custom',
            path: ['capacity', field, region],
            message: `required: a count for ${region}`,
          });
    }
    const zoneGiven = config.hostedZoneId !== undefined || config.hostedZoneName !== undefined;
    if (config.hostedZoneId !== undefined && config.hostedZoneName === undefined)
      ctx.addIssue({ code: 'custom', path: ['hostedZoneName'], message: 'required with hostedZoneId' });
    if (config.hostedZoneName !== undefined && config.hostedZoneId === undefined)
      ctx.addIssue({ code: 'custom', path: ['hostedZoneId'], message: 'required with hostedZoneName' });
    if (
      config.hostedZoneName !== undefined &&
      config.domain !== config.hostedZoneName &&
      !config.domain.endsWith(`.${config.hostedZoneName}`)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['hostedZoneName'],
        message: `the zone of domain ${config.domain}: ${config.domain} itself or a parent of it`,
      });
    }
    if (config.certificates) {
      if (zoneGiven) {
        ctx.addIssue({
          code: 'custom',
          path: ['certificates'],
          message: 'either a hosted zone (hostedZoneId, hostedZoneName) or certificates, not both',
        });
      }
      const expect = (path: Array<string>, arn: string, region: string, covers: string) => {
        const parts = certificateArnParts(arn);
        if (!parts) return; // the ARN's own issue names it
        if (parts.region !== region)
          ctx.addIssue({
            code: 'custom',
            path,
            message: `a certificate in ${region} for ${covers}, not ${parts.region}`,
          });
        if (parts.account !== config.account)
          ctx.addIssue({ code: 'custom', path, message: `a certificate of account ${config.account}` });
      };
      expect(['certificates', 'edge'], config.certificates.edge, 'us-east-1', `${config.domain} (CloudFront)`);
      for (const [region, arn] of Object.entries(config.certificates.api)) {
        if (!config.regions.includes(region)) {
          ctx.addIssue({
            code: 'custom',
            path: ['certificates', 'api', region],
            message: `not one of the stage's regions (${config.regions.join(', ')})`,
          });
          continue;
        }
        expect(['certificates', 'api', region], arn, region, `api-${region}.${config.domain}`);
      }
      for (const region of config.regions) {
        if (!(region in config.certificates.api)) {
          ctx.addIssue({
            code: 'custom',
            path: ['certificates', 'api', region],
            message: `required: the certificate of api-${region}.${config.domain} in ${region}`,
          });
        }
      }
    }
    if (config.analytics?.slo) {
      try {
        resolveSlos(config.analytics.slo);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        for (const issue of err.issues)
          ctx.addIssue({
            code: 'custom',
            path: ['analytics', 'slo', ...(issue.path ? issue.path.split('.') : [])],
            message: issue.message,
          });
      }
    }
    for (const issue of controlTableIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
    if (config.apiPrimaryRegion && !config.regions.includes(config.apiPrimaryRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiPrimaryRegion'],
        message: `one of the stage's regions (${config.regions.join(', ')})`,
      });
    }
  });

/** What is wrong with the control table's Regions (see `controlRegions`), as config issues. */
function controlTableIssues(config: {
  regions: string[];
  controlRegions?: string[] | undefined;
  witnessRegion?: string | undefined;
}): Array<{ path: string[]; message: string }> {
  const issues: Array<{ path: string[]; message: string }> = [];
  const primary = config.regions[0];
  if (primary === undefined) return issues; // `regions` names its own problem
  const field = config.controlRegions ? 'controlRegions' : 'regions';
  const regions = config.controlRegions ?? config.regions;
  const witness = config.witnessRegion;
  if (config.controlRegions) {
    if (config.controlRegions[0] !== primary)
      issues.push({
        path: ['controlRegions'],
        message: `must start with the primary Region ${primary}: the data stack creates the control table there`,
      });
    if (new Set(config.controlRegions).size !== config.controlRegions.length)
      issues.push({ path: ['controlRegions'], message: 'each Region once' });
  }
  if (regions.length === 1) {
    if (witness !== undefined)
      issues.push({
        path: ['witnessRegion'],
        message: `only for a control table in 2 Regions; it is in ${regions[0]} alone (no multi-Region consistency to vote on)`,
      });
    return issues;
  }
  const set = mrscRegionSet(primary);
  const outside = regions.filter((r) => set === undefined || mrscRegionSet(r) !== set);
  if (outside.length) {
    const hint = set
      ? `set controlRegions to ${primary} and one or two more of the ${set} set (${MRSC_REGION_SETS[set].join(', ')})`
      : `${primary} is in no Region set, so the primary Region must change`;
    issues.push({
      path: [field],
      message:
        `the control table needs multi-Region strong consistency, which keeps every Region in one Region set ` +
        `(${describeRegionSets()}); ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not in ` +
        `${set ? `${primary}'s (${set})` : 'one'}: ${hint}`,
    });
  }
  if (regions.length > 3) {
    issues.push({
      path: [field],
      message: `the control table has ${regions.length} Regions; multi-Region strong consistency takes exactly 3: set controlRegions to 2 or 3 of them`,
    });
  } else if (regions.length === 2 && witness === undefined) {
    const candidates = set ? MRSC_REGION_SETS[set].filter((r) => !regions.includes(r)) : [];
    issues.push({
      path: ['witnessRegion'],
      message:
        `required: the control table is in 2 Regions (${regions.join(', ')}), and multi-Region strong consistency ` +
        `needs a third, a witness of the same Region set${candidates.length ? ` (${candidates.join(' or ')})` : ''}`,
    });
  } else if (regions.length === 3 && witness !== undefined) {
    issues.push({
      path: ['witnessRegion'],
      message: `not with 3 control Regions (${regions.join(', ')}): they are the three multi-Region strong consistency wants`,
    });
  }
  if (witness !== undefined && regions.length === 2) {
    if (regions.includes(witness))
      issues.push({
        path: ['witnessRegion'],
        message: `a Region other than the control table's (${regions.join(', ')})`,
      });
    else if (set !== undefined && mrscRegionSet(witness) !== set)
      issues.push({
        path: ['witnessRegion'],
        message: `a Region of the ${set} set, as the control table's: ${MRSC_REGION_SETS[set].filter((r) => !regions.includes(r)).join(', ')}`,
      });
  }
  return issues;
}

/** A validated deployment config. */
export type InfraConfig = z.infer<typeof InfraConfigSchema>;

/** How the stage gets its custom domains: certificates made in a hosted zone, existing ones, or none. */
export type CustomDomains =
  | { mode: 'zone'; hostedZoneId: string; hostedZoneName: string }
  | { mode: 'certificates'; edge: string; api: Record<string, string> }
  | { mode: 'none' };

/** The custom-domain mode of a validated config. */
export function customDomains(config: InfraConfig): CustomDomains {
  if (config.hostedZoneId && config.hostedZoneName)
    return { mode: 'zone', hostedZoneId: config.hostedZoneId, hostedZoneName: config.hostedZoneName };
  if (config.certificates) return { mode: 'certificates', ...config.certificates };
  return { mode: 'none' };
}

/** The API host of a Region: `api-<region>.<domain>` (the custom domain of that Region's HTTP API). */
export const apiHost = (config: InfraConfig, region: string) => `api-${region}.${config.domain}`;

/**
 * A capacity count of `config.capacity` for one Region, or `undefined` when the config sets none.
 *
 * @example
 * ```ts
 * capacityFor(config, 'streamShards', 'eu-west-1'); // 477, or undefined: on-demand
 * ```
 */
export function capacityFor(
  config: InfraConfig,
  field: keyof NonNullable<InfraConfig['capacity']>,
  region: string,
): number | undefined {
  const value = config.capacity?.[field];
  return typeof value === 'number' ? value : value?.[region];
}

/** The primary Region: first in the list. */
export const primaryRegion = (config: InfraConfig): string => config.regions[0] as string;

/** Where the control table lives: its Regions (the primary first), its witness, and whether it is strongly consistent. */
export interface ControlTablePlacement {
  regions: string[];
  witnessRegion?: string;
  /** Multi-Region strong consistency: whenever the table has more than one Region. */
  strong: boolean;
}

/**
 * The control table's placement of a validated config.
 *
 * @example
 * ```ts
 * controlTablePlacement(config); // { regions: ['us-east-1', 'us-east-2'], witnessRegion: 'us-west-2', strong: true }
 * ```
 */
export function controlTablePlacement(config: InfraConfig): ControlTablePlacement {
  const regions = config.controlRegions ?? config.regions;
  return {
    regions,
    ...(config.witnessRegion ? { witnessRegion: config.witnessRegion } : {}),
    strong: regions.length > 1,
  };
}

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

/** The lake stack's settings: `analytics` with its defaults filled in, the SLO thresholds resolved. */
export interface AnalyticsSettings {
  lakeRetentionDays: number;
  bytesScannedCutoffBytes: number;
  slo: SloThresholds;
}

/**
 * The analytics settings of a validated config, defaults filled in.
 *
 * @example
 * ```ts
 * analyticsSettings(config).slo.startupP95Ms; // 2000 unless analytics.slo says otherwise
 * ```
 */
export function analyticsSettings(config: InfraConfig): AnalyticsSettings {
  return {
    lakeRetentionDays: config.analytics?.lakeRetentionDays ?? DEFAULT_LAKE_RETENTION_DAYS,
    bytesScannedCutoffBytes: config.analytics?.bytesScannedCutoffBytes ?? DEFAULT_BYTES_SCANNED_CUTOFF,
    slo: resolveSlos(config.analytics?.slo ?? {}),
  };
}

/**
 * The alias of the stage's content-key KMS key: content keys are wrapped with it. An alias, not
 * an ARN, so every stack of every Region names the key the same way without a cross-stack reference.
 *
 * @example
 * ```ts
 * contentKeyAlias(config); // "alias/streamctl-prod-content-keys"
 * ```
 */
export const contentKeyAlias = (config: InfraConfig): string => `alias/streamctl-${config.stage}-content-keys`;

/**
 * The name of a Region's MediaConvert role (the media stack makes it): MediaConvert runs the jobs,
 * and calls a SPEKE key provider, as this role.
 *
 * @example
 * ```ts
 * mediaConvertRoleName(config, 'eu-west-1'); // "streamctl-prod-mediaconvert-eu-west-1"
 * ```
 */
export const mediaConvertRoleName = (config: InfraConfig, region: string): string =>
  `streamctl-${config.stage}-mediaconvert-${region}`;

/**
 * The `STREAMCTL_PROTECTION_*` variables of a function of a Region: the content-key alias always,
 * the SPEKE settings (the Region's MediaConvert role as the SPEKE role) and licence URLs when configured.
 *
 * @example
 * ```ts
 * protectionEnvironment(config, 'eu-west-1').STREAMCTL_PROTECTION_KMS_KEY_ID; // "alias/streamctl-prod-content-keys"
 * ```
 */
export function protectionEnvironment(config: InfraConfig, region: string): Record<string, string> {
  const p = config.protection ?? {};
  const env: Record<string, string | undefined> = {
    STREAMCTL_PROTECTION_KMS_KEY_ID: contentKeyAlias(config),
    STREAMCTL_PROTECTION_SPEKE_URL: p.spekeUrl,
    STREAMCTL_PROTECTION_SPEKE_ROLE_ARN: p.spekeUrl
      ? `arn:aws:iam::${config.account}:role/${mediaConvertRoleName(config, region)}`
      : undefined,
    STREAMCTL_PROTECTION_SPEKE_CERTIFICATE_ARN: p.spekeCertificateArn,
    STREAMCTL_PROTECTION_WIDEVINE_LICENSE_URL: p.widevineLicenseUrl,
    STREAMCTL_PROTECTION_PLAYREADY_LICENSE_URL: p.playreadyLicenseUrl,
    STREAMCTL_PROTECTION_FAIRPLAY_LICENSE_URL: p.fairplayLicenseUrl,
    STREAMCTL_PROTECTION_FAIRPLAY_CERTIFICATE_URL: p.fairplayCertificateUrl,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
