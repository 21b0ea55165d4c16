import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../errors/index.js';
import { findConfigFile, resolveConfig } from './index.js';

const project = (file?: { name: string; body: string }) => {
  const root = mkdtempSync(join(tmpdir(), 'streamctl-config-'));
  if (file) writeFileSync(join(root, file.name), file.body);
  return root;
};

describe('resolveConfig precedence, per key', () => {
  const file = {
    name: 'streamctl.config.json',
    body: JSON.stringify({ stage: 'dev', region: 'eu-west-1', profile: 'file-profile', maxAttempts: 5 }),
  };

  it('uses defaults with nothing configured', async () => {
    const config = await resolveConfig({ env: {}, cwd: project() });
    expect(config).toMatchObject({ stage: 'local', region: 'us-east-1', maxAttempts: 3, profile: undefined });
    expect(config.sources).toMatchObject({ stage: 'default', region: 'default', maxAttempts: 'default' });
  });

  it('takes the models counter sub-keys from the file or the environment, and refuses nonsense', async () => {
    expect((await resolveConfig({ env: {}, cwd: project() })).models).toEqual({ counterShards: 8 });
    const cwd = project({ name: 'streamctl.config.json', body: JSON.stringify({ models: { counterShards: 32 } }) });
    expect((await resolveConfig({ env: {}, cwd })).models.counterShards).toBe(32);
    expect((await resolveConfig({ env: { STREAMCTL_MODELS_COUNTER_SHARDS: '64' }, cwd })).models.counterShards).toBe(
      64,
    );
    for (const bad of ['0', '1.5', '1000', 'many']) {
      await expect(resolveConfig({ env: { STREAMCTL_MODELS_COUNTER_SHARDS: bad }, cwd })).rejects.toThrow(
        /Invalid models\.counterShards from \$STREAMCTL_MODELS_COUNTER_SHARDS/,
      );
    }
  });

  it('resolves the engine profile flag > env > file (stage section too) > embedded, and refuses others', async () => {
    const none = await resolveConfig({ env: {}, cwd: project() });
    expect([none.engines, none.sources.engines]).toEqual(['embedded', 'default']);
    const cwd = project({
      name: 'streamctl.config.json',
      body: JSON.stringify({ engines: 'aws-local', stages: { qa: { engines: 'embedded' } } }),
    });
    const file = await resolveConfig({ env: {}, cwd });
    expect([file.engines, file.sources.engines]).toEqual(['aws-local', 'file']);
    expect((await resolveConfig({ flags: { stage: 'qa' }, env: {}, cwd })).engines).toBe('embedded');
    const env = await resolveConfig({ env: { STREAMCTL_ENGINES: 'embedded' }, cwd });
    expect([env.engines, env.sources.engines]).toEqual(['embedded', 'env']);
    const flag = await resolveConfig({ flags: { engines: 'aws-local' }, env: { STREAMCTL_ENGINES: 'embedded' }, cwd });
    expect([flag.engines, flag.sources.engines]).toEqual(['aws-local', 'flag']);
    await expect(resolveConfig({ env: { STREAMCTL_ENGINES: 'docker' }, cwd })).rejects.toThrow(
      /Invalid engines "docker" from \$STREAMCTL_ENGINES: expected embedded or aws-local/,
    );
  });

  it('file > default, env > file, flag > env, each key on its own', async () => {
    const cwd = project(file);
    const fromFile = await resolveConfig({ env: {}, cwd });
    expect(fromFile).toMatchObject({ stage: 'dev', region: 'eu-west-1', profile: 'file-profile', maxAttempts: 5 });
    const fromEnv = await resolveConfig({ env: { STREAMCTL_REGION: 'ap-south-1', AWS_PROFILE: 'env-profile' }, cwd });
    expect(fromEnv).toMatchObject({ stage: 'dev', region: 'ap-south-1', profile: 'env-profile', maxAttempts: 5 });
    expect(fromEnv.sources).toMatchObject({ stage: 'file', region: 'env', profile: 'env', maxAttempts: 'file' });
    const fromFlag = await resolveConfig({
      flags: { region: 'sa-east-1', maxAttempts: '7' },
      env: { STREAMCTL_REGION: 'ap-south-1', STREAMCTL_MAX_ATTEMPTS: '2' },
      cwd,
    });
    expect(fromFlag).toMatchObject({ region: 'sa-east-1', maxAttempts: 7 });
    expect(fromFlag.sources).toMatchObject({ region: 'flag', maxAttempts: 'flag' });
  });

  it('STREAMCTL_REGION beats AWS_REGION beats AWS_DEFAULT_REGION', async () => {
    const cwd = project();
    const all = { STREAMCTL_REGION: 'eu-north-1', AWS_REGION: 'eu-west-2', AWS_DEFAULT_REGION: 'eu-west-3' };
    expect((await resolveConfig({ env: all, cwd })).region).toBe('eu-north-1');
    expect((await resolveConfig({ env: { ...all, STREAMCTL_REGION: undefined }, cwd })).region).toBe('eu-west-2');
    expect((await resolveConfig({ env: { AWS_DEFAULT_REGION: 'eu-west-3' }, cwd })).region).toBe('eu-west-3');
  });

  it("merges the file's stages.<stage> section over its top level for that stage only", async () => {
    const cwd = project({
      name: 'streamctl.config.json',
      body: JSON.stringify({
        region: 'us-east-1',
        stages: { prod: { region: 'eu-west-1', regions: ['eu-west-1', 'us-east-1'] } },
      }),
    });
    const prod = await resolveConfig({ flags: { stage: 'prod' }, env: {}, cwd });
    expect(prod).toMatchObject({ region: 'eu-west-1', regions: ['eu-west-1', 'us-east-1'] });
    const dev = await resolveConfig({ flags: { stage: 'dev' }, env: {}, cwd });
    expect(dev).toMatchObject({ region: 'us-east-1', regions: ['us-east-1'] });
  });

  it("takes the stage's domain from the environment over the file's stage section", async () => {
    const cwd = project({
      name: 'streamctl.config.json',
      body: JSON.stringify({ stages: { prod: { domain: 'watch.example.com' } } }),
    });
    const fromFile = await resolveConfig({ env: { STREAMCTL_STAGE: 'prod' }, cwd });
    expect(fromFile).toMatchObject({ domain: 'watch.example.com', sources: { domain: 'file' } });
    const fromEnv = await resolveConfig({ env: { STREAMCTL_STAGE: 'prod', STREAMCTL_DOMAIN: 'tv.example.org' }, cwd });
    expect(fromEnv).toMatchObject({ domain: 'tv.example.org', sources: { domain: 'env' } });
    expect((await resolveConfig({ env: {}, cwd })).domain).toBeUndefined();
  });

  it('puts the home Region first in the Region list', async () => {
    const config = await resolveConfig({
      flags: { region: 'eu-west-1', regions: 'us-east-1,ap-south-1' },
      env: {},
      cwd: project(),
    });
    expect(config.regions).toEqual(['eu-west-1', 'us-east-1', 'ap-south-1']);
  });
});

