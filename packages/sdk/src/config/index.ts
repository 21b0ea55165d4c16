/**
 * Configuration resolution, per key: command-line flags > environment >
 * `streamctl.config.json` (or `.mjs`/`.js`/`.ts`) found upward from the
 * working directory, up to the project root (`find.ts`) > defaults. Every resolved value remembers where it came
 * from, so `streamctl status` can say why it talks to what it talks to.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { parseSloFlag, resolveSlos, type SloThresholds } from '../analytics/slo.js';
import { PlanNameSchema } from '../contract/index.js';
import { ConfigError, ValidationError } from '../errors/index.js';
import { ENV_VARS, type EnvVarName, envVarsFor } from './env.js';
import { findConfigFile } from './find.js';
import { type ResourceNameOverrides, ResourceNameOverridesSchema, type ResourceNames, resourceNames } from './names.js';
import { RateLimitSettingsSchema, type RateLimits, resolveRateLimits } from './rate-limits.js';

export { ENV_VARS, type EnvVarName } from './env.js';
export {
  CONFIG_FILE_NAMES,
  findConfigFile,
  findProjectRoot,
  type ProjectSearchOptions,
} from './find.js';
export { type ResourceNameOverrides, type ResourceNames, resourceNames } from './names.js';
export {
  DEFAULT_RATE_LIMITS,
  type RateLimit,
  type RateLimitSettings,
  RateLimitSettingsSchema,
  type RateLimits,
} from './rate-limits.js';
export { ORIGIN_SECRET_HEADER, SECRET_CACHE_SECONDS, type SecretNames, secretNames } from './secrets.js';

/** The stage of the embedded local platform. */
export const LOCAL_STAGE = 'local';

/** The engine profiles of the embedded platform (`streamctl dev --engines`). */
export const ENGINE_PROFILES = ['embedded', 'aws-local'] as const;

/**
 * Which emulators run the local platform's AWS parts: `embedded` (dynalite, kinesalite,
 * s3rver; Node only) or `aws-local` (AWS's DynamoDB Local on Java, kinesis-mock, s3rver).
 */
export type EngineProfile = (typeof ENGINE_PROFILES)[number];

const Engines = z.enum(ENGINE_PROFILES, { error: 'expected embedded or aws-local' });

const StageName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,19}$/, 'a stage is 1–20 lowercase letters, digits or dashes, starting with a letter');
const Region = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/, 'expected an AWS Region such as us-east-1 or eu-west-1');
const EndpointUrl = z
  .string()
  .url('expected an absolute URL such as http://localhost:4566')
  .refine((u) => /^https?:\/\//.test(u), 'expected an http:// or https:// URL');
const MaxAttempts = z.coerce.number().int().min(1).max(10);
const Domain = z
  .string()
  .regex(
    /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'a DNS name such as watch.example.com',
  );
const Regions = z.array(Region).min(1);
/**
 * The Regions that hold a replica of the control table (where the routing record is read and
 * written). An MRSC global table has exactly three Regions of one Region set: three replicas, or
 * two and a witness, which holds nothing readable and so is not named here.
 */
const ControlRegions = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z
    .array(Region)
    .min(1, 'name at least one Region that holds a replica of the control table, such as us-east-1,us-east-2')
    .max(
      3,
      'a table with multi-Region strong consistency has at most three Regions; name its replicas, not its witness',
    )
    .refine((list) => new Set(list).size === list.length, 'a Region is named twice')
    .refine(
      (list) => new Set(list.map((r) => r.split('-')[0])).size <= 1,
      'the Regions of a table with multi-Region strong consistency are all of one Region set (US, EU or Asia Pacific)',
    ),
);

/** Media settings: where transcodes run and which CDN to invalidate. */
export const MediaSettingsSchema = z
  .object({
    mediaConvertRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN'),
    mediaConvertQueueArn: z.string().regex(/^arn:aws[a-z-]*:mediaconvert:/, 'a MediaConvert queue ARN'),
    distributionId: z.string().regex(/^[A-Z0-9]{8,20}$/, 'a CloudFront distribution id such as E2QWRUHAPOMQZL'),
    ffmpegPath: z.string().min(1),
    ffprobePath: z.string().min(1),
  })
  .partial()
  .strict();

/** Media settings of a stage. */
export type MediaSettings = z.infer<typeof MediaSettingsSchema>;

