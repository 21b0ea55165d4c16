#!/usr/bin/env node
/**
 * `pnpm start`: the main job on the embedded platform, end to end.
 * Starts `streamctl dev`, generates a short sample clip (ffmpeg on PATH, else
 * the npm-shipped one), ingests and publishes it with the CLI, asks the local
 * API for a playback grant as a dev viewer, prints the title, its manifest
 * and a playback URL, and keeps the platform running until Ctrl-C.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'streamctl.js');
const SAMPLE_DIR = join(ROOT, '.streamctl', 'sample');
const SAMPLE = join(SAMPLE_DIR, 'sample-8s-1080p.mp4');
const TITLE_ID = 'sample';
const run = promisify(execFile);

/** Runs a streamctl command; its progress goes to this terminal, its --json answer is returned. */
async function streamctl(args, { json = false } = {}) {
  if (json) {
    const { stdout } = await run(process.execPath, [BIN, ...args, '--stage', 'local', '--json'], { cwd: ROOT });
    return JSON.parse(stdout.trim().split('\n').at(-1));
  }
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--stage', 'local'], { cwd: ROOT, stdio: 'inherit' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`streamctl ${args[0]} exited ${code}`))));
  });
}

const PLAYER = join(ROOT, 'examples', 'web-player', 'dist');
const withPlayer = existsSync(join(PLAYER, 'index.html')) ? ['--player', PLAYER] : [];
const dev = spawn(process.execPath, [BIN, 'dev', '--json', ...withPlayer], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stop = (signal) => dev.kill(signal);
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
dev.on('close', (code) => process.exit(code ?? 0));

const ready = await new Promise((resolve, reject) => {
  let buffered = '';
  dev.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffered += chunk;
    for (const line of buffered.split('\n')) {
      if (line.includes('"event":"ready"')) resolve(JSON.parse(line));
    }
  });
  dev.on('close', (code) => reject(new Error(`streamctl dev exited ${code} before it was ready`)));
});

try {
  const { findMediaTools, loadPlatform, resolveConfig } = await import(
    join(ROOT, 'packages', 'sdk', 'dist', 'index.js')
  );
  if (!existsSync(SAMPLE)) {
    // The ffmpeg the CLI's ingest will use: STREAMCTL_FFMPEG or the config file, else PATH, else npm's.
    const { media } = await resolveConfig({ flags: { stage: 'local' }, cwd: ROOT });
    const tools = await findMediaTools({ ffmpegPath: media.ffmpegPath, ffprobePath: media.ffprobePath });
    mkdirSync(SAMPLE_DIR, { recursive: true });
    console.error(`Generating an 8 s 1080p sample clip with ${tools.ffmpeg}…`);
    await run(tools.ffmpeg, [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '8'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-shortest', SAMPLE],
    ]);
  }
  await streamctl(['ingest', SAMPLE, '--id', TITLE_ID, '--title', 'Sample', '--genres', 'documentary', '--wait']);
  const published = await streamctl(['publish', TITLE_ID, '--countries', 'ALL'], { json: true });
  const { token } = await streamctl(['token', '--user', 'viewer', '--country', 'US'], { json: true });
  const title = await streamctl(['titles', 'get', TITLE_ID], { json: true });
  // Playback opens a session on a device: this script is one device of the viewer's plan (standard: 2 streams).
  const res = await fetch(`${ready.api}/v1/playback/${TITLE_ID}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ deviceId: 'quickstart', name: 'streamctl start', kind: 'desktop' }),
  });
  if (!res.ok) throw new Error(`the playback route answered ${res.status}: ${await res.text()}`);
  const grant = await res.json();
  const cookie = Object.entries(grant.cookies ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
  const platform = await loadPlatform({ flags: { stage: 'local' }, cwd: ROOT });
  const bucket = platform.config.resources.cdnBucket;
  platform.close();
  console.log('');
  console.log(
    `Title "${title.name}" (${TITLE_ID}) is ${published.status}: ${title.renditions.length} renditions, ${title.renditions.map((r) => `${r.height}p`).join(', ')}`,
  );
  console.log(`  manifest:     s3://${bucket}/${title.manifests.hls}`);
  console.log(`  playback URL: ${grant.manifestUrl}`);
  console.log(`  expires:      ${grant.expiresAt} (renewed by heartbeats: PUT /v1/sessions/${grant.session.id})`);
  console.log('  segments need the signed cookies of the grant, e.g.:');
  console.log(`  ffprobe -headers 'Cookie: ${cookie}' '${ready.edge}/${title.manifests.hls}'`);
  console.log('');
  // Through the edge: the page, the API and the media share one origin, and grants set HttpOnly cookies.
  if (withPlayer.length) {
    console.log(`Web player: ${ready.player ?? `${ready.api}/player/`} (sign in as any user, e.g. viewer / US)`);
  }
  console.log(`API ${ready.api} · edge ${ready.edge}. The platform keeps running; Ctrl-C stops it.`);
} catch (err) {
  console.error(`error: ${err.message}`);
  stop('SIGTERM');
  process.exitCode = 1;
}
