import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resourceNames } from '../config/names.js';
import { acquireDataDirLock, dataDirLayout, isProcessAlive, readLocalPlatformState, writeState } from './state.js';

const dir = () => mkdtempSync(join(tmpdir(), 'streamctl-lock-'));
const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function liveChild(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  children.push(child);
  return new Promise((resolve) => child.once('spawn', () => resolve(child.pid as number)));
}

/** Kills the last live child and resolves once it is reaped, so its pid no longer answers signal 0. */
function killLastChild(): Promise<void> {
  const child = children.pop();
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('the data dir lock', () => {
  it('keeps the data dir to its owner (0700), whether it makes the dir or finds it open', () => {
    const fresh = join(dir(), 'data');
    acquireDataDirLock(fresh)();
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const open = dir();
    chmodSync(open, 0o755);
    acquireDataDirLock(open)();
    expect(statSync(open).mode & 0o777).toBe(0o700);
  });

  it('is taken once; a second take fails with LOCAL_ALREADY_RUNNING; release frees it', () => {
    const dataDir = dir();
    const release = acquireDataDirLock(dataDir);
    expect(() => acquireDataDirLock(dataDir)).toThrow(expect.objectContaining({ code: 'LOCAL_ALREADY_RUNNING' }));
    release();
    expect(existsSync(dataDirLayout(dataDir).lockFile)).toBe(false);
    acquireDataDirLock(dataDir)();
  });

  it('refuses a lock held by another live process, naming its pid', async () => {
    const dataDir = dir();
    const pid = await liveChild();
    writeFileSync(dataDirLayout(dataDir).lockFile, String(pid));
    expect(() => acquireDataDirLock(dataDir)).toThrow(new RegExp(`pid ${pid}`));
  });

  it('takes over a lock left by a dead process', async () => {
    const dataDir = dir();
    const { lockFile } = dataDirLayout(dataDir);
    const pid = await liveChild();
    await killLastChild();
    expect(isProcessAlive(pid)).toBe(false);
    writeFileSync(lockFile, String(pid));
    const release = acquireDataDirLock(dataDir);
    // The lock is now this process's: it names our pid and refuses a second take.
    expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    expect(() => acquireDataDirLock(dataDir)).toThrow(expect.objectContaining({ code: 'LOCAL_ALREADY_RUNNING' }));
    release();
    expect(existsSync(lockFile)).toBe(false);
  });
});

describe('readLocalPlatformState', () => {
  it('says LOCAL_NOT_RUNNING without a state file or when its process is gone', async () => {
    const dataDir = dir();
    expect(() => readLocalPlatformState(dataDir)).toThrow(expect.objectContaining({ code: 'LOCAL_NOT_RUNNING' }));
    const pid = await liveChild();
    const state = {
      version: 1 as const,
      pid,
      startedAt: new Date().toISOString(),
      region: 'us-east-1',
      resources: resourceNames('local', 'us-east-1'),
      parts: { dynamodb: 'http://127.0.0.1:1' },
    };
    writeState(dataDir, state);
    expect(readLocalPlatformState(dataDir)).toEqual(state);
    await killLastChild();
    expect(() => readLocalPlatformState(dataDir)).toThrow(expect.objectContaining({ code: 'LOCAL_NOT_RUNNING' }));
  });
});
