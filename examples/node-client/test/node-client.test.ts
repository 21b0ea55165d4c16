/**
 * The Node client example runs against a real `streamctl dev` and does all five steps.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'streamctl.js');
const SCRIPT = join(ROOT, 'examples', 'node-client', 'index.mjs');

describe('examples/node-client', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-node-client-'));
  const env = { ...process.env, STREAMCTL_DATA_DIR: dataDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  let dev: ChildProcess;

  beforeAll(async () => {
    dev = spawn(process.execPath, [BIN, 'dev', '--json', '--data-dir', dataDir], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      dev.stdout?.on('data', (chunk: Buffer) => {
        out += chunk;
        if (out.includes('"ready"')) resolve();
      });
      dev.once('exit', (code) => reject(new Error(`streamctl dev exited ${code}`)));
    });
  }, 60_000);
  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      dev.kill('SIGINT');
      await new Promise((r) => dev.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ingests, publishes, signs, sends events and reads recommendations', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, '--stage', 'local'], { env, cwd: dataDir });
    expect(stdout).toMatch(/^ingest +node-client-clip is READY with \d+ renditions$/m);
    expect(stdout).toMatch(/^publish +PUBLISHED, catalog event [0-9a-f-]{36}$/m);
    expect(stdout).toMatch(
      /^sign +http:\/\/127\.0\.0\.1:\d+\/titles\/node-client-clip\/master\.m3u8\?.*→ 200, \d+ variants$/m,
    );
    expect(stdout).toMatch(/^events +4 events delivered for node-viewer$/m);
    expect(stdout).toMatch(/^recs +Continue Watching: node-client-clip/m);
  }, 120_000);
});
