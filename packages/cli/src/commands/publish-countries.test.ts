import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'streamctl-countries-'));

describe('country flags take only countries that exist', () => {
  it.each([
    ['XX,us', 'error: invalid --countries "XX,us": XX is not an ISO 3166-1 country code (such as US, GB, DE)'],
    ['UK', 'error: invalid --countries "UK": UK is not an ISO 3166-1 country code; did you mean GB?'],
    ['US,el', 'error: invalid --countries "US,el": EL is not an ISO 3166-1 country code; did you mean GR?'],
  ])('refuses %s before touching the platform, naming the code', async (countries, message) => {
    // No dev platform runs in the data dir: the refusal must come before any call to it.
    const dir = tmp();
    const run = await runCli(['publish', 'clip', '--countries', countries], {
      cwd: dir,
      env: { STREAMCTL_DATA_DIR: join(dir, 'data') },
    });
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(`${message}; pass ISO 3166 codes such as US,GB, or ALL`);
    expect(run.code).toBe(2);
  });

  it.each([
    [
      ['token', '--user', 'alice', '--country', 'uk'],
      'error: invalid --country "uk": UK is not an ISO 3166-1 country code; did you mean GB?; pass an ISO 3166-1 alpha-2 code such as GB',
    ],
    [
      ['recs', 'alice', '--country', 'XX'],
      'error: invalid --country "XX": XX is not an ISO 3166-1 country code (such as US, GB, DE); pass an ISO 3166-1 alpha-2 code such as GB',
    ],
  ])('%j is refused by the same rule', async (argv, message) => {
    const dir = tmp();
    const run = await runCli(argv, { cwd: dir, env: { STREAMCTL_DATA_DIR: join(dir, 'data') } });
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(message);
    expect(run.code).toBe(2);
  });
});