describe('config files', () => {
  it('is found upward from a nested directory of its project, and its dir anchors relative data dirs', async () => {
    const root = project({ name: 'streamctl.config.json', body: JSON.stringify({ dataDir: 'var/data' }) });
    // The project's root (see find.test.ts): the search goes no higher.
    writeFileSync(join(root, 'package.json'), '{"name":"app"}');
    const nested = join(root, 'a', 'b');
    mkdirSync(nested, { recursive: true });
    expect(findConfigFile(nested)).toBe(join(root, 'streamctl.config.json'));
    expect((await resolveConfig({ env: {}, cwd: nested })).dataDir).toBe(join(root, 'var', 'data'));
    // From a flag or the environment, a relative data dir is relative to the working directory.
    expect((await resolveConfig({ flags: { dataDir: 'mine' }, env: {}, cwd: nested })).dataDir).toBe(
      join(nested, 'mine'),
    );
    // The default sits in the project root, per stage.
    const bare = project({ name: 'streamctl.config.json', body: '{}' });
    expect((await resolveConfig({ flags: { stage: 'qa' }, env: {}, cwd: bare })).dataDir).toBe(
      join(bare, '.streamctl', 'qa'),
    );
  });

  it('loads .mjs and .ts config files', async () => {
    const mjs = project({
      name: 'streamctl.config.mjs',
      body: "export default { stage: 'mjs', region: 'ca-central-1' };",
    });
    expect(await resolveConfig({ env: {}, cwd: mjs })).toMatchObject({ stage: 'mjs', region: 'ca-central-1' });
    const ts = project({
      name: 'streamctl.config.ts',
      body: "const region: string = 'me-south-1';\nexport default { stage: 'ts', region };\n",
    });
    expect(await resolveConfig({ env: {}, cwd: ts })).toMatchObject({ stage: 'ts', region: 'me-south-1' });
  });

  it('names the file and every bad field', async () => {
    const cwd = project({
      name: 'streamctl.config.json',
      body: JSON.stringify({ region: 'mars-1', maxAttempts: 99, resources: { catalogTable: 'x' }, colour: 'blue' }),
    });
    const error = await resolveConfig({ env: {}, cwd }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    const { message, issues } = error as ValidationError;
    expect(message).toContain(join(cwd, 'streamctl.config.json'));
    expect(issues.map((i) => i.path).sort()).toEqual(['', 'maxAttempts', 'region', 'resources.catalogTable'].sort());
  });

  it('reports a file that is not JSON as a config error with a fix', async () => {
    const cwd = project({ name: 'streamctl.config.json', body: '{ "stage": ' });
    await expect(resolveConfig({ env: {}, cwd })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      hint: expect.stringMatching(/streamctl init/),
    });
  });
});