/** Search settings: the OpenSearch collection or domain behind `search` on AWS stages. */
export const SearchSettingsSchema = z
  .object({
    endpoint: EndpointUrl,
    index: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,254}$/, 'an OpenSearch index name: lowercase letters, digits, dots, dashes'),
    /** `aoss` for an OpenSearch Serverless collection (the CDK app's), `es` for a domain. Default `aoss`. */
    service: z.enum(['aoss', 'es']),
  })
  .partial()
  .strict();

/** Search settings of a stage. */
export type SearchSettings = z.infer<typeof SearchSettingsSchema>;

/** A plan's name as the `plan` claim carries it (`basic`, `standard`, `premium`, …). */
export { PlanNameSchema };

/** What a plan allows: streams at once, and the tallest rung it plays. */
export const PlanSchema = z
  .object({
    /** Playback sessions an account may have at once. */
    streams: z.number().int().min(1).max(100),
    /** The tallest rendition (pixels) the plan's players are given. */
    maxHeight: z.number().int().min(144).max(4320),
  })
  .strict();

/** What a plan allows. */
export type Plan = z.infer<typeof PlanSchema>;

/** The plans when a stage names none: basic 1 stream at 720p, standard 2 at 1080p, premium 4 at 2160p. */
export const DEFAULT_PLANS: Readonly<Record<string, Plan>> = Object.freeze({
  basic: Object.freeze({ streams: 1, maxHeight: 720 }),
  standard: Object.freeze({ streams: 2, maxHeight: 1080 }),
  premium: Object.freeze({ streams: 4, maxHeight: 2160 }),
});

const Seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `sessions` in the config file: plans, devices and the timing of playback sessions. */
export const SessionSettingsSchema = z
  .object({
    /** The plans a `plan` claim may name; replaces the default plans as a whole. */
    plans: z.record(PlanNameSchema, PlanSchema).refine((p) => Object.keys(p).length > 0, 'name at least one plan'),
    maxDevices: z.coerce.number().int().min(1).max(100),
    ttlSeconds: Seconds(2, 86_400),
    heartbeatSeconds: Seconds(1, 3600),
    grantSeconds: Seconds(2, 86_400),
  })
  .partial()
  .strict();

/** Sessions settings of a stage, every field resolved. */
export interface SessionSettings {
  plans: Readonly<Record<string, Plan>>;
  /** Devices an account may register. */
  maxDevices: number;
  /** A session without a heartbeat for this long ends. */
  ttlSeconds: number;
  /** How often a player heartbeats. */
  heartbeatSeconds: number;
  /** How long a grant's signed URL and cookies last; heartbeats renew them. */
  grantSeconds: number;
}

/** Sessions settings when nothing is configured. */
export const DEFAULT_SESSION_SETTINGS: Readonly<SessionSettings> = Object.freeze({
  plans: DEFAULT_PLANS,
  maxDevices: 10,
  ttlSeconds: 120,
  heartbeatSeconds: 30,
  grantSeconds: 300,
});

/** `models` in the config file: how the recommendation models are stored. */
export const ModelsSettingsSchema = z
  .object({
    /** Sub-keys of each hot counter (see ModelStoreOptions.counterShards). */
    counterShards: z.coerce.number().int().min(1).max(256),
  })
  .partial()
  .strict();

/** Model storage settings of a stage, every field resolved. */
export interface ModelsSettings {
  /** Sub-keys of each counter many viewers write at once; may grow, never shrink. */
  counterShards: number;
}

/** Model storage settings when nothing is configured. */
export const DEFAULT_MODELS_SETTINGS: Readonly<ModelsSettings> = Object.freeze({ counterShards: 8 });

/** A personalization switch as written: `on`/`off` (or a boolean in the file). */
const PersonalizationSwitch = z.preprocess(
  (v) => (typeof v === 'boolean' ? (v ? 'on' : 'off') : typeof v === 'string' ? v.trim().toLowerCase() : v),
  z.enum(['on', 'off']),
);

