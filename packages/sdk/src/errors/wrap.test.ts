import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { StreamctlError as ClientStreamctlError } from '@streamctl/client/errors';
import { describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../aws/index.js';
import { resolveConfig } from '../config/index.js';
import { AwsServiceError, isStreamctlError, NotFoundError, StreamctlError, wrapAwsError } from './index.js';

const awsError = (name: string, extra: object = {}) => Object.assign(new Error(`${name} happened`), { name, ...extra });

describe('wrapAwsError', () => {
  it.each([
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'ENDPOINT_UNREACHABLE'],
    [Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'ENDPOINT_UNREACHABLE'],
    [awsError('CredentialsProviderError'), 'CREDENTIALS_MISSING'],
    [awsError('ResourceNotFoundException'), 'RESOURCE_NOT_FOUND'],
    [awsError('NoSuchBucket'), 'RESOURCE_NOT_FOUND'],
    [awsError('ConditionalCheckFailedException'), 'CONFLICT'],
    [awsError('ProvisionedThroughputExceededException'), 'THROTTLED'],
    [awsError('ValidationException'), 'AWS_ERROR'],
  ])('maps %s', (error, code) => {
    const wrapped = wrapAwsError(error, 'dynamodb:PutItem', 'table t');
    expect(wrapped.code).toBe(code);
    expect(wrapped.cause).toBe(error);
    expect(wrapped.message).toContain('dynamodb:PutItem (table t)');
    expect(isStreamctlError(wrapped)).toBe(true);
  });

  it('keeps the service error name and passes StreamctlErrors through', () => {
    const wrapped = wrapAwsError(awsError('ValidationException'), 'dynamodb:Query');
    expect(wrapped.details).toMatchObject({ awsCode: 'ValidationException', operation: 'dynamodb:Query' });
    const own = new NotFoundError('x');
    expect(wrapAwsError(own, 'op')).toBe(own);
  });
});

describe('the error family across packages', () => {
  it("is one class: the SDK re-exports the client's StreamctlError, and AWS errors are instances of it", () => {
    expect(StreamctlError).toBe(ClientStreamctlError);
    const wrapped = wrapAwsError(awsError('ThrottlingException'), 'kinesis:PutRecords');
    expect(wrapped).toBeInstanceOf(AwsServiceError);
    expect(wrapped).toBeInstanceOf(ClientStreamctlError);
    expect(new NotFoundError('x')).toBeInstanceOf(ClientStreamctlError);
  });
});

describe('wrapAwsError says what went wrong with the endpoint, alike for every service', () => {
  const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
  const calls = (endpoint: string) => [
    {
      operation: 'kinesis:DescribeStreamSummary',
      // Kinesis's own HTTP/2 handler (as on AWS) reports a failed lookup as a cancelled stream;
      // with an endpoint set the SDK gives every client an HTTP/1.1 handler, as here for a server.
      send: () =>
        new KinesisClient({
          region: 'eu-west-1',
          endpoint,
          credentials,
          maxAttempts: 1,
          ...(endpoint.startsWith('http:') ? { requestHandler: new NodeHttpHandler() } : {}),
        }).send(new DescribeStreamSummaryCommand({ StreamName: 's' })),
    },
    {
      operation: 'dynamodb:DescribeTable',
      send: () =>
        new DynamoDBClient({ region: 'eu-west-1', endpoint, credentials, maxAttempts: 1 }).send(
          new DescribeTableCommand({ TableName: 't' }),
        ),
    },
    {
      operation: 's3:ListObjectsV2',
      send: () =>
        new S3Client({ region: 'eu-west-1', endpoint, credentials, maxAttempts: 1, forcePathStyle: true }).send(
          new ListObjectsV2Command({ Bucket: 'b' }),
        ),
    },
  ];
  const wrapped = async (call: { operation: string; send: () => Promise<unknown> }) => {
    try {
      await call.send();
    } catch (err) {
      return wrapAwsError(err, call.operation);
    }
    throw new Error('the call succeeded');
  };

  it('a name that does not resolve is ENDPOINT_UNREACHABLE for Kinesis too, naming the host', async () => {
    for (const call of calls('https://streamctl-test.invalid')) {
      const error = await wrapped(call);
      expect(error.code, call.operation).toBe('ENDPOINT_UNREACHABLE');
      expect(error.message, call.operation).toMatch(
        /the endpoint streamctl-test\.invalid did not answer \((ENOTFOUND|EAI_AGAIN)\)/,
      );
      expect(error.hint).toContain('--endpoint-url');
    }
  });

  it('an HTTP server that is not AWS is named as such, not "Unknown: UnknownError"', async () => {
    for (const body of ['', '<html>Not Found</html>']) {
      const server = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end(body));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        // S3 is left out: its 404 without a body is also how a real bucket that is missing answers HEAD.
        for (const call of calls(`http://127.0.0.1:${port}`).filter((c) => !c.operation.startsWith('s3:'))) {
          const error = await wrapped(call);
          expect(error.message, call.operation).toBe(
            `${call.operation} failed: the endpoint answered HTTP 404, not as AWS does; it is probably not an AWS or LocalStack endpoint`,
          );
          expect(error.hint).toMatch(/^check --endpoint-url/);
        }
      } finally {
        server.close();
      }
    }
  });

  it("hints by where the call went: AWS's own endpoint gets no advice about --endpoint-url or streamctl dev", () => {
    const lookup = (hostname: string) =>
      wrapAwsError(
        Object.assign(new Error('The pending stream has been canceled'), {
          code: 'ERR_HTTP2_STREAM_CANCEL',
          cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }),
        }),
        'kinesis:DescribeStreamSummary',
      );
    const aws = lookup('kinesis.eu-west-1.amazonaws.com');
    expect(aws.code).toBe('ENDPOINT_UNREACHABLE');
    expect(aws.message).toBe(
      'kinesis:DescribeStreamSummary failed: the endpoint kinesis.eu-west-1.amazonaws.com did not answer (ENOTFOUND)',
    );
    expect(aws.hint).toBe('check the network connection (DNS, HTTPS_PROXY) and that --region names an AWS Region');
    const refused = wrapAwsError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), {
        code: 'ECONNREFUSED',
        address: '127.0.0.1',
        port: 4566,
      }),
      'dynamodb:DescribeTable',
    );
    expect(refused.message).toBe(
      'dynamodb:DescribeTable failed: the endpoint 127.0.0.1:4566 did not answer (ECONNREFUSED)',
    );
    expect(refused.hint).toBe(
      'is it running? Check --endpoint-url / STREAMCTL_ENDPOINT_URL, or start the local platform with `streamctl dev`',
    );
  });

  it('names the AWS profile that gave no credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamctl-profile-'));
    for (const [name, value] of Object.entries({
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_PROFILE: undefined,
      AWS_EC2_METADATA_DISABLED: 'true',
    }))
      vi.stubEnv(name, value);
    try {
      const config = await resolveConfig({
        flags: { stage: 'prod', region: 'eu-west-1', profile: 'nosuch' },
        env: {},
        configFile: false,
      });
      const clients = createAwsClients(config);
      const error = await clients
        .dynamodb()
        .send(new DescribeTableCommand({ TableName: 't' }))
        .then(
          () => undefined,
          (err: unknown) => wrapAwsError(err, 'dynamodb:DescribeTable'),
        );
      clients.destroy();
      expect(error?.code).toBe('CREDENTIALS_MISSING');
      expect(error?.message).toBe('dynamodb:DescribeTable failed: AWS profile "nosuch" gave no credentials');
      expect(error?.hint).toContain('aws sso login --profile nosuch');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
