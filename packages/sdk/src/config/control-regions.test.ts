import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.js';
import { controlRegionOrder, holdsControlTable, resolveConfig } from './index.js';

const project = (body?: unknown) => {
  const root = mkdtempSync(join(tmpdir(), 'streamctl-control-'));
  if (body) writeFileSync(join(root, 'streamctl.config.json'), JSON.stringify(body));
  return root;
};

describe('controlRegions: the Regions that hold the control table', () => {
  it("defaults to the stage's Regions", async () => {
    const config = await resolveConfig({
      flags: { stage: 'prod', region: 'us-east-1', regions: 'us-east-1,eu-west-1' },
      env: {},
      cwd: project(),
    });
    expect([config.controlRegions, config.sources.controlRegions]).toEqual([['us-east-1', 'eu-west-1'], 'default']);
  });

  it('reads the environment over the file (its stage section too), as a comma list', async () => {
    const cwd = project({
      regions: ['us-east-1', 'eu-west-1'],
      controlRegions: ['us-east-1', 'us-east-2'],
      stages: { eu: { region: 'eu-west-1', controlRegions: ['eu-west-1', 'eu-west-2', 'eu-central-1'] } },
    });
    const file = await resolveConfig({ flags: { stage: 'prod' }, env: {}, cwd });
    expect([file.controlRegions, file.sources.controlRegions]).toEqual([['us-east-1', 'us-east-2'], 'file']);
    const section = await resolveConfig({ flags: { stage: 'eu' }, env: {}, cwd });
    expect(section.controlRegions).toEqual(['eu-west-1', 'eu-west-2', 'eu-central-1']);
    const env = await resolveConfig({
      flags: { stage: 'prod' },
      env: { STREAMCTL_CONTROL_REGIONS: ' us-west-2 , us-east-1 ' },
      cwd,
    });
    expect([env.controlRegions, env.sources.controlRegions]).toEqual([['us-west-2', 'us-east-1'], 'env']);
  });

  it.each([
    [',', /at least one Region that holds a replica of the control table/],
    ['us-east-1,us-east-2,us-west-2,us-west-1', /at most three Regions; name its replicas, not its witness/],
    ['us-east-1,us-east-1', /a Region is named twice/],
    ['us-east-1,eu-west-1', /all of one Region set/],
    ['us-east-1,moon', /an AWS Region/],
  ])('refuses STREAMCTL_CONTROL_REGIONS=%j with a ConfigError naming the fix', async (value, message) => {
    const err = await resolveConfig({
      flags: { stage: 'prod' },
      env: { STREAMCTL_CONTROL_REGIONS: value },
      cwd: project(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(message);
    expect((err as ConfigError).message).toContain('from $STREAMCTL_CONTROL_REGIONS');
    expect((err as ConfigError).hint).toBe('fix $STREAMCTL_CONTROL_REGIONS');
  });

  it('refuses an empty list in the config file, naming the file', async () => {
    const cwd = project({ controlRegions: [] });
    await expect(resolveConfig({ flags: { stage: 'prod' }, env: {}, cwd })).rejects.toThrow(
      /^Invalid config file .*streamctl\.config\.json: controlRegions: name at least one Region that holds a replica of the control table, such as us-east-1,us-east-2$/,
    );
  });
});

describe('which Region a Region asks for the routing record', () => {
  const aws = { stage: 'prod', controlRegions: ['us-east-1', 'us-east-2'] };

  it('asks itself when it holds a replica, then the other control Regions', () => {
    expect(holdsControlTable(aws, 'us-east-2')).toBe(true);
    expect(controlRegionOrder({ ...aws, region: 'us-east-2' })).toEqual(['us-east-2', 'us-east-1']);
  });

  it('asks the control Regions in their order from a Region without a replica', () => {
    expect(holdsControlTable(aws, 'eu-west-1')).toBe(false);
    expect(controlRegionOrder({ ...aws, region: 'eu-west-1' })).toEqual(['us-east-1', 'us-east-2']);
  });

  it('locally, and over one shared store, every Region asks itself', () => {
    const local = { stage: 'local', controlRegions: ['us-east-1'] };
    expect(holdsControlTable(local, 'eu-west-1')).toBe(true);
    expect(controlRegionOrder({ ...local, region: 'eu-west-1' })).toEqual(['eu-west-1']);
    const shared = { ...aws, endpoints: { dynamodb: 'http://127.0.0.1:8000' } };
    expect(controlRegionOrder({ ...shared, region: 'eu-west-1' })).toEqual(['eu-west-1']);
  });
});