/** `privacy` in the config file: what a viewer who has not chosen gets, and how long erasures hold. */
export const PrivacySettingsSchema = z
  .object({
    /** Personalization of a viewer who has not chosen. */
    personalization: PersonalizationSwitch,
    /** Per-country defaults over it (`{"DE": "off"}`; in the environment `DE=off,FR=on`). */
    countries: z.preprocess(
      (v) =>
        typeof v === 'string'
          ? Object.fromEntries(
              (splitList(v) ?? []).map((pair) => {
                const [cc = '', value = ''] = pair.split('=');
                return [cc.trim().toUpperCase(), value.trim()];
              }),
            )
          : v,
      z.record(z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 code such as DE'), PersonalizationSwitch),
    ),
    /**
     * Days an erased viewer's tombstone stops their late events (longer than the events stream
     * keeps records, and than any replay of them).
     */
    tombstoneDays: z.coerce.number().int().min(2).max(400),
  })
  .partial()
  .strict();

/** Privacy settings of a stage, every field resolved. */
export interface PrivacySettings {
  personalization: 'on' | 'off';
  countries: Record<string, 'on' | 'off'>;
  tombstoneDays: number;
}

/** Privacy settings when nothing is configured: personalized, erasures hold 30 days. */
export const DEFAULT_PRIVACY_SETTINGS: Readonly<PrivacySettings> = Object.freeze({
  personalization: 'on',
  countries: {},
  tombstoneDays: 30,
});

/** `analytics` in the config file: the local lake worker's buffering, and the SLOs reports hold QoE to. */
export const AnalyticsSettingsSchema = z
  .object({
    /** Seconds the local lake worker buffers a shard's events before writing a file (Firehose's interval on AWS is 60–900). */
    lakeFlushSeconds: z.coerce.number().min(1).max(900),
    /** Events in one local lake file at most. */
    lakeMaxEvents: z.coerce.number().int().min(1).max(5_000_000),
    /** SLO thresholds over the defaults (startup p95 2 s, rebuffer ratio 0.5 %, API p99 1 s, error rate 1 %). */
    slo: z.preprocess(
      (v) => (typeof v === 'string' ? parseSloFlag(v) : v),
      z.object({
        startupP95Ms: z.number().positive().optional(),
        rebufferRatio: z.number().positive().max(1).optional(),
        apiP99Ms: z.number().positive().optional(),
        errorRate: z.number().positive().max(1).optional(),
      }),
    ),
  })
  .partial()
  .strict();

/** Analytics settings of a stage, every field resolved. */
export interface AnalyticsSettings {
  lakeFlushSeconds: number;
  lakeMaxEvents: number;
  slo: SloThresholds;
}

const HttpsUrl = z
  .string()
  .url('expected an absolute https:// URL')
  .refine((u) => u.startsWith('https://'), 'expected an https:// URL');

/**
 * `protection` in the config file: how content keys are kept at rest, and the DRM key provider
 * and licence servers of `drm` ladders (AWS stages).
 */
export const ProtectionSettingsSchema = z
  .object({
    /** The KMS key (id, ARN or `alias/…`) that wraps content keys at rest. Required on AWS stages for `aes-128`. */
    kmsKeyId: z
      .string()
      .regex(
        /^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)\/.+|alias\/[\w/_-]+|[0-9a-f-]{36}|mrk-[0-9a-f]{32})$/,
        'a KMS key id, key ARN, alias ARN or alias/name',
      ),
    /** The SPEKE v2 key provider MediaConvert asks for DRM keys (an API Gateway URL). */
    spekeUrl: HttpsUrl,
    /** The IAM role MediaConvert assumes to call the SPEKE key provider. */
    spekeRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN'),
    /** An ACM certificate ARN for encrypting the keys SPEKE returns (optional in SPEKE). */
    spekeCertificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/, 'an ACM certificate ARN'),
    /** Licence servers players use for `drm` titles (the playback grant carries them). */
    widevineLicenseUrl: HttpsUrl,
    playreadyLicenseUrl: HttpsUrl,
    fairplayLicenseUrl: HttpsUrl,
    /** FairPlay's application certificate (players fetch it before asking for a licence). */
    fairplayCertificateUrl: HttpsUrl,
  })
  .partial()
  .strict();

/** Content protection settings of a stage (every field optional). */
export type ProtectionSettings = z.infer<typeof ProtectionSettingsSchema>;

