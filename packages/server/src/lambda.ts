/**
 * The Lambda entry (API Gateway HTTP API, payload v2). The platform is
 * created once per execution environment, from the function's environment.
 *
 * @module
 */
import { loadPlatform } from '@streamctl/sdk';
import type { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { createHttpApp } from './app.js';

let lambdaHandler: ReturnType<typeof handle> | undefined;

async function getHandler(): Promise<ReturnType<typeof handle>> {
  if (!lambdaHandler) {
    const app: Hono = createHttpApp(await loadPlatform({ configFile: false }));
    lambdaHandler = handle(app);
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
