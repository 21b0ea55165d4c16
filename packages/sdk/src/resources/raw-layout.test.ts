import { describe, expect, it } from 'vitest';
import {
  MASTER_KEY_PATTERN,
  MASTER_KEY_TITLE_SEGMENT,
  MASTERS_PREFIX,
  masterCaptionKey,
  masterKey,
} from './raw-layout.js';

describe('the raw bucket layout', () => {
  const sha256 = '3f2a9c1d00112233445566778899aabbccddeeff00112233445566778899aabb';

  it('puts a master under its title and the start of its SHA-256, captions beside it', () => {
    const key = masterKey('t1', sha256, 'film.mov');
    expect(key).toBe('masters/t1/3f2a9c1d00112233/film.mov');
    expect(key.startsWith(MASTERS_PREFIX)).toBe(true);
    expect(key.split('/')[MASTER_KEY_TITLE_SEGMENT]).toBe('t1');
    expect(masterCaptionKey(key, 1, 'pt-BR')).toBe('masters/t1/3f2a9c1d00112233/captions/2_pt-BR.vtt');
  });

  it('gives the CDK workflow a pattern every master key matches', () => {
    const glob = new RegExp(`^${MASTER_KEY_PATTERN.replaceAll('*', '.*')}$`);
    expect(glob.test(masterKey('t1', sha256, 'film.mov'))).toBe(true);
    expect(glob.test('masters/t1/film.mov')).toBe(false);
  });
});