const StageSettingsSchema = z
  .object({
    region: Region,
    profile: z.string().min(1),
    endpointUrl: EndpointUrl,
    dataDir: z.string().min(1),
    /** The local platform's engine profile (`streamctl dev`). */
    engines: Engines,
    maxAttempts: MaxAttempts,
    regions: Regions,
    /** Regions that hold a replica of the control table (default: `regions`). */
    controlRegions: ControlRegions,
    domain: Domain,
    resources: ResourceNameOverridesSchema,
    media: MediaSettingsSchema,
    search: SearchSettingsSchema,
    /** Plans, devices and playback sessions. */
    sessions: SessionSettingsSchema,
    /** How the recommendation models are stored. */
    models: ModelsSettingsSchema,
    /** Consent defaults and erasure tombstones. */
    privacy: PrivacySettingsSchema,
    /** The lake worker and the SLOs. */
    analytics: AnalyticsSettingsSchema,
    /** Content keys at rest, and DRM key provider and licence servers. */
    protection: ProtectionSettingsSchema,
    /** The API's rate limits (per client address, per user); each field on its own over the top level's. */
    rateLimits: RateLimitSettingsSchema,
  })
  .partial()
  .strict();

/** The shape of `streamctl.config.json`. */
export const ConfigFileSchema = StageSettingsSchema.extend({
  $schema: z.string().optional(),
  stage: StageName.optional(),
  /** Per-stage settings, merged over the top-level ones for that stage. */
  stages: z.record(StageName, StageSettingsSchema).optional(),
}).strict();

/** What `streamctl.config.json` may contain. */
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** Values given on the command line; `undefined` means "not given". */
export interface ConfigFlags {
  stage?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
  endpointUrl?: string | undefined;
  dataDir?: string | undefined;
  engines?: string | undefined;
  maxAttempts?: number | string | undefined;
  regions?: string[] | string | undefined;
  controlRegions?: string[] | string | undefined;
  domain?: string | undefined;
}

/** Where a resolved value came from. */
export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

/** The keys that resolve by precedence. */
export type ConfigKey =
  | 'stage'
  | 'region'
  | 'profile'
  | 'endpointUrl'
  | 'dataDir'
  | 'engines'
  | 'maxAttempts'
  | 'regions'
  | 'controlRegions'
  | 'domain';

/** Fully resolved configuration of one stage. */
export interface StreamctlConfig {
  stage: string;
  region: string;
  /** AWS profile for the provider chain; undefined means the chain's default. */
  profile: string | undefined;
  /** One endpoint for every AWS client (LocalStack); undefined means AWS itself. */
  endpointUrl: string | undefined;
  /** Per-service endpoints, set for the embedded local platform. Wins over endpointUrl. */
  endpoints?: Partial<Record<AwsServiceName, string>>;
  /** Data dir of the embedded local platform (absolute). */
  dataDir: string;
  /** Engine profile of the embedded local platform (`streamctl dev`). Default `embedded`. */
  engines: EngineProfile;
  /** Attempts per AWS call, retries included. */
  maxAttempts: number;
  /** Regions of the stage, the first being the home Region. */
  regions: string[];
  /**
   * Regions that hold a replica of the control table, where the routing record is read and
   * written: the local Region when it is one, else the first, then the next on a Region error.
   * Default: `regions`. On the local stage every Region reaches the one shared store.
   */
  controlRegions: string[];
  /**
   * The stage's public domain, as the CDK app deploys it: the edge at
   * `https://<domain>`, each Region's API at `https://api-<region>.<domain>`.
   * Failover checks each Region's API and verifies through the edge with it.
   */
  domain?: string;
  /** Physical resource names for this stage and Region. */
  resources: ResourceNames;
  /** Media settings (MediaConvert role and queue, CloudFront distribution, ffmpeg): environment over file. */
  media: MediaSettings;
  /** Search settings (the OpenSearch endpoint and index): environment over file. */
  search: SearchSettings;
  /** The API's rate limits, each field on its own: environment > the stage's section > the file > default. */
  rateLimits: RateLimits;
  /** Plans, devices and playback sessions: environment over file over defaults. */
  sessions: SessionSettings;
  /** How the recommendation models are stored: environment over file over defaults. */
  models: ModelsSettings;
  /** Consent defaults and erasure tombstones: environment over file over defaults. */
  privacy: PrivacySettings;
  /** The local lake worker's buffering and the SLO thresholds: environment over file over defaults. */
  analytics: AnalyticsSettings;
  /** Content protection: the KMS key of content keys, the SPEKE key provider, licence servers. */
  protection: ProtectionSettings;
  /** The config file used, if one was found. */
  configFile: string | undefined;
  /** Where each key's value came from. */
  sources: Record<ConfigKey, ConfigSource>;
}

