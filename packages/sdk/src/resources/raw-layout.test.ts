import { describe, expect, it } from 'vitest';
import { MASTERS_PREFIX, masterCaptionKey, masterKey } from './raw-layout.js';

describe('the raw bucket layout', () => {
  const sha256 = '3f2a9c1d00112233445566778899aabbccddeeff00112233445566778899aabb';

  it('puts a master under its title and the start of its SHA-256, captions beside it', () => {
    const key = masterKey('t1', sha256, 'film.mov');
    expect(key).toBe('masters/t1/3f2a9c1d00112233/film.mov');
    expect(key.startsWith(MASTERS_PREFIX)).toBe(true);
    expect(masterCaptionKey(key, 1, 'pt-BR')).toBe('masters/t1/3f2a9c1d00112233/captions/2_pt-BR.vtt');
  });
});
