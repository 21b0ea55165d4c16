/**
 * What the player's Chromium tests share: where things are, a real
 * `streamctl dev --player` on a data dir (started, killed, stopped), a clip
 * made with ffmpeg, and Debian's Chromium through playwright-core (never a
 * downloaded browser).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'packages', 'cli', 'bin', 'streamctl.js');
export const PLAYER = join(ROOT, 'examples', 'web-player', 'dist');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const CHROMIUM = '/usr/bin/chromium';
export const exec = promisify(execFile);
/** Chromium and the built player are here (or CI says they must be, and the tests fail without them). */
export const runnable =
  (existsSync(CHROMIUM) && existsSync(join(PLAYER, 'index.html'))) || process.env.STREAMCTL_REQUIRE_CHROMIUM === '1';

/** Starts `streamctl dev --player` on a data dir; resolves with the process and the API's URL once ready. */
export async function startDev(dataDir: string, env: NodeJS.ProcessEnv): Promise<{ dev: ChildProcess; api: string }> {
  const dev = spawn(process.execPath, [BIN, 'dev', '--json', '--data-dir', dataDir, '--player', PLAYER], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const api = await new Promise<string>((resolve, reject) => {
    let out = '';
    dev.stdout?.on('data', (chunk: Buffer) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line) resolve((JSON.parse(line) as { api: string }).api);
    });
    dev.once('exit', (code) => reject(new Error(`streamctl dev exited ${code}`)));
  });
  return { dev, api };
}

/** Stops a dev platform as Ctrl-C would, if it still runs. */
export async function stopDev(dev: ChildProcess | undefined): Promise<void> {
  if (!dev || dev.exitCode !== null || dev.signalCode !== null) return;
  const exited = new Promise((r) => dev.once('exit', r));
  dev.kill('SIGINT');
  await exited;
}

/** A test-card clip with a tone, `seconds` long, made by ffmpeg at `file`. */
export async function makeClip(file: string, seconds: number): Promise<string> {
  await exec('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-shortest', file],
  ]);
  return file;
}

/** Debian's Chromium, headless, playing without a gesture. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** Ends a test file's world: the browser, the dev platform, its data dir. */
export async function tearDown(browser: Browser | undefined, dev: ChildProcess | undefined, dataDir: string) {
  await browser?.close();
  await stopDev(dev);
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * Signs in on the player at `origin`, opens a title from the rails and presses Play; resolves
 * once the video's clock is past `pastSec` (it really plays).
 */
export async function signInAndPlay(
  page: Page,
  options: { origin: string; user: string; country: string; titleId: string; pastSec: number },
): Promise<void> {
  await page.goto(`${options.origin}/player/`);
  await page.fill('#user', options.user);
  await page.fill('#country', options.country);
  await page.click('#sign-in-button');
  await page.locator(`.rail .item[data-title-id="${options.titleId}"]`).first().click();
  await page.waitForSelector('#title:not([hidden])');
  await page.click('#play');
  await page.waitForFunction(
    (past) => (document.getElementById('video') as HTMLVideoElement).currentTime > past,
    options.pastSec,
    { timeout: 45_000 },
  );
}
