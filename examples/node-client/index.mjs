#!/usr/bin/env node
/**
 * The server-side SDK in one script, against a running `streamctl dev`
 * (or any stage the usual configuration points at):
 *
 *   1. generate a short clip and ingest it (probe, upload, transcode, register);
 *   2. publish it everywhere;
 *   3. sign a playback URL and cookies for its HLS tree, and fetch the master through the edge;
 *   4. publish a batch of engagement events for a viewer;
 *   5. read that viewer's home rails once the workers have taken the events in.
 *
 *   node examples/node-client/index.mjs [--stage local] [--user node-viewer] [--country GB]
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureEdgeKeyPair } from '@streamctl/local';
import { createPlaybackSigner, findMediaTools, loadPlatform, titleResourcePattern } from '@streamctl/sdk';
import { readLocalPlatformState } from '@streamctl/sdk/local';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const stage = arg('stage', 'local');
const userId = arg('user', 'node-viewer');
const log = (step, text) => console.log(`${step.padEnd(10)} ${text}`);

const platform = await loadPlatform({ flags: { stage } });
const { config } = platform;
const work = mkdtempSync(join(tmpdir(), 'streamctl-node-client-'));
try {
  // 1. Ingest a generated clip.
  const tools = await findMediaTools(config.media);
  const clip = join(work, 'node-client.mp4');
  await promisify(execFile)(tools.ffmpeg, [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '4'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-shortest', clip],
  ]);
  const titleId = 'node-client-clip';
  const ingested = await platform.ingest.run(
    { file: clip, titleId, name: 'Node Client Clip', ladder: 'mobile', genres: ['documentary'], wait: true },
    { onStep: (step, detail) => log('ingest', `${step}: ${detail}`) },
  );
  log('ingest', `${ingested.titleId} is ${ingested.status} with ${ingested.renditions.length} renditions`);

  // 2. Publish everywhere.
  const published = await platform.publish.publish(titleId, { countries: 'ALL' });
  log('publish', `${published.status}, catalog event ${published.eventId}`);

  // 3. Sign a playback URL and cookies for the title's tree, and fetch the master through the edge.
  if (stage === 'local') {
    const edge = readLocalPlatformState(config.dataDir).parts.edge;
    const key = ensureEdgeKeyPair(config.dataDir);
    const signer = createPlaybackSigner({ keyPairId: key.keyPairId, privateKey: key.privateKeyPem });
    const manifest = `${edge}/${ingested.manifests.hls}`;
    const expiresAt = new Date(Date.now() + 3600_000);
    const url = signer.signUrl(manifest, { expiresAt, resource: titleResourcePattern(edge, titleId) });
    const res = await fetch(url);
    const body = await res.text();
    if (!res.ok || !body.startsWith('#EXTM3U')) throw new Error(`the edge answered ${res.status} for the signed URL`);
    log(
      'sign',
      `${url.slice(0, 90)}… → ${res.status}, ${body.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF')).length} variants`,
    );
  } else {
    log('sign', 'skipped: signing needs the stage key pair (see `streamctl sign`)');
  }

  // 4. A batch of engagement events for one viewer.
  const events = platform.events.publisher();
  const now = Date.now();
  const country = arg('country', 'GB');
  const base = { v: 1, userId, titleId, country, durationSec: 4, sessionId: randomUUID() };
  const batch = [
    { type: 'play', positionSec: 0 },
    { type: 'progress', positionSec: 2 },
    { type: 'like' },
    { type: 'pause', positionSec: 2 },
  ].map((e, i) => ({ ...base, ...e, id: randomUUID(), ts: new Date(now + i * 1000).toISOString() }));
  for (const e of batch) await events.publish(e);
  const undelivered = await events.close();
  if (undelivered.length) throw new Error(`${undelivered.length} events were not delivered`);
  log('events', `${batch.length} events delivered for ${userId}`);

  // 5. The viewer's home rails, once the workers have taken the events in.
  let home;
  for (let i = 0; i < 100; i++) {
    home = await platform.home.build({ userId, country });
    if (home.rails.some((r) => r.id === 'continue-watching')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const rail of home.rails) {
    log(
      'recs',
      `${rail.title}: ${rail.items
        .slice(0, 5)
        .map((i) => `${i.titleId} (${i.reason})`)
        .join(', ')}`,
    );
  }
  if (!home.rails.some((r) => r.id === 'continue-watching'))
    throw new Error('the progress did not reach continue watching');
} finally {
  rmSync(work, { recursive: true, force: true });
  platform.close();
}
