/**
 * The Lambda entry (API Gateway HTTP API, payload v2). The platform and the
 * app are created once per execution environment, from its environment:
 *
 * - `STREAMCTL_STAGE`, `AWS_REGION`, `STREAMCTL_RATE_LIMIT_*`, … as everywhere (see `@streamctl/sdk` config);
 * - `STREAMCTL_JWT_ISSUER` (the Cognito user pool URL), `STREAMCTL_JWKS_URL`
 *   (default `<issuer>/.well-known/jwks.json`), `STREAMCTL_JWT_AUDIENCE` (optional);
 * - `STREAMCTL_CDN_URL`;
 * - `STREAMCTL_CF_SIGNING_SECRET_ID`: the Secrets Manager secret (name or ARN) holding the
 *   stage's CloudFront signing key set (`@streamctl/sdk/keys`: several key pairs, one active; the
 *   older `{ "keyPairId", "privateKey" }` is a set of one), read at run time and again every
 *   5 minutes, so `streamctl keys rotate` is taken up without a new execution environment. Only the
 *   active key signs. Runs outside AWS may give `STREAMCTL_CF_KEY_PAIR_ID` and
 *   `STREAMCTL_CF_PRIVATE_KEY` (PEM) instead;
 * - `STREAMCTL_ORIGIN_SECRET_ID` (optional): the secret CloudFront sends in `x-streamctl-origin-secret`;
 *   requests that present it are rate-limited per viewer (`CloudFront-Viewer-Address`);
 * - `REDIS_URL` (optional): ElastiCache Redis for the shared cache and rate-limit buckets, else in-process;
 * - `STREAMCTL_REDIS_AUTH_SECRET_ID` (optional, with `REDIS_URL`): the secret holding Redis's AUTH token,
 *   read once per execution environment and given to the connection as its password.
 *
 * @module
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  type Cache,
  ConfigError,
  createJwtVerifier,
  createPlatform,
  createRedisCache,
  type Platform,
  parseSigningKeySet,
  resolveConfig,
  type StreamctlConfig,
  signerForKeySet,
} from '@streamctl/sdk';
import { handle } from 'hono/aws-lambda';
import { createHttpApp } from './app.js';
import { createSecretReader, type SecretReader } from './secrets.js';

type Handler = ReturnType<typeof handle>;

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new ConfigError(`The function's environment lacks ${name}`, {
      hint: 'deploy with the streamctl CDK app, which sets it',
    });
  return value;
}

/** What an execution environment sets up once: the config, its clients and the secrets it reads. */
interface Environment {
  config: StreamctlConfig;
  cache: Cache | undefined;
  logger: Logger;
  /** The signing key pair as text (JSON from the secret, or from the environment outside AWS). */
  signingKey(): Promise<string>;
  origin: SecretReader | undefined;
}

async function prepare(): Promise<Environment> {
  const config = await resolveConfig({ configFile: false });
  const logger = new Logger({ serviceName: 'streamctl-api' });
  const provider = new SecretsProvider({ clientConfig: { region: config.region, maxAttempts: config.maxAttempts } });
  const signingId = process.env.STREAMCTL_CF_SIGNING_SECRET_ID;
  const signing = signingId ? createSecretReader(signingId, { provider }) : undefined;
  const originId = process.env.STREAMCTL_ORIGIN_SECRET_ID;
  const redisUrl = process.env.REDIS_URL;
  const redisAuthId = process.env.STREAMCTL_REDIS_AUTH_SECRET_ID;
  return {
    config,
    // The cache degrades to misses (circuit breaker) when Redis is away; the API keeps serving.
    cache: redisUrl
      ? await createRedisCache(
          redisAuthId ? withPassword(redisUrl, await createSecretReader(redisAuthId, { provider }).get()) : redisUrl,
        )
      : undefined,
    logger,
    signingKey: signing
      ? () => signing.get()
      : async () =>
          JSON.stringify({
            keyPairId: required('STREAMCTL_CF_KEY_PAIR_ID'),
            privateKey: required('STREAMCTL_CF_PRIVATE_KEY'),
          }),
    origin: originId ? createSecretReader(originId, { provider }) : undefined,
  };
}

/** A Redis URL with the AUTH token as its password (encoded: the URL carries it, no log does). */
function withPassword(url: string, token: string): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(token);
  return parsed.toString();
}

/** The app built over one signing key; rebuilt when the key changes. */
function build(env: Environment, signingText: string): { handler: Handler; platform: Platform } {
  // The value is a secret: a refusal names the source, never what it holds.
  const source = process.env.STREAMCTL_CF_SIGNING_SECRET_ID ?? 'the environment';
  const keys = parseSigningKeySet(signingText, source);
  const issuer = required('STREAMCTL_JWT_ISSUER');
  const audience = process.env.STREAMCTL_JWT_AUDIENCE;
  const platform = createPlatform(env.config, {
    ...(env.cache ? { cache: env.cache } : {}),
    verifyToken: createJwtVerifier({
      jwks: process.env.STREAMCTL_JWKS_URL ?? `${issuer}/.well-known/jwks.json`,
      issuer,
      ...(audience ? { audience } : {}),
    }),
    // The active key only: a pending or retiring key in the set never signs.
    playback: { signer: signerForKeySet(keys), cdnBaseUrl: required('STREAMCTL_CDN_URL') },
  });
  const { logger, origin } = env;
  const handler = handle(
    createHttpApp(platform, {
      rateLimits: env.config.rateLimits,
      // Every execution environment counts against the same buckets in Redis; its own while Redis is away.
      ...(env.cache ? { rateLimitStore: env.cache } : {}),
      // Until the secret can be read (the edge stack not deployed yet), no request is taken for CloudFront's.
      ...(origin ? { originSecret: () => origin.get() } : {}),
      log: ({ level, message, ...fields }) =>
        level === 'ERROR' ? logger.error(String(message), fields) : logger.info(String(message), fields),
    }),
  );
  return { handler, platform };
}

let environment: Promise<Environment> | undefined;
let current: { signingText: string; handler: Handler; platform: Platform } | undefined;
/** A changed key that could not be used: not tried again until the secret changes once more. */
let rejected: string | undefined;

async function getHandler(): Promise<Handler> {
  environment ??= prepare().catch((err: unknown) => {
    environment = undefined;
    throw err;
  });
  const env = await environment;
  let signingText: string;
  try {
    signingText = await env.signingKey();
  } catch (err) {
    // A new environment cannot sign playback without its key; a running one keeps the key it has.
    if (!current) throw err;
    env.logger.warn('keeping the CloudFront signing key read before', { error: String(err) });
    return current.handler;
  }
  if (current && (current.signingText === signingText || rejected === signingText)) return current.handler;
  let next: ReturnType<typeof build>;
  try {
    next = build(env, signingText);
  } catch (err) {
    if (!current) throw err;
    rejected = signingText;
    env.logger.error('the changed CloudFront signing key is not usable; keeping the one read before', {
      error: String(err),
    });
    return current.handler;
  }
  const previous = current;
  current = { signingText, ...next };
  // One invocation at a time per execution environment: nothing is in flight on the old platform.
  previous?.platform.close();
  return current.handler;
}

/**
 * The API Gateway HTTP API handler.
 *
 * @example
 * ```ts
 * // CDK: new NodejsFunction(this, 'Api', { entry: require.resolve('@streamctl/server/lambda'), handler: 'handler' })
 * ```
 */
export const handler = async (...args: Parameters<Handler>) => (await getHandler())(...args);
