#!/usr/bin/env node
/**
 * bench/ingest: the wall time of a local ladder transcode through the SDK
 * (`createFfmpegTranscoder` + `waitForTranscode`: spawn, -progress parsing,
 * status polling, packaging, rendition parsing) against the raw ffmpeg
 * command of the same plan, measured in the same run and interleaved so
 * machine noise hits both alike. Prints the medians and their ratio; the
 * target is a ratio of at most 1.10.
 *
 * The same outputs on both sides: the raw side runs the plan's very ffmpeg
 * command, which writes every rung's CMAF segments, the demuxed audio
 * rendition, the thumbnails, the sprite sheets and the poster. What the SDK
 * adds after it has no ffmpeg equivalent inside that one command: the
 * master rewritten with measured bit rates, the I-frame playlists (byte
 * ranges into the segments already written), the DASH MPD over those same
 * segments and the WebVTT thumbnail track are files written from the
 * segments' boxes. ffmpeg's own `-f dash` would be a second muxer writing a
 * second copy of the media (or a second encode), not the same outputs. So
 * the comparison is ffmpeg's command against the SDK doing ffmpeg plus that
 * packaging, with DASH and trick play in the SDK's figure, and the
 * packaging's own time reported separately (`packageRenditions` run on the
 * raw side's outputs, outside the raw figure).
 *
 * In the same rounds, the SDK transcode with AES-128 protection (keys made
 * and wrapped as the key store does, a new key every `--rotate` segments,
 * every segment sealed and every playlist rewritten) against the clear one:
 * the cost of encryption, target ≤ 1.10 too. Then, for scale, whole ingests
 * (probe, hash, upload, transcode, upload of renditions, catalog; the
 * protected one also stores its keys) on an embedded platform.
 *
 *   node bench/ingest/run.mjs [--rounds 3] [--ladder default] [--seconds 8] [--rotate 0] [--json]
 *
 * Needs a build (`pnpm run build`) and ffmpeg (on PATH, or the npm-shipped one).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The AWS SDK's Node version notice belongs to `streamctl status`, not to benchmark output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET = 1.1;
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '3'));
const ladderName = arg('ladder', 'default');
const seconds = Number(arg('seconds', '8'));
const rotate = Number(arg('rotate', '0'));
const json = args.includes('--json');

if (!existsSync(join(ROOT, 'packages', 'sdk', 'dist', 'index.js'))) {
  console.error('error: the SDK is not built; run `pnpm run build` first');
  process.exit(1);
}
const sdk = await import(join(ROOT, 'packages', 'sdk', 'dist', 'index.js'));
const local = await import(join(ROOT, 'packages', 'local', 'dist', 'index.js'));

const tools = await sdk.findMediaTools();
const work = mkdtempSync(join(tmpdir(), 'streamctl-bench-ingest-'));
const log = (text) => {
  if (!json) console.error(text);
};

function run(command, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`))));
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

try {
  const clip = join(work, 'clip.mp4');
  log(`generating a ${seconds} s 1080p clip with ${tools.ffmpeg} (${tools.source})…`);
  await run(tools.ffmpeg, [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-shortest', clip],
  ]);
  const ladder = await sdk.loadLadder(ladderName);
  const transcoder = sdk.createFfmpegTranscoder();

  const raw = [];
  const packaging = [];
  const viaSdk = [];
  const sealed = [];
  // Keys as the key store makes them (16 random bytes, wrapped with AES-256-GCM); the table write is in the whole ingest below.
  const wrapper = sdk.createLocalKeyWrapper(randomBytes(32));
  let keysIssued = 0;
  const protection = {
    scheme: 'aes-128',
    nextKey: async () => {
      const key = { keyId: randomBytes(16).toString('hex'), key: randomBytes(16) };
      await wrapper.wrap(key.key, { titleId: 'bench', keyId: key.keyId });
      keysIssued++;
      return key;
    },
    keyUri: (keyId) => sdk.keyPath('bench', keyId),
    rotateEverySegments: rotate,
  };
  for (let round = 0; round < rounds; round++) {
    // Raw: the very ffmpeg command of the ladder's plan, nothing around it.
    const rawOut = join(work, `raw-${round}`);
    const plan = sdk.renderFfmpegPlan(
      ladder,
      { input: clip, outputDir: rawOut },
      { ffmpegMajorVersion: tools.ffmpegMajorVersion },
    );
    for (const d of plan.directories) mkdirSync(d, { recursive: true });
    let start = process.hrtime.bigint();
    await run(tools.ffmpeg, ['-loglevel', 'error', ...plan.args]);
    raw.push(Number(process.hrtime.bigint() - start) / 1e6);
    // The SDK's packaging alone, over the raw side's outputs (not part of the raw figure).
    start = process.hrtime.bigint();
    const packaged = await sdk.packageRenditions({
      master: plan.master,
      variants: plan.variants,
      audio: plan.audio,
      captions: [],
      sealed: false,
      dash: ladder.outputs.dash,
      ...(plan.sprites ? { sprites: plan.sprites } : {}),
    });
    packaging.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (ladder.outputs.dash && !packaged.dash) throw new Error('packaging wrote no DASH manifest');

    // SDK: submit, follow progress, parse the outputs.
    start = process.hrtime.bigint();
    const job = await transcoder.submit({
      titleId: 'bench',
      ladder,
      input: clip,
      output: join(work, `sdk-${round}`),
      durationSec: seconds,
    });
    const done = await sdk.waitForTranscode(transcoder, job.jobId);
    viaSdk.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (done.outputs.renditions.length !== ladder.rungs.length) throw new Error('the SDK transcode lost renditions');
    // The same outputs as the raw side plus the packaging: DASH and trick play in the SDK's figure.
    if (ladder.outputs.dash && done.outputs.dash !== 'manifest.mpd') throw new Error('the SDK transcode wrote no MPD');
    if (ladder.outputs.thumbnailSeconds > 0 && !done.outputs.thumbnailTrack) {
      throw new Error('the SDK transcode wrote no thumbnail track');
    }
    // SDK with AES-128: the same transcode, then every segment sealed.
    start = process.hrtime.bigint();
    const sealedJob = await transcoder.submit({
      titleId: 'bench',
      ladder,
      input: clip,
      output: join(work, `sealed-${round}`),
      durationSec: seconds,
      protection,
    });
    const sealedDone = await sdk.waitForTranscode(transcoder, sealedJob.jobId);
    sealed.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (sealedDone.outputs.protection?.scheme !== 'aes-128') throw new Error('the protected transcode is not sealed');
    log(
      `round ${round + 1}: raw ffmpeg ${(raw[round] / 1000).toFixed(2)} s (packaging its outputs ${packaging[round].toFixed(0)} ms), SDK ${(viaSdk[round] / 1000).toFixed(2)} s, SDK aes-128 ${(sealed[round] / 1000).toFixed(2)} s (${sealedDone.outputs.protection.keyIds.length} keys)`,
    );
    rmSync(rawOut, { recursive: true, force: true });
    rmSync(join(work, `sdk-${round}`), { recursive: true, force: true });
    rmSync(join(work, `sealed-${round}`), { recursive: true, force: true });
  }

  // One whole ingest on an embedded platform, for scale (not part of the ratio).
  const platform = await local.startLocalPlatform({ dataDir: join(work, 'platform') });
  let ingestMs;
  let sealedIngestMs;
  try {
    const config = {
      ...(await sdk.resolveConfig({ flags: { stage: 'local' }, env: {}, configFile: false })),
      endpoints: { dynamodb: platform.parts.dynamodb, kinesis: platform.parts.kinesis, s3: platform.parts.s3 },
      dataDir: platform.dataDir,
    };
    const clients = sdk.createAwsClients(config);
    const ingest = sdk.createIngest({ config, clients });
    let start = process.hrtime.bigint();
    const result = await ingest.run({ file: clip, titleId: 'bench', ladder: ladderName, wait: true });
    ingestMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 'READY') throw new Error(`ingest ended ${result.status}`);
    start = process.hrtime.bigint();
    const protectedResult = await ingest.run({
      file: clip,
      titleId: 'bench-sealed',
      ladder: ladderName,
      protection: 'aes-128',
      wait: true,
    });
    sealedIngestMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (protectedResult.protection?.scheme !== 'aes-128') throw new Error('the protected ingest is not sealed');
    clients.destroy();
  } finally {
    await platform.stop();
  }

  const report = {
    ladder: ladderName,
    rungs: ladder.rungs.length,
    clip: `${seconds} s 1080p`,
    ffmpeg: `${tools.source} (major ${tools.ffmpegMajorVersion})`,
    rounds,
    rawMedianMs: Math.round(median(raw)),
    sdkMedianMs: Math.round(median(viaSdk)),
    ratio: Math.round((median(viaSdk) / median(raw)) * 1000) / 1000,
    packagingMedianMs: Math.round(median(packaging)),
    packagingShare: Math.round((median(packaging) / median(raw)) * 1000) / 1000,
    target: TARGET,
    rotateEverySegments: rotate,
    keysPerSealedTranscode: keysIssued / rounds,
    sealedMedianMs: Math.round(median(sealed)),
    encryptionRatio: Math.round((median(sealed) / median(viaSdk)) * 1000) / 1000,
    encryptionTarget: TARGET,
    wholeIngestMs: Math.round(ingestMs),
    wholeSealedIngestMs: Math.round(sealedIngestMs),
  };
  if (json) console.log(JSON.stringify(report));
  else {
    console.log(
      `bench/ingest — ladder ${report.ladder} (${report.rungs} rungs), ${report.clip} clip, ffmpeg ${report.ffmpeg}`,
    );
    console.log(`  raw ffmpeg command   median ${(report.rawMedianMs / 1000).toFixed(2)} s over ${rounds} runs`);
    console.log(`  SDK transcoder       median ${(report.sdkMedianMs / 1000).toFixed(2)} s over ${rounds} runs`);
    console.log(
      `  ratio SDK/raw        ${report.ratio.toFixed(3)} (target ≤ ${TARGET}; the SDK's includes DASH, I-frame playlists, thumbnail track, measured master)`,
    );
    console.log(
      `  packaging alone      median ${report.packagingMedianMs} ms (${(report.packagingShare * 100).toFixed(1)}% of the raw command), run on the raw side's outputs`,
    );
    console.log(
      `  SDK with aes-128     median ${(report.sealedMedianMs / 1000).toFixed(2)} s (${report.keysPerSealedTranscode} key${report.keysPerSealedTranscode === 1 ? '' : 's'}, rotation ${rotate || 'none'})`,
    );
    console.log(`  ratio aes-128/clear  ${report.encryptionRatio.toFixed(3)} (target ≤ ${TARGET})`);
    console.log(
      `  whole ingest on the embedded platform: ${(report.wholeIngestMs / 1000).toFixed(2)} s clear, ${(report.wholeSealedIngestMs / 1000).toFixed(2)} s aes-128`,
    );
  }
  process.exitCode = report.ratio <= TARGET && report.encryptionRatio <= TARGET ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
