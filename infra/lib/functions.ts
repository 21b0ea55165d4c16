/**
 * Lambda functions of the platform: the newest Node.js runtime aws-cdk-lib
 * offers, arm64, bundled by esbuild from the packages' TypeScript sources.
 */
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

/** The repository root: bundling resolves workspace packages from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The runtime of every function: the newest Node.js aws-cdk-lib offers. */
export const NODE_RUNTIME = Runtime.NODEJS_24_X;

/**
 * A function bundled from a workspace source file.
 *
 * @example
 * ```ts
 * platformFunction(this, 'WatchState', { entry: 'packages/workers/src/lambda.ts', handler: 'watchStateHandler' });
 * ```
 */
export function platformFunction(
  scope: Construct,
  id: string,
  props: Omit<NodejsFunctionProps, 'entry'> & { entry: string },
): NodejsFunction {
  return new NodejsFunction(scope, id, {
    runtime: NODE_RUNTIME,
    architecture: Architecture.ARM_64,
    memorySize: 512,
    timeout: Duration.seconds(30),
    tracing: Tracing.ACTIVE,
    loggingFormat: LoggingFormat.JSON,
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}pnpm-lock.yaml`,
    ...props,
    entry: `${REPO_ROOT}${props.entry}`,
    environment: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NODE_OPTIONS: '--enable-source-maps',
      ...props.environment,
    },
    bundling: {
      format: OutputFormat.ESM,
      target: 'node24',
      minify: true,
      sourceMap: true,
      // ESM bundles still meet CommonJS dependencies that call require().
      banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      // The Lambda runtime ships the AWS SDK v3, but the platform pins its own versions.
      externalModules: [],
      ...props.bundling,
    },
  });
}
