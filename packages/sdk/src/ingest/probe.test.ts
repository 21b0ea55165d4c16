import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findMediaTools } from '../transcoder/index.js';
import { probeMedia } from './probe.js';

const tools = await findMediaTools().catch(() => undefined);

describe.skipIf(!tools && process.env.STREAMCTL_REQUIRE_FFMPEG !== '1')('probeMedia', () => {
  const cwd = process.cwd();
  afterEach(() => process.chdir(cwd));

  it('never lets a file name be read as a tool option (a master called -version)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamctl-probe-'));
    writeFileSync(join(dir, '-version'), randomBytes(4096));
    process.chdir(dir);
    // ffprobe given `-version` as an argument prints its version and succeeds; given the file, it
    // finds no media in it. The master is refused as media, by its name.
    await expect(probeMedia('-version')).rejects.toMatchObject({
      code: 'MEDIA_INVALID',
      message: expect.stringMatching(/^-version cannot be ingested: not a readable media file/),
    });
  });
});
