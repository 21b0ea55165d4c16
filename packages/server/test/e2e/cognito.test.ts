/**
 * The AWS auth path for real: cognito-local (an emulator of the Cognito
 * user-pool API that issues RS256 tokens and serves each pool's JWKS) holds a
 * user pool and app client made as the CDK app makes them; viewers sign in,
 * and their tokens are verified through the pool's JWKS URL by the API on Node
 * and by the Lambda handler configured as the CDK app configures it.
 * `streamctl users set-country` changes a viewer's country in the pool, and
 * the next sign-in's token carries it.
 *
 * Where cognito-local is not Cognito (each is asserted below, so a change in
 * the emulator shows): its issuer is `http://<host>:<port>/<poolId>` (Cognito's
 * is `https://cognito-idp.<region>.amazonaws.com/<poolId>`; the JWKS sits at
 * `<issuer>/.well-known/jwks.json` in both); every pool signs with one shared
 * key (Cognito: a key set per pool), so a token of another pool fails on its
 * `iss` alone; it does not enforce the app client's WriteAttributes, nor its
 * ExplicitAuthFlows (the CDK client allows SRP only; the emulator has no SRP
 * and signs in with USER_PASSWORD_AUTH whatever the client allows); ID tokens
 * last 24 h unless the client says otherwise (Cognito: 1 h).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCatalog, createPlatform, createPlaybackSigner, type Platform } from '@streamctl/sdk';
import type { Context } from 'aws-lambda';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { freePort } from '../../../../scripts/net.mjs';
import { targetConfig } from '../../../../test/e2e/target.js';
import { runCli } from '../../../cli/test/run-cli.js';
import { createHttpApp, createJwtVerifier, type NodeServer, serveNode } from '../../src/index.js';
import type { handler as lambdaHandler } from '../../src/lambda.js';

const target = inject('target');
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const COGNITO_LOCAL = join(ROOT, 'node_modules/cognito-local/lib/bin/start.js');
const CDN = 'https://cdn.example.test';
const PASSWORD = 'Correct-h0rse-battery';
const run = randomUUID().slice(0, 6);
/** Generous limits: this file is about who may call, not how often. */
const RATE_LIMITS = { user: { perSecond: 10_000, burst: 10_000 }, ip: { perSecond: 10_000, burst: 10_000 } };

/** A running cognito-local, its state in a directory of its own. */
interface Emulator {
  endpoint: string;
  stop(): Promise<void>;
}

async function startCognitoLocal(): Promise<Emulator> {
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-cognito-'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [COGNITO_LOCAL], {
    cwd: dir,
    // HOST is also the issuer's host: tokens name the address the verifier fetches the JWKS from.
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cognito-local did not start:\n${output}`)), 30_000);
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`Cognito Local running on http://127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cognito-local exited (${code}):\n${output}`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An error the emulator answered, as the AWS SDK would name it. */
class CognitoCallError extends Error {}

/** One call of the Cognito user-pool API (AWS JSON 1.1, as the AWS SDK sends it; the emulator checks no signature). */
async function cognito<T = Record<string, unknown>>(endpoint: string, operation: string, input: object): Promise<T> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as T & { __type?: string; message?: string };
  if (!res.ok) throw new CognitoCallError(`${operation}: ${body.__type}: ${body.message}`);
  return body;
}

/** A user pool and its player client, as the CDK app makes them. */
interface Pool {
  id: string;
  clientId: string;
  /** The `iss` of its tokens. */
  issuer: string;
  jwks: string;
}

/**
 * The pool and client of `infra/lib/api-stack.ts` (pinned there by infra/test/platform.test.ts):
 * viewers sign in by email; `country` (2 characters) and `plan` (1–32) are mutable custom
 * attributes; the player client allows SRP and refresh only, reads every attribute (ReadAttributes
 * unset) and writes only `email`: a viewer cannot set their own country or plan.
 */
