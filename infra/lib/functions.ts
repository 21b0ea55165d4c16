/**
 * Lambda functions of the platform: the newest Node.js runtime aws-cdk-lib
 * offers, arm64, bundled by esbuild from the packages' TypeScript sources,
 * each with its own log group and a role of explicit statements (no AWS
 * managed policy): write its own log group, send traces, and (in a VPC) the
 * network interfaces Lambda attaches; every grant the stacks add comes on top.
 */
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type ILogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root: bundling resolves workspace packages from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The runtime of every function: the newest Node.js aws-cdk-lib offers. */
export const NODE_RUNTIME = Runtime.NODEJS_24_X;

/** How long a function's own log group keeps its lines, unless the caller brings its own group. */
export const FUNCTION_LOG_RETENTION = RetentionDays.ONE_MONTH;

/**
 * X-Ray's trace upload: the only actions of a function's role on every resource, because X-Ray
 * offers no resource-level permissions for them.
 */
export const TRACE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

/**
 * What Lambda does with the execution role to place a function in a VPC: look up the subnets and
 * interfaces (no resource-level permissions: every resource) and create, attach addresses to and
 * delete the function's interfaces (in this account and Region).
 */
export const VPC_DESCRIBE_ACTIONS = ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'] as const;
export const VPC_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/**
 * A function bundled from a workspace source file, with its role and log group made here.
 *
 * @example
 * ```ts
 * platformFunction(this, 'WatchState', { entry: 'packages/workers/src/lambda.ts', handler: 'watchStateHandler' });
 * ```
 */
export function platformFunction(
  scope: Construct,
  id: string,
  props: Omit<NodejsFunctionProps, 'entry' | 'role' | 'tracing' | 'logGroup'> & { entry: string; logGroup?: ILogGroup },
): NodejsFunction {
  const stack = Stack.of(scope);
  const logGroup = props.logGroup ?? new LogGroup(scope, `${id}Logs`, { retention: FUNCTION_LOG_RETENTION });
  const role = new Role(scope, `${id}ServiceRole`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `streamctl function ${id}: its log group, traces, and the grants its stack adds`,
  });
  // Written to its own log group only (the group's ARN ends in `:*`, which covers its streams).
  const base = new Policy(scope, `${id}BasePolicy`, {
    roles: [role],
    statements: [
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
      new PolicyStatement({ actions: [...TRACE_ACTIONS], resources: ['*'] }),
    ],
  });
  Validations.of(base).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; this policy holds ' +
      'them and the log statements on the function own log group, nothing else.',
  });
  const network = props.vpc ? vpcPolicy(scope, id, stack, role) : undefined;

  const fn = new NodejsFunction(scope, id, {
    runtime: NODE_RUNTIME,
    architecture: Architecture.ARM_64,
    memorySize: 512,
    timeout: Duration.seconds(30),
    loggingFormat: LoggingFormat.JSON,
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}pnpm-lock.yaml`,
    ...props,
    role,
    logGroup,
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
  // Active tracing, set on the function itself: the `tracing` prop would put X-Ray's `*` statement in the
  // role's default policy, beside the stacks' grants, where a wildcard must never appear.
  (fn.node.defaultChild as CfnFunction).tracingConfig = { mode: 'Active' };
  // Lambda checks the role when it creates the function (and its VPC interfaces): the policies come first.
  fn.node.addDependency(base);
  if (network) fn.node.addDependency(network);
  return fn;
}

/** The statements Lambda needs to attach a function to its VPC, in its own policy. */
function vpcPolicy(scope: Construct, id: string, stack: Stack, role: Role): Policy {
  const ec2 = (resource: string) =>
    stack.formatArn({ service: 'ec2', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const policy = new Policy(scope, `${id}VpcPolicy`, {
    roles: [role],
    statements: [
      new PolicyStatement({ actions: [...VPC_DESCRIBE_ACTIONS], resources: ['*'] }),
      new PolicyStatement({
        actions: [...VPC_INTERFACE_ACTIONS],
        resources: [ec2('network-interface'), ec2('subnet'), ec2('security-group')],
      }),
    ],
  });
  const where = `arn:<AWS::Partition>:ec2:${stack.region}:${stack.account}`;
  Validations.of(policy).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level permissions.',
    },
    ...['network-interface', 'subnet', 'security-group'].map((resource) => ({
      id: `AwsSolutions-IAM5[Resource::${where}:${resource}/*]`,
      reason:
        'Lambda creates and deletes the function network interfaces under ids it chooses, in subnets and security ' +
        'groups of this account and Region: the ids are not known when the role is made.',
    })),
  );
  return policy;
}
