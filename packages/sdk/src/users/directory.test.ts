import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLocalDirectory, createUserDirectory, localDirectoryFile } from './directory.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'streamctl-directory-'));
const config = (stage: string, dataDir = tmp()) =>
  resolveConfig({ flags: { stage, region: 'eu-west-1', dataDir }, env: {}, configFile: false });

describe('the user directory', () => {
  it('is the data dir file on the local stage and the user pool elsewhere', async () => {
    const dataDir = tmp();
    const local = createUserDirectory(await config('local', dataDir));
    expect({ kind: local.kind, location: local.location }).toEqual({
      kind: 'local',
      location: localDirectoryFile(dataDir),
    });
    const pool = createUserDirectory(await config('prod'), { env: { STREAMCTL_USER_POOL_ID: 'eu-west-1_AbC123' } });
    expect({ kind: pool.kind, location: pool.location }).toEqual({ kind: 'cognito', location: 'eu-west-1_AbC123' });
    pool.close();
  });

  it('an AWS stage without a pool id is a configuration error naming STREAMCTL_USER_POOL_ID', async () => {
    const prod = await config('prod');
    expect(() => createUserDirectory(prod, { env: {} })).toThrowError(
      expect.objectContaining({ code: 'CONFIG_INVALID', hint: expect.stringContaining('STREAMCTL_USER_POOL_ID') }),
    );
  });

  it('locally: records, overwrites and reads back countries, upper-cased; refuses bad input and writes nothing', async () => {
    const dataDir = join(tmp(), 'nested', 'data');
    const directory = createLocalDirectory(dataDir);
    await expect(directory.country('alice')).resolves.toBeUndefined();
    await expect(directory.setCountry('alice', 'UK')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(directory.setCountry('al/ice', 'GB')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(existsSync(dataDir)).toBe(false);
    await expect(directory.setCountry('alice', 'gb')).resolves.toEqual({
      userId: 'alice',
      country: 'GB',
      previous: null,
      directory: 'local',
      location: localDirectoryFile(dataDir),
    });
    await expect(directory.setCountry('alice', 'FR')).resolves.toMatchObject({ country: 'FR', previous: 'GB' });
    await directory.setCountry('bob', 'DE');
    await expect(directory.country('alice')).resolves.toBe('FR');
    await expect(createLocalDirectory(dataDir).country('bob')).resolves.toBe('DE');
    expect(Object.keys(JSON.parse(readFileSync(localDirectoryFile(dataDir), 'utf8')).users)).toEqual(['alice', 'bob']);
  });

  it('locally: a file streamctl did not write is refused, not overwritten', async () => {
    const dataDir = tmp();
    writeFileSync(localDirectoryFile(dataDir), '[1, 2]');
    const directory = createLocalDirectory(dataDir);
    await expect(directory.country('alice')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(directory.setCountry('alice', 'GB')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(readFileSync(localDirectoryFile(dataDir), 'utf8')).toBe('[1, 2]');
  });
});