async function createViewerPool(endpoint: string, name: string): Promise<Pool> {
  const { UserPool } = await cognito<{ UserPool: { Id: string } }>(endpoint, 'CreateUserPool', {
    PoolName: name,
    UsernameAttributes: ['email'],
    AutoVerifiedAttributes: ['email'],
    Schema: [
      {
        Name: 'country',
        AttributeDataType: 'String',
        Mutable: true,
        StringAttributeConstraints: { MinLength: '2', MaxLength: '2' },
      },
      {
        Name: 'plan',
        AttributeDataType: 'String',
        Mutable: true,
        StringAttributeConstraints: { MinLength: '1', MaxLength: '32' },
      },
    ],
  });
  const { UserPoolClient } = await cognito<{ UserPoolClient: { ClientId: string } }>(endpoint, 'CreateUserPoolClient', {
    UserPoolId: UserPool.Id,
    ClientName: 'PlayerClient',
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    WriteAttributes: ['email'],
  });
  const issuer = `${endpoint}/${UserPool.Id}`;
  return { id: UserPool.Id, clientId: UserPoolClient.ClientId, issuer, jwks: `${issuer}/.well-known/jwks.json` };
}

/** A confirmed viewer with a permanent password; returns their user id (the `sub` of their tokens). */
async function createViewer(endpoint: string, pool: Pool, email: string, attributes: Record<string, string>) {
  const { User } = await cognito<{ User: { Attributes: Array<{ Name: string; Value: string }> } }>(
    endpoint,
    'AdminCreateUser',
    {
      UserPoolId: pool.id,
      Username: email,
      MessageAction: 'SUPPRESS',
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    },
  );
  await cognito(endpoint, 'AdminSetUserPassword', {
    UserPoolId: pool.id,
    Username: email,
    Password: PASSWORD,
    Permanent: true,
  });
  const sub = User.Attributes.find((a) => a.Name === 'sub')?.Value;
  if (!sub) throw new Error(`AdminCreateUser gave ${email} no sub`);
  return sub;
}

/** Signs a viewer in through the app client, as the player does. */
async function signIn(endpoint: string, pool: Pool, email: string, clientId = pool.clientId) {
  const { AuthenticationResult } = await cognito<{ AuthenticationResult: { IdToken: string; AccessToken: string } }>(
    endpoint,
    'InitiateAuth',
    { ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } },
  );
  return { id: AuthenticationResult.IdToken, access: AuthenticationResult.AccessToken };
}

type LambdaEvent = Extract<Parameters<typeof lambdaHandler>[0], { version: string; rawPath: string }>;
type LambdaResult = { statusCode: number; body: string };

/** An API Gateway HTTP API (payload v2) event. */
function httpApiEvent(method: string, path: string, token: string | undefined): LambdaEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      host: 'api.example.test',
      'x-forwarded-proto': 'https',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'cognito-e2e',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'e2e' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      authentication: null,
      authorizer: {},
    },
    body: null,
    isBase64Encoded: false,
  };
}

interface Answer {
  status: number;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
}