/** The AWS services the SDK talks to through endpoints. */
export type AwsServiceName = 'dynamodb' | 'kinesis' | 's3';

/** Inputs of {@link resolveConfig}. */
export interface ResolveConfigOptions {
  flags?: ConfigFlags;
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Where the upward search for a config file starts (it ends at the project root). Defaults to `process.cwd()`. */
  cwd?: string;
  /** An explicit config file, or `false` to skip the search. */
  configFile?: string | false;
}

const DEFAULTS = { stage: LOCAL_STAGE, region: 'us-east-1', maxAttempts: 3, engines: 'embedded' } as const;

/**
 * Loads and validates a config file (JSON, ES module or TypeScript).
 *
 * @example
 * ```ts
 * const file = await loadConfigFile('/repo/streamctl.config.json');
 * file.stages?.prod?.region; // "eu-west-1"
 * ```
 */
export async function loadConfigFile(path: string): Promise<ConfigFile> {
  let raw: unknown;
  try {
    if (path.endsWith('.json')) {
      raw = JSON.parse(await readFile(path, 'utf8'));
    } else if (path.endsWith('.ts')) {
      const { createJiti } = await import('jiti');
      raw = await createJiti(import.meta.url).import(path, { default: true });
    } else {
      const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
      raw = mod.default;
    }
  } catch (cause) {
    throw new ConfigError(`Cannot read config file ${path}: ${(cause as Error).message}`, {
      cause,
      hint: 'fix the file, or run `streamctl init` to write a new one',
    });
  }
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw ValidationError.fromZod(`config file ${path}`, parsed.error, {
      hint: 'fix the named fields, or run `streamctl init --force` to write a new file',
    });
  }
  return parsed.data;
}

interface Candidate<T> {
  value: T | undefined;
  source: ConfigSource;
  origin: string;
}

function pick<T>(candidates: Candidate<T>[]): Candidate<T> | undefined {
  return candidates.find((c) => c.value !== undefined && c.value !== '');
}

function check<T>(schema: z.ZodType<T>, candidate: Candidate<unknown>, key: string): T {
  const parsed = schema.safeParse(candidate.value);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? 'invalid value';
  throw new ConfigError(`Invalid ${key} ${JSON.stringify(candidate.value)} from ${candidate.origin}: ${message}`, {
    hint: `fix ${candidate.origin}`,
    details: { key, source: candidate.source, origin: candidate.origin },
  });
}

function fromEnv(env: Record<string, string | undefined>, key: ConfigKey): Candidate<string>[] {
  return envVarsFor(key).map((name: EnvVarName) => ({ value: env[name], source: 'env', origin: `$${name}` }));
}

