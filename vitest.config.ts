import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Workspace imports resolve to source, so tests never need a build.
const alias = [
  { find: /^@streamctl\/client$/, replacement: root('./packages/client/src/index.ts') },
  { find: /^@streamctl\/client\/(contract|errors|regions)$/, replacement: root('./packages/client/src/$1.ts') },
  { find: /^@streamctl\/sdk$/, replacement: root('./packages/sdk/src/index.ts') },
  { find: /^@streamctl\/sdk\/(.+)$/, replacement: root('./packages/sdk/src/$1/index.ts') },
  { find: /^@streamctl\/(cli|local|server|workers)$/, replacement: root('./packages/$1/src/index.ts') },
];

/** Tests that need only DynamoDB: run against the embedded platform and against AWS's DynamoDB Local. */
const dynamodbTests = 'packages/*/test/e2e/**/*.ddb.test.ts';

/** Every e2e test: run on the embedded engines (`e2e`) and on the aws-local engines (`aws-local`). */
const e2eTests = 'packages/*/test/e2e/**/*.test.ts';

export default defineConfig({
  resolve: { alias },
  test: {
    pool: 'forks',
    // Vitest's default (one less than the cores) leaves a 2-core CI machine one file at a time, while
    // most e2e files wait on emulators, ffmpeg or Chromium: two at a time there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default', './test/summary-reporter.ts'],
    // The AWS SDK's Node version notice belongs to `streamctl status`, not to every test file.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Tests never reach for EC2 instance metadata (169.254.169.254) when a
      // credential chain comes up empty: only loopback is ever a target here.
      AWS_EC2_METADATA_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'bench/**/*.test.ts', 'infra/test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: [e2eTests],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'dynamodb-local',
          include: [dynamodbTests],
          globalSetup: ['test/dynamodb-local/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'aws-local',
          include: [e2eTests],
          globalSetup: ['test/aws-local/global-setup.ts'],
          // Platforms a test starts itself (`streamctl dev`, drills) run on the same engines.
          env: {
            STREAMCTL_ENGINES: 'aws-local',
            STREAMCTL_ENGINES_CACHE: root('./.cache/engines'),
            // kinesis-mock is slow at volume (docs/ENGINE-DIFFERENCES.md §3): the same delivery
            // test with fewer events; the 100,000 stay in the e2e project.
            STREAMCTL_DELIVERY_EVENTS: process.env.STREAMCTL_DELIVERY_EVENTS ?? '10000',
          },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'examples',
          include: ['examples/*/test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'pack',
          include: ['test/pack/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
