import { execFileSync, spawnSync } from 'node:child_process';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as kms from '@aws-sdk/client-kms';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstModel } from '../../../../test/aws-model.js';
import { videoFramesDecoded } from '../../../../test/media.js';
import { resolveConfig } from '../config/index.js';
import type { ContentKey } from '../transcoder/index.js';
import {
  createKmsKeyWrapper,
  createLocalKeyWrapper,
  encryptHlsRenditions,
  ensureLocalKek,
  keyPath,
  keyWrapperFor,
  localKekFile,
  sequenceIv,
} from './index.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const work = mkdtempSync(join(tmpdir(), 'streamctl-protection-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const decrypt = (data: Uint8Array, key: Uint8Array, iv: Uint8Array) => {
  const d = createDecipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([d.update(data), d.final()]);
};

/** Frames ffprobe decodes from an fMP4 init section followed by one media segment (0 when it cannot). */
function framesDecoded(init: Buffer, segment: Buffer, name: string): number {
  const file = join(work, `${name}.mp4`);
  writeFileSync(file, Buffer.concat([init, segment]));
  return videoFramesDecoded(file);
}

describe('key wrappers', () => {
  it('the local wrapper round-trips a key, bound to its title and key id', async () => {
    const wrapper = createLocalKeyWrapper(randomBytes(32));
    const key = randomBytes(16);
    const blob = await wrapper.wrap(key, { titleId: 't1', keyId: 'a'.repeat(32) });
    expect(Buffer.from(blob).includes(key)).toBe(false);
    expect(Buffer.from(await wrapper.unwrap(blob, { titleId: 't1', keyId: 'a'.repeat(32) }))).toEqual(key);
    // Moved to another title, or another key id, it does not unwrap.
    await expect(wrapper.unwrap(blob, { titleId: 't2', keyId: 'a'.repeat(32) })).rejects.toThrow(/does not unwrap/);
    await expect(wrapper.unwrap(blob, { titleId: 't1', keyId: 'b'.repeat(32) })).rejects.toThrow(/does not unwrap/);
    // Another key-encryption key cannot read it either.
    await expect(
      createLocalKeyWrapper(randomBytes(32)).unwrap(blob, { titleId: 't1', keyId: 'a'.repeat(32) }),
    ).rejects.toThrow(/does not unwrap/);
  });

  it('the local key-encryption key is made once per data dir, mode 0600, and kept', () => {
    const dataDir = join(work, 'data');
    const first = ensureLocalKek(dataDir);
    expect(first).toHaveLength(32);
    expect(ensureLocalKek(dataDir)).toEqual(first);
    expect(statSync(localKekFile(dataDir)).mode & 0o777).toBe(0o600);
    writeFileSync(localKekFile(dataDir), 'short\n');
    expect(() => ensureLocalKek(dataDir)).toThrow(/not 32 bytes/);
  });

  it('the KMS wrapper binds the key to its title with an encryption context, in requests that fit the KMS model', async () => {
    const mock = mockClient(KMSClient);
    const key = randomBytes(16);
    const sealed = randomBytes(64);
    mock.on(EncryptCommand).resolves({ CiphertextBlob: sealed }).on(DecryptCommand).resolves({ Plaintext: key });
    const wrapper = createKmsKeyWrapper(
      () => new KMSClient({ region: 'eu-west-1' }),
      'alias/streamctl-prod-content-keys',
    );
    const context = { titleId: 't1', keyId: 'c'.repeat(32) };
    expect(await wrapper.wrap(key, context)).toEqual(sealed);
    expect(Buffer.from(await wrapper.unwrap(sealed, context))).toEqual(key);
    const encrypt = mock.commandCalls(EncryptCommand)[0]?.args[0].input;
    const decryptCall = mock.commandCalls(DecryptCommand)[0]?.args[0].input;
    expect(encrypt).toMatchObject({ KeyId: 'alias/streamctl-prod-content-keys', EncryptionContext: context });
    expect(decryptCall).toMatchObject({ KeyId: 'alias/streamctl-prod-content-keys', EncryptionContext: context });
    const problems: string[] = [];
    checkAgainstModel(encrypt, kms.EncryptRequest$, 'Encrypt', problems);
    checkAgainstModel(decryptCall, kms.DecryptRequest$, 'Decrypt', problems);
    expect(problems).toEqual([]);
    // A refusal from KMS is a typed error naming the operation.
    mock.on(DecryptCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(wrapper.unwrap(sealed, context)).rejects.toMatchObject({ name: 'AwsServiceError' });
    mock.restore();
  });

  it('a stage picks KMS when it names a key, the data dir locally, and refuses an AWS stage without one', async () => {
    const dataDir = join(work, 'stage');
    const local = await resolveConfig({ env: { STREAMCTL_DATA_DIR: dataDir }, cwd: work });
    expect(keyWrapperFor(local, { kms: () => new KMSClient({}) }).id).toMatch(/^local:[0-9a-f]{16}$/);
    const prod = await resolveConfig({ env: { STREAMCTL_STAGE: 'prod', STREAMCTL_REGION: 'eu-west-1' }, cwd: work });
    expect(() => keyWrapperFor(prod, { kms: () => new KMSClient({}) })).toThrow(/no KMS key for content keys/);
    const withKey = await resolveConfig({
      env: {
        STREAMCTL_STAGE: 'prod',
        STREAMCTL_REGION: 'eu-west-1',
        STREAMCTL_PROTECTION_KMS_KEY_ID: 'alias/streamctl-prod-content-keys',
      },
      cwd: work,
    });
    expect(keyWrapperFor(withKey, { kms: () => new KMSClient({}) }).id).toBe('kms:alias/streamctl-prod-content-keys');
    await expect(resolveConfig({ env: { STREAMCTL_PROTECTION_KMS_KEY_ID: 'not a key' }, cwd: work })).rejects.toThrow(
      /STREAMCTL_PROTECTION_KMS_KEY_ID/,
    );
  });
});

describe.skipIf(!hasFfmpeg)('HLS AES-128 encryption', () => {
  const out = join(work, 'hls');
  const rungs = ['low', 'high'];
  const clear: Record<string, Buffer> = {};
  beforeAll(() => {
    // Two aligned rungs of 1-second fMP4 segments, as the transcoder writes them.
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '5'],
      ...['-filter_complex', '[0:v]split=2[a][b];[b]scale=160:90[c]'],
      ...[
        '-map',
        '[a]',
        '-map',
        '[c]',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-g',
        '25',
        '-keyint_min',
        '25',
        '-sc_threshold',
        '0',
      ],
      ...['-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4'],
      ...[
        '-var_stream_map',
        'v:0,name:high v:1,name:low',
        '-hls_segment_filename',
        `${out}/%v/seg_%05d.m4s`,
        `${out}/%v/index.m3u8`,
      ],
    ]);
    for (const r of rungs) {
      for (const f of readdirSync(join(out, r))) clear[`${r}/${f}`] = readFileSync(join(out, r, f));
    }
  });

  it('seals every segment with the key of its period, IV = media sequence, key tags after the init section', async () => {
    const issued: ContentKey[] = [];
    const keyIds = await encryptHlsRenditions(
      rungs.map((r) => join(out, r, 'index.m3u8')),
      {
        nextKey: async () => {
          const k = { keyId: randomBytes(16).toString('hex'), key: randomBytes(16) };
          issued.push(k);
          return k;
        },
        keyUri: (keyId) => keyPath('t1', keyId),
        rotateEverySegments: 2,
      },
    );
    // 5 one-second segments, a key every 2: three keys, shared by both rungs.
    expect(keyIds).toEqual(issued.map((k) => k.keyId));
    expect(keyIds).toHaveLength(3);
    for (const r of rungs) {
      const playlist = readFileSync(join(out, r, 'index.m3u8'), 'utf8');
      const lines = playlist.split('\n');
      const keyLines = lines.filter((l) => l.startsWith('#EXT-X-KEY'));
      expect(keyLines).toEqual(keyIds.map((id) => `#EXT-X-KEY:METHOD=AES-128,URI="/v1/keys/t1/${id}"`));
      expect(lines.findIndex((l) => l.startsWith('#EXT-X-MAP'))).toBeLessThan(lines.indexOf(keyLines[0] as string));
      // Each key tag stands right before the EXTINF of the first segment of its period.
      const segments = lines.filter((l) => l.endsWith('.m4s'));
      expect(segments).toHaveLength(5);
      for (const [k, line] of keyLines.entries()) {
        const at = lines.indexOf(line);
        expect(lines[at + 1]).toMatch(/^#EXTINF/);
        expect(lines[at + 2]).toBe(segments[k * 2]);
      }
      const initName = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1] as string;
      const init = readFileSync(join(out, r, initName));
      expect(init).toEqual(clear[`${r}/${initName}`]);
      for (const [n, name] of segments.entries()) {
        const sealed = readFileSync(join(out, r, name));
        const original = clear[`${r}/${name}`] as Buffer;
        expect(sealed.equals(original)).toBe(false);
        const key = issued[Math.floor(n / 2)] as ContentKey;
        // Without the key nothing decodes; with it, the very bytes ffmpeg wrote come back and play.
        expect(framesDecoded(init, sealed, `${r}-${n}-sealed`)).toBe(0);
        const opened = decrypt(sealed, key.key, sequenceIv(n));
        expect(opened.equals(original)).toBe(true);
        expect(framesDecoded(init, opened, `${r}-${n}-opened`)).toBeGreaterThan(0);
      }
    }
  }, 30_000);

  it('refuses a playlist that is encrypted already, and one naming a segment outside its folder', async () => {
    const nextKey = async () => ({ keyId: 'd'.repeat(32), key: randomBytes(16) });
    const options = { nextKey, keyUri: (id: string) => keyPath('t1', id), rotateEverySegments: 0 };
    await expect(encryptHlsRenditions([join(out, 'low', 'index.m3u8')], options)).rejects.toThrow(/encrypted already/);
    const outside = join(work, 'escape.m3u8');
    for (const uri of ['/etc/passwd', '../../etc/passwd', 'file:///etc/passwd']) {
      writeFileSync(outside, `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n${uri}\n#EXT-X-ENDLIST\n`);
      await expect(encryptHlsRenditions([outside], options)).rejects.toThrow(/outside its folder/);
    }
  });
});