function splitList(value: string[] | string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

/**
 * Resolves the configuration of one stage, per key: flags > environment >
 * config file (its `stages.<stage>` section over its top level) > defaults.
 *
 * @example
 * ```ts
 * const config = await resolveConfig({ flags: { stage: 'prod' } });
 * config.resources.catalogTable; // "streamctl-prod-catalog"
 * config.sources.region;         // "env" when AWS_REGION was set
 * ```
 */
export async function resolveConfig(options: ResolveConfigOptions = {}): Promise<StreamctlConfig> {
  const flags = options.flags ?? {};
  const env = options.env ?? process.env;
  const cwd = resolve(options.cwd ?? process.cwd());
  const configFile = options.configFile === false ? undefined : (options.configFile ?? findConfigFile(cwd));
  const file: ConfigFile = configFile ? await loadConfigFile(configFile) : {};
  const fileOrigin = configFile ? `config file ${configFile}` : 'config file';

  const stageCandidate = pick<string>([
    { value: flags.stage, source: 'flag', origin: '--stage' },
    ...fromEnv(env, 'stage'),
    { value: file.stage, source: 'file', origin: fileOrigin },
    { value: DEFAULTS.stage, source: 'default', origin: 'default' },
  ]) as Candidate<string>;
  const stage = check(StageName, stageCandidate, 'stage');

  const stageFile = { ...file, ...(file.stages?.[stage] ?? {}) };
  const resolveKey = <T>(
    key: ConfigKey,
    flag: unknown,
    fileValue: unknown,
    fallback: unknown,
    schema: z.ZodType<T>,
  ) => {
    const candidate = pick<unknown>([
      { value: flag, source: 'flag', origin: `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` },
      ...fromEnv(env, key),
      { value: fileValue, source: 'file', origin: fileOrigin },
      { value: fallback, source: 'default', origin: 'default' },
    ]);
    if (!candidate) return { value: undefined, source: 'default' as ConfigSource };
    return { value: check(schema, candidate, key), source: candidate.source };
  };

  const region = resolveKey('region', flags.region, stageFile.region, DEFAULTS.region, Region);
  const profile = resolveKey('profile', flags.profile, stageFile.profile, undefined, z.string().min(1));
  const endpointUrl = resolveKey('endpointUrl', flags.endpointUrl, stageFile.endpointUrl, undefined, EndpointUrl);
  const maxAttempts = resolveKey(
    'maxAttempts',
    flags.maxAttempts,
    stageFile.maxAttempts,
    DEFAULTS.maxAttempts,
    MaxAttempts,
  );
  const regions = resolveKey(
    'regions',
    splitList(flags.regions),
    stageFile.regions,
    undefined,
    z.preprocess((v) => (typeof v === 'string' ? splitList(v) : v), Regions),
  );
  const controlRegions = resolveKey(
    'controlRegions',
    flags.controlRegions,
    stageFile.controlRegions,
    undefined,
    ControlRegions,
  );
  const domain = resolveKey('domain', flags.domain, stageFile.domain, undefined, Domain);
  const engines = resolveKey('engines', flags.engines, stageFile.engines, DEFAULTS.engines, Engines);
  const projectRoot = configFile ? dirname(configFile) : cwd;
  const dataDirRaw = resolveKey('dataDir', flags.dataDir, stageFile.dataDir, join('.streamctl', stage), z.string());
  const dataDirBase = dataDirRaw.source === 'file' || dataDirRaw.source === 'default' ? projectRoot : cwd;
  const dataDir = isAbsolute(dataDirRaw.value as string)
    ? (dataDirRaw.value as string)
    : resolve(dataDirBase, dataDirRaw.value as string);

  const homeRegion = region.value as string;
  const regionList = (regions.value as string[] | undefined) ?? [homeRegion];
  const stageRegions = regionList.includes(homeRegion) ? regionList : [homeRegion, ...regionList];
  const overrides: ResourceNameOverrides = stageFile.resources ?? {};
  const media = resolveBlock('media', MediaSettingsSchema, env, stageFile.media ?? {}, fileOrigin);
  const search = resolveBlock('search', SearchSettingsSchema, env, stageFile.search ?? {}, fileOrigin);
  const rateLimits = resolveRateLimits(env, file.stages?.[stage]?.rateLimits ?? {}, file.rateLimits ?? {});
  const sessionBlock = resolveBlock('sessions', SessionSettingsSchema, env, stageFile.sessions ?? {}, fileOrigin);
  const sessions: SessionSettings = { ...DEFAULT_SESSION_SETTINGS, ...sessionBlock };
  const models: ModelsSettings = {
    ...DEFAULT_MODELS_SETTINGS,
    ...resolveBlock('models', ModelsSettingsSchema, env, stageFile.models ?? {}, fileOrigin),
  };
  const privacy: PrivacySettings = {
    ...DEFAULT_PRIVACY_SETTINGS,
    ...(resolveBlock(
      'privacy',
      PrivacySettingsSchema,
      env,
      stageFile.privacy ?? {},
      fileOrigin,
    ) as Partial<PrivacySettings>),
  };
  const analyticsBlock = resolveBlock('analytics', AnalyticsSettingsSchema, env, stageFile.analytics ?? {}, fileOrigin);
  const analytics: AnalyticsSettings = {
    lakeFlushSeconds: analyticsBlock.lakeFlushSeconds ?? 10,
    lakeMaxEvents: analyticsBlock.lakeMaxEvents ?? 50_000,
    slo: resolveSlos(analyticsBlock.slo ?? {}),
  };
  const protection = resolveBlock('protection', ProtectionSettingsSchema, env, stageFile.protection ?? {}, fileOrigin);
  if (sessions.heartbeatSeconds >= sessions.ttlSeconds) {
    throw new ConfigError(
      `Invalid sessions: heartbeats every ${sessions.heartbeatSeconds} s would not keep a session with a ${sessions.ttlSeconds} s TTL alive`,
      { hint: 'set sessions.heartbeatSeconds below sessions.ttlSeconds (a quarter of it is usual)' },
    );
  }

  return {
    stage,
    region: homeRegion,
    profile: profile.value as string | undefined,
    endpointUrl: endpointUrl.value as string | undefined,
    dataDir,
    engines: engines.value as EngineProfile,
    maxAttempts: maxAttempts.value as number,
    regions: stageRegions,
    controlRegions: (controlRegions.value as string[] | undefined) ?? stageRegions,
    ...(domain.value ? { domain: domain.value as string } : {}),
    resources: resourceNames(stage, homeRegion, overrides),
    media,
    search,
    rateLimits,
    sessions,
    models,
    privacy,
    analytics,
    protection,
    configFile,
    sources: {
      stage: stageCandidate.source,
      region: region.source,
      profile: profile.source,
      endpointUrl: endpointUrl.source,
      dataDir: dataDirRaw.source,
      engines: engines.source,
      maxAttempts: maxAttempts.source,
      regions: regions.source,
      controlRegions: controlRegions.source,
      domain: domain.source,
    },
  };
}

/** A settings block (`media`, `search`, `sessions`, `models`, `privacy`): each of its `STREAMCTL_*` variables over the file's block. */
function resolveBlock<T>(
  block: 'media' | 'search' | 'sessions' | 'models' | 'privacy' | 'analytics' | 'protection',
  schema: z.ZodType<T>,
  env: Record<string, string | undefined>,
  file: T,
  fileOrigin: string,
): T {
  const values: Record<string, unknown> = { ...(file as Record<string, unknown>) };
  for (const name of Object.keys(ENV_VARS) as EnvVarName[]) {
    const key = ENV_VARS[name].key;
    const value = env[name];
    if (!key.startsWith(`${block}.`) || value === undefined || value === '') continue;
    values[key.slice(block.length + 1)] = value;
  }
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? '');
  const envName = (Object.keys(ENV_VARS) as EnvVarName[]).find((n) => ENV_VARS[n].key === `${block}.${field}`);
  const origin = envName && env[envName] ? `$${envName}` : `${fileOrigin} (${block}.${field})`;
  throw new ConfigError(`Invalid ${block}.${field} from ${origin}: ${issue?.message ?? 'invalid value'}`, {
    hint: `fix ${origin}`,
    details: { key: `${block}.${field}` },
  });
}