describe.skipIf(!target.endpoints.dynamodb)(`viewer sign-in through Cognito (cognito-local, ${target.kind})`, () => {
  let emulator: Emulator;
  let pool: Pool;
  let otherPool: Pool;
  let platform: Platform;
  let server: NodeServer;
  let handler: typeof lambdaHandler;
  const savedEnv = { ...process.env };
  const ids = { gb: `cog-gb-${run}`, fr: `cog-fr-${run}` };
  const email = {
    gb: `gb-${run}@example.test`,
    countryless: `nocountry-${run}@example.test`,
    mover: `mover-${run}@example.test`,
    other: `other-${run}@example.test`,
  };
  const users: Record<keyof typeof email, string> = { gb: '', countryless: '', mover: '', other: '' };

  /** The two shells over the same platform: the Node server and the Lambda handler. */
  const shells = {
    node: async (method: string, path: string, token?: string): Promise<Answer> => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return { status: res.status, json: (await res.json()) as Answer['json'] };
    },
    lambda: async (method: string, path: string, token?: string): Promise<Answer> => {
      const result = (await handler(httpApiEvent(method, path, token), {} as Context)) as LambdaResult;
      return { status: result.statusCode, json: JSON.parse(result.body) as Answer['json'] };
    },
  };
  const railTitles = (home: Answer) =>
    (home.json.rails as Array<{ items: Array<{ titleId: string }> }>).flatMap((r) => r.items.map((i) => i.titleId));

  beforeAll(async () => {
    emulator = await startCognitoLocal();
    pool = await createViewerPool(emulator.endpoint, `streamctl-e2e-${run}-viewers`);
    otherPool = await createViewerPool(emulator.endpoint, `streamctl-e2e-${run}-elsewhere`);
    users.gb = await createViewer(emulator.endpoint, pool, email.gb, {
      'custom:country': 'GB',
      'custom:plan': 'standard',
    });
    users.countryless = await createViewer(emulator.endpoint, pool, email.countryless, { 'custom:plan': 'standard' });
    users.mover = await createViewer(emulator.endpoint, pool, email.mover, {
      'custom:country': 'GB',
      'custom:plan': 'basic',
    });
    users.other = await createViewer(emulator.endpoint, otherPool, email.other, {
      'custom:country': 'GB',
      'custom:plan': 'standard',
    });

    const config = await targetConfig(target);
    platform = createPlatform(config);
    const catalog = createCatalog(platform.clients, platform.config.resources);
    for (const [country, titleId] of Object.entries(ids)) {
      await catalog.putTitle({
        titleId,
        name: `Only in ${country.toUpperCase()}`,
        genres: ['drama'],
        manifests: { hls: `titles/${titleId}/master.m3u8` },
      });
      await catalog.publishTitle(titleId, { countries: [country.toUpperCase()] });
    }

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // Node: the verifier the Lambda entry builds, given the pool's issuer, JWKS URL and client.
    server = await serveNode(
      createHttpApp(
        createPlatform(config, {
          verifyToken: createJwtVerifier({ jwks: pool.jwks, issuer: pool.issuer, audience: pool.clientId }),
          playback: { signer: createPlaybackSigner({ keyPairId: 'KCOGNITOE2E01', privateKey }), cdnBaseUrl: CDN },
        }),
        { rateLimits: RATE_LIMITS },
      ),
    );

    // Lambda: the environment the CDK app gives the function (the issuer and the player client as
    // audience; the JWKS URL is the default, `<issuer>/.well-known/jwks.json`), pointed at the target.
    Object.assign(process.env, {
      STREAMCTL_STAGE: target.stage,
      STREAMCTL_REGION: target.region,
      STREAMCTL_JWT_ISSUER: pool.issuer,
      STREAMCTL_JWT_AUDIENCE: pool.clientId,
      STREAMCTL_CDN_URL: CDN,
      STREAMCTL_CF_KEY_PAIR_ID: 'KCOGNITOE2E01',
      STREAMCTL_CF_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      STREAMCTL_RATE_LIMIT_IP_PER_SECOND: '10000',
      STREAMCTL_RATE_LIMIT_IP_BURST: '10000',
      STREAMCTL_RATE_LIMIT_USER_PER_SECOND: '10000',
      STREAMCTL_RATE_LIMIT_USER_BURST: '10000',
    });
    delete process.env.STREAMCTL_JWKS_URL;
    delete process.env.STREAMCTL_CF_SIGNING_SECRET_ID;
    delete process.env.STREAMCTL_ORIGIN_SECRET_ID;
    delete process.env.REDIS_URL;
    if (target.dataDir) {
      // The embedded platform: found through its data dir, as every local command finds it.
      process.env.STREAMCTL_DATA_DIR = target.dataDir;
    } else {
      process.env.STREAMCTL_ENDPOINT_URL = target.endpoints.dynamodb;
    }
    // The provider chain's credentials (LocalStack and cognito-local take any): the CLI's Cognito calls use them.
    process.env.AWS_ACCESS_KEY_ID ??= 'cognito-local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'cognito-local';
    vi.resetModules();
    ({ handler } = await import('../../src/lambda.js'));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    process.env = savedEnv;
    await server?.stop();
    platform?.close();
    await emulator?.stop();
  });

  it('the emulator issues Cognito-shaped tokens: country and plan in the ID token only, the issuer its own', async () => {
    const tokens = await signIn(emulator.endpoint, pool, email.gb);
    const id = decodeJwt(tokens.id);
    expect(id).toMatchObject({
      sub: users.gb,
      token_use: 'id',
      aud: pool.clientId,
      iss: `${emulator.endpoint}/${pool.id}`,
      'custom:country': 'GB',
      'custom:plan': 'standard',
      'cognito:username': users.gb,
    });
    const access = decodeJwt(tokens.access);
    expect(access).toMatchObject({ sub: users.gb, token_use: 'access', client_id: pool.clientId });
    // As on Cognito: no audience and no custom attributes in an access token.
    expect(access.aud).toBeUndefined();
    expect(access['custom:country']).toBeUndefined();
    // cognito-local's default lifetime; Cognito's is an hour (the verifier takes up to 30 days).
    expect((id.exp ?? 0) - (id.iat ?? 0)).toBe(24 * 3600);
  });

  for (const shell of ['node', 'lambda'] as const) {
    describe(`through ${shell === 'node' ? 'the Node server' : 'the Lambda handler'}`, () => {
      const call = (method: string, path: string, token?: string) => shells[shell](method, path, token);

      it("serves the viewer signed in with their ID token: their country's catalog, a playback grant", async () => {
        const { id } = await signIn(emulator.endpoint, pool, email.gb);
        const home = await call('GET', '/v1/home', id);
        expect(home.status, JSON.stringify(home.json)).toBe(200);
        expect(railTitles(home)).toContain(ids.gb);
        expect(railTitles(home)).not.toContain(ids.fr);
        const grant = await call('POST', `/v1/playback/${ids.gb}`, id);
        expect(grant.status, JSON.stringify(grant.json)).toBe(200);
        expect(grant.json.manifestUrl).toMatch(new RegExp(`^${CDN}/titles/${ids.gb}/master\\.m3u8\\?`));
        const elsewhere = await call('POST', `/v1/playback/${ids.fr}`, id);
        expect(elsewhere.status).toBe(403);
        expect(elsewhere.json.error?.code).toBe('FORBIDDEN');
      });

      it('refuses the access token: it names no audience and carries no country (the API takes ID tokens)', async () => {
        const { access } = await signIn(emulator.endpoint, pool, email.gb);
        const res = await call('GET', '/v1/home', access);
        expect(res.status).toBe(401);
        expect(res.json.error).toEqual({ code: 'UNAUTHORIZED', message: expect.stringMatching(/"aud"/) });
      });

      it('refuses a viewer whose pool record has no country, saying so', async () => {
        const { id } = await signIn(emulator.endpoint, pool, email.countryless);
        expect(decodeJwt(id)['custom:country']).toBeUndefined();
        const res = await call('GET', '/v1/home', id);
        expect(res.status).toBe(401);
        expect(res.json.error).toEqual({ code: 'UNAUTHORIZED', message: 'The token carries no country claim' });
      });

      it("refuses a token of another pool, though the emulator signs every pool's with one key", async () => {
        const { id } = await signIn(emulator.endpoint, otherPool, email.other);
        const res = await call('GET', '/v1/home', id);
        expect(res.status).toBe(401);
        expect(res.json.error?.message).toMatch(/unexpected "iss" claim value/);
      });

      it('refuses a token of another app client of the same pool (the audience is the player client)', async () => {
        const { UserPoolClient } = await cognito<{ UserPoolClient: { ClientId: string } }>(
          emulator.endpoint,
          'CreateUserPoolClient',
          { UserPoolId: pool.id, ClientName: `Other-${shell}` },
        );
        const { id } = await signIn(emulator.endpoint, pool, email.gb, UserPoolClient.ClientId);
        const res = await call('GET', '/v1/home', id);
        expect(res.status).toBe(401);
        expect(res.json.error?.message).toMatch(/unexpected "aud" claim value/);
      });

      it('refuses the ID token once it has expired (the clock a day and a minute on; also years on)', async () => {
        const { id } = await signIn(emulator.endpoint, pool, email.gb);
        // Verified (and remembered) while valid…
        expect((await call('GET', '/v1/home', id)).status).toBe(200);
        const exp = decodeJwt(id).exp as number;
        vi.useFakeTimers({ toFake: ['Date'] });
        for (const later of [exp * 1000 + 60_000, exp * 1000 + 10 * 365 * 86_400_000]) {
          vi.setSystemTime(later);
          const res = await call('GET', '/v1/home', id);
          expect(res.status).toBe(401);
          expect(res.json.error?.message).toMatch(/"exp" claim timestamp check failed/);
        }
      });
    });
  }

  it('the access token is refused without an audience too: an access token carries no country', async () => {
    const { access } = await signIn(emulator.endpoint, pool, email.gb);
    const verify = createJwtVerifier({ jwks: pool.jwks, issuer: pool.issuer });
    await expect(verify(access)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'The token carries no country claim',
    });
    // The one shared key: another pool's token passes the signature check of this pool's JWKS when
    // the issuer is that pool's. On Cognito each pool has its own keys; here `iss` alone keeps them apart.
    const { id } = await signIn(emulator.endpoint, otherPool, email.other);
    await expect(createJwtVerifier({ jwks: pool.jwks, issuer: otherPool.issuer })(id)).resolves.toMatchObject({
      userId: users.other,
      country: 'GB',
    });
  });

  it("a viewer writing their own custom:country: the client's WriteAttributes leave it out, and cognito-local does not enforce them", async () => {
    const { UserPoolClient } = await cognito<{ UserPoolClient: { WriteAttributes: string[] } }>(
      emulator.endpoint,
      'DescribeUserPoolClient',
      { UserPoolId: pool.id, ClientId: pool.clientId },
    );
    expect(UserPoolClient.WriteAttributes).toEqual(['email']);
    const mallory = `mallory-${run}@example.test`;
    const sub = await createViewer(emulator.endpoint, pool, mallory, {
      'custom:country': 'GB',
      'custom:plan': 'basic',
    });
    const { access } = await signIn(emulator.endpoint, pool, mallory);
    // Cognito refuses this (NotAuthorizedException: a client attempted to write unauthorized attribute);
    // cognito-local checks only that the attribute exists and is mutable, and writes it.
    await expect(
      cognito(emulator.endpoint, 'UpdateUserAttributes', {
        AccessToken: access,
        UserAttributes: [{ Name: 'custom:country', Value: 'FR' }],
      }),
    ).resolves.toEqual({ CodeDeliveryDetailsList: [] });
    const { UserAttributes } = await cognito<{ UserAttributes: Array<{ Name: string; Value: string }> }>(
      emulator.endpoint,
      'AdminGetUser',
      { UserPoolId: pool.id, Username: sub },
    );
    expect(UserAttributes).toContainEqual({ Name: 'custom:country', Value: 'FR' });
    // What the emulator does enforce: an attribute outside the pool's schema is refused.
    await expect(
      cognito(emulator.endpoint, 'UpdateUserAttributes', {
        AccessToken: access,
        UserAttributes: [{ Name: 'custom:region', Value: 'eu' }],
      }),
    ).rejects.toThrow(/InvalidParameterException: user\.custom:region: Attribute does not exist in the schema/);
  });

  it('streamctl users set-country sets custom:country in the pool; the next sign-in carries it and the API serves that catalog', async () => {
    const before = await signIn(emulator.endpoint, pool, email.mover);
    expect(decodeJwt(before.id)['custom:country']).toBe('GB');

    const cli = await runCli(
      ['users', 'set-country', users.mover, 'fr', '--stage', 'e2e', '--endpoint-url', emulator.endpoint, '--json'],
      { env: { STREAMCTL_USER_POOL_ID: pool.id } },
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({
      userId: users.mover,
      country: 'FR',
      previous: 'GB',
      directory: 'cognito',
      location: pool.id,
    });

    const after = await signIn(emulator.endpoint, pool, email.mover);
    expect(decodeJwt(after.id)).toMatchObject({ sub: users.mover, 'custom:country': 'FR', 'custom:plan': 'basic' });
    for (const call of [shells.node, shells.lambda]) {
      const home = await call('GET', '/v1/home', after.id);
      expect(home.status, JSON.stringify(home.json)).toBe(200);
      expect(railTitles(home)).toContain(ids.fr);
      expect(railTitles(home)).not.toContain(ids.gb);
      expect((await call('POST', `/v1/playback/${ids.fr}`, after.id)).status).toBe(200);
      expect((await call('POST', `/v1/playback/${ids.gb}`, after.id)).status).toBe(403);
      // The token issued before keeps its country until it expires.
      expect((await call('POST', `/v1/playback/${ids.gb}`, before.id)).status).toBe(200);
    }
  });

  it('set-country names an unknown user as not found, in one line that says how users are named', async () => {
    const cli = await runCli(
      ['users', 'set-country', randomUUID(), 'FR', '--stage', 'e2e', '--endpoint-url', emulator.endpoint, '--json'],
      { env: { STREAMCTL_USER_POOL_ID: pool.id } },
    );
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout)).toEqual({
      error: {
        code: 'NOT_FOUND',
        message: expect.stringMatching(new RegExp(`^No user [0-9a-f-]{36} in the user pool ${pool.id}$`)),
        hint: expect.stringContaining('the sub of their tokens'),
      },
    });
  });
});
