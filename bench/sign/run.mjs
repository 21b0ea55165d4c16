#!/usr/bin/env node
/**
 * bench/sign: signing rate of createPlaybackSigner(...).signUrl against raw
 * RSA-2048 SHA-1 signing by node:crypto with a parsed key, measured in the
 * same run (interleaved rounds, medians), and their ratio; target >= 0.90.
 * Also the rate of @aws-sdk/cloudfront-signer's getSignedUrl called per URL
 * with a PEM string, for comparison.
 *
 *   node bench/sign/run.mjs [--rounds 7] [--ms 400] [--json]
 *
 * Needs a build (`pnpm run build`).
 */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SDK = join(ROOT, 'packages', 'sdk');
const TARGET = 0.9;
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = opt('--rounds', 7);
const windowMs = opt('--ms', 400);
const json = args.includes('--json');

if (!existsSync(join(SDK, 'dist', 'index.js'))) {
  console.error('error: the SDK is not built; run `pnpm run build` first');
  process.exit(1);
}
const { createPlaybackSigner } = await import(pathToFileURL(join(SDK, 'dist', 'index.js')).href);
const { getSignedUrl } = createRequire(join(SDK, 'package.json'))('@aws-sdk/cloudfront-signer');

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const parsed = createPrivateKey(pem);
const keyPairId = 'K2JCJMDEHXQW5F';
const signer = createPlaybackSigner({ keyPairId, privateKey: pem });
const expiresAt = new Date(Date.now() + 3600_000);
let n = 0;
const nextUrl = () => `https://d111111abcdef8.cloudfront.net/titles/t${n++ % 1000}/master.m3u8?session=${n}`;
// The same bytes a canned policy signs, so the raw baseline does the same RSA work.
const policyFor = (url) =>
  `{"Statement":[{"Resource":"${url}","Condition":{"DateLessThan":{"AWS:EpochTime":${Math.round(expiresAt.getTime() / 1000)}}}}]}`;

const cases = {
  signer: () => signer.signUrl(nextUrl(), { expiresAt }),
  raw: () => sign('RSA-SHA1', Buffer.from(policyFor(nextUrl())), parsed).toString('base64'),
  cloudfrontSigner: () => getSignedUrl({ url: nextUrl(), keyPairId, privateKey: pem, dateLessThan: expiresAt }),
};

function rate(fn) {
  const end = performance.now() + windowMs;
  let count = 0;
  while (performance.now() < end) {
    fn();
    count++;
  }
  return (count * 1000) / windowMs;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

for (const fn of Object.values(cases)) rate(fn); // warm-up
const samples = { signer: [], raw: [], cloudfrontSigner: [] };
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of Object.entries(cases)) samples[name].push(rate(fn));
}
const result = {
  rounds,
  signerPerSec: Math.round(median(samples.signer)),
  rawRsaPerSec: Math.round(median(samples.raw)),
  cloudfrontSignerPerSec: Math.round(median(samples.cloudfrontSigner)),
};
result.ratio = Number((result.signerPerSec / result.rawRsaPerSec).toFixed(3));
result.target = TARGET;
result.pass = result.ratio >= TARGET;

if (json) console.log(JSON.stringify(result));
else {
  console.log(`createPlaybackSigner().signUrl       ${result.signerPerSec}/s (median of ${rounds} rounds)`);
  console.log(`raw RSA-2048 SHA-1, parsed key       ${result.rawRsaPerSec}/s`);
  console.log(
    `ratio signer/raw                     ${result.ratio} (target >= ${TARGET}): ${result.pass ? 'ok' : 'UNDER TARGET'}`,
  );
  console.log(`@aws-sdk/cloudfront-signer (PEM)     ${result.cloudfrontSignerPerSec}/s (for comparison)`);
}
process.exitCode = result.pass ? 0 : 1;
