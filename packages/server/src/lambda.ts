/**
 * The Lambda entry (API Gateway HTTP API, payload v2). The platform and the
 * app are created once per execution environment, from its environment:
 *
 * - `STREAMCTL_STAGE`, `AWS_REGION`, … as everywhere (see `@streamctl/sdk` config);
 * - `STREAMCTL_JWT_ISSUER` (the Cognito user pool URL), `STREAMCTL_JWKS_URL`
 *   (default `<issuer>/.well-known/jwks.json`), `STREAMCTL_JWT_AUDIENCE` (optional);
 * - `STREAMCTL_CDN_URL`, `STREAMCTL_CF_KEY_PAIR_ID`, `STREAMCTL_CF_PRIVATE_KEY` (PEM);
 * - `REDIS_URL` (optional): ElastiCache Redis for the shared cache, else an in-process LRU.
 *
 * @module
 */

import { Logger } from '@aws-lambda-powertools/logger';
import {
  ConfigError,
  createJwtVerifier,
  createPlatform,
  createPlaybackSigner,
  createRedisCache,
  resolveConfig,
} from '@streamctl/sdk';
import { handle } from 'hono/aws-lambda';
import { createHttpApp } from './app.js';

let lambdaHandler: ReturnType<typeof handle> | undefined;

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new ConfigError(`The function's environment lacks ${name}`, {
      hint: 'deploy with the streamctl CDK app, which sets it',
    });
  return value;
}

async function getHandler(): Promise<ReturnType<typeof handle>> {
  if (!lambdaHandler) {
    const config = await resolveConfig({ configFile: false });
    const issuer = required('STREAMCTL_JWT_ISSUER');
    const audience = process.env.STREAMCTL_JWT_AUDIENCE;
    const redisUrl = process.env.REDIS_URL;
    const cache = redisUrl ? await createRedisCache(redisUrl) : undefined;
    const platform = createPlatform(config, {
      // The cache degrades to misses (circuit breaker) when Redis is away; the API keeps serving.
      ...(cache ? { cache } : {}),
      verifyToken: createJwtVerifier({
        jwks: process.env.STREAMCTL_JWKS_URL ?? `${issuer}/.well-known/jwks.json`,
        issuer,
        ...(audience ? { audience } : {}),
      }),
      playback: {
        signer: createPlaybackSigner({
          keyPairId: required('STREAMCTL_CF_KEY_PAIR_ID'),
          privateKey: required('STREAMCTL_CF_PRIVATE_KEY'),
        }),
        cdnBaseUrl: required('STREAMCTL_CDN_URL'),
      },
    });
    const logger = new Logger({ serviceName: 'streamctl-api' });
    lambdaHandler = handle(
      createHttpApp(platform, {
        rateLimits: config.rateLimits,
        // Every execution environment counts against the same buckets in Redis; its own while Redis is away.
        ...(cache ? { rateLimitStore: cache } : {}),
        log: ({ level, message, ...fields }) =>
          level === 'ERROR' ? logger.error(String(message), fields) : logger.info(String(message), fields),
      }),
    );
  }
  return lambdaHandler;
}

/**
 * The API Gateway HTTP API handler.
 *
 * @example
 * ```ts
 * // CDK: new NodejsFunction(this, 'Api', { entry: require.resolve('@streamctl/server/lambda'), handler: 'handler' })
 * ```
 */
export const handler = async (...args: Parameters<ReturnType<typeof handle>>) => (await getHandler())(...args);