/** The documented environment variables, for `--help` and READMEs. */
export function describeEnvVars(): Array<{ name: EnvVarName; doc: string }> {
  return (Object.keys(ENV_VARS) as EnvVarName[]).map((name) => ({ name, doc: ENV_VARS[name].doc }));
}

/**
 * Whether a Region of the stage holds a replica of the control table (the routing record's
 * table). On the local stage, and wherever per-service endpoints point every Region at one
 * store, every Region does; on AWS, the `controlRegions` do.
 *
 * @example
 * ```ts
 * holdsControlTable({ stage: 'prod', controlRegions: ['us-east-1', 'us-east-2'] }, 'eu-west-1'); // false
 * ```
 */
export function holdsControlTable(
  config: Pick<StreamctlConfig, 'stage' | 'controlRegions' | 'endpoints'>,
  region: string,
): boolean {
  return config.stage === LOCAL_STAGE || config.endpoints !== undefined || config.controlRegions.includes(region);
}

/**
 * The control Regions in the order the stage's Region asks them for the routing record: the
 * Region itself when it holds a replica of the control table (locally, where every Region shares
 * one store, only it), otherwise the stage's `controlRegions` in their order.
 *
 * @example
 * ```ts
 * controlRegionOrder({ ...config, region: 'eu-west-1', controlRegions: ['us-east-1', 'us-east-2'] });
 * // ["us-east-1", "us-east-2"]
 * ```
 */
export function controlRegionOrder(
  config: Pick<StreamctlConfig, 'stage' | 'region' | 'controlRegions' | 'endpoints'>,
): string[] {
  if (config.stage === LOCAL_STAGE || config.endpoints) return [config.region];
  if (!holdsControlTable(config, config.region)) return [...config.controlRegions];
  return [config.region, ...config.controlRegions.filter((r) => r !== config.region)];
}