describe('invalid values name where they came from', () => {
  it.each([
    [{ env: { STREAMCTL_MAX_ATTEMPTS: 'abc' } }, /Invalid maxAttempts "abc" from \$STREAMCTL_MAX_ATTEMPTS/, 'env'],
    [{ env: { STREAMCTL_REGION: 'nowhere' } }, /Invalid region "nowhere" from \$STREAMCTL_REGION/, 'env'],
    [{ env: {}, flags: { stage: 'Prod!' } }, /Invalid stage "Prod!" from --stage/, 'flag'],
    [{ env: { STREAMCTL_DOMAIN: 'https://watch.example.com' } }, /Invalid domain .* a DNS name/, 'env'],
    [
      { env: {}, flags: { endpointUrl: 'localhost:4566' } },
      /Invalid endpointUrl "localhost:4566" from --endpoint-url/,
      'flag',
    ],
  ])('%j', async (options, message, source) => {
    const error = await resolveConfig({ ...options, cwd: project() }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).details?.source).toBe(source);
  });
});

describe('resource names', () => {
  it('derive from the stage, buckets from the Region too, and the file overrides them', async () => {
    const cwd = project({
      name: 'streamctl.config.json',
      body: JSON.stringify({ resources: { cdnBucket: 'acme-cdn' } }),
    });
    const { resources } = await resolveConfig({ flags: { stage: 'prod', region: 'eu-west-1' }, env: {}, cwd });
    expect(resources).toEqual({
      catalogTable: 'streamctl-prod-catalog',
      userStateTable: 'streamctl-prod-user-state',
      platformTable: 'streamctl-prod-platform',
      controlTable: 'streamctl-prod-control',
      eventsStream: 'streamctl-prod-events',
      rawBucket: 'streamctl-prod-raw-eu-west-1',
      cdnBucket: 'acme-cdn',
      lakeBucket: 'streamctl-prod-lake-eu-west-1',
      athenaResultsBucket: 'streamctl-prod-athena-results-eu-west-1',
      analyticsDatabase: 'streamctl_prod',
      analyticsWorkgroup: 'streamctl-prod-analytics',
      lakeDeliveryStream: 'streamctl-prod-events-lake',
    });
  });
});

