/**
 * How a local stage sees a running multi-Region platform (its `regions.json`):
 * the platform's Regions win over STREAMCTL_REGIONS, a Region given by flag,
 * environment or file picks that Region's stream and buckets when the platform
 * runs it, and anything else stays on the platform's home Region.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { writeLocalRegions } from './local.js';
import { localRegionView, regionConfig } from './stage.js';

const dir = mkdtempSync(join(tmpdir(), 'streamctl-stage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const local = (env: Record<string, string>, dataDir: string) =>
  resolveConfig({ flags: { stage: 'local', dataDir }, env, configFile: false });

describe('a local stage beside `streamctl dev --regions`', () => {
  const dataDir = join(dir, 'running');
  mkdirSync(dataDir, { recursive: true });
  const clear = writeLocalRegions(dataDir, {
    edge: 'http://127.0.0.1:9001',
    regions: {
      'us-east-1': {
        api: 'http://127.0.0.1:9002',
        kinesis: 'http://127.0.0.1:9003',
        cdnBucket: 'streamctl-local-cdn-us-east-1',
        rawBucket: 'streamctl-local-raw-us-east-1',
      },
      'eu-west-1': {
        api: 'http://127.0.0.1:9004',
        kinesis: 'http://127.0.0.1:9005',
        cdnBucket: 'streamctl-local-cdn-eu-west-1',
        rawBucket: 'streamctl-local-raw-eu-west-1',
      },
    },
  });
  afterAll(() => clear());

  it("takes the platform's Regions, and its home Region unless another of them is asked for", async () => {
    const config = await local({ STREAMCTL_REGIONS: 'us-east-1' }, dataDir);
    const home = { region: 'us-east-1', resources: config.resources };
    expect(localRegionView(config, home)).toEqual({
      region: 'us-east-1',
      regions: ['us-east-1', 'eu-west-1'],
      resources: config.resources,
    });
    const eu = localRegionView(await local({ STREAMCTL_REGION: 'eu-west-1' }, dataDir), home);
    expect(eu).toMatchObject({ region: 'eu-west-1', kinesis: 'http://127.0.0.1:9005' });
    expect(eu.resources).toEqual({
      ...config.resources,
      cdnBucket: 'streamctl-local-cdn-eu-west-1',
      rawBucket: 'streamctl-local-raw-eu-west-1',
    });
    // A Region the platform does not run: its home Region, as with one Region.
    expect(localRegionView(await local({ AWS_REGION: 'ap-south-1' }, dataDir), home)).toMatchObject({
      region: 'us-east-1',
    });
  });

  it("gives each Region's configuration its own stream and buckets over the shared tables", async () => {
    const config = await local({}, dataDir);
    const eu = regionConfig(config, 'eu-west-1');
    expect(eu.endpoints?.kinesis).toBe('http://127.0.0.1:9005');
    expect(eu.resources.cdnBucket).toBe('streamctl-local-cdn-eu-west-1');
    expect(eu.resources.catalogTable).toBe(config.resources.catalogTable);
  });

  it('keeps the configured Regions when no multi-Region platform runs', async () => {
    const config = await local({ STREAMCTL_REGIONS: 'us-east-1,eu-west-1' }, join(dir, 'idle'));
    expect(localRegionView(config, { region: 'us-east-1', resources: config.resources })).toEqual({
      region: 'us-east-1',
      regions: ['us-east-1', 'eu-west-1'],
      resources: config.resources,
    });
  });
});