describe('rate limits', () => {
  it('default to 50/s (burst 150) per address and 20/s (burst 60) per user', async () => {
    const { rateLimits } = await resolveConfig({ env: {}, cwd: project() });
    expect(rateLimits).toEqual({ ip: { perSecond: 50, burst: 150 }, user: { perSecond: 20, burst: 60 } });
  });

  it("resolve per field: environment > the stage's section > the file's top level > default", async () => {
    const cwd = project({
      name: 'streamctl.config.json',
      body: JSON.stringify({
        rateLimits: { ip: { perSecond: 100, burst: 300 }, user: { burst: 90 } },
        stages: { loadtest: { rateLimits: { ip: { perSecond: 1e9 } } } },
      }),
    });
    const prod = await resolveConfig({ flags: { stage: 'prod' }, env: {}, cwd });
    expect(prod.rateLimits).toEqual({ ip: { perSecond: 100, burst: 300 }, user: { perSecond: 20, burst: 90 } });
    const load = await resolveConfig({ flags: { stage: 'loadtest' }, env: {}, cwd });
    expect(load.rateLimits.ip).toEqual({ perSecond: 1e9, burst: 300 });
    const env = {
      STREAMCTL_RATE_LIMIT_IP_BURST: '1000000000',
      STREAMCTL_RATE_LIMIT_USER_PER_SECOND: ' 2.5 ',
      STREAMCTL_RATE_LIMIT_USER_BURST: '',
    };
    const fromEnv = await resolveConfig({ flags: { stage: 'loadtest' }, env, cwd });
    expect(fromEnv.rateLimits).toEqual({ ip: { perSecond: 1e9, burst: 1e9 }, user: { perSecond: 2.5, burst: 90 } });
  });

  it.each([
    ['STREAMCTL_RATE_LIMIT_IP_PER_SECOND', 'fast', /rateLimits\.ip\.perSecond "fast" .*a number above 0/],
    ['STREAMCTL_RATE_LIMIT_IP_PER_SECOND', '0', /rateLimits\.ip\.perSecond "0" /],
    ['STREAMCTL_RATE_LIMIT_USER_PER_SECOND', '-3', /rateLimits\.user\.perSecond "-3" /],
    ['STREAMCTL_RATE_LIMIT_IP_BURST', '1.5', /rateLimits\.ip\.burst "1.5" .*a whole number from 1/],
    ['STREAMCTL_RATE_LIMIT_USER_BURST', '1e12', /rateLimits\.user\.burst "1e12" /],
    ['STREAMCTL_RATE_LIMIT_USER_BURST', 'Infinity', /rateLimits\.user\.burst "Infinity" /],
  ])('%s=%s is a config error naming the variable', async (name, value, message) => {
    const error = await resolveConfig({ env: { [name]: value }, cwd: project() }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message).toContain(`from $${name}`);
    expect((error as ConfigError).details).toMatchObject({ source: 'env', origin: `$${name}` });
  });

  it('names a bad field of the file', async () => {
    const cwd = project({
      name: 'streamctl.config.json',
      body: JSON.stringify({ rateLimits: { ip: { burst: 0 } }, stages: { qa: { rateLimits: { user: { rps: 5 } } } } }),
    });
    const error = await resolveConfig({ env: {}, cwd }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(
      ['rateLimits.ip.burst', 'stages.qa.rateLimits.user'].sort(),
    );
  });
});
